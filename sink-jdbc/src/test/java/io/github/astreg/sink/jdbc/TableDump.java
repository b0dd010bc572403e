package io.github.astreg.sink.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/** Reads tables back for comparisons, and waits for conditions. */
final class TableDump {
    private TableDump() {}

    /** Every row of a table as text, in primary key order. */
    static List<String> dump(DataSource ds, String table, String orderBy) {
        List<String> rows = new ArrayList<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY " + orderBy)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.append(md.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT))
                            .append('=')
                            .append(v instanceof byte[] b ? Arrays.toString(b) : String.valueOf(v))
                            .append(' ');
                }
                rows.add(row.toString());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("dump of " + table + " failed", e);
        }
        return rows;
    }

    /** node, contact and endpoint tables of a prefix. */
    static List<String> dumpAll(DataSource ds, String prefix) {
        List<String> out = new ArrayList<>();
        out.addAll(dump(ds, prefix + "node", "node"));
        out.addAll(dump(ds, prefix + "contact", "node, endpoint, uri"));
        out.addAll(dump(ds, prefix + "endpoint", "node, endpoint"));
        return out;
    }

    static long count(DataSource ds, String sql) {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed", e);
        }
    }

    /** Polls until the condition holds; false when the timeout passed first. */
    static boolean pollUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
