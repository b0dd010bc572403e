package io.github.astreg.sink.redis;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.RetriableAstregException;
import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.ChangeKind;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.ObservationKey;
import io.github.astreg.core.model.Version;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.sink.redis.internal.ApplyScript;
import io.github.astreg.sink.redis.internal.Ordering;
import io.github.astreg.sink.redis.internal.RedisClients;
import io.github.astreg.sink.redis.internal.StoredField;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Writes the registry's merged changes into Redis, per the key layout of {@link RedisKeys}.
 *
 * <pre>{@code
 * RedisSinkConfig config = RedisSinkConfig.builder().uri("redis://10.0.0.5:6379").password(secret).build();
 * Pipeline pipeline = Pipeline.builder(registry).sink(RedisEndpointSink.builder(config).build()).build();
 * }</pre>
 *
 * <p>Each change is applied by one Lua script ({@code apply.lua}, sent once with SCRIPT LOAD and
 * called by EVALSHA, with EVAL as the fallback when the server answers NOSCRIPT): version guard
 * (R3, strictly newer wins, removals kept as tombstones for {@code tombstoneRetention}), location
 * recomputed (R2, contacts of nodes the store holds stale last: R5), contact and key TTLs (R4), and a
 * PUBLISH of the change's {@link EventJson} on {@code <prefix>events} when it was applied. Where
 * the sink can prove a field holds its own last write (a writer stamp per node, per node and slot in
 * Cluster, that no other sink took since), a newer change that cannot move the location is written without reading the stored
 * version first; see the module's README, "The last-writer fast path". A batch
 * is one pipeline (one round trip, or one per master in Cluster) and one script call carries up to
 * 64 changes (in Cluster, of one slot), each applied atomically. A batch is not a transaction, but
 * every change is idempotent, so a batch that failed half way is simply written again by the
 * pipeline's retry.
 *
 * <p>Data loss: Redis without persistence loses everything on restart (so does a failover to an
 * empty replica, or a FLUSHALL). Every batch checks this sink's marker key; when it is gone, and
 * {@code resyncAfterDataLoss} is on, the sink writes again the newest change it ever wrote per key
 * (it keeps them, minus expired tombstones: memory grows with the number of keys, never with time),
 * so that once Redis is back the store again equals the registry, without restarting anything.
 * In Cluster the marker lives on one master; losing another master's data is not noticed.
 *
 * <p>Node staleness (R5) and the location key: a node is stale when its last known state in {@code
 * <prefix>nodes} is DOWN or its heartbeat key {@code <prefix>node:<node>} has expired. The sink reads
 * that once a second while it writes (and at once when a batch carries a node turning UP or DOWN),
 * passes the stale nodes to every script call, and when the set changes recomputes the location of
 * every endpoint of the nodes that turned stale or fresh ({@code <prefix>idx:node:<node>}). So a
 * dialplan reading {@code <prefix>loc:{…}} is sent to a fresh node's contact when there is one, as
 * {@code locate} answers. The pipeline's heartbeats make every sink write at least every {@code
 * heartbeatInterval}, so a collector that died is noticed by the others' sinks within about that.
 *
 * <p>Threading: no threads of its own. {@link #write} is called by the pipeline's sink thread; it is
 * synchronized, so other callers are safe too. {@link #close()} closes the client unless it was
 * supplied by the caller.
 */
public final class RedisEndpointSink implements EndpointSink {
    private static final Logger log = LoggerFactory.getLogger(RedisEndpointSink.class);
    private static final long MARKER_TTL_MS = Duration.ofHours(1).toMillis();
    private static final int REPLAY_CHUNK = 1000;
    private static final int INDEX_CACHE_LIMIT = 200_000;
    private static final Duration PRUNE_EVERY = Duration.ofSeconds(30);
    /** Changes per script call: amortizes the call's cost, keeps Redis blocked for well under a millisecond. */
    private static final int GROUP = 64;
    /** Changes of a batch's first call (outside Cluster): Redis starts on the batch that much sooner. */
    private static final int FIRST_GROUP = 8;
    /** How often the sink reads which nodes are stale, when no batch says a node turned UP or DOWN. */
    private static final Duration STALE_CHECK = Duration.ofSeconds(1);
    /** Longest heartbeat TTL written (about 31,700 years): far beyond it Redis refuses the expiry. */
    private static final Duration MAX_HEARTBEAT_TTL = Duration.ofMillis(1_000_000_000_000_000L);

    private final RedisSinkConfig config;
    private final RedisKeys keys;
    private final Clock clock;
    private final String name;
    private final UnifiedJedis suppliedClient;
    private final String markerKey;
    private final String channel;
    /**
     * Per key: the newest change this sink wrote (for a resync; contacts only when resync is off) and
     * the contact's RTT statistics. One map, so that a change costs one lookup.
     */
    private final Map<ObservationKey, Kept> kept = new HashMap<>();

    private final boolean resync;
    /** This sink's id in the writer stamps (see apply.lua): unique per instance, so per start of a process. */
    private final String writerId = UUID.randomUUID().toString();
    /**
     * Per stamp: the generation of this sink's writer token. A kept change whose {@link Kept#gen()}
     * equals its stamp's is, as far as this sink can prove, what the store holds (see apply.lua);
     * raised whenever a call finds the stamp claimed by someone else, or a batch failed.
     */
    private final Map<Stamp, long[]> generations = new HashMap<>();

    private final AtomicLong fastWrites = new AtomicLong();
    private final Set<IndexEntry> indexed = new HashSet<>();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong resyncs = new AtomicLong();
    private final AtomicLong noScript = new AtomicLong();
    private final AtomicLong relocations = new AtomicLong();
    private final AtomicLong staleCheckFailures = new AtomicLong();
    /** The nodes the store held stale at the last check whose locations were all recomputed. */
    private volatile Set<NodeId> staleNodes = Set.of();
    /** {@code kept.size()} after the last write, for {@link #gauges()} (which must not take the lock). */
    private volatile int keptSize;
    /** {@link #staleNodes} as the script's argument: {@code ,a,b,}, or empty. */
    private String staleArg = "";

    private Instant lastStaleCheck = Instant.EPOCH;
    private UnifiedJedis client;
    private boolean started;
    private boolean closed;
    private Instant lastPrune = Instant.EPOCH;

    private RedisEndpointSink(Builder b) {
        this.config = b.config;
        this.keys = RedisKeys.withPrefix(config.keyPrefix());
        this.clock = b.clock;
        this.name = b.name;
        this.suppliedClient = b.client;
        this.markerKey = keys.sinkMarker(UUID.randomUUID().toString());
        this.channel = b.publish ? keys.events() : "";
        this.resync = config.resyncAfterDataLoss();
    }

    /** A sink over the configured Redis; optional collaborators are set on the builder. */
    public static Builder builder(RedisSinkConfig config) {
        return new Builder(config);
    }

    public RedisSinkConfig config() {
        return config;
    }

    public RedisKeys keys() {
        return keys;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Connects (unless a client was supplied), loads the script and sets this sink's marker.
     * Idempotent.
     *
     * @throws RetriableAstregException when Redis cannot be reached
     */
    @Override
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("sink " + name + " is closed");
        }
        if (started) {
            return;
        }
        try {
            if (client == null) {
                client = suppliedClient != null ? suppliedClient : RedisClients.open(config);
            }
            String sha = client.scriptLoad(ApplyScript.source());
            if (!ApplyScript.sha().equals(sha)) {
                throw new AstregException(
                        "redis returned SHA " + sha + " for the apply script, expected " + ApplyScript.sha());
            }
            client.set(markerKey, name, SetParams.setParams().px(MARKER_TTL_MS));
            started = true;
            log.info("sink {} started: {}", name, config);
        } catch (JedisException e) {
            throw translate("start", e);
        }
    }

    /**
     * Applies a batch in one pipeline. Changes the store already holds at the same or a newer
     * version leave it unchanged (R3).
     *
     * @throws RetriableAstregException when Redis cannot be reached (the pipeline retries)
     * @throws AstregException when Redis rejects a command (ACL, wrong type under a key)
     */
    @Override
    public synchronized void write(List<EndpointStateEvent> batch) {
        Objects.requireNonNull(batch, "batch");
        if (closed) {
            throw new IllegalStateException("sink " + name + " is closed");
        }
        if (!started) {
            start();
        }
        if (batch.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        // before the batch, so that the locations it recomputes already know the stale nodes
        followStaleness(now, false);
        boolean lost;
        try {
            lost = apply(batch, now, true);
        } catch (JedisException e) {
            throw translate("write", e);
        }
        batches.incrementAndGet();
        prune(now);
        if (lost) {
            resyncs.incrementAndGet();
            indexed.clear();
            lastStaleCheck = Instant.EPOCH; // whatever the store held about nodes is gone too
            List<EndpointStateEvent> list = new ArrayList<>(resync ? kept.size() : 0);
            if (resync) {
                kept.values().forEach(k -> list.add(k.event()));
            }
            log.warn(
                    "sink {}: redis lost its data (marker {} gone); writing again {} changes",
                    name,
                    markerKey,
                    list.size());
            if (resync) {
                // whatever this sink proved about the store's fields went with the data
                forgetWhatTheStoreHolds();
                try {
                    for (int i = 0; i < list.size(); i += REPLAY_CHUNK) {
                        apply(list.subList(i, Math.min(list.size(), i + REPLAY_CHUNK)), now, false);
                    }
                } catch (JedisException e) {
                    // the next batch finds the marker (set above) and would not replay: force it
                    try {
                        client.del(markerKey);
                    } catch (JedisException ignore) {
                        // unreachable again: the marker is gone with the data anyway
                    }
                    throw translate("resync", e);
                }
            }
        }
        if (lost || turnsNode(batch)) {
            followStaleness(now, true);
        }
        keptSize = kept.size();
    }

    /** Whether the batch says a node turned UP or DOWN against what this sink last read. */
    private boolean turnsNode(List<EndpointStateEvent> batch) {
        for (EndpointStateEvent e : batch) {
            if (e.change() instanceof NodeChange c
                    && (c.status() == NodeStatus.DOWN || c.status() == NodeStatus.UP)
                    && (c.status() == NodeStatus.DOWN) != staleNodes.contains(e.node())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads which nodes the store holds stale (at most once per {@link #STALE_CHECK} unless {@code
     * atOnce}: after a batch that turned a node UP or DOWN, or after a data loss) and, when that changed, recomputes the location of every endpoint of the nodes
     * that turned stale or fresh. A failure is logged and counted, never thrown: the batch itself was
     * written, and the next check tries again (the set is only taken once every location followed).
     */
    private void followStaleness(Instant now, boolean atOnce) {
        if (!atOnce
                && !now.isBefore(lastStaleCheck)
                && Duration.between(lastStaleCheck, now).compareTo(STALE_CHECK) < 0) {
            return;
        }
        lastStaleCheck = now;
        try {
            Set<NodeId> current = readStaleNodes();
            if (current.equals(staleNodes)) {
                return;
            }
            Set<NodeId> turnedStale = new TreeSet<>(current);
            turnedStale.removeAll(staleNodes);
            Set<NodeId> turnedFresh = new TreeSet<>(staleNodes);
            turnedFresh.removeAll(current);
            String arg = staleArg(current);
            int n = relocate(turnedStale, turnedFresh, now, arg);
            log.info(
                    "sink {}: stale nodes now {} (turned stale {}, fresh {}); recomputed {} locations",
                    name,
                    current,
                    turnedStale,
                    turnedFresh,
                    n);
            staleNodes = current;
            staleArg = arg;
            staleCheckFailures.set(0);
        } catch (RuntimeException e) {
            if (staleCheckFailures.getAndIncrement() == 0) {
                log.warn(
                        "sink {}: could not follow node staleness (retried every {}): {}",
                        name,
                        STALE_CHECK,
                        e.toString());
            }
        }
    }

    /** DOWN in {@code <prefix>nodes}, or known there with its heartbeat key expired. */
    private Set<NodeId> readStaleNodes() {
        Map<String, String> table = client.hgetAll(keys.nodes());
        Set<NodeId> stale = new TreeSet<>();
        List<NodeId> up = new ArrayList<>();
        for (Map.Entry<String, String> e : table.entrySet()) {
            NodeId id;
            NodeChange c;
            try {
                id = NodeId.of(e.getKey());
                if (!(StoredField.parse(e.getValue()).event().change() instanceof NodeChange nc)) {
                    continue;
                }
                c = nc;
            } catch (IllegalArgumentException ex) {
                continue; // not ours (readers count and log these)
            }
            if (c.status() == NodeStatus.DOWN) {
                stale.add(id);
            } else {
                up.add(id);
            }
        }
        if (!up.isEmpty()) {
            List<Response<Boolean>> exists = new ArrayList<>(up.size());
            try (AbstractPipeline p = client.pipelined()) {
                for (NodeId id : up) {
                    exists.add(p.exists(keys.node(id)));
                }
                p.sync();
            }
            for (int i = 0; i < up.size(); i++) {
                if (!Boolean.TRUE.equals(exists.get(i).get())) {
                    stale.add(up.get(i));
                }
            }
        }
        return Set.copyOf(stale);
    }

    private static String staleArg(Set<NodeId> nodes) {
        if (nodes.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder(",");
        for (NodeId n : new TreeSet<>(nodes)) {
            s.append(n.value()).append(',');
        }
        return s.toString();
    }

    /**
     * Recomputes the location of the endpoints indexed under the nodes that turned stale or fresh,
     * where the turn can change it (see apply.lua's 'l'); returns how many were recomputed.
     */
    private int relocate(Set<NodeId> turnedStale, Set<NodeId> turnedFresh, Instant now, String stale) {
        List<Call> calls = new ArrayList<>();
        for (NodeId n : new TreeSet<>(union(turnedStale, turnedFresh))) {
            String turn = turnedStale.contains(n) ? "s" : "f";
            for (String name : new TreeSet<>(client.smembers(keys.nodeIndex(n)))) {
                EndpointId ep;
                try {
                    ep = EndpointId.parse(name);
                } catch (IllegalArgumentException e) {
                    continue; // not written by a sink
                }
                calls.add(new Call(List.of(keys.endpoint(ep), keys.location(ep)), List.of("l", n.value(), turn)));
            }
        }
        List<String> common = common(now, stale);
        boolean bySlot = client instanceof RedisClusterClient;
        int recomputed = 0;
        for (int i = 0; i < calls.size(); i += REPLAY_CHUNK) {
            List<Call> chunk = calls.subList(i, Math.min(calls.size(), i + REPLAY_CHUNK));
            List<Group> groups = new ArrayList<>();
            if (bySlot) {
                groups.addAll(groupBySlot(chunk, common));
            } else {
                for (int k = 0; k < chunk.size(); k += GROUP) {
                    groups.add(group(chunk.subList(k, Math.min(chunk.size(), k + GROUP)), common, -1, groups.size()));
                }
            }
            recomputed += run(groups);
        }
        relocations.addAndGet(recomputed);
        return recomputed;
    }

    private static Set<NodeId> union(Set<NodeId> a, Set<NodeId> b) {
        Set<NodeId> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }

    /**
     * Runs script calls, with the EVAL fallback on NOSCRIPT, and returns how many changes answered 1;
     * their results are not counted as applied or ignored.
     */
    private int run(List<Group> groups) {
        List<Response<Object>> results = new ArrayList<>(groups.size());
        try (AbstractPipeline p = client.pipelined()) {
            for (Group g : groups) {
                results.add(p.evalsha(ApplyScript.sha(), g.keys(), g.args()));
            }
            p.sync();
        }
        int ones = 0;
        for (Object r : replies(groups, results)) {
            ones += ones(r);
        }
        return ones;
    }

    /**
     * The replies of script calls sent by EVALSHA, in order. Calls the server answered NOSCRIPT (a
     * restart, SCRIPT FLUSH or failover made it forget the script) are sent again by EVAL, which
     * also caches it; any other error is thrown.
     */
    private List<Object> replies(List<Group> groups, List<Response<Object>> results) {
        List<Object> out = new ArrayList<>(groups.size());
        List<Integer> retry = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            try {
                out.add(results.get(i).get());
            } catch (JedisDataException e) {
                if (!isNoScript(e)) {
                    throw e;
                }
                out.add(null);
                retry.add(i);
            }
        }
        if (!retry.isEmpty()) {
            noScript.incrementAndGet();
            List<Response<Object>> again = new ArrayList<>(retry.size());
            try (AbstractPipeline p = client.pipelined()) {
                for (int i : retry) {
                    // guarded: calls that did run may have written newer changes of the same fields
                    Group g = groups.get(i);
                    again.add(p.eval(ApplyScript.source(), g.keys(), g.guardedArgs()));
                }
                p.sync();
            }
            for (int k = 0; k < retry.size(); k++) {
                out.set(retry.get(k), again.get(k).get());
            }
        }
        return out;
    }

    private static int ones(Object result) {
        int n = 0;
        if (result instanceof List<?> list) {
            for (Object r : list) {
                if (r instanceof Long l && l == 1L) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The script's common arguments (see apply.lua). */
    private List<String> common(Instant now, String stale) {
        return List.of(
                channel,
                Ordering.instant(now),
                Long.toString(now.toEpochMilli()),
                Long.toString(config.tombstoneRetention().toMillis()),
                // only a standalone server knows all subscribers of its channel
                client instanceof RedisClient ? "1" : "0",
                stale);
    }

    /**
     * Sends one pipeline; returns whether the marker was missing (the store lost its data). Outside
     * Cluster each script call is sent as soon as its changes are encoded, so Redis runs the first
     * calls while the next ones are being encoded.
     */
    private boolean apply(List<EndpointStateEvent> events, Instant now, boolean checkMarker) {
        List<String> common = common(now, staleArg);
        boolean bySlot = client instanceof RedisClusterClient;
        List<String[]> indexAdds = new ArrayList<>();
        List<Group> groups = new ArrayList<>();
        List<Response<Object>> results = new ArrayList<>();
        Response<String> marker;
        try (AbstractPipeline p = client.pipelined()) {
            marker = checkMarker ? p.get(markerKey) : null;
            List<Call> calls = new ArrayList<>(bySlot ? events.size() + 4 : GROUP + 1);
            for (EndpointStateEvent e : events) {
                encode(e, now, calls);
                e.endpoint().ifPresent(ep -> {
                    if (indexed.add(new IndexEntry(e.node(), ep))) {
                        indexAdds.add(new String[] {keys.nodeIndex(e.node()), ep.toString()});
                        indexAdds.add(new String[] {keys.endpointIndex(), ep.toString()});
                    }
                });
                if (!bySlot && calls.size() >= (groups.isEmpty() ? FIRST_GROUP : GROUP)) {
                    send(p, group(calls, common, -1, groups.size()), groups, results);
                    calls = new ArrayList<>(GROUP + 1);
                }
            }
            if (bySlot) {
                for (Group g : groupBySlot(calls, common)) {
                    send(p, g, groups, results);
                }
            } else if (!calls.isEmpty()) {
                send(p, group(calls, common, -1, groups.size()), groups, results);
            }
            // one SADD per index set rather than per member: a cold start adds two members per endpoint
            Map<String, List<String>> bySet = new LinkedHashMap<>();
            for (String[] add : indexAdds) {
                bySet.computeIfAbsent(add[0], k -> new ArrayList<>()).add(add[1]);
            }
            for (Map.Entry<String, List<String>> set : bySet.entrySet()) {
                p.sadd(set.getKey(), set.getValue().toArray(new String[0]));
            }
            if (checkMarker) {
                p.set(markerKey, name, SetParams.setParams().px(MARKER_TTL_MS));
            }
            p.sync();
        } catch (JedisException e) {
            // the index cache must not claim what may not have landed
            indexed.clear();
            forgetWhatTheStoreHolds();
            throw e;
        }
        if (indexed.size() > INDEX_CACHE_LIMIT) {
            indexed.clear();
        }
        List<Object> replies;
        try {
            replies = replies(groups, results);
        } catch (JedisException e) {
            // the index cache must not claim what may not have landed
            indexed.clear();
            forgetWhatTheStoreHolds();
            throw e;
        }
        settle(groups, replies);
        return checkMarker && marker.get() == null;
    }

    private static void send(AbstractPipeline p, Group g, List<Group> groups, List<Response<Object>> results) {
        groups.add(g);
        results.add(p.evalsha(ApplyScript.sha(), g.keys(), g.args()));
    }

    /**
     * Cluster: every call's keys must share a slot, so changes are grouped by slot (an endpoint's two
     * keys always share one) into calls of at most {@value #GROUP} changes. Changes of one key keep
     * their order.
     */
    private List<Group> groupBySlot(List<Call> calls, List<String> common) {
        Map<Integer, List<Call>> bySlot = new LinkedHashMap<>();
        for (Call c : calls) {
            bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(c.keys().get(0)), k -> new ArrayList<>())
                    .add(c);
        }
        List<Group> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Call>> slot : bySlot.entrySet()) {
            List<Call> list = slot.getValue();
            for (int i = 0; i < list.size(); i += GROUP) {
                out.add(group(list.subList(i, Math.min(list.size(), i + GROUP)), common, slot.getKey(), out.size()));
            }
        }
        return out;
    }

    /**
     * Counts what the calls applied and follows the writer stamps: a node whose stamp a call had to
     * claim gets a new generation (so nothing kept for it counts as proven any more), a guarded
     * change the store took while this sink held the stamp is proven to be what the store holds,
     * and one it refused is not.
     */
    private void settle(List<Group> groups, List<Object> replies) {
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            Object reply = replies.get(i);
            int n = g.calls().size();
            int stamps = g.stampNodes().size();
            if (!(reply instanceof List<?> list) || list.size() != n + stamps) {
                throw new AstregException("unexpected reply of the apply script: " + reply);
            }
            boolean[] held = new boolean[stamps];
            for (int s = 0; s < stamps; s++) {
                held[s] = isOne(list.get(n + s));
                if (!held[s]) {
                    long[] gen = generation(g.stampNodes().get(s), g.slot());
                    gen[0] = Math.max(gen[0], g.claims()[s]);
                }
            }
            for (int k = 0; k < n; k++) {
                Call c = g.calls().get(k);
                boolean ok = isOne(list.get(k));
                (ok ? applied : ignored).incrementAndGet();
                int s = g.stampOf()[k];
                if (c.key() == null || s < 0) {
                    continue;
                }
                if (!ok) {
                    kept.computeIfPresent(c.key(), (key, old) -> old.gen() < 0 ? old : old.withGen(-1));
                } else if (held[s] && c.fast()) {
                    fastWrites.incrementAndGet();
                } else {
                    // taken while this sink held the stamp, or by the call that claimed it: the store
                    // holds it until someone else writes the node's fields, which takes the stamp
                    long gen = held[s] ? g.gens()[s] : g.claims()[s];
                    kept.computeIfPresent(c.key(), (key, old) -> old.event() == c.event() ? old.withGen(gen) : old);
                }
            }
        }
    }

    private static boolean isOne(Object r) {
        return r instanceof Long l && l == 1L;
    }

    /**
     * This sink's current token generation (a mutable cell) for the stamp of {@code node}'s fields
     * in {@code slot} (-1 outside Cluster, where a node has one stamp).
     */
    private long[] generation(NodeId node, int slot) {
        return generations.computeIfAbsent(new Stamp(node, slot), k -> new long[1]);
    }

    /** The Cluster slot of {@code endpoint}'s keys, or -1 outside Cluster (one stamp per node). */
    private int stampSlot(EndpointId endpoint) {
        return client instanceof RedisClusterClient ? JedisClusterCRC16.getSlot(keys.endpoint(endpoint)) : -1;
    }

    /** A writer stamp: a node's fields, in one Cluster slot or (slot -1) everywhere. */
    private record Stamp(NodeId node, int slot) {}

    /**
     * After a failed batch or a data loss: nothing kept counts as proven what the store holds, so the
     * next write of every field is guarded again (the stamps no longer match this sink's tokens).
     */
    private void forgetWhatTheStoreHolds() {
        for (long[] gen : generations.values()) {
            // past any claim the failed batch may have made unseen (one per call, so far fewer than this)
            gen[0] += 1L << 32;
        }
    }

    /**
     * One script call of {@code calls} (at most {@value #GROUP}): changes without a stamp (node
     * changes, relocations) first, then each node's changes after an {@code s} switching to its stamp,
     * each in the order given (a field always belongs to one node, so no field's changes are
     * reordered). {@code slot} is the calls' Cluster slot, or -1 outside Cluster; {@code index} the
     * call's place among the calls of its pipeline, which makes its claims unique.
     */
    private Group group(List<Call> calls, List<String> common, int slot, int index) {
        Map<NodeId, List<Call>> byNode = new LinkedHashMap<>();
        List<Call> ordered = new ArrayList<>(calls.size());
        for (Call c : calls) {
            if (c.stampNode() == null) {
                ordered.add(c);
            } else {
                byNode.computeIfAbsent(c.stampNode(), k -> new ArrayList<>()).add(c);
            }
        }
        int stamps = byNode.size();
        List<String> keyList = new ArrayList<>(calls.size() * 2 + stamps);
        List<String> args = new ArrayList<>(common.size() + 2 + 3 * stamps + calls.size() * 4);
        args.addAll(common);
        args.add(stamps == 0 ? "" : writerId);
        args.add(Integer.toString(stamps));
        List<NodeId> nodes = new ArrayList<>(byNode.keySet());
        long[] gens = new long[stamps];
        long[] claims = new long[stamps];
        for (int s = 0; s < stamps; s++) {
            gens[s] = generation(nodes.get(s), slot)[0];
            // unique per call of a batch, above every generation used before (see settle)
            claims[s] = gens[s] + 1 + index;
            args.add(Long.toString(gens[s]));
            args.add(Long.toString(claims[s]));
        }
        int[] stampOf = new int[calls.size()];
        for (int k = 0; k < ordered.size(); k++) {
            stampOf[k] = -1;
            keyList.addAll(ordered.get(k).keys());
            args.addAll(ordered.get(k).args());
        }
        for (int s = 0; s < stamps; s++) {
            args.add("s");
            args.add(Integer.toString(s + 1));
            for (Call c : byNode.get(nodes.get(s))) {
                stampOf[ordered.size()] = s;
                ordered.add(c);
                keyList.addAll(c.keys());
                args.addAll(c.args());
            }
        }
        for (NodeId node : nodes) {
            keyList.add(slot < 0 ? keys.writerStamp(node) : keys.writerStamp(node, slot));
        }
        return new Group(keyList, args, ordered, stampOf, nodes, slot, gens, claims);
    }

    private static boolean isNoScript(JedisDataException e) {
        String m = e.getMessage();
        return m != null && m.startsWith("NOSCRIPT");
    }

    /**
     * One change: its keys and its arguments (see apply.lua); for a change of a node's fields in
     * an endpoint hash also the node whose stamp guards them, and for a contact or device state the
     * change itself and its key in {@link #kept}. {@code fast}: sent as 'C' or 'D'.
     */
    private record Call(
            List<String> keys,
            List<String> args,
            NodeId stampNode,
            EndpointStateEvent event,
            ObservationKey key,
            boolean fast) {
        Call(List<String> keys, List<String> args) {
            this(keys, args, null, null, null, false);
        }
    }

    /**
     * One script call: its keys and arguments, its changes in the order sent, per change the index of
     * its stamp (-1: none), the stamps' nodes and slot (-1 outside Cluster), this sink's generations
     * for them, and the generations the call claims them with when they are not this sink's.
     */
    private record Group(
            List<String> keys,
            List<String> args,
            List<Call> calls,
            int[] stampOf,
            List<NodeId> stampNodes,
            int slot,
            long[] gens,
            long[] claims) {
        /**
         * The arguments with every change guarded, for a call sent again after calls that ran: tokens
         * no stamp can hold (apply.lua then guards 'C' and 'D' too, and claims the stamps as usual).
         */
        List<String> guardedArgs() {
            if (stampNodes.isEmpty()) {
                return args;
            }
            List<String> out = new ArrayList<>(args);
            // ARGV 7 writer id, 8 S, then per stamp: token generation, claim generation
            for (int s = 0; s < stampNodes.size(); s++) {
                out.set(8 + 2 * s, "-1");
            }
            return out;
        }
    }

    /** A (node, endpoint) pair already added to the index sets. */
    private record IndexEntry(NodeId node, EndpointId endpoint) {}

    /**
     * What {@link #kept} holds per key: the newest change written, the contact's RTT statistics, and
     * the generation under which the change is proven to be what the store holds (-1: not proven).
     */
    private record Kept(EndpointStateEvent event, RttSeen rtt, long gen) {
        Kept withGen(long value) {
            return new Kept(event, rtt, value);
        }
    }

    /**
     * What {@link #keep} decided for a change: its key, a contact's {@code rt}, and whether it may be
     * written unguarded ('C' or 'D').
     */
    private record Keep(ObservationKey key, String rt, boolean fast) {}

    /**
     * The RTT samples this sink wrote for a contact since its registration began: what the stored
     * {@code rt} says. Kept here rather than computed by the script, which would have to build the
     * whole stored value in Lua (see apply.lua).
     */
    private record RttSeen(long minMicros, long maxMicros, int samples) {
        RttSeen plus(long sample) {
            return new RttSeen(Math.min(minMicros, sample), Math.max(maxMicros, sample), samples + 1);
        }

        String text() {
            return minMicros + "," + maxMicros + "," + samples;
        }
    }

    private void encode(EndpointStateEvent e, Instant now, List<Call> calls) {
        if (e.change() instanceof ContactChange c) {
            ContactStatus s = c.status();
            boolean removed = s == ContactStatus.REMOVED;
            Keep k = keep(e, c);
            calls.add(endpointCall(
                    e,
                    c.endpoint(),
                    k.fast() ? "C" : "c",
                    RedisKeys.contactField(e.node(), c.uri()),
                    removed ? '2' : s.isLive() ? '1' : '0',
                    c.expiresAt().orElse(null),
                    removed ? null : c.registeredAt().orElse(Instant.EPOCH),
                    k.rt(),
                    k.key()));
            return;
        }
        Keep k = resync ? keep(e, null) : null;
        if (e.change() instanceof EndpointChange c) {
            calls.add(endpointCall(
                    e,
                    c.endpoint(),
                    "e",
                    RedisKeys.endpointField(e.node()),
                    c.state() == EndpointState.REMOVED ? '2' : '1',
                    null,
                    null,
                    "",
                    null));
            // a removal takes the node's older device state with it (apply.lua): not proven any more
            kept.computeIfPresent(
                    new ObservationKey(e.node(), ChangeKind.DEVICE, c.endpoint().toString(), ""),
                    (key, old) -> old.gen() < 0 ? old : old.withGen(-1));
        } else if (e.change() instanceof DeviceChange c) {
            calls.add(endpointCall(
                    e,
                    c.endpoint(),
                    k != null && k.fast() ? "D" : "d",
                    RedisKeys.deviceField(e.node()),
                    '1',
                    null,
                    null,
                    "",
                    k == null ? null : k.key()));
        } else if (e.change() instanceof NodeChange c) {
            if (c.status() != NodeStatus.UP && c.status() != NodeStatus.DOWN) {
                return; // snapshot boundaries are registry input, not state
            }
            String nodes = keys.nodes();
            String json = EventJson.write(e);
            StringBuilder value = new StringBuilder(json.length() + 120);
            int n = header(value, e.version(), '1', null, null);
            value.append(",\"m\":\"\",\"rt\":\"\",\"event\":").append(json).append('}');
            calls.add(new Call(
                    List.of(nodes, nodes), List.of("n", e.node().value(), value.toString(), Integer.toString(n))));
            String nodeKey = keys.node(e.node());
            long ttl = heartbeatTtlMillis(now, e.observedAt(), config.heartbeatTtl());
            calls.add(new Call(
                    List.of(nodeKey, nodeKey),
                    List.of(
                            "h",
                            Ordering.version(e.version()),
                            json,
                            Long.toString(ttl),
                            c.status().name(),
                            e.observedAt().toString(),
                            c.collector().orElse(""),
                            c.startedAt().map(Instant::toString).orElse(""))));
        }
    }

    /**
     * What is left of a heartbeat's TTL, in milliseconds: 0 when it has passed, at most {@link
     * #MAX_HEARTBEAT_TTL}. The model allows any instant, and {@code observedAt + ttl} or its
     * milliseconds overflow near {@link Instant#MIN} and {@link Instant#MAX}: such a change must be
     * written, not fail its batch for ever.
     */
    static long heartbeatTtlMillis(Instant now, Instant observedAt, Duration ttl) {
        Duration left = Duration.between(now, observedAt).plus(ttl);
        if (left.isNegative() || left.isZero()) {
            return 0;
        }
        return left.compareTo(MAX_HEARTBEAT_TTL) > 0 ? MAX_HEARTBEAT_TTL.toMillis() : left.toMillis();
    }

    /**
     * The stored value, built here whole so that the script only compares its header (see
     * apply.lua): {@code {"v":…,"k":…,"x":…,"r":…,"m":"","rt":…,"event":…}}.
     */
    private Call endpointCall(
            EndpointStateEvent e,
            EndpointId ep,
            String op,
            String field,
            char k,
            Instant expires,
            Instant registered,
            String rtt,
            ObservationKey key) {
        StringBuilder value = new StringBuilder(640);
        int n = header(value, e.version(), k, expires, registered);
        value.append(",\"m\":\"\",\"rt\":\"").append(rtt).append("\",\"event\":");
        EventJson.append(value, e);
        value.append('}');
        boolean fast = op.equals("C") || op.equals("D");
        // a fast change carries only what a bare HSET needs (apply.lua derives the rest if need be)
        return new Call(
                fast ? List.of(keys.endpoint(ep)) : List.of(keys.endpoint(ep), keys.location(ep)),
                fast ? List.of(op, field, value.toString()) : List.of(op, field, value.toString(), Integer.toString(n)),
                e.node(),
                e,
                key,
                fast);
    }

    /**
     * Appends {@code {"v":"<version>","k":<k>,"x":"<expires>","r":"<registered>"}} without the closing
     * brace ({@code x} and {@code r} empty for null) and returns its length, which the script uses to compare {@code k}, {@code x} and
     * {@code r} in one substring (all ASCII, so characters are bytes).
     */
    private static int header(StringBuilder s, Version version, char k, Instant expires, Instant registered) {
        s.append("{\"v\":\"");
        Ordering.appendVersion(s, version);
        s.append("\",\"k\":").append(k).append(",\"x\":\"");
        if (expires != null) {
            Ordering.appendInstant(s, expires);
        }
        s.append("\",\"r\":\"");
        if (registered != null) {
            Ordering.appendInstant(s, registered);
        }
        s.append('"');
        return s.length();
    }

    /**
     * Records {@code e} as the newest change of its key, unless one as new or newer was recorded,
     * and for a contact ({@code c} not null) returns its {@code rt}: {@code <min us>,<max us>,<samples>}
     * over the samples this sink wrote since the registration began (a removal or a change without
     * RTT starts again), empty when the change carries no RTT or is a removal. A change as old as the
     * recorded one (a retried or replayed batch) gets what was computed for it; an older one is not
     * counted. Also decides whether the change may go fast ('C' or 'D').
     */
    private Keep keep(EndpointStateEvent e, ContactChange c) {
        String[] rt = {""};
        boolean[] fast = {false};
        // node changes have no stamp, and are never fast
        long gen = e.endpoint().isPresent()
                ? generation(e.node(), stampSlot(e.endpoint().get()))[0]
                : -2;
        ObservationKey observationKey = e.key();
        kept.compute(observationKey, (key, old) -> {
            boolean newer = old == null || e.version().isNewerThan(old.event().version());
            // unguarded only over a field proven to hold this sink's own older write, and only when
            // the location cannot change (the script then skips relocating)
            fast[0] = newer && old != null && old.gen() == gen && sameLocationInputs(old.event(), e);
            long keptGen = fast[0] ? gen : -1;
            if (c == null) {
                return newer ? new Kept(e, null, keptGen) : old;
            }
            boolean none = c.status() == ContactStatus.REMOVED || c.rtt().isEmpty();
            long sample = none ? 0 : c.rtt().get().toNanos() / 1000;
            if (!newer) {
                if (!none) {
                    rt[0] = old.event().version().equals(e.version()) && old.rtt() != null
                            ? old.rtt().text()
                            : new RttSeen(sample, sample, 1).text();
                }
                return old;
            }
            RttSeen next = none
                    ? null
                    : old == null || old.rtt() == null
                            ? new RttSeen(sample, sample, 1)
                            : old.rtt().plus(sample);
            if (next != null) {
                rt[0] = next.text();
            }
            // without resync only the statistics are worth keeping
            return next == null && !resync ? null : new Kept(e, next, keptGen);
        });
        return new Keep(observationKey, rt[0], fast[0]);
    }

    /**
     * Whether writing {@code next} over {@code old} (same key) leaves everything the location and the
     * key's lifetime depend on unchanged: true for device states; for contacts when neither is a
     * removal and liveness, expiry and registration are equal (an RTT or user agent refresh); false
     * for anything else.
     */
    private static boolean sameLocationInputs(EndpointStateEvent old, EndpointStateEvent next) {
        if (next.change() instanceof DeviceChange) {
            return old.change() instanceof DeviceChange;
        }
        if (!(next.change() instanceof ContactChange n) || !(old.change() instanceof ContactChange o)) {
            return false;
        }
        return n.status() != ContactStatus.REMOVED
                && o.status() != ContactStatus.REMOVED
                && n.status().isLive() == o.status().isLive()
                && n.expiresAt().equals(o.expiresAt())
                && n.registeredAt()
                        .orElse(Instant.EPOCH)
                        .equals(o.registeredAt().orElse(Instant.EPOCH));
    }

    /**
     * Drops kept changes and RTT statistics the store has forgotten too (expired tombstones and
     * registrations).
     */
    private void prune(Instant now) {
        if (now.isBefore(lastPrune.plus(PRUNE_EVERY))) {
            return;
        }
        lastPrune = now;
        Instant before = now.minus(config.tombstoneRetention());
        Iterator<Kept> it = kept.values().iterator();
        while (it.hasNext()) {
            EndpointStateEvent e = it.next().event();
            if (e.change() instanceof ContactChange c) {
                boolean gone = c.status() == ContactStatus.REMOVED
                        ? e.observedAt().isBefore(before)
                        : c.expiresAt().map(x -> x.isBefore(before)).orElse(false);
                if (gone) {
                    it.remove();
                }
            } else if (e.change() instanceof EndpointChange c
                    && c.state() == EndpointState.REMOVED
                    && e.observedAt().isBefore(before)) {
                it.remove();
            }
        }
    }

    private RuntimeException translate(String what, JedisException e) {
        String msg =
                "redis sink " + name + ": " + what + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof JedisConnectionException || e.getCause() instanceof JedisConnectionException) {
            return new RetriableAstregException(msg, e);
        }
        return new AstregException(msg, e);
    }

    /**
     * Counters for metrics, values that only grow: {@code batches}, {@code applied} (changes the
     * store took), {@code ignored} (changes it already held at the same or a newer version), {@code
     * resyncs} (times the store had lost its data), {@code noscript} (EVAL fallbacks), {@code
     * relocations} (endpoints whose location was recomputed because a node turned stale or fresh),
     * {@code fastWrites} (changes written without reading the stored version first). A
     * node change counts twice in {@code applied}/{@code ignored}: the nodes hash and the heartbeat
     * hash. Does not wait for a write in progress.
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("batches", batches.get());
        m.put("applied", applied.get());
        m.put("ignored", ignored.get());
        m.put("resyncs", resyncs.get());
        m.put("noscript", noScript.get());
        m.put("relocations", relocations.get());
        m.put("fastWrites", fastWrites.get());
        return m;
    }

    /**
     * Current values for metrics: {@code kept} (keys whose newest change is kept, for a resync and for
     * contacts' RTT statistics), {@code staleNodes} (nodes the store held stale at the last check),
     * {@code staleCheckFailures} (failed checks in a row; 0 when the last one worked). Does not wait
     * for a write in progress.
     */
    @Override
    public Map<String, Long> gauges() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("kept", (long) keptSize);
        m.put("staleNodes", (long) staleNodes.size());
        m.put("staleCheckFailures", staleCheckFailures.get());
        return m;
    }

    /** Closes the client unless it was supplied; idempotent; throws nothing. */
    @Override
    public void close() {
        UnifiedJedis c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            c = client;
            client = null;
        }
        if (c != null && c != suppliedClient) {
            try {
                c.close();
            } catch (RuntimeException e) {
                log.debug("sink {}: closing the client failed: {}", name, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "RedisEndpointSink[" + name + " " + config + "]";
    }

    /** Builds a {@link RedisEndpointSink}. */
    public static final class Builder {
        private final RedisSinkConfig config;
        private Clock clock = Clock.systemUTC();
        private String name = "redis";
        private UnifiedJedis client;
        private boolean publish = true;

        private Builder(RedisSinkConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The clock that decides what "now" is for expiry, TTLs and tombstone purge. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** The sink's name in logs, metrics and its pipeline thread; default {@code redis}. */
        public Builder name(String value) {
            this.name = Objects.requireNonNull(value, "name");
            return this;
        }

        /**
         * A client to use instead of one made from the config's endpoints; the sink does not close
         * it. Key prefix, TTLs and retention still come from the config.
         */
        public Builder client(UnifiedJedis value) {
            this.client = Objects.requireNonNull(value, "client");
            return this;
        }

        /** Whether applied changes are published on {@code <prefix>events}; default true. */
        public Builder publish(boolean value) {
            this.publish = value;
            return this;
        }

        public RedisEndpointSink build() {
            return new RedisEndpointSink(this);
        }
    }
}
