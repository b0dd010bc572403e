package io.github.astreg.benchmarks.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The real stores the benchmarks write to, on loopback, with unique names per run and cleanup: a
 * PostgreSQL table prefix {@code bench_<hex>_} whose tables are dropped after, a Redis key prefix
 * {@code astreg-bench-<uuid>:} whose keys are deleted after.
 */
public final class BenchStores {
    /** Default PostgreSQL URL: database {@code test}, user {@code postgres}, batched inserts rewritten. */
    public static final String DEFAULT_JDBC =
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&reWriteBatchedInserts=true";

    /** Default Redis URI. */
    public static final String DEFAULT_REDIS = "redis://127.0.0.1:6379";

    private BenchStores() {}

    /** {@code -Dastreg.bench.jdbc}, else {@link #DEFAULT_JDBC}. */
    public static String jdbcUrl() {
        return System.getProperty("astreg.bench.jdbc", DEFAULT_JDBC);
    }

    /** {@code -Dastreg.bench.redis}, else {@link #DEFAULT_REDIS}. */
    public static String redisUri() {
        return System.getProperty("astreg.bench.redis", DEFAULT_REDIS);
    }

    /** A fresh table prefix, {@code bench_<10 hex>_}. */
    public static String tablePrefix() {
        return "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    }

    /** A fresh key prefix, {@code astreg-bench-<uuid>:}. */
    public static String keyPrefix() {
        return "astreg-bench-" + UUID.randomUUID() + ":";
    }

    /** A HikariCP pool of {@code size} connections; fails within 5 s when the database is unreachable. */
    public static HikariDataSource pool(String url, String name, int size) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(1);
        hc.setPoolName(name);
        hc.setInitializationFailTimeout(5_000);
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new IllegalStateException("PostgreSQL is not reachable at " + url + ": " + e.getMessage(), e);
        }
    }

    /** Drops every table (and with them the view) whose name starts with {@code prefix}. */
    public static void dropTables(DataSource ds, String prefix) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            List<String> tables = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                            + " AND table_type = 'BASE TABLE' AND table_name LIKE ?")) {
                ps.setString(1, prefix.replace("_", "\\_") + "%");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                for (String t : tables) {
                    st.execute("DROP TABLE IF EXISTS " + t.toLowerCase(Locale.ROOT) + " CASCADE");
                }
            }
        }
    }

    /** A standalone client for {@code uri}; throws when Redis does not answer PING. */
    public static UnifiedJedis redis(String uri) {
        URI u = URI.create(uri);
        UnifiedJedis client = RedisClient.builder()
                .hostAndPort(new HostAndPort(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort()))
                .build();
        try {
            client.ping();
        } catch (RuntimeException e) {
            client.close();
            throw new IllegalStateException("Redis is not reachable at " + uri + ": " + e.getMessage(), e);
        }
        return client;
    }

    /** Deletes every key that starts with {@code prefix}; returns how many. */
    public static long deleteKeys(UnifiedJedis client, String prefix) {
        long deleted = 0;
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams params = new ScanParams().match(prefix + "*").count(1000);
        do {
            ScanResult<String> page = client.scan(cursor, params);
            if (!page.getResult().isEmpty()) {
                deleted += client.unlink(page.getResult().toArray(new String[0]));
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return deleted;
    }
}
