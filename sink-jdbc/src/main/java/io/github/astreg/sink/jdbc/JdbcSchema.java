package io.github.astreg.sink.jdbc;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.RetriableAstregException;
import io.github.astreg.sink.jdbc.internal.JdbcErrors;
import io.github.astreg.sink.jdbc.internal.Scripts;
import io.github.astreg.sink.jdbc.internal.SqlDialect;
import io.github.astreg.sink.jdbc.internal.Tables;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades astreg's tables and the {@code <prefix>location} view.
 *
 * <p>The DDL lives in the jar as Flyway-style versioned scripts, one folder per dialect:
 * {@code db/astreg/postgresql/V1__astreg_schema.sql}, {@code db/astreg/mysql/...},
 * {@code db/astreg/h2/...}. They use the placeholder {@code ${prefix}} (Flyway:
 * {@code flyway.placeholders.prefix=astreg_}), and every statement is idempotent ({@code IF NOT
 * EXISTS}, {@code CREATE OR REPLACE VIEW}), so Flyway users can run them instead of
 * {@link #migrate}.
 *
 * <p>{@link #migrate} records applied versions in {@code <prefix>schema_version} and applies the
 * missing ones. Two collectors starting at once are serialized by a lock: PostgreSQL
 * {@code pg_advisory_xact_lock} (the whole migration is one transaction, DDL included), MySQL and
 * MariaDB {@code GET_LOCK}, H2 a lock inside this JVM; the idempotent DDL covers the rest. It then
 * stores the configured {@code staleAfter} in {@code <prefix>setting}, which the view reads.
 */
public final class JdbcSchema {
    private static final Logger log = LoggerFactory.getLogger(JdbcSchema.class);

    /** A versioned script: {@code V<version>__<description>.sql}. */
    private record Migration(int version, String description) {
        String resource(JdbcDialect dialect) {
            return "db/astreg/" + dialect.folder() + "/V" + version + "__" + description + ".sql";
        }
    }

    private static final List<Migration> MIGRATIONS = List.of(new Migration(1, "astreg_schema"));

    /** The newest schema version this library knows. */
    public static final int CURRENT_VERSION = 1;

    private static final ReentrantLock H2_LOCK = new ReentrantLock();
    private static final int LOCK_TIMEOUT_SECONDS = 60;

    private JdbcSchema() {}

    /** {@link #migrate(DataSource, JdbcSinkConfig)} with the default prefix {@code astreg_} and staleAfter 30 s. */
    public static int migrate(DataSource dataSource) {
        return migrate(dataSource, JdbcSinkConfig.defaults());
    }

    /**
     * Applies every script newer than what the database has, under a lock, and stores
     * {@code config.staleAfter()} for the view.
     *
     * @return how many scripts were applied (0 when the schema was current)
     * @throws RetriableAstregException when the database is unreachable or the lock was not granted in time
     * @throws AstregException when a script fails
     */
    public static int migrate(DataSource dataSource, JdbcSinkConfig config) {
        Tables tables = new Tables(config.tablePrefix());
        try (Connection c = dataSource.getConnection()) {
            JdbcDialect dialect =
                    config.dialect().isPresent() ? config.dialect().get() : JdbcDialect.detect(c.getMetaData());
            switch (dialect) {
                case POSTGRESQL:
                    return migratePostgres(c, tables, config);
                case MYSQL:
                    return migrateMySql(c, tables, config);
                default:
                    return migrateH2(c, tables, config);
            }
        } catch (SQLException e) {
            throw JdbcErrors.wrap("schema migration of prefix " + config.tablePrefix(), e);
        }
    }

    /** The text of one of the jar's scripts for a dialect and prefix (what {@link #migrate} runs). */
    public static String script(JdbcDialect dialect, int version, String prefix) {
        Migration m = MIGRATIONS.stream()
                .filter(x -> x.version() == version)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no schema version " + version));
        JdbcSinkConfig.builder().tablePrefix(prefix).build(); // validates the prefix
        return Scripts.load(m.resource(dialect), prefix);
    }

    private static int migratePostgres(Connection c, Tables tables, JdbcSinkConfig config) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setQueryTimeout(LOCK_TIMEOUT_SECONDS);
                lock.setLong(1, lockKey(tables.prefix()));
                lock.execute();
            }
            int applied = apply(c, JdbcDialect.POSTGRESQL, tables, config);
            c.commit();
            return applied;
        } catch (SQLException | RuntimeException e) {
            rollback(c);
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static int migrateMySql(Connection c, Tables tables, JdbcSinkConfig config) throws SQLException {
        String name = "astreg_schema:" + tables.prefix();
        try (PreparedStatement lock = c.prepareStatement("SELECT GET_LOCK(?, ?)")) {
            lock.setString(1, name);
            lock.setInt(2, LOCK_TIMEOUT_SECONDS);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next() || rs.getInt(1) != 1) {
                    throw new RetriableAstregException("jdbc: schema migration lock " + name + " not granted within "
                            + LOCK_TIMEOUT_SECONDS + "s (another collector is migrating?)");
                }
            }
        }
        try {
            // MySQL commits DDL implicitly: each statement is its own transaction, made safe by IF NOT EXISTS
            return apply(c, JdbcDialect.MYSQL, tables, config);
        } finally {
            try (PreparedStatement unlock = c.prepareStatement("SELECT RELEASE_LOCK(?)")) {
                unlock.setString(1, name);
                unlock.execute();
            } catch (SQLException e) {
                log.warn("jdbc: could not release lock {}: {}", name, JdbcErrors.describe(e));
            }
        }
    }

    private static int migrateH2(Connection c, Tables tables, JdbcSinkConfig config) throws SQLException {
        try {
            if (!H2_LOCK.tryLock(LOCK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new RetriableAstregException(
                        "jdbc: schema migration lock not granted within " + LOCK_TIMEOUT_SECONDS + "s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetriableAstregException("jdbc: interrupted while waiting for the schema migration lock", e);
        }
        boolean autoCommit = c.getAutoCommit();
        try {
            c.setAutoCommit(false);
            int applied = apply(c, JdbcDialect.H2, tables, config);
            c.commit();
            return applied;
        } catch (SQLException | RuntimeException e) {
            rollback(c);
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
            H2_LOCK.unlock();
        }
    }

    private static int apply(Connection c, JdbcDialect dialect, Tables tables, JdbcSinkConfig config)
            throws SQLException {
        SqlDialect sql = SqlDialect.of(dialect);
        try (Statement s = c.createStatement()) {
            s.execute(sql.createVersionTable(tables));
        }
        int current = 0;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT MAX(version) FROM " + tables.schemaVersion())) {
            if (rs.next()) {
                current = rs.getInt(1);
            }
        }
        if (current > CURRENT_VERSION) {
            log.warn(
                    "jdbc: schema {} is at version {}, newer than this library's {}; leaving it as it is",
                    tables.prefix(),
                    current,
                    CURRENT_VERSION);
        }
        int applied = 0;
        for (Migration m : MIGRATIONS) {
            if (m.version() <= current) {
                continue;
            }
            String resource = m.resource(dialect);
            List<String> statements = Scripts.statements(Scripts.load(resource, tables.prefix()));
            try (Statement s = c.createStatement()) {
                for (String statement : statements) {
                    try {
                        s.execute(statement);
                    } catch (SQLException e) {
                        throw new AstregException(
                                "jdbc: " + resource + " failed at: " + shorten(statement) + ": "
                                        + JdbcErrors.describe(e),
                                e);
                    }
                }
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + tables.schemaVersion()
                    + " (version, description, installed_at) VALUES (?, ?, ?)")) {
                ins.setInt(1, m.version());
                ins.setString(2, m.description());
                sql.setInstant(ins, 3, Clock.systemUTC().instant());
                ins.executeUpdate();
            }
            log.info("jdbc: applied {} (prefix {})", resource, tables.prefix());
            applied++;
        }
        try (PreparedStatement up =
                c.prepareStatement("UPDATE " + tables.setting() + " SET stale_after_ms = ? WHERE id = 1")) {
            up.setLong(1, config.staleAfter().toMillis());
            up.executeUpdate();
        }
        return applied;
    }

    private static String shorten(String statement) {
        String s = statement.replaceAll("\\s+", " ");
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            log.debug("jdbc: rollback failed: {}", JdbcErrors.describe(e));
        }
    }

    /** A stable 64-bit key for the advisory lock of one prefix (FNV-1a). */
    static long lockKey(String prefix) {
        long h = 0xcbf29ce484222325L;
        for (byte b : ("astreg_schema:" + prefix).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
