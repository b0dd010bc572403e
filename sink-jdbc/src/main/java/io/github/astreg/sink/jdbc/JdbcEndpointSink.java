package io.github.astreg.sink.jdbc;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.RetriableAstregException;
import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.ObservationKey;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.sink.jdbc.internal.JdbcErrors;
import io.github.astreg.sink.jdbc.internal.SqlDialect;
import io.github.astreg.sink.jdbc.internal.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the registry's changes into SQL tables ({@code <prefix>node}, {@code <prefix>contact},
 * {@code <prefix>endpoint}, optionally {@code <prefix>event}); see {@link JdbcSchema} for the DDL
 * and the module README for the table contract.
 *
 * <pre>{@code
 * JdbcEndpointSink sink = JdbcEndpointSink.builder(dataSource, JdbcSinkConfig.defaults()).build();
 * Pipeline pipeline = Pipeline.builder(registry).sink(sink).build();
 * }</pre>
 *
 * <p><b>Writes.</b> Each {@link #write} is one transaction: node upserts, then endpoint upserts, then
 * contact upserts, each one JDBC batch sorted by primary key (so concurrent collectors lock rows in
 * the same order), then the history rows. Any failure rolls the whole batch back and is thrown as
 * {@link RetriableAstregException} (connection lost, deadlock, timeout...) or
 * {@link AstregException}; the pipeline retries it. A conflict with a concurrent writer (deadlock,
 * serialization failure, a unique-key race of H2's {@code MERGE}) is retried right away, up to 5
 * attempts, each in a fresh transaction. Batches are sent as multi-row statements when
 * the driver is told to: PostgreSQL {@code reWriteBatchedInserts=true}, MariaDB/MySQL
 * {@code rewriteBatchedStatements=true} in the JDBC URL.
 *
 * <p><b>Versions (R3).</b> Every upsert is guarded inside SQL: a row changes only when the incoming
 * {@code (observedAt, sequence)} is strictly newer than the stored one, so replays, retries and a
 * second collector writing the same node in another order leave the same rows. Endpoint state and
 * device state are separate keys with separate versions in one row; an endpoint REMOVED newer than
 * the device state clears it, and a device change not newer than a stored endpoint removal is
 * ignored, as in {@link io.github.astreg.core.registry.InMemoryEndpointRegistry}. REMOVED contacts
 * and REMOVED endpoints stay as tombstones (status {@code REMOVED}) until they are older than
 * {@link JdbcSinkConfig#tombstoneRetention()}; node changes {@code SNAPSHOT_BEGIN} and
 * {@code SNAPSHOT_END} are not stored (the registry turns them into removals). Times are stored
 * with microsecond precision.
 *
 * <p><b>Purge.</b> At most every {@link JdbcSinkConfig#purgeInterval()}, after a successful write,
 * the sink deletes old tombstones and history rows in a separate transaction; a failed purge is
 * logged and retried at the next interval. {@link #purge()} runs it on demand.
 *
 * <p><b>Threading.</b> The sink starts no thread. {@link #write} runs on the caller's thread (in a
 * pipeline: {@code astreg-sink-<name>}) and must not be called concurrently; commit listeners (see
 * {@link #registry()}) run on that thread after the commit. The {@link DataSource} is the user's:
 * {@link #close()} does not close it.
 */
public final class JdbcEndpointSink implements EndpointSink {
    private static final Logger log = LoggerFactory.getLogger(JdbcEndpointSink.class);
    /** Attempts of one batch when transactions of concurrent writers conflict. */
    private static final int CONFLICT_ATTEMPTS = 5;

    private final DataSource dataSource;
    private final JdbcSinkConfig config;
    private final Clock clock;
    private final Tables tables;
    private final CopyOnWriteArrayList<Consumer<List<EndpointStateEvent>>> commitListeners =
            new CopyOnWriteArrayList<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong purged = new AtomicLong();
    private volatile SqlDialect dialect;
    private volatile boolean closed;
    private Instant nextPurge;

    private JdbcEndpointSink(Builder b) {
        this.dataSource = b.dataSource;
        this.config = b.config;
        this.clock = b.clock;
        this.tables = new Tables(config.tablePrefix());
        this.dialect = config.dialect().map(SqlDialect::of).orElse(null);
        this.nextPurge = clock.instant().plus(config.purgeInterval());
    }

    /** Starts a builder: the DataSource and config are required, a {@link Clock} optional. */
    public static Builder builder(DataSource dataSource, JdbcSinkConfig config) {
        return new Builder(dataSource, config);
    }

    public JdbcSinkConfig config() {
        return config;
    }

    @Override
    public String name() {
        return config.name();
    }

    /**
     * Runs {@link JdbcSchema#migrate(DataSource, JdbcSinkConfig)} when {@link JdbcSinkConfig#migrate()}
     * is set, and detects the dialect. Throws when the database is unreachable; the pipeline retries.
     */
    @Override
    public void start() {
        ensureOpen();
        if (config.migrate()) {
            JdbcSchema.migrate(dataSource, config);
        }
        dialect();
    }

    /**
     * Writes one batch in one transaction, all or nothing (see the class comment).
     *
     * @throws RetriableAstregException when the database is unreachable or the transaction was aborted
     * @throws AstregException for any other database error
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public void write(List<EndpointStateEvent> batch) {
        ensureOpen();
        if (batch.isEmpty()) {
            return;
        }
        SqlDialect sql = dialect();
        Rows r = Rows.of(batch);
        for (int attempt = 1; ; attempt++) {
            try {
                writeOnce(sql, r, batch);
                break;
            } catch (SQLException e) {
                if (attempt < CONFLICT_ATTEMPTS && JdbcErrors.isConflict(e)) {
                    // another collector's transaction got in the way (deadlock, serialization
                    // failure, H2's MERGE racing an insert): the rolled back batch is retried at once
                    log.debug("jdbc sink {}: conflict, attempt {}: {}", name(), attempt, JdbcErrors.describe(e));
                    continue;
                }
                failures.incrementAndGet();
                throw JdbcErrors.wrap("write of " + batch.size() + " changes (rolled back)", e);
            }
        }
        batches.incrementAndGet();
        rows.addAndGet(r.size());
        notifyCommitted(batch);
        Instant now = clock.instant();
        if (!now.isBefore(nextPurge)) {
            nextPurge = now.plus(config.purgeInterval());
            try {
                purge();
            } catch (AstregException e) {
                log.warn(
                        "jdbc sink {}: purge failed, next try in {}: {}",
                        name(),
                        config.purgeInterval(),
                        e.getMessage());
            }
        }
    }

    private void writeOnce(SqlDialect sql, Rows r, List<EndpointStateEvent> batch) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            try {
                c.setAutoCommit(false);
                writeNodes(c, sql, r.nodes);
                writeEndpoints(c, sql, r.endpoints);
                writeContacts(c, sql, r.contacts);
                if (config.history()) {
                    writeHistory(c, sql, batch);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c);
                throw e;
            } finally {
                restore(c, autoCommit);
            }
        }
    }

    /**
     * Deletes tombstones (REMOVED contacts, endpoints REMOVED with no device state) older than
     * {@link JdbcSinkConfig#tombstoneRetention()} and, when history is on, history rows older than
     * {@link JdbcSinkConfig#historyRetention()}, in one transaction.
     *
     * @return how many rows were deleted
     */
    public int purge() {
        ensureOpen();
        SqlDialect sql = dialect();
        Instant now = clock.instant();
        Instant tombstonesBefore = now.minus(config.tombstoneRetention());
        int deleted = 0;
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            try {
                c.setAutoCommit(false);
                try (PreparedStatement ps = prepare(
                        c, "DELETE FROM " + tables.contact() + " WHERE status = 'REMOVED' AND observed_at < ?")) {
                    sql.setInstant(ps, 1, tombstonesBefore);
                    deleted += ps.executeUpdate();
                }
                try (PreparedStatement ps = prepare(
                        c,
                        "DELETE FROM " + tables.endpoint()
                                + " WHERE (endpoint_state IS NULL OR endpoint_state = 'REMOVED') AND device_state IS NULL"
                                + " AND observed_at < ? AND device_observed_at < ?")) {
                    sql.setInstant(ps, 1, tombstonesBefore);
                    sql.setInstant(ps, 2, tombstonesBefore);
                    deleted += ps.executeUpdate();
                }
                if (config.history()) {
                    try (PreparedStatement ps =
                            prepare(c, "DELETE FROM " + tables.event() + " WHERE recorded_at < ?")) {
                        sql.setInstant(ps, 1, now.minus(config.historyRetention()));
                        deleted += ps.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c);
                throw e;
            } finally {
                restore(c, autoCommit);
            }
        } catch (SQLException e) {
            throw JdbcErrors.wrap("purge", e);
        }
        purged.addAndGet(deleted);
        if (deleted > 0) {
            log.debug("jdbc sink {}: purged {} rows", name(), deleted);
        }
        return deleted;
    }

    /**
     * A registry over this sink's tables whose {@link JdbcEndpointRegistry#subscribe} delivers the
     * changes this sink commits. Shares the DataSource, config and clock.
     */
    public JdbcEndpointRegistry registry() {
        return JdbcEndpointRegistry.builder(dataSource, config)
                .clock(clock)
                .changesFrom(this)
                .build();
    }

    /**
     * Counters for metrics, values that only grow: {@code batches}, {@code rows} written, {@code
     * failures} and {@code purged} rows. Does not wait for a write in progress.
     */
    @Override
    public Map<String, Long> counters() {
        return Map.of(
                "batches", batches.get(),
                "rows", rows.get(),
                "failures", failures.get(),
                "purged", purged.get());
    }

    /** Marks the sink closed; the DataSource is the user's and stays open. Idempotent. */
    @Override
    public void close() {
        closed = true;
        commitListeners.clear();
    }

    @Override
    public String toString() {
        return "JdbcEndpointSink[" + name() + ", prefix " + config.tablePrefix() + "]";
    }

    // ------------------------------------------------------------------ internals

    /** Adds a listener for committed batches; used by {@link JdbcEndpointRegistry}. */
    Runnable onCommit(Consumer<List<EndpointStateEvent>> listener) {
        commitListeners.add(listener);
        return () -> commitListeners.remove(listener);
    }

    private void notifyCommitted(List<EndpointStateEvent> batch) {
        for (Consumer<List<EndpointStateEvent>> l : commitListeners) {
            try {
                l.accept(batch);
            } catch (RuntimeException e) {
                log.warn("jdbc sink {}: commit listener failed", name(), e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("jdbc sink " + name() + " is closed");
        }
    }

    private SqlDialect dialect() {
        SqlDialect d = dialect;
        if (d == null) {
            try (Connection c = dataSource.getConnection()) {
                d = SqlDialect.of(JdbcDialect.detect(c.getMetaData()));
            } catch (SQLException e) {
                throw JdbcErrors.wrap("dialect detection", e);
            }
            dialect = d;
        }
        return d;
    }

    private PreparedStatement prepare(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        ps.setQueryTimeout((int) Math.max(1, config.queryTimeout().toSeconds()));
        return ps;
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            log.debug("jdbc: rollback failed: {}", JdbcErrors.describe(e));
        }
    }

    private static void restore(Connection c, boolean autoCommit) {
        try {
            c.setAutoCommit(autoCommit);
        } catch (SQLException e) {
            log.debug("jdbc: could not restore autoCommit: {}", JdbcErrors.describe(e));
        }
    }

    private void writeNodes(Connection c, SqlDialect sql, List<EndpointStateEvent> nodes) throws SQLException {
        if (nodes.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        try (PreparedStatement ps = prepare(c, sql.upsertNode(tables))) {
            for (EndpointStateEvent e : nodes) {
                NodeChange n = (NodeChange) e.change();
                ps.setString(1, e.node().value());
                ps.setString(2, n.status().name());
                setString(ps, 3, n.collector());
                sql.setInstant(ps, 4, e.observedAt());
                ps.setLong(5, e.sequence());
                sql.setInstant(ps, 6, n.startedAt().orElse(null));
                sql.setInstant(ps, 7, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void writeEndpoints(Connection c, SqlDialect sql, List<EndpointRow> endpoints) throws SQLException {
        if (endpoints.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = prepare(c, sql.upsertEndpoint(tables))) {
            for (EndpointRow row : endpoints) {
                ps.setString(1, row.node);
                ps.setString(2, row.endpoint);
                if (row.state != null) {
                    EndpointChange ec = (EndpointChange) row.state.change();
                    ps.setString(3, ec.state().name());
                    if (ec.channels().isPresent() && ec.state() != EndpointState.REMOVED) {
                        ps.setInt(4, ec.channels().getAsInt());
                    } else {
                        ps.setNull(4, Types.INTEGER);
                    }
                    sql.setInstant(ps, 5, row.state.observedAt());
                    ps.setLong(6, row.state.sequence());
                } else {
                    ps.setNull(3, Types.VARCHAR);
                    ps.setNull(4, Types.INTEGER);
                    sql.setInstant(ps, 5, Instant.EPOCH);
                    ps.setLong(6, 0);
                }
                if (row.device != null) {
                    ps.setString(7, ((DeviceChange) row.device.change()).state().name());
                    sql.setInstant(ps, 8, row.device.observedAt());
                    ps.setLong(9, row.device.sequence());
                } else if (row.deviceClearedBy != null) {
                    ps.setNull(7, Types.VARCHAR);
                    sql.setInstant(ps, 8, row.deviceClearedBy.observedAt());
                    ps.setLong(9, row.deviceClearedBy.sequence());
                } else {
                    ps.setNull(7, Types.VARCHAR);
                    sql.setInstant(ps, 8, Instant.EPOCH);
                    ps.setLong(9, 0);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void writeContacts(Connection c, SqlDialect sql, List<EndpointStateEvent> contacts) throws SQLException {
        if (contacts.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = prepare(c, sql.upsertContact(tables))) {
            for (EndpointStateEvent e : contacts) {
                ContactChange cc = (ContactChange) e.change();
                boolean removed = cc.status() == ContactStatus.REMOVED;
                ps.setString(1, e.node().value());
                ps.setString(2, cc.endpoint().toString());
                ps.setString(3, cc.uri());
                setString(ps, 4, removed ? Optional.empty() : cc.aor());
                if (!removed && cc.address().isPresent()) {
                    ps.setString(5, cc.address().get().host());
                    ps.setInt(6, cc.address().get().port());
                } else {
                    ps.setNull(5, Types.VARCHAR);
                    ps.setNull(6, Types.INTEGER);
                }
                setString(ps, 7, removed ? Optional.empty() : cc.userAgent());
                ps.setString(8, cc.status().name());
                setMicros(ps, 9, removed ? Optional.empty() : cc.rtt());
                setMicros(ps, 10, removed ? Optional.empty() : cc.jitter());
                sql.setInstant(ps, 11, removed ? null : cc.expiresAt().orElse(null));
                sql.setInstant(ps, 12, removed ? null : cc.registeredAt().orElse(null));
                sql.setInstant(ps, 13, e.observedAt());
                ps.setLong(14, e.sequence());
                if (sql.bindsUriHash()) {
                    ps.setBytes(15, SqlDialect.uriHash(cc.uri()));
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void writeHistory(Connection c, SqlDialect sql, List<EndpointStateEvent> batch) throws SQLException {
        Instant now = clock.instant();
        try (PreparedStatement ps = prepare(c, sql.insertEvent(tables))) {
            for (EndpointStateEvent e : batch) {
                ObservationKey key = e.key();
                sql.setInstant(ps, 1, now);
                ps.setString(2, e.node().value());
                ps.setString(3, e.kind().jsonName());
                setString(ps, 4, e.endpoint().map(Object::toString));
                setString(ps, 5, key.uri().isEmpty() ? Optional.empty() : Optional.of(key.uri()));
                sql.setInstant(ps, 6, e.observedAt());
                ps.setLong(7, e.sequence());
                ps.setString(8, EventJson.write(e));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void setString(PreparedStatement ps, int index, Optional<String> value) throws SQLException {
        if (value.isPresent()) {
            ps.setString(index, value.get());
        } else {
            ps.setNull(index, Types.VARCHAR);
        }
    }

    private static void setMicros(PreparedStatement ps, int index, Optional<Duration> value) throws SQLException {
        if (value.isPresent()) {
            ps.setLong(index, toMicros(value.get()));
        } else {
            ps.setNull(index, Types.BIGINT);
        }
    }

    private static long toMicros(Duration d) {
        return d.getSeconds() * 1_000_000L + d.getNano() / 1_000;
    }

    /** The endpoint part and the device part of one (node, endpoint) row; either may be absent. */
    private static final class EndpointRow {
        final String node;
        final String endpoint;
        EndpointStateEvent state;
        EndpointStateEvent device;
        /** An endpoint removal that clears the device state (device part NULL at its version). */
        EndpointStateEvent deviceClearedBy;

        EndpointRow(String node, String endpoint) {
            this.node = node;
            this.endpoint = endpoint;
        }
    }

    /** A batch split by table, newest change per key, sorted by primary key. */
    private static final class Rows {
        final List<EndpointStateEvent> nodes = new ArrayList<>();
        final List<EndpointRow> endpoints = new ArrayList<>();
        final List<EndpointStateEvent> contacts = new ArrayList<>();

        int size() {
            return nodes.size() + endpoints.size() + contacts.size();
        }

        static Rows of(List<EndpointStateEvent> batch) {
            // the pipeline sends one change per key; a caller that sends more gets the newest
            Map<ObservationKey, EndpointStateEvent> newest = new HashMap<>();
            for (EndpointStateEvent e : batch) {
                Objects.requireNonNull(e, "batch contains null");
                newest.merge(e.key(), e, (a, b) -> b.version().isNewerThan(a.version()) ? b : a);
            }
            Rows r = new Rows();
            Map<List<String>, EndpointRow> endpointRows = new HashMap<>();
            List<Map.Entry<ObservationKey, EndpointStateEvent>> contacts = new ArrayList<>();
            for (Map.Entry<ObservationKey, EndpointStateEvent> entry : newest.entrySet()) {
                EndpointStateEvent e = entry.getValue();
                if (e.change() instanceof NodeChange n) {
                    if (n.status() == NodeStatus.UP || n.status() == NodeStatus.DOWN) {
                        r.nodes.add(e);
                    }
                } else if (e.change() instanceof ContactChange) {
                    contacts.add(entry);
                } else if (e.change() instanceof EndpointChange ec) {
                    endpointRows.computeIfAbsent(
                                    List.of(e.node().value(), ec.endpoint().toString()),
                                    k -> new EndpointRow(k.get(0), k.get(1)))
                            .state = e;
                } else if (e.change() instanceof DeviceChange dc) {
                    endpointRows.computeIfAbsent(
                                    List.of(e.node().value(), dc.endpoint().toString()),
                                    k -> new EndpointRow(k.get(0), k.get(1)))
                            .device = e;
                }
            }
            for (EndpointRow row : endpointRows.values()) {
                // An endpoint removal hides device state older than itself (the registry's removedAt):
                // written as a device part (NULL, removal version), so the stored device version is
                // max(device, removal) whichever of the two a store sees first.
                if (row.state != null
                        && ((EndpointChange) row.state.change()).state() == EndpointState.REMOVED
                        && (row.device == null || !row.device.version().isNewerThan(row.state.version()))) {
                    row.device = null;
                    row.deviceClearedBy = row.state;
                }
                r.endpoints.add(row);
            }
            r.nodes.sort(Comparator.comparing(e -> e.node().value()));
            r.endpoints.sort(
                    Comparator.<EndpointRow, String>comparing(x -> x.node).thenComparing(x -> x.endpoint));
            // the key holds the endpoint and uri as strings already: sort on those
            contacts.sort(Comparator.comparing((Map.Entry<ObservationKey, EndpointStateEvent> x) ->
                            x.getKey().node().value())
                    .thenComparing(x -> x.getKey().endpoint())
                    .thenComparing(x -> x.getKey().uri()));
            contacts.forEach(x -> r.contacts.add(x.getValue()));
            return r;
        }
    }

    /** Builds a {@link JdbcEndpointSink}. */
    public static final class Builder {
        private final DataSource dataSource;
        private final JdbcSinkConfig config;
        private Clock clock = Clock.systemUTC();

        private Builder(DataSource dataSource, JdbcSinkConfig config) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The clock for {@code updated_at}, history {@code recorded_at} and purge cut-offs. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        public JdbcEndpointSink build() {
            return new JdbcEndpointSink(this);
        }
    }
}
