package io.github.astreg.core.registry;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.ContactStatus;
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
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.model.Version;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference registry: all rules R1–R9 in memory.
 *
 * <p>Write side: {@link #apply(EndpointStateEvent)} takes one observation and returns the changes it
 * caused in merged form (what sinks must write and listeners receive); {@link #sweep()} applies the
 * clock-driven rules (R4 expiry, R5 eviction, tombstone purge); {@link #heartbeat} records that a
 * collector still watches a node. Every merged change carries a version that strictly increases per
 * key, so a store applying "newer wins" ends up equal to this registry.
 *
 * <p>Threading: all methods are thread-safe (one internal lock, held for microseconds). {@link
 * #locate} usually takes no lock: each endpoint caches its last answer with the instants between
 * which it holds (the first contact expiry or node staleness deadline that could change it); writes
 * clear it, and a node's status change or a stale node's heartbeat invalidates every cached answer.
 * Listeners run on the thread that called {@code apply}, {@code sweep} or {@code heartbeat}, after
 * the lock is released.
 */
public final class InMemoryEndpointRegistry implements EndpointRegistry {
    private static final Logger log = LoggerFactory.getLogger(InMemoryEndpointRegistry.class);
    /** Endpoints swept per hold of the lock (about 0.15 ms of work). */
    private static final int SWEEP_CHUNK = 1024;

    private final RegistryConfig config;
    /** {@code config.tombstoneRetention()} in nanoseconds, saturated. */
    private final long retentionNanos;

    private final Clock clock;
    private final Object lock = new Object();
    /** Written under {@link #lock}; read without it by the {@link #locate} fast path. */
    private final ConcurrentHashMap<EndpointId, EndpointEntry> endpoints = new ConcurrentHashMap<>();

    private final Map<NodeId, NodeEntry> nodes = new HashMap<>();
    /**
     * Bumped (under the lock) whenever a node's status changes or a stale node heartbeats again: every
     * cached {@code locate} answer computed before may rank that node's contacts wrongly.
     */
    private volatile long nodeEpoch;

    private final CopyOnWriteArrayList<RegistryListener> listeners = new CopyOnWriteArrayList<>();

    /**
     * No endpoint has sweep work before this instant: the minimum of every endpoint's {@link
     * EndpointEntry#sweepDueNanos}, or earlier. Guarded by {@link #lock}.
     */
    private long sweepDueNanos = Long.MIN_VALUE;

    private InMemoryEndpointRegistry(Builder b) {
        this.config = b.config;
        this.retentionNanos = EpochNanos.of(b.config.tombstoneRetention());
        this.clock = b.clock;
    }

    /** A registry with default {@link RegistryConfig} and the system clock. */
    public static InMemoryEndpointRegistry create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public RegistryConfig config() {
        return config;
    }

    public Clock clock() {
        return clock;
    }

    // ---------------------------------------------------------------- write side

    /**
     * Applies one observation (R1, R3, R6, R8) and returns the changes it caused, in merged form; an
     * observation that changes nothing (older, duplicate, replay) returns an empty list.
     */
    public List<EndpointStateEvent> apply(EndpointStateEvent event) {
        Objects.requireNonNull(event, "event");
        List<EndpointStateEvent> out = new ArrayList<>(1);
        synchronized (lock) {
            if (event.change() instanceof ContactChange c) {
                applyContact(event, c, out);
            } else if (event.change() instanceof EndpointChange c) {
                applyEndpoint(event, c, out);
            } else if (event.change() instanceof DeviceChange c) {
                applyDevice(event, c, out);
            } else if (event.change() instanceof NodeChange c) {
                applyNode(event, c, out);
            }
        }
        notifyListeners(out);
        return out;
    }

    /**
     * Loads what a store already holds, before any source starts, so that the first snapshot of each
     * node also reconciles rows written by an earlier run of this collector (R6 across restarts: a
     * phone that unregistered while no collector watched is removed from the store at SNAPSHOT_END).
     * Every seeded observation keeps the store's time with sequence 0, so anything a source reports
     * later wins (R3). The changes this causes are not returned: the store has them already.
     *
     * @return how many endpoints were seeded
     */
    public int seedFrom(EndpointRegistry store) {
        Objects.requireNonNull(store, "store");
        int seeded = 0;
        for (EndpointId ep : store.endpoints()) {
            Optional<EndpointRecord> found = store.find(ep);
            if (found.isEmpty()) {
                continue;
            }
            seeded++;
            for (NodePresence p : found.get().presence()) {
                Instant at = p.lastUpdate();
                if (p.endpointState().isPresent() && p.endpointState().get() != EndpointState.REMOVED) {
                    seed(p.node(), at, new EndpointChange(ep, p.endpointState().get(), p.channels()));
                }
                if (p.deviceState().isPresent()) {
                    seed(p.node(), at, new DeviceChange(ep, p.deviceState().get()));
                }
                for (ContactRecord c : p.contacts()) {
                    ContactChange.Builder b = ContactChange.builder(ep, c.uri(), c.status())
                            .aor(c.aor())
                            .address(c.address())
                            .userAgent(c.userAgent())
                            .expiresAt(c.expiresAt());
                    // the registration's start first, so registeredAt survives the restart
                    if (c.registeredAt().isBefore(c.observedAt())) {
                        seed(p.node(), c.registeredAt(), b.build());
                    }
                    seed(
                            p.node(),
                            c.observedAt(),
                            b.rtt(c.rtt().map(RttStats::last)).build());
                }
            }
        }
        log.info("seeded {} endpoints from {}", seeded, store.getClass().getSimpleName());
        return seeded;
    }

    private void seed(NodeId node, Instant at, io.github.astreg.core.model.Change change) {
        List<EndpointStateEvent> ignored = new ArrayList<>(1);
        EndpointStateEvent e = new EndpointStateEvent(node, at, 0, Origin.REGISTRY, change);
        synchronized (lock) {
            if (change instanceof ContactChange c) {
                applyContact(e, c, ignored);
            } else if (change instanceof EndpointChange c) {
                applyEndpoint(e, c, ignored);
            } else if (change instanceof DeviceChange c) {
                applyDevice(e, c, ignored);
            }
        }
    }

    /** Applies several observations in order; returns every change they caused. */
    public List<EndpointStateEvent> applyAll(Iterable<EndpointStateEvent> events) {
        List<EndpointStateEvent> out = new ArrayList<>();
        for (EndpointStateEvent e : events) {
            out.addAll(apply(e));
        }
        return out;
    }

    /**
     * Records that {@code collector} still watches {@code node} as of now (R5): the node's heartbeat
     * moves forward, its status does not change. Returns the node's merged state to write to stores;
     * nothing for a node whose source never reported a status (one still in its first snapshot):
     * such a node is not stale here, and writing its state would tell the stores it is DOWN.
     */
    public List<EndpointStateEvent> heartbeat(NodeId node, String collector) {
        List<EndpointStateEvent> out = new ArrayList<>(1);
        synchronized (lock) {
            NodeEntry n = nodes.get(node);
            if (n == null) {
                return out;
            }
            Instant now = clock.instant();
            if (isStale(n, EpochNanos.of(now))) {
                nodeEpoch++; // it may be live again: cached answers ranked it last
            }
            if (now.isAfter(n.heartbeatAt)) {
                n.heartbeatAt = now;
            }
            n.collector = collector;
            if (n.statusVersion.equals(Version.ZERO)) {
                // a store that never heard of the node holds it not stale, as this registry does;
                // written with the default status it would be DOWN there until its first UP
                return out;
            }
            out.add(nodeChange(node, n, new Version(now, 0)));
        }
        notifyListeners(out);
        return out;
    }

    /**
     * Applies the rules that depend on time alone: contacts whose registration expired are removed
     * (R4); nodes stale for longer than {@code evictAfter} lose their contacts and endpoints (R5);
     * removals older than {@code tombstoneRetention} are forgotten (R3). Returns the removals to write.
     */
    public List<EndpointStateEvent> sweep() {
        return sweep(false);
    }

    /**
     * {@link #sweep()} visiting every endpoint, even those whose {@link EndpointEntry#sweepDueNanos}
     * says there is nothing to do yet: what the sweep did before it kept those instants. Tests check
     * that both give the same changes.
     */
    List<EndpointStateEvent> sweepEveryEndpoint() {
        return sweep(true);
    }

    private List<EndpointStateEvent> sweep(boolean everyEndpoint) {
        List<EndpointStateEvent> out = new ArrayList<>();
        Instant now = clock.instant();
        long nowNanos = EpochNanos.of(now);
        Version nowVersion = new Version(now, 0);
        Instant purgeBefore = now.minus(config.tombstoneRetention());
        boolean due;
        synchronized (lock) {
            for (Map.Entry<NodeId, NodeEntry> ne : nodes.entrySet()) {
                NodeEntry n = ne.getValue();
                if (!n.evicted
                        && staleSince(n)
                                .map(s -> !s.plus(config.evictAfter()).isAfter(now))
                                .orElse(false)) {
                    n.evicted = true;
                    log.info("evicting node {}: stale for longer than {}", ne.getKey(), config.evictAfter());
                    removeAllOf(ne.getKey(), n, nowVersion, Origin.REGISTRY, out);
                }
            }
            // nothing expiring and no tombstone due yet: a pass over 100 000 endpoints would only read
            // them all (the common case during a cold start, with every expiry minutes away)
            due = everyEndpoint || sweepDueNanos <= nowNanos;
            if (due) {
                // writes during the pass lower it again; the pass adds what it sees
                sweepDueNanos = Long.MAX_VALUE;
            }
        }
        if (!due) {
            notifyListeners(out);
            return out;
        }
        // In chunks: a pass over 100 000 endpoints takes ~15 ms, and holding the lock that long once a
        // second would stall every source's apply. Each endpoint is still swept atomically.
        long passDue = Long.MAX_VALUE;
        Iterator<EndpointEntry> eps = endpoints.values().iterator();
        while (eps.hasNext()) {
            synchronized (lock) {
                for (int i = 0; i < SWEEP_CHUNK && eps.hasNext(); i++) {
                    EndpointEntry ep = eps.next();
                    // only endpoints with work: reading one field beats following every contact
                    if (everyEndpoint || ep.sweepDueNanos <= nowNanos) {
                        sweep(ep, nowNanos, nowVersion, purgeBefore, out);
                        refreshSweepDue(ep);
                    }
                    passDue = Math.min(passDue, ep.sweepDueNanos);
                }
            }
        }
        synchronized (lock) {
            sweepDueNanos = Math.min(sweepDueNanos, passDue);
        }
        notifyListeners(out);
        return out;
    }

    /**
     * Per endpoint held in memory, the nodes it has an entry on, including entries with nothing
     * visible left that the sweep has not purged yet. For tests of the purge, which no reader sees.
     */
    Map<EndpointId, List<NodeId>> heldInMemory() {
        synchronized (lock) {
            Map<EndpointId, List<NodeId>> held = new java.util.TreeMap<>();
            for (EndpointEntry ep : endpoints.values()) {
                List<NodeId> nodesOf = new ArrayList<>();
                for (PresenceEntry p : ep.presence()) {
                    nodesOf.add(p.node);
                }
                held.put(ep.id, nodesOf);
            }
            return held;
        }
    }

    /** Sets the endpoint's sweep instant exactly, from what it holds now; the caller holds the lock. */
    private void refreshSweepDue(EndpointEntry ep) {
        long due = Long.MAX_VALUE;
        for (PresenceEntry p : ep.presence()) {
            for (ContactEntry c : p.contacts) {
                due = Math.min(due, c.sweepDueNanos(retentionNanos));
            }
            due = Math.min(due, p.sweepDueNanos(retentionNanos));
        }
        ep.sweepDueNanos = due;
        sweepDueNanos = Math.min(sweepDueNanos, due);
    }

    /** After a write to the endpoint: the sweep must not come later than {@code nanos}; holds the lock. */
    private void sweepNoLaterThan(EndpointEntry ep, long nanos) {
        ep.sweepNoLaterThan(nanos);
        if (nanos < sweepDueNanos) {
            sweepDueNanos = nanos;
        }
    }

    /** R4 expiry and tombstone purge for one endpoint; the caller holds the lock. */
    private void sweep(
            EndpointEntry ep, long nowNanos, Version nowVersion, Instant purgeBefore, List<EndpointStateEvent> out) {
        for (PresenceEntry p : ep.presence()) {
            Iterator<ContactEntry> cs = p.contacts.iterator();
            while (cs.hasNext()) {
                ContactEntry c = cs.next();
                if (!c.isRemoved() && c.liveUntilNanos() <= nowNanos) {
                    Version v = Version.max(nowVersion, c.newest().next());
                    c.apply(
                            ContactChange.builder(ep.id, c.uri, ContactStatus.REMOVED)
                                    .build(),
                            v);
                    ep.answer = null;
                    out.add(emitContact(p.node, ep.id, c, v, Origin.REGISTRY));
                } else if (c.isRemoved() && c.removedAt.isObservedBefore(purgeBefore)) {
                    cs.remove();
                }
            }
            if (p.contacts.isEmpty()
                    && p.visibleState() == null
                    && p.visibleDevice() == null
                    && p.lastUpdate.isObservedBefore(purgeBefore)) {
                ep.remove(p);
                p.nodeEntry.endpoints.remove(ep.id);
            }
        }
        if (ep.isEmpty()) {
            endpoints.remove(ep.id, ep);
        }
    }

    private void applyContact(EndpointStateEvent e, ContactChange c, List<EndpointStateEvent> out) {
        PresenceEntry p = presence(e.node(), c.endpoint());
        ContactEntry entry = p.contacts.get(c.uri());
        if (entry == null) {
            entry = new ContactEntry(c.uri(), config.rttWindow());
            p.contacts.add(entry);
        }
        NodeEntry n = p.nodeEntry;
        if (n.snapshotOpen) {
            entry.seenInSnapshot = n.snapshotGeneration;
        }
        Version v = e.version();
        // the newest observation of any kind, changed or not, so the value does not depend on arrival order
        p.lastUpdate = Version.max(p.lastUpdate, v);
        boolean changed = entry.apply(c, v);
        // even unchanged: a removal of a contact never seen leaves a tombstone to purge
        sweepNoLaterThan(p.owner, entry.sweepDueNanos(retentionNanos));
        if (changed) {
            p.owner.answer = null;
            out.add(emitContact(e.node(), c.endpoint(), entry, v, e.observedAt(), e.origin()));
        }
    }

    private EndpointStateEvent emitContact(NodeId node, EndpointId endpoint, ContactEntry c, Version v, Origin origin) {
        return emitContact(node, endpoint, c, v, v.observedAt(), origin);
    }

    /** {@code at} is {@code v}'s instant, passed in so the common case does not build it again. */
    private EndpointStateEvent emitContact(
            NodeId node, EndpointId endpoint, ContactEntry c, Version v, Instant at, Origin origin) {
        Version ev = v.isNewerThan(c.emitted) ? v : c.emitted.next();
        c.emitted = ev;
        return new EndpointStateEvent(
                node, ev == v ? at : ev.observedAt(), ev.sequence(), origin, c.toChange(endpoint));
    }

    private void applyEndpoint(EndpointStateEvent e, EndpointChange c, List<EndpointStateEvent> out) {
        PresenceEntry p = presence(e.node(), c.endpoint());
        NodeEntry n = p.nodeEntry;
        if (n.snapshotOpen) {
            p.endpointSeenInSnapshot = n.snapshotGeneration;
        }
        Version v = e.version();
        boolean changed = false;
        if (c.state() == EndpointState.REMOVED) {
            if (v.isNewerThan(p.removedAt)) {
                changed = p.visibleState() != null || p.visibleChannels() != null || p.visibleDevice() != null;
                p.removedAt = v;
            }
        } else if (v.isNewerThan(p.removedAt)) {
            if (v.isNewerThan(p.stateVersion)) {
                changed |= p.visibleState() != c.state();
                p.state = c.state();
                p.stateVersion = v;
            }
            if (c.channels().isPresent() && v.isNewerThan(p.channelsVersion)) {
                changed |= !Integer.valueOf(c.channels().getAsInt()).equals(p.visibleChannels());
                p.channels = c.channels().getAsInt();
                p.channelsVersion = v;
            }
        }
        p.lastUpdate = Version.max(p.lastUpdate, v);
        // even unchanged: an endpoint removal on a new presence leaves nothing but a presence to purge
        sweepNoLaterThan(p.owner, p.sweepDueNanos(retentionNanos));
        if (changed) {
            out.add(emitEndpoint(e.node(), c.endpoint(), p, v, e.observedAt(), e.origin()));
        }
    }

    private EndpointStateEvent emitEndpoint(
            NodeId node, EndpointId endpoint, PresenceEntry p, Version v, Origin origin) {
        return emitEndpoint(node, endpoint, p, v, v.observedAt(), origin);
    }

    /** {@code at} is {@code v}'s instant, passed in so the common case does not build it again. */
    private EndpointStateEvent emitEndpoint(
            NodeId node, EndpointId endpoint, PresenceEntry p, Version v, Instant at, Origin origin) {
        Version ev = v.isNewerThan(p.endpointEmitted) ? v : p.endpointEmitted.next();
        p.endpointEmitted = ev;
        EndpointState state = p.visibleState();
        EndpointChange change;
        if (state == null && p.removedAt.compareTo(Version.ZERO) > 0) {
            change = new EndpointChange(endpoint, EndpointState.REMOVED);
        } else {
            Integer ch = p.visibleChannels();
            change = new EndpointChange(
                    endpoint,
                    state == null ? EndpointState.UNKNOWN : state,
                    ch == null ? OptionalInt.empty() : OptionalInt.of(ch));
        }
        return new EndpointStateEvent(node, ev == v ? at : ev.observedAt(), ev.sequence(), origin, change);
    }

    private void applyDevice(EndpointStateEvent e, DeviceChange c, List<EndpointStateEvent> out) {
        PresenceEntry p = presence(e.node(), c.endpoint());
        NodeEntry n = p.nodeEntry;
        if (n.snapshotOpen) {
            p.deviceSeenInSnapshot = n.snapshotGeneration;
        }
        Version v = e.version();
        p.lastUpdate = Version.max(p.lastUpdate, v);
        // a device state older than the endpoint's removal may have created an empty presence
        sweepNoLaterThan(p.owner, p.sweepDueNanos(retentionNanos));
        if (v.isNewerThan(p.deviceVersion) && v.isNewerThan(p.removedAt)) {
            boolean changed = p.visibleDevice() != c.state();
            p.device = c.state();
            p.deviceVersion = v;
            if (changed) {
                Version ev = v.isNewerThan(p.deviceEmitted) ? v : p.deviceEmitted.next();
                p.deviceEmitted = ev;
                out.add(new EndpointStateEvent(
                        e.node(), ev == v ? e.observedAt() : ev.observedAt(), ev.sequence(), e.origin(), c));
            }
        }
    }

    private void applyNode(EndpointStateEvent e, NodeChange c, List<EndpointStateEvent> out) {
        NodeId id = e.node();
        NodeEntry n = nodes.computeIfAbsent(id, k -> new NodeEntry());
        Version v = e.version();
        switch (c.status()) {
            case SNAPSHOT_BEGIN -> {
                n.snapshotGeneration++;
                n.snapshotOpen = true;
            }
            case SNAPSHOT_END -> {
                if (!n.snapshotOpen) {
                    log.warn("node {}: SNAPSHOT_END without SNAPSHOT_BEGIN ignored", id);
                    return;
                }
                n.snapshotOpen = false;
                reconcile(id, n, v, e.origin(), out);
            }
            case UP, DOWN -> {
                boolean changed = false;
                if (v.isNewerThan(n.statusVersion)) {
                    changed = n.status != c.status() || n.statusVersion.equals(Version.ZERO);
                    n.status = c.status();
                    n.statusVersion = v;
                    if (c.status() == NodeStatus.UP) {
                        n.evicted = false;
                    }
                }
                if (c.startedAt().isPresent() && v.isNewerThan(n.startedVersion)) {
                    changed |= !c.startedAt().get().equals(n.startedAt);
                    n.startedAt = c.startedAt().get();
                    n.startedVersion = v;
                }
                if (c.collector().isPresent() && !c.collector().get().equals(n.collector)) {
                    n.collector = c.collector().get();
                    changed = true;
                }
                if (e.observedAt().isAfter(n.heartbeatAt)) {
                    n.heartbeatAt = e.observedAt();
                    changed = true;
                }
                if (changed) {
                    nodeEpoch++; // status, or a heartbeat that may end staleness: ranks change
                    out.add(nodeChange(id, n, v));
                }
            }
        }
    }

    private EndpointStateEvent nodeChange(NodeId id, NodeEntry n, Version v) {
        Version ev = v.isNewerThan(n.emitted) ? v : n.emitted.next();
        n.emitted = ev;
        return new EndpointStateEvent(
                id,
                ev.observedAt(),
                ev.sequence(),
                Origin.REGISTRY,
                new NodeChange(n.status, Optional.ofNullable(n.startedAt), Optional.ofNullable(n.collector)));
    }

    /** R6: removes everything of the node that the snapshot just completed did not mention. */
    private void reconcile(NodeId id, NodeEntry n, Version v, Origin origin, List<EndpointStateEvent> out) {
        int gen = n.snapshotGeneration;
        for (EndpointId ep : List.copyOf(n.endpoints)) {
            PresenceEntry p = endpoints.get(ep).get(id);
            boolean anySeen = false;
            for (ContactEntry c : p.contacts) {
                if (c.seenInSnapshot == gen) {
                    anySeen = true;
                } else if (!c.isRemoved()) {
                    Version rv = Version.max(v, c.newest().next());
                    c.apply(
                            ContactChange.builder(ep, c.uri, ContactStatus.REMOVED)
                                    .build(),
                            rv);
                    p.owner.answer = null;
                    out.add(emitContact(id, ep, c, rv, Origin.REGISTRY));
                }
            }
            anySeen |= p.endpointSeenInSnapshot == gen || p.deviceSeenInSnapshot == gen;
            if (!anySeen && (p.visibleState() != null || p.visibleDevice() != null || p.visibleChannels() != null)) {
                Version rv = Version.max(
                        v, Version.max(p.stateVersion, p.deviceVersion).next());
                p.removedAt = rv;
                out.add(emitEndpoint(id, ep, p, rv, Origin.REGISTRY));
            }
            refreshSweepDue(p.owner);
        }
    }

    /** R5 eviction: every contact and endpoint of the node is removed. */
    private void removeAllOf(NodeId id, NodeEntry n, Version v, Origin origin, List<EndpointStateEvent> out) {
        for (EndpointId ep : List.copyOf(n.endpoints)) {
            PresenceEntry p = endpoints.get(ep).get(id);
            for (ContactEntry c : p.contacts) {
                if (!c.isRemoved()) {
                    Version rv = Version.max(v, c.newest().next());
                    c.apply(
                            ContactChange.builder(ep, c.uri, ContactStatus.REMOVED)
                                    .build(),
                            rv);
                    p.owner.answer = null;
                    out.add(emitContact(id, ep, c, rv, origin));
                }
            }
            if (p.visibleState() != null || p.visibleDevice() != null || p.visibleChannels() != null) {
                Version rv = Version.max(
                        v, Version.max(p.stateVersion, p.deviceVersion).next());
                p.removedAt = rv;
                out.add(emitEndpoint(id, ep, p, rv, origin));
            }
            refreshSweepDue(p.owner);
        }
    }

    private PresenceEntry presence(NodeId node, EndpointId endpoint) {
        EndpointEntry ep = endpoints.get(endpoint);
        if (ep == null) {
            ep = new EndpointEntry(endpoint);
            endpoints.put(endpoint, ep);
        }
        PresenceEntry p = ep.get(node);
        if (p == null) {
            NodeEntry n = nodes.computeIfAbsent(node, k -> new NodeEntry());
            p = new PresenceEntry(ep, node, n);
            ep.add(p);
            n.endpoints.add(endpoint);
        }
        return p;
    }

    // ---------------------------------------------------------------- read side

    @Override
    public Optional<Location> locate(EndpointId endpoint) {
        // hot path (dialplan lookups): the answer cached per endpoint, read without the lock
        EndpointEntry entry = endpoints.get(Objects.requireNonNull(endpoint, "endpoint"));
        if (entry == null) {
            return Optional.empty();
        }
        EndpointEntry.LocateAnswer cached = entry.answer;
        if (cached != null && cached.nodeEpoch() == nodeEpoch) {
            // a millisecond clock is cheap; the answer holds for every instant inside that millisecond
            long from = clock.millis() * 1_000_000L;
            if (from >= cached.fromNanos() && from + 999_999L < cached.untilNanos()) {
                return cached.location();
            }
        }
        return computeLocation(entry);
    }

    /** Computes and caches the R2 answer, with the first instant it may stop being right. */
    private Optional<Location> computeLocation(EndpointEntry entry) {
        long nowNanos = EpochNanos.of(clock.instant());
        synchronized (lock) {
            long epoch = nodeEpoch;
            long until = Long.MAX_VALUE;
            PresenceEntry best = null;
            ContactEntry bestContact = null;
            boolean bestStale = true;
            for (PresenceEntry p : entry.presence()) {
                if (p.contacts.isEmpty()) {
                    continue;
                }
                NodeEntry n = p.nodeEntry;
                boolean stale = isStale(n, nowNanos);
                if (!stale && n.status == NodeStatus.UP && !n.statusVersion.equals(Version.ZERO)) {
                    until = Math.min(until, staleAt(n));
                }
                for (ContactEntry c : p.contacts) {
                    if (!c.isLiveAt(nowNanos)) {
                        continue;
                    }
                    until = Math.min(until, c.liveUntilNanos());
                    if (bestContact == null || isBetter(stale, p.node, c, bestStale, best.node, bestContact)) {
                        bestContact = c;
                        best = p;
                        bestStale = stale;
                    }
                }
            }
            Optional<Location> location =
                    bestContact == null ? Optional.empty() : Optional.of(toLocation(best.node, bestContact));
            entry.answer = new EndpointEntry.LocateAnswer(location, epoch, nowNanos, until);
            return location;
        }
    }

    /** R2 order: not stale first, newest registration, then node id, then URI. */
    private static boolean isBetter(
            boolean stale, NodeId node, ContactEntry c, boolean bestStale, NodeId bestNode, ContactEntry best) {
        if (stale != bestStale) {
            return !stale;
        }
        int r = c.registeredAtOrEpoch().compareTo(best.registeredAtOrEpoch());
        if (r != 0) {
            return r > 0;
        }
        int n = node.compareTo(bestNode);
        if (n != 0) {
            return n < 0;
        }
        return c.uri.compareTo(best.uri) < 0;
    }

    private static Location toLocation(NodeId node, ContactEntry c) {
        return new Location(node, c.uri, c.address(), c.lastRtt(), c.registeredAtOrEpoch());
    }

    @Override
    public List<Location> locateAll(EndpointId endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        long nowNanos = EpochNanos.of(clock.instant());
        List<Candidate> candidates = new ArrayList<>();
        synchronized (lock) {
            EndpointEntry entry = endpoints.get(endpoint);
            if (entry == null) {
                return List.of();
            }
            for (PresenceEntry p : entry.presence()) {
                boolean stale = isStale(p.nodeEntry, nowNanos);
                for (ContactEntry c : p.contacts) {
                    if (c.isLiveAt(nowNanos)) {
                        candidates.add(new Candidate(p.node, c, stale));
                    }
                }
            }
            candidates.sort((x, y) -> isBetter(x.stale, x.node, x.contact, y.stale, y.node, y.contact)
                    ? -1
                    : (isBetter(y.stale, y.node, y.contact, x.stale, x.node, x.contact) ? 1 : 0));
            List<Location> out = new ArrayList<>(candidates.size());
            for (Candidate cand : candidates) {
                out.add(toLocation(cand.node, cand.contact));
            }
            return out;
        }
    }

    private record Candidate(NodeId node, ContactEntry contact, boolean stale) {}

    private static boolean isLiveIgnoringNode(ContactEntry c, Instant now) {
        return c.status.isLive() && c.expiresAt().map(x -> x.isAfter(now)).orElse(true);
    }

    @Override
    public Optional<EndpointRecord> find(EndpointId endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        Instant now = clock.instant();
        synchronized (lock) {
            EndpointEntry entry = endpoints.get(endpoint);
            if (entry == null || isEmpty(entry)) {
                return Optional.empty();
            }
            List<NodePresence> presence = new ArrayList<>();
            List<DeviceState> liveDeviceStates = new ArrayList<>();
            for (PresenceEntry p : entry.presence()) {
                if (p.isEmpty()) {
                    continue;
                }
                boolean stale = isStale(p.nodeEntry, now);
                List<ContactRecord> contacts = new ArrayList<>();
                for (ContactEntry c : p.contacts) {
                    if (!c.isRemoved()) {
                        contacts.add(new ContactRecord(
                                p.node,
                                c.uri,
                                c.status,
                                c.aor(),
                                c.address(),
                                c.userAgent(),
                                c.rttStats(),
                                c.expiresAt(),
                                c.registeredAt().orElse(Instant.EPOCH),
                                c.newest().observedAt(),
                                !stale && isLiveIgnoringNode(c, now)));
                    }
                }
                contacts.sort(Comparator.comparing(ContactRecord::live)
                        .reversed()
                        .thenComparing(ContactRecord::registeredAt, Comparator.reverseOrder())
                        .thenComparing(ContactRecord::uri));
                DeviceState device = p.visibleDevice();
                if (device != null && !stale) {
                    liveDeviceStates.add(device);
                }
                Integer channels = p.visibleChannels();
                presence.add(new NodePresence(
                        p.node,
                        Optional.ofNullable(p.visibleState()),
                        channels == null ? OptionalInt.empty() : OptionalInt.of(channels),
                        Optional.ofNullable(device),
                        contacts,
                        p.lastUpdate.observedAt(),
                        stale));
            }
            Optional<Location> location = locate(endpoint);
            Optional<RttStats> rtt = location.flatMap(
                    l -> Optional.ofNullable(entry.get(l.node()).contacts.get(l.uri()))
                            .flatMap(ContactEntry::rttStats));
            DeviceState aggregated = liveDeviceStates.isEmpty()
                    ? (presence.stream().anyMatch(p -> p.deviceState().isPresent())
                            ? DeviceState.UNAVAILABLE
                            : DeviceState.UNKNOWN)
                    : DeviceState.aggregate(liveDeviceStates);
            return Optional.of(new EndpointRecord(endpoint, presence, location, aggregated, rtt));
        }
    }

    @Override
    public List<EndpointId> endpointsOn(NodeId node) {
        synchronized (lock) {
            NodeEntry n = nodes.get(node);
            if (n == null) {
                return List.of();
            }
            return n.endpoints.stream()
                    .filter(ep -> !endpoints.get(ep).get(node).isEmpty())
                    .sorted()
                    .toList();
        }
    }

    @Override
    public List<EndpointId> endpoints() {
        synchronized (lock) {
            return endpoints.values().stream()
                    .filter(e -> !isEmpty(e))
                    .map(e -> e.id)
                    .sorted()
                    .toList();
        }
    }

    @Override
    public List<NodeRecord> nodes() {
        Instant now = clock.instant();
        synchronized (lock) {
            List<NodeRecord> out = new ArrayList<>();
            for (Map.Entry<NodeId, NodeEntry> e : nodes.entrySet()) {
                NodeEntry n = e.getValue();
                if (n.statusVersion.equals(Version.ZERO)) {
                    continue; // known only from endpoint observations: no status was ever reported
                }
                out.add(new NodeRecord(
                        e.getKey(),
                        n.status,
                        Optional.ofNullable(n.startedAt),
                        n.heartbeatAt,
                        Optional.ofNullable(n.collector),
                        isStale(n, now)));
            }
            out.sort(Comparator.comparing(NodeRecord::node));
            return out;
        }
    }

    /** Number of endpoints held, including ones kept only as tombstones (for metrics). */
    public int size() {
        synchronized (lock) {
            return endpoints.size();
        }
    }

    private static boolean isEmpty(EndpointEntry entry) {
        for (PresenceEntry p : entry.presence()) {
            if (!p.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** When a node that is UP turns stale unless it heartbeats again (R5). */
    private long staleAt(NodeEntry n) {
        return EpochNanos.plus(EpochNanos.of(n.heartbeatAt), config.staleAfter().toNanos());
    }

    /** R5: DOWN, or heartbeat older than staleAfter. A node without status is not stale. */
    private boolean isStale(NodeEntry n, Instant now) {
        return staleSinceAt(n, now).isPresent();
    }

    private boolean isStale(NodeEntry n, long nowNanos) {
        if (n == null || n.statusVersion.equals(Version.ZERO)) {
            return false;
        }
        return n.status == NodeStatus.DOWN || staleAt(n) <= nowNanos;
    }

    private Optional<Instant> staleSinceAt(NodeEntry n, Instant now) {
        if (n == null || n.statusVersion.equals(Version.ZERO)) {
            return Optional.empty();
        }
        if (n.status == NodeStatus.DOWN) {
            return Optional.of(n.statusVersion.observedAt());
        }
        Instant staleAt = n.heartbeatAt.plus(config.staleAfter());
        return now.isBefore(staleAt) ? Optional.empty() : Optional.of(staleAt);
    }

    private Optional<Instant> staleSince(NodeEntry n) {
        return staleSinceAt(n, clock.instant());
    }

    @Override
    public Subscription subscribe(RegistryListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void notifyListeners(List<EndpointStateEvent> changes) {
        if (changes.isEmpty() || listeners.isEmpty()) {
            return;
        }
        for (EndpointStateEvent change : changes) {
            for (RegistryListener l : listeners) {
                try {
                    l.onChange(change);
                } catch (RuntimeException ex) {
                    log.warn("registry listener {} failed; change skipped for it", l, ex);
                }
            }
        }
    }

    /** Builds an {@link InMemoryEndpointRegistry}. */
    public static final class Builder {
        private RegistryConfig config = RegistryConfig.defaults();
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        public Builder config(RegistryConfig value) {
            this.config = Objects.requireNonNull(value, "config");
            return this;
        }

        /**
         * The clock of the clock-driven rules (R4, R5, tombstone purge) and of {@code locate}'s cached
         * answers; default the system UTC clock. An application that looks phones up at a high rate
         * gives a {@link CoarseClock}: {@code locate} reads the clock on every call, and the system
         * clock is most of its cost.
         */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        public InMemoryEndpointRegistry build() {
            return new InMemoryEndpointRegistry(this);
        }
    }
}
