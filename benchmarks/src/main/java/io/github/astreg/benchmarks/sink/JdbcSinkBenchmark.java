package io.github.astreg.benchmarks.sink;

import com.zaxxer.hikari.HikariDataSource;
import io.github.astreg.benchmarks.store.BenchStores;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * sink-jdbc against the real PostgreSQL on {@code 127.0.0.1:5432} (database {@code test}, user
 * {@code postgres}; override with {@code -Dastreg.bench.jdbc=<url>}), next to two hand-written
 * baselines in the same run, all writing the same rows of the same tables through the same HikariCP
 * pool (2 connections, {@code reWriteBatchedInserts=true}). One operation is one change; one
 * invocation writes {@value #BATCH} changes from {@link ChangeStream} (7 contact refreshes, 3 device
 * states per 10).
 *
 * <ul>
 *   <li>{@code astregSink}: {@link JdbcEndpointSink#write}, one transaction per batch.
 *   <li>{@code autocommitUpsert}: one version-guarded {@code INSERT ... ON CONFLICT DO UPDATE ...
 *       WHERE newer} per change, autocommit (one commit, so one WAL flush, per change).
 *   <li>{@code batchUpsert}: the same statements as a JDBC batch per table, one transaction per batch.
 * </ul>
 *
 * <p>Every run creates its tables under a unique prefix ({@code bench_<hex>_}) and drops them at the end.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class JdbcSinkBenchmark {
    /** Changes per invocation: the pipeline's default batch size. */
    public static final int BATCH = 500;

    @Param({"10000"})
    public int endpoints;

    private HikariDataSource dataSource;
    private JdbcEndpointSink sink;
    private ChangeStream stream;
    private String prefix;
    private String contactUpsert;
    private String deviceUpsert;
    private List<EndpointStateEvent> batch;

    @Setup(Level.Trial)
    public void setUp() throws SQLException {
        dataSource = BenchStores.pool(BenchStores.jdbcUrl(), "astreg-bench-jdbc", 2);
        prefix = BenchStores.tablePrefix();
        sink = JdbcEndpointSink.builder(
                        dataSource,
                        JdbcSinkConfig.builder()
                                .name("bench")
                                .tablePrefix(prefix)
                                .build())
                .build();
        sink.start();
        contactUpsert = "INSERT INTO " + prefix + "contact AS t (node, endpoint, uri, aor, host, port, user_agent,"
                + " status, rtt_us, jitter_us, expires_at, registered_at, observed_at, seq)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (node, endpoint, uri) DO UPDATE SET aor = EXCLUDED.aor, host = EXCLUDED.host,"
                + " port = EXCLUDED.port, user_agent = EXCLUDED.user_agent, status = EXCLUDED.status,"
                + " rtt_us = EXCLUDED.rtt_us, jitter_us = EXCLUDED.jitter_us, expires_at = EXCLUDED.expires_at,"
                + " registered_at = EXCLUDED.registered_at, observed_at = EXCLUDED.observed_at, seq = EXCLUDED.seq"
                + " WHERE EXCLUDED.observed_at > t.observed_at"
                + " OR (EXCLUDED.observed_at = t.observed_at AND EXCLUDED.seq > t.seq)";
        deviceUpsert = "INSERT INTO " + prefix + "endpoint AS t (node, endpoint, observed_at, seq, device_state,"
                + " device_observed_at, device_seq) VALUES (?, ?, ?, 0, ?, ?, ?)"
                + " ON CONFLICT (node, endpoint) DO UPDATE SET device_state = EXCLUDED.device_state,"
                + " device_observed_at = EXCLUDED.device_observed_at, device_seq = EXCLUDED.device_seq"
                + " WHERE EXCLUDED.device_observed_at > t.device_observed_at"
                + " OR (EXCLUDED.device_observed_at = t.device_observed_at AND EXCLUDED.device_seq > t.device_seq)";
        stream = new ChangeStream(endpoints, 1);
        List<EndpointStateEvent> initial = stream.initialContacts();
        for (int i = 0; i < initial.size(); i += BATCH) {
            sink.write(initial.subList(i, Math.min(initial.size(), i + BATCH)));
        }
    }

    @Setup(Level.Invocation)
    public void nextBatch() {
        batch = stream.nextBatch(BATCH);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws SQLException {
        try {
            if (sink != null) {
                sink.close();
            }
            BenchStores.dropTables(dataSource, prefix);
        } finally {
            dataSource.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void astregSink() {
        sink.write(batch);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void autocommitUpsert() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement contact = c.prepareStatement(contactUpsert);
                PreparedStatement device = c.prepareStatement(deviceUpsert)) {
            c.setAutoCommit(true);
            for (EndpointStateEvent e : batch) {
                if (e.change() instanceof ContactChange cc) {
                    bindContact(contact, e, cc);
                    contact.executeUpdate();
                } else {
                    bindDevice(device, e, (DeviceChange) e.change());
                    device.executeUpdate();
                }
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void batchUpsert() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement contact = c.prepareStatement(contactUpsert);
                    PreparedStatement device = c.prepareStatement(deviceUpsert)) {
                for (EndpointStateEvent e : batch) {
                    if (e.change() instanceof ContactChange cc) {
                        bindContact(contact, e, cc);
                        contact.addBatch();
                    } else {
                        bindDevice(device, e, (DeviceChange) e.change());
                        device.addBatch();
                    }
                }
                device.executeBatch();
                contact.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException ex) {
                c.rollback();
                throw ex;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static void bindContact(PreparedStatement ps, EndpointStateEvent e, ContactChange c) throws SQLException {
        ps.setString(1, e.node().value());
        ps.setString(2, c.endpoint().toString());
        ps.setString(3, c.uri());
        setString(ps, 4, c.aor());
        if (c.address().isPresent()) {
            ps.setString(5, c.address().get().host());
            ps.setInt(6, c.address().get().port());
        } else {
            ps.setNull(5, Types.VARCHAR);
            ps.setNull(6, Types.INTEGER);
        }
        setString(ps, 7, c.userAgent());
        ps.setString(8, c.status().name());
        setMicros(ps, 9, c.rtt());
        setMicros(ps, 10, c.jitter());
        setTime(ps, 11, c.expiresAt());
        setTime(ps, 12, c.registeredAt());
        ps.setObject(13, time(e.observedAt()));
        ps.setLong(14, e.sequence());
    }

    private static void bindDevice(PreparedStatement ps, EndpointStateEvent e, DeviceChange d) throws SQLException {
        ps.setString(1, e.node().value());
        ps.setString(2, d.endpoint().toString());
        ps.setObject(3, time(Instant.EPOCH));
        ps.setString(4, d.state().name());
        ps.setObject(5, time(e.observedAt()));
        ps.setLong(6, e.sequence());
    }

    private static OffsetDateTime time(Instant i) {
        return OffsetDateTime.ofInstant(i.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    private static void setString(PreparedStatement ps, int i, Optional<String> v) throws SQLException {
        if (v.isPresent()) {
            ps.setString(i, v.get());
        } else {
            ps.setNull(i, Types.VARCHAR);
        }
    }

    private static void setMicros(PreparedStatement ps, int i, Optional<java.time.Duration> v) throws SQLException {
        if (v.isPresent()) {
            ps.setLong(i, v.get().toNanos() / 1000);
        } else {
            ps.setNull(i, Types.BIGINT);
        }
    }

    private static void setTime(PreparedStatement ps, int i, Optional<Instant> v) throws SQLException {
        if (v.isPresent()) {
            ps.setObject(i, time(v.get()));
        } else {
            ps.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
        }
    }
}
