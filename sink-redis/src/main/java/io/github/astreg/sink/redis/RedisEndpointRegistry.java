package io.github.astreg.sink.redis;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.RetriableAstregException;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.RegistryListener;
import io.github.astreg.core.registry.Subscription;
import io.github.astreg.sink.redis.internal.EventSubscriber;
import io.github.astreg.sink.redis.internal.RedisClients;
import io.github.astreg.sink.redis.internal.StoredField;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The cluster-wide view read from Redis, as written by {@link RedisEndpointSink}: any application,
 * on any machine, answers "where is PJSIP/1001 registered" with the same rules as core's
 * {@code InMemoryEndpointRegistry}.
 *
 * <p>Node staleness (R5) is applied here, at read time, because the write script may only touch the
 * keys of one endpoint's Cluster slot: a node is stale when it is DOWN, when its heartbeat is older
 * than {@code staleAfter}, or when its heartbeat key {@code <prefix>node:<node>} has expired; a node
 * never heard of is not stale. The location key {@code <prefix>loc:{...}} that dialplans read
 * ignores staleness; {@link #locate} does not.
 *
 * <p>Reads cost one or two round trips (the endpoint hash and the node table, then the heartbeat
 * keys of the nodes it mentions). Listing methods read an index set and then every listed endpoint,
 * pipelined.
 *
 * <p>Threading: all methods are thread-safe (Jedis' pool). {@link #subscribe} starts, on first use,
 * the two daemon threads of the pub/sub subscriber ({@code astreg-redis-subscriber-<channel>} reads,
 * {@code astreg-redis-listeners-<channel>} runs the listeners), which reconnect after errors for
 * ever; listeners run on the latter. {@link #close()} stops them and closes the client unless it was
 * supplied.
 */
public final class RedisEndpointRegistry implements EndpointRegistry, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisEndpointRegistry.class);
    private static final int READ_CHUNK = 500;

    private final RedisSinkConfig config;
    private final RedisKeys keys;
    private final Clock clock;
    private final UnifiedJedis suppliedClient;
    private final CopyOnWriteArrayList<RegistryListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong malformed = new AtomicLong();
    private final Object lifecycle = new Object();
    private volatile UnifiedJedis client;
    /** Node ids of the node table at the last read: their heartbeat keys are checked up front. */
    private volatile Set<NodeId> knownNodes = Set.of();

    private EventSubscriber subscriber;
    private boolean closed;

    private RedisEndpointRegistry(Builder b) {
        this.config = b.config;
        this.keys = RedisKeys.withPrefix(config.keyPrefix());
        this.clock = b.clock;
        this.suppliedClient = b.client;
    }

    public static Builder builder(RedisSinkConfig config) {
        return new Builder(config);
    }

    public RedisKeys keys() {
        return keys;
    }

    private UnifiedJedis client() {
        UnifiedJedis c = client;
        if (c != null) {
            return c;
        }
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("registry is closed");
            }
            if (client == null) {
                try {
                    client = suppliedClient != null ? suppliedClient : RedisClients.open(config);
                } catch (JedisException e) {
                    throw translate("connect", e);
                }
            }
            return client;
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<Location> locate(EndpointId endpoint) {
        List<Location> all = locateAll(endpoint);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    @Override
    public List<Location> locateAll(EndpointId endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        Instant now = clock.instant();
        Snapshot s = read(endpoint);
        return s.candidates(now).stream().map(Candidate::location).toList();
    }

    @Override
    public Optional<EndpointRecord> find(EndpointId endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        Instant now = clock.instant();
        return read(endpoint).record(now);
    }

    @Override
    public List<EndpointId> endpointsOn(NodeId node) {
        Objects.requireNonNull(node, "node");
        return listed(keys.nodeIndex(node), node);
    }

    @Override
    public List<EndpointId> endpoints() {
        return listed(keys.endpointIndex(), null);
    }

    @Override
    public List<NodeRecord> nodes() {
        Instant now = clock.instant();
        Nodes nodes = retryOnce("nodes", () -> nodes(client().hgetAll(keys.nodes()), null, Map.of()));
        List<NodeRecord> out = new ArrayList<>();
        for (Map.Entry<NodeId, NodeInfo> e : nodes.byId.entrySet()) {
            NodeInfo n = e.getValue();
            out.add(new NodeRecord(
                    e.getKey(),
                    n.status,
                    n.startedAt,
                    n.heartbeatAt,
                    n.collector,
                    nodes.stale(e.getKey(), now, config.staleAfter())));
        }
        out.sort(Comparator.comparing(NodeRecord::node));
        return out;
    }

    /** Endpoints of an index set whose hash still shows presence (of {@code node}, when given). */
    private List<EndpointId> listed(String indexKey, NodeId node) {
        return retryOnce("list endpoints", () -> listedOnce(indexKey, node));
    }

    private List<EndpointId> listedOnce(String indexKey, NodeId node) {
        Set<String> names = client().smembers(indexKey);
        List<EndpointId> ids = new ArrayList<>(names.size());
        for (String n : names) {
            try {
                ids.add(EndpointId.parse(n));
            } catch (IllegalArgumentException e) {
                malformed("index " + indexKey, n, e);
            }
        }
        List<EndpointId> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += READ_CHUNK) {
            List<EndpointId> chunk = ids.subList(i, Math.min(ids.size(), i + READ_CHUNK));
            List<Response<Map<String, String>>> rs = new ArrayList<>(chunk.size());
            try (AbstractPipeline p = client().pipelined()) {
                for (EndpointId id : chunk) {
                    rs.add(p.hgetAll(keys.endpoint(id)));
                }
                p.sync();
            }
            for (int j = 0; j < chunk.size(); j++) {
                Map<NodeId, NodeFields> fields = parse(chunk.get(j), rs.get(j).get());
                boolean present = node == null
                        ? fields.values().stream().anyMatch(NodeFields::isPresent)
                        : Optional.ofNullable(fields.get(node))
                                .map(NodeFields::isPresent)
                                .orElse(false);
                if (present) {
                    out.add(chunk.get(j));
                }
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /**
     * Runs a read, once more after a connection error: pooled connections to a server that
     * restarted fail on first use, and a read is safe to repeat.
     */
    private <T> T retryOnce(String what, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (JedisConnectionException first) {
            log.debug("redis registry: {} failed, retrying once: {}", what, first.toString());
            try {
                return read.get();
            } catch (JedisException e) {
                throw translate(what, e);
            }
        } catch (JedisException e) {
            throw translate(what, e);
        }
    }

    private Snapshot read(EndpointId endpoint) {
        return retryOnce("read " + endpoint, () -> readOnce(endpoint));
    }

    private Snapshot readOnce(EndpointId endpoint) {
        // the heartbeat keys of the nodes seen last time are checked in the same round trip; only a
        // node new to this reader costs a second one. Values are always read fresh.
        List<NodeId> guess = List.copyOf(knownNodes);
        Response<Map<String, String>> ep;
        Response<Map<String, String>> nodeTable;
        Map<NodeId, Response<Boolean>> exists = new HashMap<>();
        try (AbstractPipeline p = client().pipelined()) {
            ep = p.hgetAll(keys.endpoint(endpoint));
            nodeTable = p.hgetAll(keys.nodes());
            for (NodeId id : guess) {
                exists.put(id, p.exists(keys.node(id)));
            }
            p.sync();
        }
        Map<NodeId, NodeFields> fields = parse(endpoint, ep.get());
        Map<NodeId, Boolean> known = new HashMap<>();
        exists.forEach((id, r) -> known.put(id, Boolean.TRUE.equals(r.get())));
        Nodes nodes = nodes(nodeTable.get(), fields.keySet(), known);
        return new Snapshot(endpoint, fields, nodes);
    }

    /**
     * Parses the node table, keeping {@code only} (all when null); checks the heartbeat keys not
     * already in {@code exists}. Remembers every node of the table for the next read.
     */
    private Nodes nodes(Map<String, String> raw, Set<NodeId> only, Map<NodeId, Boolean> exists) {
        Set<NodeId> all = new HashSet<>();
        Map<NodeId, NodeInfo> byId = new TreeMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            NodeId id;
            try {
                id = NodeId.of(e.getKey());
            } catch (IllegalArgumentException ex) {
                malformed("node table", e.getKey(), ex);
                continue;
            }
            all.add(id);
            if (only != null && !only.contains(id)) {
                continue;
            }
            try {
                StoredField f = StoredField.parse(e.getValue());
                if (f.event().change() instanceof NodeChange nc) {
                    byId.put(
                            id,
                            new NodeInfo(nc.status(), nc.startedAt(), f.event().observedAt(), nc.collector()));
                }
            } catch (IllegalArgumentException ex) {
                malformed("node table field " + e.getKey(), e.getValue(), ex);
            }
        }
        knownNodes = Set.copyOf(all);
        Set<NodeId> alive = new HashSet<>();
        exists.forEach((id, present) -> {
            if (present) {
                alive.add(id);
            }
        });
        List<NodeId> ids =
                byId.keySet().stream().filter(id -> !exists.containsKey(id)).toList();
        if (!ids.isEmpty()) {
            List<Response<Boolean>> rs = new ArrayList<>(ids.size());
            try (AbstractPipeline p = client().pipelined()) {
                for (NodeId id : ids) {
                    rs.add(p.exists(keys.node(id)));
                }
                p.sync();
            }
            for (int i = 0; i < ids.size(); i++) {
                if (Boolean.TRUE.equals(rs.get(i).get())) {
                    alive.add(ids.get(i));
                }
            }
        }
        return new Nodes(byId, alive);
    }

    private Map<NodeId, NodeFields> parse(EndpointId endpoint, Map<String, String> hash) {
        Map<NodeId, NodeFields> out = new TreeMap<>();
        for (Map.Entry<String, String> e : hash.entrySet()) {
            StoredField f;
            try {
                f = StoredField.parse(e.getValue());
            } catch (IllegalArgumentException ex) {
                malformed("field " + e.getKey() + " of " + keys.endpoint(endpoint), e.getValue(), ex);
                continue;
            }
            EndpointStateEvent ev = f.event();
            if (!ev.endpoint().map(endpoint::equals).orElse(false)) {
                malformed(
                        "field " + e.getKey() + " of " + keys.endpoint(endpoint),
                        e.getValue(),
                        new IllegalArgumentException("belongs to another endpoint"));
                continue;
            }
            NodeFields n = out.computeIfAbsent(ev.node(), k -> new NodeFields());
            if (ev.observedAt().isAfter(n.lastUpdate)) {
                n.lastUpdate = ev.observedAt();
            }
            if (ev.change() instanceof ContactChange c) {
                if (!f.removed()) {
                    n.contacts.add(new StoredContact(ev, c, f));
                }
            } else if (ev.change() instanceof EndpointChange c) {
                if (c.state() != EndpointState.REMOVED) {
                    n.endpoint = c;
                }
            } else if (ev.change() instanceof DeviceChange c) {
                n.device = c.state();
            }
        }
        return out;
    }

    private void malformed(String where, String value, Exception e) {
        long n = malformed.incrementAndGet();
        String shown = value == null ? "null" : value.length() > 120 ? value.substring(0, 120) + "..." : value;
        if (n == 1) {
            log.warn("ignoring unreadable {} ({}): {}", where, e.getMessage(), shown);
        } else {
            log.debug("ignoring unreadable {} ({}): {}", where, e.getMessage(), shown);
        }
    }

    /** How many unreadable stored values reads have skipped. */
    public long malformedCount() {
        return malformed.get();
    }

    private RuntimeException translate(String what, JedisException e) {
        String msg = "redis registry: " + what + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof JedisConnectionException || e.getCause() instanceof JedisConnectionException) {
            return new RetriableAstregException(msg, e);
        }
        return new AstregException(msg, e);
    }

    // ---------------------------------------------------------------- read model

    private record NodeInfo(
            NodeStatus status, Optional<Instant> startedAt, Instant heartbeatAt, Optional<String> collector) {}

    private record Nodes(Map<NodeId, NodeInfo> byId, Set<NodeId> heartbeatKeyPresent) {
        /** R5: DOWN, heartbeat older than staleAfter, or heartbeat key expired; unknown nodes are not stale. */
        boolean stale(NodeId node, Instant now, Duration staleAfter) {
            NodeInfo n = byId.get(node);
            if (n == null) {
                return false;
            }
            return n.status == NodeStatus.DOWN
                    || !now.isBefore(n.heartbeatAt.plus(staleAfter))
                    || !heartbeatKeyPresent.contains(node);
        }
    }

    private record StoredContact(EndpointStateEvent event, ContactChange change, StoredField field) {
        Instant registeredAt() {
            return change.registeredAt().orElse(Instant.EPOCH);
        }

        boolean liveIgnoringNode(Instant now) {
            return change.status().isLive()
                    && change.expiresAt().map(x -> x.isAfter(now)).orElse(true);
        }

        Optional<RttStats> rtt() {
            return change.rtt().map(last -> {
                Duration jitter = change.jitter().orElse(Duration.ZERO);
                int samples = change.jitter().isPresent() ? Math.max(2, field.rttSamples()) : 1;
                Duration min = last;
                Duration max = last;
                if (field.rttSamples() > 0) {
                    Duration storedMin = Duration.ofNanos(field.rttMinMicros() * 1000);
                    Duration storedMax = Duration.ofNanos(field.rttMaxMicros() * 1000);
                    min = storedMin.compareTo(last) < 0 ? storedMin : last;
                    max = storedMax.compareTo(last) > 0 ? storedMax : last;
                }
                return new RttStats(last, min, max, jitter, samples);
            });
        }
    }

    private static final class NodeFields {
        EndpointChange endpoint;
        DeviceState device;
        Instant lastUpdate = Instant.EPOCH;
        final List<StoredContact> contacts = new ArrayList<>();

        boolean isPresent() {
            return endpoint != null || device != null || !contacts.isEmpty();
        }
    }

    private record Candidate(NodeId node, StoredContact contact, boolean stale) {
        Location location() {
            return new Location(
                    node, contact.change.uri(), contact.change.address(), contact.change.rtt(), contact.registeredAt());
        }
    }

    /** R2: nodes that are not stale first, newest registration first, then node id, then URI. */
    private static final Comparator<Candidate> BEST_FIRST = Comparator.comparing(Candidate::stale)
            .thenComparing(c -> c.contact.registeredAt(), Comparator.reverseOrder())
            .thenComparing(Candidate::node)
            .thenComparing(c -> c.contact.change.uri());

    private final class Snapshot {
        private final EndpointId endpoint;
        private final Map<NodeId, NodeFields> fields;
        private final Nodes nodes;

        Snapshot(EndpointId endpoint, Map<NodeId, NodeFields> fields, Nodes nodes) {
            this.endpoint = endpoint;
            this.fields = fields;
            this.nodes = nodes;
        }

        boolean stale(NodeId node, Instant now) {
            return nodes.stale(node, now, config.staleAfter());
        }

        List<Candidate> candidates(Instant now) {
            List<Candidate> out = new ArrayList<>();
            for (Map.Entry<NodeId, NodeFields> e : fields.entrySet()) {
                boolean stale = stale(e.getKey(), now);
                for (StoredContact c : e.getValue().contacts) {
                    if (c.liveIgnoringNode(now)) {
                        out.add(new Candidate(e.getKey(), c, stale));
                    }
                }
            }
            out.sort(BEST_FIRST);
            return out;
        }

        Optional<EndpointRecord> record(Instant now) {
            List<NodePresence> presence = new ArrayList<>();
            List<DeviceState> liveDeviceStates = new ArrayList<>();
            Map<NodeId, Boolean> staleByNode = new HashMap<>();
            for (Map.Entry<NodeId, NodeFields> e : fields.entrySet()) {
                NodeFields f = e.getValue();
                if (!f.isPresent()) {
                    continue;
                }
                NodeId node = e.getKey();
                boolean stale = staleByNode.computeIfAbsent(node, n -> stale(n, now));
                List<ContactRecord> contacts = new ArrayList<>();
                for (StoredContact c : f.contacts) {
                    ContactChange ch = c.change;
                    contacts.add(new ContactRecord(
                            node,
                            ch.uri(),
                            ch.status(),
                            ch.aor(),
                            ch.address(),
                            ch.userAgent(),
                            c.rtt(),
                            ch.expiresAt(),
                            c.registeredAt(),
                            c.event.observedAt(),
                            !stale && c.liveIgnoringNode(now)));
                }
                contacts.sort(Comparator.comparing(ContactRecord::live)
                        .reversed()
                        .thenComparing(ContactRecord::registeredAt, Comparator.reverseOrder())
                        .thenComparing(ContactRecord::uri));
                if (f.device != null && !stale) {
                    liveDeviceStates.add(f.device);
                }
                presence.add(new NodePresence(
                        node,
                        Optional.ofNullable(f.endpoint).map(EndpointChange::state),
                        f.endpoint == null ? OptionalInt.empty() : f.endpoint.channels(),
                        Optional.ofNullable(f.device),
                        contacts,
                        f.lastUpdate,
                        stale));
            }
            if (presence.isEmpty()) {
                return Optional.empty();
            }
            List<Candidate> candidates = candidates(now);
            Optional<Location> location = candidates.isEmpty()
                    ? Optional.empty()
                    : Optional.of(candidates.get(0).location());
            Optional<RttStats> rtt = candidates.isEmpty()
                    ? Optional.empty()
                    : candidates.get(0).contact.rtt();
            DeviceState aggregated = liveDeviceStates.isEmpty()
                    ? (presence.stream().anyMatch(p -> p.deviceState().isPresent())
                            ? DeviceState.UNAVAILABLE
                            : DeviceState.UNKNOWN)
                    : DeviceState.aggregate(liveDeviceStates);
            return Optional.of(new EndpointRecord(endpoint, presence, location, aggregated, rtt));
        }
    }

    // ---------------------------------------------------------------- subscription

    /**
     * Registers a listener for every change any sink applies to this store, delivered from the
     * {@code <prefix>events} channel. The first call starts the subscriber threads and waits (up to
     * connect + socket timeout) until the subscription is active, so changes written after this
     * returns are seen. Delivery is at-most-once: changes published while the subscriber was
     * disconnected are not replayed, so a listener that needs every change re-reads the state after
     * {@link #isSubscribedNow()} turns true again (see {@link #subscriberCounters()}).
     * Listeners run on {@code astreg-redis-listeners-<channel>}, one at a time.
     */
    @Override
    public Subscription subscribe(RegistryListener listener) {
        Objects.requireNonNull(listener, "listener");
        EventSubscriber s;
        boolean fresh = false;
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("registry is closed");
            }
            listeners.add(listener);
            if (subscriber == null) {
                subscriber = new EventSubscriber(config, client(), keys.events(), this::deliver);
                subscriber.start();
                fresh = true;
            }
            s = subscriber;
        }
        if (fresh) {
            try {
                if (!s.awaitSubscribed(config.connectTimeout().plus(config.socketTimeout()))) {
                    log.warn("subscription to {} not active yet; it keeps trying in the background", keys.events());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return () -> listeners.remove(listener);
    }

    /** Waits until the pub/sub subscription is active; false when it is not within the timeout. */
    public boolean awaitSubscribed(Duration timeout) throws InterruptedException {
        EventSubscriber s;
        synchronized (lifecycle) {
            s = subscriber;
        }
        return s != null && s.awaitSubscribed(timeout);
    }

    /** Whether the pub/sub subscription is active at this moment. */
    public boolean isSubscribedNow() {
        synchronized (lifecycle) {
            return subscriber != null && subscriber.isSubscribed();
        }
    }

    /**
     * Subscriber counters: {@code received}, {@code dropped}, {@code malformed}, {@code reconnects},
     * {@code pongs}. Changes published during a reconnect, and dropped ones, are never delivered
     * (at-most-once): re-read the state when {@code reconnects} or {@code dropped} grows if every
     * change matters.
     */
    public Map<String, Long> subscriberCounters() {
        synchronized (lifecycle) {
            return subscriber == null ? Map.of() : subscriber.counters();
        }
    }

    private void deliver(EndpointStateEvent event) {
        for (RegistryListener l : listeners) {
            try {
                l.onChange(event);
            } catch (RuntimeException e) {
                log.warn("registry listener {} failed; change skipped for it", l, e);
            }
        }
    }

    /**
     * Stops the subscriber threads and closes the client unless supplied; idempotent. A listener may
     * call it: it then does not wait for the listeners thread it runs on, which ends once the listener
     * returns.
     */
    @Override
    public void close() {
        EventSubscriber s;
        UnifiedJedis c;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            s = subscriber;
            subscriber = null;
            c = client;
            client = null;
        }
        if (s != null) {
            s.close();
        }
        if (c != null && c != suppliedClient) {
            try {
                c.close();
            } catch (RuntimeException e) {
                log.debug("closing the redis client failed: {}", e.toString());
            }
        }
        listeners.clear();
    }

    @Override
    public String toString() {
        return "RedisEndpointRegistry[" + config + "]";
    }

    /** Builds a {@link RedisEndpointRegistry}. */
    public static final class Builder {
        private final RedisSinkConfig config;
        private Clock clock = Clock.systemUTC();
        private UnifiedJedis client;

        private Builder(RedisSinkConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The clock that decides what "now" is for expiry (R4) and staleness (R5). */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** A client to use instead of one made from the config; not closed by the registry. */
        public Builder client(UnifiedJedis value) {
            this.client = Objects.requireNonNull(value, "client");
            return this;
        }

        public RedisEndpointRegistry build() {
            return new RedisEndpointRegistry(this);
        }
    }
}
