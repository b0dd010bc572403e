package io.github.astreg.sink.jdbc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** DataSources for tests: in-memory H2, and the loopback PostgreSQL and MariaDB of the brief. */
final class Databases {
    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?reWriteBatchedInserts=true&connectTimeout=3";
    static final String PG_USER = "postgres";
    static final String MARIADB_URL =
            "jdbc:mariadb://127.0.0.1:3306/test?rewriteBatchedStatements=true&connectTimeout=3000";
    static final String MARIADB_USER = "root";

    private Databases() {}

    /** A fresh private in-memory H2 database. */
    static DataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:astreg-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        return ds;
    }

    /** A table prefix no other run uses. */
    static String uniquePrefix() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    }

    static boolean requireServices() {
        return Boolean.parseBoolean(System.getProperty("astreg.requireServices", "false"));
    }

    /** Skips the test (or fails it when services are required) when the server does not answer. */
    static void assumeReachable(String url, String user, String what) {
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            c.isValid(2);
        } catch (SQLException e) {
            if (requireServices()) {
                throw new AssertionError(what + " required (astreg.requireServices=true) but unreachable: " + e, e);
            }
            assumeTrue(false, what + " not reachable at " + url + ": " + e.getMessage());
        }
    }

    static HikariDataSource postgres(String poolName) {
        assumeReachable(PG_URL, PG_USER, "PostgreSQL");
        return pool(PG_URL, PG_USER, poolName);
    }

    static HikariDataSource mariadb(String poolName) {
        assumeReachable(MARIADB_URL, MARIADB_USER, "MariaDB");
        return pool(MARIADB_URL, MARIADB_USER, poolName);
    }

    static HikariDataSource pool(String url, String user, String poolName) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setUsername(user);
        c.setPassword("");
        c.setPoolName(poolName);
        c.setMaximumPoolSize(4);
        c.setConnectionTimeout(5_000);
        c.setInitializationFailTimeout(-1);
        if (url.startsWith("jdbc:postgresql")) {
            c.addDataSourceProperty("ApplicationName", poolName);
        }
        return new HikariDataSource(c);
    }

    /** Drops every object of a prefix (view first). */
    static void drop(DataSource ds, String prefix) {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP VIEW IF EXISTS " + prefix + "location");
            for (String t : List.of("node", "contact", "endpoint", "event", "setting", "schema_version")) {
                s.execute("DROP TABLE IF EXISTS " + prefix + t);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cleanup of " + prefix + " failed", e);
        }
    }
}
