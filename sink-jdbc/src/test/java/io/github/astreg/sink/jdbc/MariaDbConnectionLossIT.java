package io.github.astreg.sink.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link ConnectionLossSuite} on MariaDB: {@code KILL} of the pool's connections, found by their
 * private database (the processlist shows no program name without performance_schema).
 */
class MariaDbConnectionLossIT extends ConnectionLossSuite {
    @Override
    protected HikariDataSource openPool() {
        Databases.assumeReachable(Databases.MARIADB_URL, Databases.MARIADB_USER, "MariaDB");
        admin("CREATE DATABASE IF NOT EXISTS " + tag + " CHARACTER SET utf8mb4");
        return Databases.pool(Databases.MARIADB_URL.replace("/test?", "/" + tag + "?"), Databases.MARIADB_USER, tag);
    }

    @Override
    protected int killConnections() {
        try (Connection admin = DriverManager.getConnection(Databases.MARIADB_URL, Databases.MARIADB_USER, "");
                PreparedStatement ps = admin.prepareStatement(
                        "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()")) {
            ps.setString(1, tag);
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            int killed = 0;
            try (Statement s = admin.createStatement()) {
                for (long id : ids) {
                    try {
                        s.execute("KILL CONNECTION " + id);
                        killed++;
                    } catch (SQLException e) {
                        // already gone
                    }
                }
            }
            return killed;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void cleanUp() {
        admin("DROP DATABASE IF EXISTS " + tag);
    }

    private static void admin(String sql) {
        try (Connection c = DriverManager.getConnection(Databases.MARIADB_URL, Databases.MARIADB_USER, "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed", e);
        }
    }
}
