package io.github.astreg.sink.jdbc;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;

/**
 * The SQL dialects the JDBC sink speaks. Detected from {@link DatabaseMetaData#getDatabaseProductName()}
 * unless {@link JdbcSinkConfig#dialect()} names one.
 */
public enum JdbcDialect {
    /** PostgreSQL 10 or newer: {@code INSERT ... ON CONFLICT ... DO UPDATE ... WHERE}. */
    POSTGRESQL("postgresql"),
    /**
     * MariaDB 10.5+ and MySQL 8.0+: {@code INSERT ... ON DUPLICATE KEY UPDATE col = IF(newer, ...)}.
     */
    MYSQL("mysql"),
    /** H2 2.x in its regular mode: {@code MERGE INTO ... USING ... WHEN MATCHED AND newer}. */
    H2("h2");

    private final String folder;

    JdbcDialect(String folder) {
        this.folder = folder;
    }

    /** The folder of this dialect's DDL scripts in the jar: {@code db/astreg/<folder>/}. */
    public String folder() {
        return folder;
    }

    /**
     * Reads a dialect name as written in configuration: {@code postgresql} (or {@code postgres},
     * {@code pg}), {@code mysql} (or {@code mariadb}), {@code h2}; case-insensitive.
     *
     * @throws IllegalArgumentException naming the value when it is none of these
     */
    public static JdbcDialect parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "postgresql":
            case "postgres":
            case "pg":
                return POSTGRESQL;
            case "mysql":
            case "mariadb":
                return MYSQL;
            case "h2":
                return H2;
            default:
                throw new IllegalArgumentException(
                        "unknown dialect '" + text + "' (use postgresql, mariadb, mysql or h2)");
        }
    }

    /** The dialect of a database product name, such as {@code PostgreSQL}, {@code MariaDB}, {@code H2}. */
    public static Optional<JdbcDialect> ofProductName(String productName) {
        String p = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (p.contains("postgres")) {
            return Optional.of(POSTGRESQL);
        }
        if (p.contains("mariadb") || p.contains("mysql")) {
            return Optional.of(MYSQL);
        }
        if (p.equals("h2")) {
            return Optional.of(H2);
        }
        return Optional.empty();
    }

    /**
     * Detects the dialect of a connection.
     *
     * @throws SQLException when the metadata cannot be read
     * @throws IllegalStateException when the database is none of the supported ones
     */
    public static JdbcDialect detect(DatabaseMetaData metaData) throws SQLException {
        String name = metaData.getDatabaseProductName();
        return ofProductName(name)
                .orElseThrow(() -> new IllegalStateException("unsupported database '" + name
                        + "': astreg-sink-jdbc speaks PostgreSQL, MariaDB/MySQL and H2"));
    }
}
