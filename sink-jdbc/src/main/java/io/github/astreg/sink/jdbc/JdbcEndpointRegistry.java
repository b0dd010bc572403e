package io.github.astreg.sink.jdbc;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.RegistryListener;
import io.github.astreg.core.registry.Subscription;
import io.github.astreg.sink.jdbc.internal.JdbcErrors;
import io.github.astreg.sink.jdbc.internal.SqlDialect;
import io.github.astreg.sink.jdbc.internal.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side over the tables {@link JdbcEndpointSink} writes: answers by the same rules as
 * {@link io.github.astreg.core.registry.InMemoryEndpointRegistry} (R2 location, R4 expiry, R5
 * staleness with {@link JdbcSinkConfig#staleAfter()}, R7 device state aggregation), with "now" taken
 * from the injected {@link Clock}. Any collector's rows count, so every node of the cluster reads
 * the same answer. The {@code <prefix>location} view computes the same R2 with the database's clock
 * for dialplans.
 *
 * <p>Differences to the in-memory registry, all caused by what a sink receives: RTT statistics
 * hold only the newest sample and the jitter the registry computed ({@code min = max = last};
 * {@code samples} is 2 when a jitter is known, else 1), and times have microsecond precision.
 *
 * <p>{@link #subscribe} delivers the changes committed by the {@link JdbcEndpointSink} this registry
 * was built with ({@link JdbcEndpointSink#registry()} or {@link Builder#changesFrom}), on that sink's
 * thread right after each commit, including changes the version guard turned into no-ops. Changes
 * written by other processes are not delivered (there is no polling); a registry built without a
 * sink delivers nothing.
 *
 * <p>Threading: thread-safe and thread-free; every call borrows one connection from the
 * DataSource. Database failures throw {@link io.github.astreg.core.RetriableAstregException} (for
 * example connection lost) or {@link io.github.astreg.core.AstregException}.
 */
public final class JdbcEndpointRegistry implements EndpointRegistry {
    private static final Logger log = LoggerFactory.getLogger(JdbcEndpointRegistry.class);

    private final DataSource dataSource;
    private final JdbcSinkConfig config;
    private final Clock clock;
    private final Tables tables;
    private final Duration staleAfter;
    private final JdbcEndpointSink source;
    private final CopyOnWriteArrayList<RegistryListener> listeners = new CopyOnWriteArrayList<>();
    /** Removes this registry from its sink's commit listeners; set while anyone subscribes. */
    private Runnable detach;

    private final java.util.concurrent.atomic.AtomicLong malformedRows = new java.util.concurrent.atomic.AtomicLong();
    private volatile SqlDialect dialect;

    private JdbcEndpointRegistry(Builder b) {
        this.dataSource = b.dataSource;
        this.config = b.config;
        this.clock = b.clock;
        this.tables = new Tables(config.tablePrefix());
        this.staleAfter = config.staleAfter();
        this.source = b.sink;
        this.dialect = config.dialect().map(SqlDialect::of).orElse(null);
    }

    /** Starts a builder: the DataSource and config (prefix, staleAfter, dialect) are required. */
    public static Builder builder(DataSource dataSource, JdbcSinkConfig config) {
        return new Builder(dataSource, config);
    }

    // ------------------------------------------------------------------ R2

    @Override
    public Optional<Location> locate(EndpointId endpoint) {
        List<Location> all = locateAll(endpoint);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    @Override
    public List<Location> locateAll(EndpointId endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        Instant now = clock.instant();
        String sql = "SELECT c.node, c.uri, c.status, c.host, c.port, c.rtt_us, c.registered_at,"
                + " n.status AS node_status, n.heartbeat_at AS node_heartbeat_at"
                + " FROM " + tables.contact() + " c LEFT JOIN " + tables.node() + " n ON n.node = c.node"
                + " WHERE c.endpoint = ? AND c.status NOT IN ('REMOVED', 'UNREACHABLE')"
                + " AND (c.expires_at IS NULL OR c.expires_at > ?)";
        return query(
                "locate " + endpoint,
                sql,
                (ps, d) -> {
                    ps.setString(1, endpoint.toString());
                    d.setInstant(ps, 2, now);
                },
                (rs, d) -> {
                    List<Candidate> candidates = new ArrayList<>();
                    while (rs.next()) {
                        try {
                            NodeId node = NodeId.of(rs.getString("node"));
                            ContactStatus.valueOf(rs.getString("status")); // a hand-edited status is skipped
                            boolean stale =
                                    isStale(rs.getString("node_status"), d.getInstant(rs, "node_heartbeat_at"), now);
                            Instant registeredAt = orEpoch(d.getInstant(rs, "registered_at"));
                            Location location = new Location(
                                    node, rs.getString("uri"), address(rs), micros(rs, "rtt_us"), registeredAt);
                            candidates.add(new Candidate(location, stale));
                        } catch (IllegalArgumentException e) {
                            malformed(e);
                        }
                    }
                    candidates.sort(BEST_FIRST);
                    return candidates.stream().map(Candidate::location).toList();
                });
    }

    private record Candidate(Location location, boolean stale) {}

    /** R2: nodes that are not stale first, newest registration first, then node id, then URI. */
    private static final Comparator<Candidate> BEST_FIRST = Comparator.comparing(Candidate::stale)
            .thenComparing(c -> c.location().registeredAt(), Comparator.reverseOrder())
            .thenComparing(c -> c.location().node())
            .thenComparing(c -> c.location().uri());

    // ------------------------------------------------------------------ find

    @Override
    public Optional<EndpointRecord> find(EndpointId endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        Instant now = clock.instant();
        SqlDialect d = dialect();
        TreeMap<NodeId, PresenceBuilder> nodes = new TreeMap<>();
        try (Connection c = dataSource.getConnection()) {
            // one snapshot for the three reads where the database offers it, so a heartbeat or a
            // write landing in between cannot make one record disagree with itself
            boolean autoCommit = c.getAutoCommit();
            int isolation = c.getTransactionIsolation();
            c.setAutoCommit(false);
            if (d.dialect() != JdbcDialect.H2) {
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            }
            try {
                java.util.Map<NodeId, Boolean> staleByNode = new java.util.HashMap<>();
                try (PreparedStatement ps = prepare(c, "SELECT node, status, heartbeat_at FROM " + tables.node());
                        ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        try {
                            staleByNode.put(
                                    NodeId.of(rs.getString("node")),
                                    isStale(rs.getString("status"), d.getInstant(rs, "heartbeat_at"), now));
                        } catch (IllegalArgumentException e) {
                            malformed(e);
                        }
                    }
                }
                try (PreparedStatement ps = prepare(
                        c,
                        "SELECT c.node, c.uri, c.aor, c.host, c.port, c.user_agent,"
                                + " c.status, c.rtt_us, c.jitter_us, c.expires_at, c.registered_at, c.observed_at"
                                + " FROM " + tables.contact() + " c WHERE c.endpoint = ?")) {
                    ps.setString(1, endpoint.toString());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            try {
                                NodeId node = NodeId.of(rs.getString("node"));
                                PresenceBuilder p = nodes.computeIfAbsent(node, k -> new PresenceBuilder());
                                p.stale = staleByNode.getOrDefault(node, false);
                                Instant observedAt = d.getInstant(rs, "observed_at");
                                p.seen(observedAt);
                                ContactStatus status = ContactStatus.valueOf(rs.getString("status"));
                                if (status == ContactStatus.REMOVED) {
                                    continue;
                                }
                                Optional<Instant> expiresAt = Optional.ofNullable(d.getInstant(rs, "expires_at"));
                                boolean liveIgnoringNode = status.isLive()
                                        && expiresAt.map(x -> x.isAfter(now)).orElse(true);
                                p.contacts.add(new ContactRecord(
                                        node,
                                        rs.getString("uri"),
                                        status,
                                        Optional.ofNullable(rs.getString("aor")),
                                        address(rs),
                                        Optional.ofNullable(rs.getString("user_agent")),
                                        rtt(rs),
                                        expiresAt,
                                        orEpoch(d.getInstant(rs, "registered_at")),
                                        observedAt,
                                        liveIgnoringNode && !p.stale));
                            } catch (IllegalArgumentException e) {
                                malformed(e);
                            }
                        }
                    }
                }
                try (PreparedStatement ps = prepare(
                        c,
                        "SELECT e.node, e.endpoint_state, e.channels, e.observed_at,"
                                + " e.device_state, e.device_observed_at"
                                + " FROM " + tables.endpoint() + " e WHERE e.endpoint = ?")) {
                    ps.setString(1, endpoint.toString());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            try {
                                NodeId node = NodeId.of(rs.getString("node"));
                                PresenceBuilder p = nodes.computeIfAbsent(node, k -> new PresenceBuilder());
                                p.stale = staleByNode.getOrDefault(node, false);
                                String state = rs.getString("endpoint_state");
                                Instant observedAt = d.getInstant(rs, "observed_at");
                                if (state != null) {
                                    p.seen(observedAt);
                                    if (!state.equals(EndpointState.REMOVED.name())) {
                                        p.endpointState = EndpointState.valueOf(state);
                                        int channels = rs.getInt("channels");
                                        p.channels = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(channels);
                                    }
                                }
                                Instant deviceAt = d.getInstant(rs, "device_observed_at");
                                if (deviceAt != null && deviceAt.isAfter(Instant.EPOCH)) {
                                    p.seen(deviceAt);
                                }
                                String device = rs.getString("device_state");
                                if (device != null) {
                                    p.deviceState = DeviceState.valueOf(device);
                                }
                            } catch (IllegalArgumentException e) {
                                malformed(e);
                            }
                        }
                    }
                }
                c.commit();
            } finally {
                try {
                    c.rollback();
                    c.setAutoCommit(autoCommit);
                    c.setTransactionIsolation(isolation);
                } catch (SQLException e) {
                    log.debug("jdbc registry: could not reset the connection: {}", JdbcErrors.describe(e));
                }
            }
        } catch (SQLException e) {
            throw JdbcErrors.wrap("find " + endpoint, e);
        }
        List<NodePresence> presence = new ArrayList<>();
        List<DeviceState> liveDeviceStates = new ArrayList<>();
        for (Map.Entry<NodeId, PresenceBuilder> e : nodes.entrySet()) {
            PresenceBuilder p = e.getValue();
            if (p.isEmpty()) {
                continue;
            }
            p.contacts.sort(Comparator.comparing(ContactRecord::live)
                    .reversed()
                    .thenComparing(ContactRecord::registeredAt, Comparator.reverseOrder())
                    .thenComparing(ContactRecord::uri));
            if (p.deviceState != null && !p.stale) {
                liveDeviceStates.add(p.deviceState);
            }
            presence.add(new NodePresence(
                    e.getKey(),
                    Optional.ofNullable(p.endpointState),
                    p.channels,
                    Optional.ofNullable(p.deviceState),
                    p.contacts,
                    p.lastUpdate,
                    p.stale));
        }
        if (presence.isEmpty()) {
            return Optional.empty();
        }
        // R2 over the rows just read, so the record is consistent with its presence list
        List<Candidate> candidates = new ArrayList<>();
        for (NodePresence p : presence) {
            for (ContactRecord cr : p.contacts()) {
                if (cr.status().isLive()
                        && cr.expiresAt().map(x -> x.isAfter(now)).orElse(true)) {
                    candidates.add(new Candidate(
                            new Location(
                                    cr.node(), cr.uri(), cr.address(), cr.rtt().map(RttStats::last), cr.registeredAt()),
                            p.stale()));
                }
            }
        }
        candidates.sort(BEST_FIRST);
        Optional<Location> location = candidates.isEmpty()
                ? Optional.empty()
                : Optional.of(candidates.get(0).location());
        Optional<RttStats> rtt = location.flatMap(l -> presence.stream()
                .filter(p -> p.node().equals(l.node()))
                .flatMap(p -> p.contacts().stream())
                .filter(cr -> cr.uri().equals(l.uri()))
                .findFirst()
                .flatMap(ContactRecord::rtt));
        // R7: over nodes that are not stale; UNAVAILABLE when only stale nodes report a device state
        DeviceState aggregated = liveDeviceStates.isEmpty()
                ? (presence.stream().anyMatch(p -> p.deviceState().isPresent())
                        ? DeviceState.UNAVAILABLE
                        : DeviceState.UNKNOWN)
                : DeviceState.aggregate(liveDeviceStates);
        return Optional.of(new EndpointRecord(endpoint, presence, location, aggregated, rtt));
    }

    /** What one node knows about the endpoint, while the rows are read. */
    private static final class PresenceBuilder {
        EndpointState endpointState;
        OptionalInt channels = OptionalInt.empty();
        DeviceState deviceState;
        final List<ContactRecord> contacts = new ArrayList<>();
        Instant lastUpdate = Instant.EPOCH;
        boolean stale;

        void seen(Instant at) {
            if (at != null && at.isAfter(lastUpdate)) {
                lastUpdate = at;
            }
        }

        boolean isEmpty() {
            return endpointState == null && deviceState == null && contacts.isEmpty();
        }
    }

    // ------------------------------------------------------------------ listings

    @Override
    public List<EndpointId> endpointsOn(NodeId node) {
        Objects.requireNonNull(node, "node");
        String sql = "SELECT endpoint FROM " + tables.contact() + " WHERE node = ? AND status <> 'REMOVED'"
                + " UNION SELECT endpoint FROM " + tables.endpoint() + " WHERE node = ? AND "
                + VISIBLE_ENDPOINT;
        return query(
                "endpointsOn " + node,
                sql,
                (ps, d) -> {
                    ps.setString(1, node.value());
                    ps.setString(2, node.value());
                },
                this::endpointIds);
    }

    @Override
    public List<EndpointId> endpoints() {
        String sql = "SELECT endpoint FROM " + tables.contact() + " WHERE status <> 'REMOVED'"
                + " UNION SELECT endpoint FROM " + tables.endpoint() + " WHERE " + VISIBLE_ENDPOINT;
        return query("endpoints", sql, (ps, d) -> {}, this::endpointIds);
    }

    private static final String VISIBLE_ENDPOINT =
            "((endpoint_state IS NOT NULL AND endpoint_state <> 'REMOVED') OR device_state IS NOT NULL)";

    private List<EndpointId> endpointIds(ResultSet rs, SqlDialect d) throws SQLException {
        TreeSet<EndpointId> out = new TreeSet<>();
        while (rs.next()) {
            try {
                String text = rs.getString(1);
                out.add(EndpointId.parse(text));
            } catch (IllegalArgumentException e) {
                malformed(e);
            }
        }
        return List.copyOf(out);
    }

    @Override
    public List<NodeRecord> nodes() {
        Instant now = clock.instant();
        String sql = "SELECT node, status, collector, heartbeat_at, connected_since FROM " + tables.node();
        return query("nodes", sql, (ps, d) -> {}, (rs, d) -> {
            List<NodeRecord> out = new ArrayList<>();
            while (rs.next()) {
                try {
                    String status = rs.getString("status");
                    Instant heartbeat = d.getInstant(rs, "heartbeat_at");
                    out.add(new NodeRecord(
                            NodeId.of(rs.getString("node")),
                            NodeStatus.valueOf(status),
                            Optional.ofNullable(d.getInstant(rs, "connected_since")),
                            heartbeat,
                            Optional.ofNullable(rs.getString("collector")),
                            isStale(status, heartbeat, now)));
                } catch (IllegalArgumentException e) {
                    malformed(e);
                }
            }
            out.sort(Comparator.comparing(NodeRecord::node));
            return out;
        });
    }

    // ------------------------------------------------------------------ subscribe

    /**
     * Delivers the changes committed by this registry's sink, in the merged form sinks receive, on
     * the sink's thread after each commit (see the class comment). Without a sink nothing is
     * delivered.
     */
    @Override
    public Subscription subscribe(RegistryListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (source == null) {
            log.info("jdbc registry: subscribe() without a sink delivers nothing (build it with changesFrom(sink))");
        }
        synchronized (listeners) {
            listeners.add(listener);
            if (source != null && detach == null) {
                detach = source.onCommit(this::deliver);
            }
        }
        return () -> {
            synchronized (listeners) {
                if (listeners.remove(listener) && listeners.isEmpty() && detach != null) {
                    detach.run();
                    detach = null;
                }
            }
        };
    }

    private void deliver(List<EndpointStateEvent> batch) {
        for (EndpointStateEvent change : batch) {
            for (RegistryListener l : listeners) {
                try {
                    l.onChange(change);
                } catch (RuntimeException e) {
                    log.warn("jdbc registry: listener {} failed; change skipped for it", l, e);
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * A row this registry cannot read (a value no astreg writer produces, such as a hand-edited
     * status): skipped, counted, logged once at WARN and then at DEBUG.
     */
    private void malformed(IllegalArgumentException e) {
        long n = malformedRows.incrementAndGet();
        String message = String.valueOf(e.getMessage());
        if (message.length() > 200) {
            message = message.substring(0, 200) + "...";
        }
        if (n == 1) {
            log.warn(
                    "jdbc registry: skipping a malformed row of {}* ({}); further ones are logged at DEBUG",
                    config.tablePrefix(),
                    message);
        } else {
            log.debug("jdbc registry: skipping malformed row #{}: {}", n, message);
        }
    }

    /** How many malformed rows reads have skipped so far. */
    public long malformedRows() {
        return malformedRows.get();
    }

    /** R5: DOWN, or heartbeat at least staleAfter old; a node without row is not stale. */
    private boolean isStale(String status, Instant heartbeatAt, Instant now) {
        if (status == null) {
            return false;
        }
        if (status.equals(NodeStatus.DOWN.name())) {
            return true;
        }
        return heartbeatAt != null && !now.isBefore(heartbeatAt.plus(staleAfter));
    }

    private static Instant orEpoch(Instant value) {
        return value == null ? Instant.EPOCH : value;
    }

    private static Optional<HostPort> address(ResultSet rs) throws SQLException {
        String host = rs.getString("host");
        int port = rs.getInt("port");
        if (host == null || rs.wasNull()) {
            return Optional.empty();
        }
        return Optional.of(new HostPort(host, port));
    }

    private static Optional<Duration> micros(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Duration.ofNanos(v * 1000));
    }

    private static Optional<RttStats> rtt(ResultSet rs) throws SQLException {
        Optional<Duration> last = micros(rs, "rtt_us");
        if (last.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> jitter = micros(rs, "jitter_us");
        Duration l = last.get();
        return Optional.of(new RttStats(l, l, l, jitter.orElse(Duration.ZERO), jitter.isPresent() ? 2 : 1));
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps, SqlDialect d) throws SQLException;
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read(ResultSet rs, SqlDialect d) throws SQLException;
    }

    private <T> T query(String what, String sql, Binder binder, Reader<T> reader) {
        SqlDialect d = dialect();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = prepare(c, sql)) {
            binder.bind(ps, d);
            try (ResultSet rs = ps.executeQuery()) {
                return reader.read(rs, d);
            }
        } catch (SQLException e) {
            throw JdbcErrors.wrap(what, e);
        }
    }

    private PreparedStatement prepare(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        ps.setQueryTimeout((int) Math.max(1, config.queryTimeout().toSeconds()));
        return ps;
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

    @Override
    public String toString() {
        return "JdbcEndpointRegistry[prefix " + config.tablePrefix() + "]";
    }

    /** Builds a {@link JdbcEndpointRegistry}. */
    public static final class Builder {
        private final DataSource dataSource;
        private final JdbcSinkConfig config;
        private Clock clock = Clock.systemUTC();
        private JdbcEndpointSink sink;

        private Builder(DataSource dataSource, JdbcSinkConfig config) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The clock that says "now" for expiry (R4) and staleness (R5). */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Makes {@link JdbcEndpointRegistry#subscribe} deliver what this sink commits. */
        public Builder changesFrom(JdbcEndpointSink value) {
            this.sink = Objects.requireNonNull(value, "sink");
            return this;
        }

        public JdbcEndpointRegistry build() {
            return new JdbcEndpointRegistry(this);
        }
    }
}
