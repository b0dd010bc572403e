package io.github.astreg.examples.run;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.examples.config.NodeSettings;
import io.github.astreg.examples.config.RunnerConfig;
import io.github.astreg.examples.config.Secrets;
import io.github.astreg.examples.config.StoreSettings;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSchema;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import io.github.astreg.sink.redis.RedisEndpointRegistry;
import io.github.astreg.sink.redis.RedisEndpointSink;
import io.github.astreg.sink.redis.RedisSinkConfig;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.source.ari.AriEndpointSource;
import io.github.astreg.source.ari.AriSourceConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real {@link AdapterFactory}: AMI nodes through source-ami, ARI nodes through source-ari, SQL
 * through sink-jdbc over a HikariCP pool the runner owns, Redis through sink-redis.
 *
 * <p>How config keys reach the adapters: a node block's keys and its {@code options:} go to
 * {@code AmiSourceConfig.fromMap} / {@code AriSourceConfig.fromMap} with {@code node} set to the
 * node's id ({@code app} becomes ARI's {@code application}); {@code tuning.contactPollInterval}
 * becomes every AMI node's {@code contactPollInterval} unless its options set one. A store's
 * {@code tablePrefix} / {@code keyPrefix} and {@code options:} go to {@code JdbcSinkConfig.fromMap} /
 * {@code RedisSinkConfig.fromMap} with {@code staleAfter} and {@code tombstoneRetention} taken from
 * {@code tuning} (so store and registry agree); the JDBC pool reads {@code poolSize} (default 4) and
 * {@code connectTimeout} (default 5s) from the JDBC options.
 */
public final class Adapters implements AdapterFactory {

    @Override
    public EndpointEventSource source(NodeSettings node, RunnerConfig config) {
        Map<String, String> m = new LinkedHashMap<>(node.settings());
        m.put("node", node.id().value());
        if (node.protocol() == NodeSettings.Protocol.AMI) {
            config.contactPollInterval().ifPresent(d -> m.put("contactPollInterval", d.toMillis() + "ms"));
            m.putAll(node.options());
            return AmiEndpointSource.create(AmiSourceConfig.fromMap(m));
        }
        String app = m.remove("app");
        if (app != null) {
            m.put("application", app);
        }
        m.putAll(node.options());
        return AriEndpointSource.builder(AriSourceConfig.fromMap(m)).build();
    }

    @Override
    public PreparedStore store(StoreKind kind, StoreSettings store, RunnerConfig config) {
        return kind == StoreKind.JDBC ? new JdbcStore(store, config) : new RedisStore(store, config);
    }

    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    /** sink-jdbc over a HikariCP pool created (and closed) here. */
    private static final class JdbcStore implements PreparedStore {
        private final StoreSettings settings;
        private final JdbcSinkConfig sinkConfig;
        private final int poolSize;
        private final Duration connectTimeout;
        private HikariDataSource dataSource;
        private JdbcEndpointSink sink;

        JdbcStore(StoreSettings settings, RunnerConfig config) {
            this.settings = settings;
            List<String> errors = new ArrayList<>();
            Map<String, String> options = new LinkedHashMap<>(settings.options());
            String pool = options.remove("poolSize");
            int size = 4;
            if (pool != null) {
                try {
                    size = Integer.parseInt(pool.trim());
                    if (size < 1 || size > 200) {
                        errors.add("options.poolSize: must be 1..200, was " + pool);
                    }
                } catch (NumberFormatException e) {
                    errors.add("options.poolSize: must be a number, was '" + pool + "'");
                }
            }
            this.poolSize = size;
            String ct = options.remove("connectTimeout");
            Duration timeout = Duration.ofSeconds(5);
            if (ct != null) {
                try {
                    timeout = io.github.astreg.core.registry.Durations.parse(ct);
                    if (timeout.toMillis() < 250) {
                        errors.add("options.connectTimeout: must be at least 250ms, was " + ct);
                    }
                } catch (IllegalArgumentException e) {
                    errors.add("options.connectTimeout: " + e.getMessage());
                }
            }
            this.connectTimeout = timeout;
            Map<String, String> m = new LinkedHashMap<>();
            m.put("staleAfter", millis(config.registry().staleAfter()));
            m.put("tombstoneRetention", millis(config.registry().tombstoneRetention()));
            if (settings.get("tablePrefix") != null) {
                m.put("tablePrefix", settings.get("tablePrefix"));
            }
            m.putAll(options);
            JdbcSinkConfig c = null;
            try {
                c = JdbcSinkConfig.fromMap(m);
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException(
                        "invalid jdbc config: " + String.join("; ", errors).replace("invalid jdbc sink config: ", ""));
            }
            this.sinkConfig = c;
        }

