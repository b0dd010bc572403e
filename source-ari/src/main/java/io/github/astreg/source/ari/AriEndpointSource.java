package io.github.astreg.source.ari;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.core.spi.EventReceiver;
import io.github.astreg.source.ari.internal.AriHttpException;
import io.github.astreg.source.ari.internal.AriRest;
import io.github.astreg.source.ari.internal.AriTimestamps;
import io.github.astreg.source.ari.internal.AriTls;
import io.github.astreg.source.ari.internal.AriWebSocket;
import io.github.astreg.source.ari.internal.ContactMemory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one Asterisk node over ARI (Asterisk 16 and later; tested against recordings of Asterisk 20
 * and 22) and reports endpoint, contact and device state as {@link EndpointStateEvent}s.
 *
 * <pre>{@code
 * AriSourceConfig config = AriSourceConfig.builder("http://10.0.0.5:8088", "astreg", secret)
 *         .technologies("PJSIP")
 *         .build();
 * try (AriEndpointSource source = AriEndpointSource.builder(config).build()) {
 *     source.start(pipeline);
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Connection cycle</b> (repeated for ever with capped exponential backoff, also when the very
 * first attempt fails): read {@code /ari/api-docs/resources.json} and pick the ari4java binding for
 * the reported ARI version (see {@link AriEventDecoder#forApiVersion}); read {@code /ari/asterisk/info}
 * for the node's identity (configured id, else the system name, else the entity id) and its epoch (the
 * startup time); open the events websocket for the application; subscribe the application to
 * {@code endpoint:<TECH>} for every configured technology and to {@code deviceState:} (not
 * {@code subscribeAll}, which never delivers EndpointStateChange); then send a snapshot: {@code
 * SNAPSHOT_BEGIN}, every endpoint of those technologies ({@code GET /ari/endpoints/<TECH>}) with its
 * device state, and the contacts the source has heard of, {@code SNAPSHOT_END}, then {@code UP}. A PJSIP
 * endpoint without channels that is online or offline has the device state chan_pjsip gives it
 * ({@code NOT_INUSE}, {@code UNAVAILABLE}); every other device is asked ({@code GET
 * /ari/deviceStates/<TECH>%2F<resource>}) with at most {@link AriSourceConfig#snapshotConcurrency()}
 * requests in flight. Losing the websocket sends {@code DOWN}; a snapshot under way then stops at once
 * (its outstanding device requests are cut, no {@code SNAPSHOT_END}, no {@code UP}) and the reconnect
 * follows without waiting for it. Snapshot items are
 * stamped with Asterisk's clock ({@code /ari/asterisk/ping}), so live events that happen during the
 * snapshot win over it; UP and DOWN are stamped with the local clock (they are heartbeats).
 *
 * <p><b>Contacts</b>: ARI has no contact details and no contact list. A contact's address and port
 * come from its URI; contacts that registered before the source first connected stay unknown until
 * Asterisk reports a change of them. See the module's README.
 *
 * <p><b>Threads</b>, both daemon, both ended by {@link #close()} in every case (also while Asterisk is
 * unreachable): {@code astreg-ari-<node>} runs everything of this source — REST calls (each with a
 * timeout), decoding, snapshots, reconnect scheduling and the calls to the {@link EventReceiver};
 * {@code astreg-ari-io-<node>-…} is the netty event loop that carries the websocket and the REST
 * connection; it only queues frames (a bounded queue; overflow is counted as {@code dropped} and
 * repaired by a new snapshot) and completes REST answers, and never blocks. Before the node id is known the threads are named
 * after the server's host and port. ari4java is used for its ARI models and JSON binding, not for its
 * netty client (whose threads are non-daemon, unnamed, survive {@code cleanup()} when Asterisk is down,
 * and whose TLS trust is static and trusts every certificate).
 *
 * <p>{@link #counters()}: {@code events} (observations handed to the receiver), {@code frames}
 * (websocket messages), {@code reconnects}, {@code unknownEvents} (types ari4java does not know:
 * counted and ignored), {@code ignored} (events astreg does not use), {@code malformed},
 * {@code dropped} (queue overflow), {@code snapshots}, {@code receiverErrors}, {@code deviceStatesDerived}
 * and {@code deviceStatesFetched} (snapshot device states taken from the endpoint list and asked of
 * Asterisk; an answer that cannot be read counts only as {@code malformed}), {@code queued}.
 */
public final class AriEndpointSource implements EndpointEventSource {
    private static final Logger log = LoggerFactory.getLogger(AriEndpointSource.class);
    private static final int DRAIN_BATCH = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AriSourceConfig config;
    private final Clock clock;
    private final String label;
    private final Object lifecycle = new Object();
    private final ArrayBlockingQueue<String> frameQueue;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicLong sequence;
    private final ContactMemory memory = new ContactMemory();
    private final Set<String> warnedOnce = ConcurrentHashMap.newKeySet();

    private final AtomicLong events = new AtomicLong();
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong unknownEvents = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong receiverErrors = new AtomicLong();
    private final AtomicLong derivedDevices = new AtomicLong();
    private final AtomicLong fetchedDevices = new AtomicLong();
    /**
     * The newest connection generation whose websocket has closed, set on the event loop as soon as it
     * closes: the source's thread may be deep in a snapshot, with the close notice queued behind it.
     */
    private final AtomicLong lostGeneration = new AtomicLong();

    private boolean started;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile boolean resyncNeeded;
    private volatile ScheduledThreadPoolExecutor executor;
    private volatile Thread sourceThread;
    private volatile EventLoopGroup io;
    private volatile AriWebSocket socket;
    private volatile AriRest rest;
    private Optional<AriTls> tls = Optional.empty();
    private EventReceiver receiver;

    // written only on the source's thread; read on the event loop to tell a current link from a stale one
    private volatile long generation;
    // confined to the source's thread
    private NodeId node;
    private Optional<Instant> startedAt = Optional.empty();
    private AriEventDecoder decoder;
    private String apiVersion = "";
    private NodeStatus lastStatus;
    private int failures;
    private Instant lastEventTime;

    private AriEndpointSource(Builder b) {
        this.config = b.config;
        this.clock = b.clock;
        this.label =
                config.nodeId().map(NodeId::value).orElse(config.hostAndPort().replace(':', '-'));
        this.node = config.nodeId().orElse(null);
        this.frameQueue = new ArrayBlockingQueue<>(config.eventQueueCapacity());
        // above every sequence of an earlier run of this collector (R3 ties on observedAt)
        this.sequence = new AtomicLong(clock.millis() * 1000);
    }

    /** Starts wiring a source for {@code config}. */
    public static Builder builder(AriSourceConfig config) {
        return new Builder(config);
    }

    public AriSourceConfig config() {
        return config;
    }

    @Override
    public String name() {
        return "ari-" + label;
    }

    @Override
    public void start(EventReceiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        synchronized (lifecycle) {
            if (started || closed) {
                throw new IllegalStateException(closed ? name() + " is closed" : name() + " already started");
            }
            started = true;
            this.receiver = receiver;
            this.tls = AriTls.of(config);
            this.io = new MultiThreadIoEventLoopGroup(
                    1, new DefaultThreadFactory("astreg-ari-io-" + label, true), NioIoHandler.newFactory());
            this.rest = new AriRest(config, tls, io);
            ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "astreg-ari-" + label);
                t.setDaemon(true);
                sourceThread = t;
                return t;
            });
            ex.setRemoveOnCancelPolicy(true);
            ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            this.executor = ex;
            ex.execute(this::connect);
        }
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("events", events.get());
        m.put("frames", frames.get());
        m.put("reconnects", reconnects.get());
        m.put("unknownEvents", unknownEvents.get());
        m.put("ignored", ignored.get());
        m.put("malformed", malformed.get());
        m.put("dropped", dropped.get());
        m.put("snapshots", snapshots.get());
        m.put("receiverErrors", receiverErrors.get());
        m.put("deviceStatesDerived", derivedDevices.get());
        m.put("deviceStatesFetched", fetchedDevices.get());
        m.put("queued", (long) frameQueue.size());
        return m;
    }

    /**
     * Stops watching: closes the websocket, cuts a REST call in flight, ends both threads and waits
     * (at most a few seconds) until they are gone. Idempotent; any thread; throws nothing. No DOWN is
     * sent: the node is not down, this collector just stops watching it (its heartbeat ages, R5).
     */
    @Override
    public void close() {
        EventLoopGroup group;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            group = io;
        }
        connected = false;
        AriWebSocket s = socket;
        if (s != null) {
            s.close();
        }
        AriRest r = rest;
        if (r != null) {
            r.abort();
        }
        ScheduledThreadPoolExecutor ex = executor;
        if (ex != null) {
            ex.shutdownNow();
            if (Thread.currentThread() != sourceThread) { // from the receiver: cannot wait for itself
                try {
                    if (!ex.awaitTermination(5, TimeUnit.SECONDS)) {
                        log.warn("{}: source thread did not stop within 5 s", name());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (group != null) {
            group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS);
            if (!group.next().inEventLoop()) {
                if (!group.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)) {
                    log.warn("{}: websocket event loop did not stop within 5 s", name());
                }
            }
        }
        frameQueue.clear();
    }

    // ------------------------------------------------------------------ connection cycle

    private void connect() {
        if (closed) {
            return;
        }
        try {
            JsonNode resources = rest.get("api-docs/resources.json");
            String version = resources.path("apiVersion").asText("");
            if (decoder == null || !version.equals(apiVersion)) {
                decoder = AriEventDecoder.forApiVersion(version, config.technologies());
                apiVersion = version;
                log.info(
                        "{}: server speaks ARI {}; using ari4java's ARI {} models{}",
                        name(),
                        version,
                        decoder.bindingVersion(),
                        decoder.isExactBinding(version) ? "" : " (nearest known version)");
            }
            resolveIdentity(rest.get("asterisk/info"));
        } catch (IOException | RuntimeException e) {
            connectFailed("cannot reach ARI", e);
            return;
        }
        EventLoopGroup group = io;
        if (closed || group == null || group.isShuttingDown()) {
            return;
        }
        long gen = ++generation;
        socket = AriWebSocket.connect(
                group,
                eventsUri(),
                rest.authorization(),
                tls.map(AriTls::netty),
                config.connectTimeout(),
                config.pingInterval(),
                config.readTimeout(),
                new AriWebSocket.Listener() {
                    @Override
                    public void onOpen() {
                        submit(() -> linkOpened(gen));
                    }

                    @Override
                    public void onText(String text) {
                        offer(text);
                    }

                    @Override
                    public void onClosed(Throwable cause) {
                        // flag first, then cut the batch: getEach re-reads the flag once its batch is visible
                        lostGeneration.accumulateAndGet(gen, Math::max);
                        AriRest r = rest;
                        if (r != null && gen == generation) {
                            r.cancelBatch("the ARI websocket closed");
                        }
                        submit(() -> onSocketClosed(gen, cause));
                    }
                });
    }

    private URI eventsUri() {
        String base = config.baseUrl().toString();
        String ws = (base.startsWith("https") ? "wss" : "ws") + base.substring(base.indexOf(':'));
        return URI.create(ws + "ari/events?app=" + config.application());
    }

    private void resolveIdentity(JsonNode info) throws IOException {
        Optional<Instant> started =
                AriTimestamps.parse(info.path("status").path("startup_time").asText(null));
        NodeId id = config.nodeId().isPresent() ? config.nodeId().get() : identityOf(info);
        if (node == null) {
            node = id;
            if (config.nodeId().isEmpty()) {
                Thread.currentThread().setName("astreg-ari-" + id.value());
                EventLoopGroup group = io;
                if (group != null && !group.isShuttingDown()) {
                    String ioName = "astreg-ari-io-" + id.value();
                    group.next().execute(() -> Thread.currentThread().setName(ioName));
                }
            }
        } else if (!node.equals(id) && warnedOnce.add("identity:" + id)) {
            log.warn(
                    "{}: the server now calls itself {} (was {}); keeping {} — configure the node id to choose",
                    name(),
                    id,
                    node,
                    node);
        }
        if (started.isPresent() && startedAt.isPresent() && !started.equals(startedAt)) {
            log.info(
                    "{}: Asterisk restarted (startup time {} -> {}); resynchronising",
                    name(),
                    startedAt.get(),
                    started.get());
        }
        if (started.isPresent()) {
            startedAt = started;
        }
    }

    /** The system name when it is a valid node id, else the entity id with ':' as '-'. */
    static NodeId identityOf(JsonNode info) throws IOException {
        String name = info.path("config").path("name").asText("").trim();
        if (!name.isEmpty()) {
            try {
                return NodeId.of(name);
            } catch (IllegalArgumentException e) {
                // not usable as a node id; fall through to the entity id
            }
        }
        String entity = info.path("system").path("entity_id").asText("").trim();
        if (!entity.isEmpty()) {
            try {
                return NodeId.of(entity.replace(':', '-'));
            } catch (IllegalArgumentException e) {
                // fall through
            }
        }
        throw new IOException("/ari/asterisk/info names no usable system name or entity id; configure the node id");
    }

    private void linkOpened(long gen) {
        if (closed || gen != generation || socket == null) {
            return;
        }
        try {
            subscribe();
            snapshot();
            checkLink(); // the close notice is queued behind this task: no UP for a link already gone
        } catch (IOException | RuntimeException e) {
            if (!linkLost()) {
                warnOrDebug("resync", "{}: subscription or snapshot failed, reconnecting: {}", name(), describe(e));
            }
            AriWebSocket s = socket;
            if (s != null) {
                s.close(); // onSocketClosed follows (or is queued already) and schedules the reconnect
            }
            return;
        }
        failures = 0;
        warnedOnce.remove("link");
        warnedOnce.remove("resync");
        emitStatus(NodeStatus.UP);
        connected = !closed; // the receiver may have closed the source while handling UP
        log.info(
                "{}: connected to {} as application {} (events of {} and device states)",
                name(),
                config.hostAndPort(),
                config.application(),
                config.technologies());
    }

    /** Whether the websocket of the current connection has closed (its notice may still be queued). */
    private boolean linkLost() {
        return lostGeneration.get() >= generation;
    }

    /** Ends a snapshot early once its websocket is gone: its end and UP would describe a dead link. */
    private void checkLink() throws IOException {
        if (linkLost()) {
            throw new IOException("the ARI websocket closed during the snapshot");
        }
    }

    private void onSocketClosed(long gen, Throwable cause) {
        if (gen != generation || socket == null) {
            return; // a stale or repeated notice: one reconnect per lost connection
        }
        socket = null;
        boolean wasUp = connected;
        connected = false;
        if (closed) {
            return;
        }
        if (wasUp) {
            log.warn("{}: lost the ARI websocket: {}", name(), cause == null ? "closed" : describe(cause));
        }
        connectFailed("websocket ended", cause);
    }

    private void connectFailed(String what, Throwable cause) {
        failures++;
        String why = cause == null ? "closed" : describe(cause);
        if (cause instanceof AriHttpException && ((AriHttpException) cause).status() == 401) {
            if (warnedOnce.add("auth")) {
                log.error(
                        "{}: {} rejected the ARI credentials of user {} (401); retrying",
                        name(),
                        config.hostAndPort(),
                        config.username());
            }
        } else {
            warnOrDebug("link", "{}: {} ({}); retrying with backoff, for ever", name(), what, why);
        }
        if (node != null) {
            emitStatus(NodeStatus.DOWN);
        }
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        long delay = backoffMillis(failures, config.reconnectDelayMin(), config.reconnectDelayMax());
        reconnects.incrementAndGet();
        try {
            executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Capped exponential backoff with ±20 % jitter: min, 2·min, 4·min … max. */
    static long backoffMillis(int failures, Duration min, Duration max) {
        int shift = Math.max(0, Math.min(30, failures - 1));
        long base = Math.min(max.toMillis(), min.toMillis() << shift);
        if (base <= 0 || base > max.toMillis()) {
            base = max.toMillis();
        }
        long jitter = (long) (base * 0.2 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
        return Math.max(1, Math.min(max.toMillis(), base + jitter));
    }

    private void subscribe() throws IOException {
        List<String> sources = new ArrayList<>();
        for (String tech : config.technologies()) {
            sources.add("endpoint:" + tech);
        }
        sources.add("deviceState:");
        for (String source : sources) {
            try {
                postSubscription(source);
            } catch (AriHttpException e) {
                if (e.status() == 400 || e.status() == 422) {
                    // e.g. endpoint:SIP on an Asterisk without chan_sip
                    if (warnedOnce.add("subscribe:" + source)) {
                        log.warn("{}: Asterisk refused the subscription to {}: {}", name(), source, e.getMessage());
                    }
                } else {
                    throw e;
                }
            }
        }
    }

    /**
     * Asterisk sends the websocket's 101 before it registers the application, so a subscription made
     * at once can meet "Application not found" (404): retried for up to about a second.
     */
    private void postSubscription(String source) throws IOException {
        String path = "applications/" + config.application() + "/subscription?eventSource=" + source;
        for (int attempt = 1; ; attempt++) {
            try {
                rest.post(path);
                return;
            } catch (AriHttpException e) {
                if (e.status() != 404 || attempt >= 10 || closed) {
                    throw e;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
    }

    private void snapshot() throws IOException {
        checkLink();
        resyncNeeded = false;
        Instant at = snapshotTime();
        snapshots.incrementAndGet();
        emit(at, Origin.SNAPSHOT, new NodeChange(NodeStatus.SNAPSHOT_BEGIN, startedAt, Optional.empty()));
        Map<EndpointId, EndpointState> listed = new LinkedHashMap<>();
        List<String> ask = new ArrayList<>();
        for (String tech : config.technologies()) {
            JsonNode list;
            try {
                list = rest.get("endpoints/" + AriRest.segment(tech));
            } catch (AriHttpException e) {
                if (e.status() == 404) {
                    if (warnedOnce.add("endpoints:" + tech)) {
                        log.info("{}: Asterisk has no {} endpoints ({})", name(), tech, e.getMessage());
                    }
                    continue;
                }
                throw e;
            }
            for (JsonNode ep : list) {
                try {
                    EndpointChange c = endpointOf(ep);
                    if (c.endpoint().technology().equals(tech) && listed.put(c.endpoint(), c.state()) == null) {
                        emit(at, Origin.SNAPSHOT, c);
                        // what Asterisk would answer, when the list alone says it (see SnapshotDeviceStates)
                        Optional<String> derived = SnapshotDeviceStates.derive(ep);
                        if (derived.isPresent()) {
                            derivedDevices.incrementAndGet();
                            snapshotDevice(at, c.endpoint().toString(), derived.get(), ep);
                        } else {
                            ask.add("deviceStates/"
                                    + AriRest.segment(c.endpoint().toString()));
                        }
                    }
                } catch (IllegalArgumentException e) {
                    malformed("snapshot endpoint", ep.toString(), e.getMessage());
                }
            }
        }
        checkLink();
        // the rest with a few requests in flight; answers arrive here, on the source's thread. A closing
        // websocket cuts the batch short (see connect()) and is checked again between answers.
        rest.getEach(ask, config.snapshotConcurrency(), this::linkLost, reply -> {
            checkLink();
            if (reply.status() == 404) {
                return; // as before: a device Asterisk does not know has no state to report
            }
            if (!reply.ok()) {
                throw reply.failure();
            }
            JsonNode ds;
            try {
                ds = reply.json(JSON);
            } catch (IOException e) {
                malformed("snapshot device state", reply.text(), e.getMessage());
                return;
            }
            String asked = AriRest.unsegment(reply.path().substring("deviceStates/".length()));
            if (snapshotDevice(
                    at, ds.path("name").asText(asked), ds.path("state").asText(null), ds)) {
                fetchedDevices.incrementAndGet(); // a malformed answer counts as malformed only
            }
        });
        checkLink();
        for (Map.Entry<EndpointId, EndpointState> e : listed.entrySet()) {
            for (ContactMemory.Remembered r : memory.reassert(e.getKey(), e.getValue())) {
                // with its own (older) timestamp: it confirms the contact, it never overrules newer news
                emit(
                        r.observedAt(),
                        Origin.SNAPSHOT,
                        r.change().toBuilder().rtt(Optional.empty()).build());
            }
        }
        memory.retainOnly(listed.keySet());
        checkLink();
        emit(at, Origin.SNAPSHOT, new NodeChange(NodeStatus.SNAPSHOT_END, startedAt, Optional.empty()));
    }

    /** Emits one snapshot device state; false when it was malformed (counted as such). */
    private boolean snapshotDevice(Instant at, String name, String state, JsonNode source) {
        try {
            decoder.device(name, state).ifPresent(c -> emit(at, Origin.SNAPSHOT, c));
            return true;
        } catch (IllegalArgumentException e) {
            malformed("snapshot device state", source.toString(), e.getMessage());
            return false;
        }
    }

    static EndpointChange endpointOf(JsonNode ep) {
        String tech = ep.path("technology").asText(null);
        String resource = ep.path("resource").asText(null);
        if (tech == null || resource == null) {
            throw new IllegalArgumentException("endpoint without technology or resource");
        }
        JsonNode channels = ep.path("channel_ids");
        return new EndpointChange(
                new EndpointId(tech, resource),
                AriEventDecoder.endpointState(ep.path("state").asText(null)),
                channels.isArray() ? channels.size() : 0);
    }

    /** Asterisk's clock now ({@code /ari/asterisk/ping}, ARI 5+), else the newest of local time and event time. */
    private Instant snapshotTime() throws IOException {
        try {
            Optional<Instant> t = AriTimestamps.parse(
                    rest.get("asterisk/ping").path("timestamp").asText(null));
            if (t.isPresent()) {
                return t.get();
            }
        } catch (AriHttpException e) {
            if (warnedOnce.add("ping")) {
                log.info("{}: no /ari/asterisk/ping ({}); snapshot times use the local clock", name(), e.getMessage());
            }
        }
        Instant now = clock.instant();
        return lastEventTime != null && lastEventTime.isAfter(now) ? lastEventTime : now;
    }

    // ------------------------------------------------------------------ frames

    /** On the event loop: queue and make sure a drain is scheduled; never blocks. */
    private void offer(String text) {
        frames.incrementAndGet();
        if (!frameQueue.offer(text)) {
            dropped.incrementAndGet();
            resyncNeeded = true;
            if (warnedOnce.add("overflow")) {
                log.warn(
                        "{}: event queue full ({} frames); dropping and resynchronising once it drains",
                        name(),
                        config.eventQueueCapacity());
            }
        }
        if (drainScheduled.compareAndSet(false, true)) {
            submit(this::drain);
        }
    }

    private void drain() {
        drainScheduled.set(false);
        for (int i = 0; i < DRAIN_BATCH; i++) {
            String f = frameQueue.poll();
            if (f == null) {
                break;
            }
            handle(f);
        }
        if (!frameQueue.isEmpty()) {
            if (drainScheduled.compareAndSet(false, true)) {
                submit(this::drain);
            }
            return;
        }
        if (resyncNeeded && connected && socket != null && !closed) {
            warnedOnce.remove("overflow");
            try {
                snapshot();
            } catch (IOException | RuntimeException e) {
                if (!linkLost()) {
                    warnOrDebug("resync", "{}: resync after overflow failed, reconnecting: {}", name(), describe(e));
                }
                AriWebSocket s = socket;
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    private void handle(String frame) {
        if (decoder == null || node == null) {
            ignored.incrementAndGet();
            return;
        }
        AriEventDecoder.Result r = decoder.decode(frame);
        switch (r.outcome()) {
            case MAPPED:
                for (AriEventDecoder.Observation o : r.observations()) {
                    Instant at = o.timestamp().orElseGet(clock::instant);
                    if (lastEventTime == null || at.isAfter(lastEventTime)) {
                        lastEventTime = at;
                    }
                    if (o.change() instanceof ContactChange) {
                        memory.observe(at, (ContactChange) o.change());
                    }
                    emit(at, Origin.ARI, o.change());
                }
                break;
            case IGNORED:
                ignored.incrementAndGet();
                break;
            case UNKNOWN_TYPE:
                unknownEvents.incrementAndGet();
                if (warnedOnce.add("type:" + r.type())) {
                    log.info(
                            "{}: event type {} is unknown to ari4java's ARI {} models; counted and ignored",
                            name(),
                            shorten(r.type()),
                            decoder.bindingVersion());
                }
                break;
            case MALFORMED:
            default:
                malformed(r.type().isEmpty() ? "frame" : r.type(), frame, r.problem());
                break;
        }
    }

    private void malformed(String what, String text, String problem) {
        malformed.incrementAndGet();
        if (warnedOnce.add("malformed:" + what)) {
            log.warn("{}: malformed {} ignored ({}): {}", name(), what, problem, shorten(text));
        } else if (log.isDebugEnabled()) {
            log.debug("{}: malformed {} ignored ({}): {}", name(), what, problem, shorten(text));
        }
    }

    // ------------------------------------------------------------------ emitting

    private void emitStatus(NodeStatus status) {
        if (lastStatus == status && status == NodeStatus.DOWN) {
            return;
        }
        lastStatus = status;
        emit(clock.instant(), Origin.ARI, new NodeChange(status, startedAt, Optional.empty()));
    }

    private void emit(Instant at, Origin origin, Change change) {
        EndpointStateEvent e = new EndpointStateEvent(node, at, sequence.incrementAndGet(), origin, change);
        events.incrementAndGet();
        try {
            receiver.receive(e);
        } catch (RuntimeException ex) {
            receiverErrors.incrementAndGet();
            if (warnedOnce.add("receiver")) {
                log.warn("{}: the receiver failed on an event (counted; logged once): {}", name(), ex.toString());
            }
        }
    }

    private void submit(Runnable task) {
        ScheduledThreadPoolExecutor ex = executor;
        if (ex == null || closed) {
            return;
        }
        try {
            ex.execute(task);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void warnOrDebug(String key, String format, Object... args) {
        if (warnedOnce.add(key)) {
            log.warn(format, args);
        } else {
            log.debug(format, args);
        }
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + shorten(m));
    }

    private static String shorten(String s) {
        String t = s.replaceAll("[\\p{Cntrl}]", " ");
        return t.length() > 200 ? t.substring(0, 200) + "…(" + t.length() + " chars)" : t;
    }

    /** Wires an {@link AriEndpointSource}: the config is required, the rest optional. */
    public static final class Builder {
        private final AriSourceConfig config;
        private Clock clock = Clock.systemUTC();

        private Builder(AriSourceConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The clock for UP/DOWN times and events without a timestamp (default: system UTC). */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        public AriEndpointSource build() {
            return new AriEndpointSource(this);
        }
    }
}