        @Override
        public String describe() {
            return "jdbc store " + Secrets.redactUrl(settings.get("url"));
        }

        @Override
        public void open() {
            HikariConfig h = new HikariConfig();
            h.setJdbcUrl(settings.get("url"));
            if (settings.get("username") != null) {
                h.setUsername(settings.get("username"));
            }
            if (settings.get("password") != null) {
                h.setPassword(settings.get("password"));
            }
            h.setPoolName("astreg-jdbc");
            h.setMaximumPoolSize(poolSize);
            h.setMinimumIdle(1);
            h.setConnectionTimeout(connectTimeout.toMillis());
            h.setInitializationFailTimeout(-1); // checked below, with one clear message
            try {
                dataSource = new HikariDataSource(h);
            } catch (RuntimeException e) {
                throw new StoreUnavailableException(describe() + " cannot be used: " + rootMessage(e), e);
            }
            try (Connection c = dataSource.getConnection()) {
                if (!c.isValid((int) Math.max(1, connectTimeout.toSeconds()))) {
                    throw new SQLException("connection is not valid");
                }
            } catch (SQLException | RuntimeException e) {
                close();
                throw new StoreUnavailableException(describe() + " is unreachable: " + rootMessage(e), e);
            }
            if (sinkConfig.migrate()) {
                // now rather than when the sink starts: the pipeline first seeds the registry from
                // these tables, and on a first run they must be there (empty) to be read
                try {
                    JdbcSchema.migrate(dataSource, sinkConfig);
                } catch (RuntimeException e) {
                    close();
                    throw new StoreUnavailableException(
                            describe() + ": creating or upgrading the tables failed: " + rootMessage(e), e);
                }
            }
            sink = JdbcEndpointSink.builder(dataSource, sinkConfig).build();
        }

        @Override
        public EndpointSink sink() {
            requireOpen();
            return sink;
        }

        @Override
        public EndpointRegistry registry() {
            requireOpen();
            return sink.registry();
        }

        private void requireOpen() {
            if (sink == null) {
                throw new IllegalStateException(describe() + " is not open");
            }
        }

        @Override
        public synchronized void close() {
            if (sink != null) {
                sink.close();
            }
            if (dataSource != null) {
                dataSource.close();
            }
        }
    }

    /** sink-redis; the sink and the registry each own their client. */
    private static final class RedisStore implements PreparedStore {
        private final StoreSettings settings;
        private final RedisSinkConfig sinkConfig;
        private RedisEndpointSink sink;
        private RedisEndpointRegistry registry;

        RedisStore(StoreSettings settings, RunnerConfig config) {
            this.settings = settings;
            Map<String, String> m = new LinkedHashMap<>();
            m.put("staleAfter", millis(config.registry().staleAfter()));
            m.put("tombstoneRetention", millis(config.registry().tombstoneRetention()));
            copy(settings, "uri", "uri", m);
            copy(settings, "username", "user", m);
            copy(settings, "password", "password", m);
            copy(settings, "keyPrefix", "keyPrefix", m);
            m.putAll(settings.options());
            this.sinkConfig = RedisSinkConfig.fromMap(m);
        }

        private static void copy(StoreSettings s, String from, String to, Map<String, String> m) {
            if (s.get(from) != null) {
                m.put(to, s.get(from));
            }
        }

        @Override
        public String describe() {
            return "redis store " + Secrets.redactUrl(String.valueOf(settings.get("uri")));
        }

        @Override
        public void open() {
            registry = RedisEndpointRegistry.builder(sinkConfig).build();
            try {
                registry.nodes();
            } catch (RuntimeException e) {
                close();
                throw new StoreUnavailableException(describe() + " is unreachable: " + rootMessage(e), e);
            }
            sink = RedisEndpointSink.builder(sinkConfig).build();
        }

        @Override
        public EndpointSink sink() {
            if (sink == null) {
                throw new IllegalStateException(describe() + " is not open");
            }
            return sink;
        }

        @Override
        public EndpointRegistry registry() {
            if (registry == null) {
                throw new IllegalStateException(describe() + " is not open");
            }
            return registry;
        }

        @Override
        public synchronized void close() {
            if (sink != null) {
                sink.close();
            }
            if (registry != null) {
                registry.close();
            }
        }
    }
}
