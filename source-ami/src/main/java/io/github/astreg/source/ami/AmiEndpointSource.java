package io.github.astreg.source.ami;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.core.spi.EventReceiver;
import io.github.astreg.source.ami.internal.AmiConnection;
import io.github.astreg.source.ami.internal.AmiMapping;
import io.github.astreg.source.ami.internal.AsteriskClock;
import io.github.astreg.source.ami.internal.EventHeaders;
import io.github.astreg.source.ami.internal.Headers;
import io.github.astreg.source.ami.internal.MalformedFrameException;
import io.github.astreg.source.ami.internal.WireCounter;
import io.github.astreg.source.ami.internal.events.AorListCompleteEvent;
import io.github.astreg.source.ami.internal.events.AorListEvent;
import io.github.astreg.source.ami.internal.events.ContactListItemEvent;
import io.github.astreg.source.ami.internal.events.CoreStatusFullAction;
import io.github.astreg.source.ami.internal.events.DeviceStateItemEvent;
import io.github.astreg.source.ami.internal.events.DeviceStateListCompleteEvent;
import io.github.astreg.source.ami.internal.events.ExtensionStateListCompleteEvent;
import io.github.astreg.source.ami.internal.events.ListAction;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.asteriskjava.manager.AuthenticationFailedException;
import org.asteriskjava.manager.EventTimeoutException;
import org.asteriskjava.manager.ManagerEventListener;
import org.asteriskjava.manager.ResponseEvents;
import org.asteriskjava.manager.TimeoutException;
import org.asteriskjava.manager.action.CoreSettingsAction;
import org.asteriskjava.manager.action.EventGeneratingAction;
import org.asteriskjava.manager.action.PJSipShowContactsAction;
import org.asteriskjava.manager.action.PJSipShowEndpointsAction;
import org.asteriskjava.manager.action.PingAction;
import org.asteriskjava.manager.action.SipPeersAction;
import org.asteriskjava.manager.event.AbstractChannelEvent;
import org.asteriskjava.manager.event.ConnectEvent;
import org.asteriskjava.manager.event.ContactListComplete;
import org.asteriskjava.manager.event.ContactStatusEvent;
import org.asteriskjava.manager.event.DisconnectEvent;
import org.asteriskjava.manager.event.EndpointList;
import org.asteriskjava.manager.event.FullyBootedEvent;
import org.asteriskjava.manager.event.HangupEvent;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.event.NewChannelEvent;
import org.asteriskjava.manager.event.PeerEntryEvent;
import org.asteriskjava.manager.event.PeerStatusEvent;
import org.asteriskjava.manager.event.ReloadEvent;
import org.asteriskjava.manager.event.ResponseEvent;
import org.asteriskjava.manager.event.ShutdownEvent;
import org.asteriskjava.manager.response.CoreSettingsResponse;
import org.asteriskjava.manager.response.CoreStatusResponse;
import org.asteriskjava.manager.response.ManagerError;
import org.asteriskjava.manager.response.ManagerResponse;
import org.asteriskjava.manager.response.PingResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EndpointEventSource} that watches one Asterisk node over AMI, using asterisk-java.
 *
 * <pre>{@code
 * AmiSourceConfig config = AmiSourceConfig.builder("pbx1.example.net", "astreg", System.getenv("AMI_SECRET"))
 *         .build();
 * try (AmiEndpointSource source = AmiEndpointSource.create(config)) {
 *     source.start(pipeline);
 *     ...
 * }
 * }</pre>
 *
 * <p><b>What it emits.</b> Live {@code ContactStatus} → {@link ContactChange} (origin AMI);
 * {@code PeerStatus} → endpoint ONLINE/OFFLINE (and, for chan_sip peers, the registration as a
 * contact {@code sip:<peer>@<address>}); {@code DeviceStateChange} → {@link DeviceChange} for device
 * names of the form {@code TECH/resource}. Live events carry no address, user agent or expiry, and RTT
 * only on status changes, so the contact list ({@code PJSIPShowContacts}, plus {@code SIPpeers} where
 * chan_sip runs) is read shortly after every new or changed contact and every
 * {@link AmiSourceConfig#contactPollInterval()}: those observations (origin POLL) carry address, port,
 * user agent, expiry and a fresh RTT sample; a contact the source saw that is no longer listed is
 * reported REMOVED. {@code observedAt} is Asterisk's {@code Timestamp} header when present
 * ({@code timestampevents=yes}), else the receive time expressed on Asterisk's clock (the offset is
 * learned from Ping responses); sequence numbers strictly increase.
 *
 * <p><b>Resync.</b> After every login, on {@code FullyBooted}, on a {@code Reload} of res_pjsip or
 * chan_sip (or of everything), when events were dropped, and after a restart (a changed CoreStatus
 * startup time: a new epoch) the source emits {@code SNAPSHOT_BEGIN}, every contact, endpoint (state
 * and channel count) and device state, {@code SNAPSHOT_END}, then {@code UP} with the node's startup
 * time. The listener is registered before login, so nothing between subscription and snapshot is
 * missed; the registry's "newer wins" rule (R3) resolves the overlap. On losing the link it emits
 * {@code DOWN} and reconnects with capped exponential backoff, also when the very first login fails.
 * A Ping after {@link AmiSourceConfig#keepaliveInterval()} without events (unanswered within the
 * read timeout → link lost) and the socket
 * read timeout detect half-open connections.
 *
 * <p><b>Node id.</b> {@link AmiSourceConfig#nodeId()}, else the {@code SystemName} from CoreSettings;
 * a node with neither is an error (logged on every attempt; the source keeps retrying).
 *
 * <p><b>Threads.</b> One daemon thread per source, {@code astreg-ami-<node>} (before the node is
 * known: {@code astreg-ami-<host>-<port>}), owns the connection: it logs in, sends every action,
 * maps events and calls the receiver. asterisk-java adds, per connection, a reader thread
 * ({@code Asterisk-Java ManagerConnection-<n>-Reader-<m>}, daemon) and an event pump
 * ({@code …:AsyncEventPump}, <em>not</em> a daemon); its listener only counts and queues the event
 * (bounded by {@link AmiSourceConfig#eventQueueCapacity()}; overflow is counted as dropped and causes
 * a resync), so asterisk-java's thread never blocks and no action is ever sent from it.
 * {@link #close()} logs off, which ends both, and waits for them (bounded by the action timeout).
 *
 * <p><b>Counters</b> ({@link #counters()}): {@code events} (AMI events mapped), {@code emitted},
 * {@code reconnects}, {@code connectFailures}, {@code authFailures}, {@code dropped} (events lost in
 * asterisk-java or in the source's queue), {@code malformed}, {@code skipped} (devices that are no
 * endpoint, such as {@code Queue:} or {@code Custom:}), {@code snapshots}, {@code polls},
 * {@code restarts}. Dropped, malformed and skipped frames are logged once at WARN (shortened), then at
 * DEBUG. The secret never appears in logs, exceptions or {@code toString()}.
 */
public final class AmiEndpointSource implements EndpointEventSource {
    private static final Logger log = LoggerFactory.getLogger(AmiEndpointSource.class);

    private final AmiSourceConfig config;
    private final AsteriskClock asteriskClock;
    private final String name;
    private final BlockingQueue<Inbound> queue;
    private final Object lifecycle = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean started;
    private volatile Thread worker;
    private volatile EventReceiver receiver;
    private volatile boolean up;
    private volatile NodeId node;
    private volatile int generation;
    private volatile int lostGeneration = -1;
    private volatile boolean overflowed;
    private volatile long lastEventNanos = System.nanoTime() - Long.MAX_VALUE / 2;
    private volatile AmiConnection connection;
    /** Connections whose asterisk-java threads had not ended when the session did. */
    private final List<AmiConnection> retired = new ArrayList<>();

    private final AtomicLong events = new AtomicLong();
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong authFailures = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private final OnceLog onceMalformed = new OnceLog();
    private final OnceLog onceSkipped = new OnceLog();
    private final OnceLog onceDropped = new OnceLog();

    // ---- state confined to the worker thread
    private long sequence;
    private Optional<Instant> epoch = Optional.empty();
    private final Map<EndpointId, String> sipContacts = new HashMap<>();
    private final Map<String, KnownContact> contacts = new HashMap<>();
    private long lastSnapshotStartNanos;
    private boolean resyncRequested;
    private boolean pollDue;
    private long pollDueNanos;
    private boolean endpointRefreshDue;
    private long endpointRefreshDueNanos;
    private long nextPeriodicPollNanos;
    private long nextPingNanos;
    private long nextLossCheckNanos;
    private boolean chanSip;
    private boolean sessionAnnounced;

    private AmiEndpointSource(AmiSourceConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.asteriskClock = new AsteriskClock(Objects.requireNonNull(clock, "clock"));
        this.node = config.nodeId().orElse(null);
        this.name = "ami-" + config.nodeId().map(NodeId::value).orElse(config.host() + "-" + config.port());
        this.queue = new ArrayBlockingQueue<>(config.eventQueueCapacity());
    }

    /** A source for {@code config} using the system clock. */
    public static AmiEndpointSource create(AmiSourceConfig config) {
        return new AmiEndpointSource(config, Clock.systemUTC());
    }

    /** A source for {@code config}; {@code clock} gives receive times (tests). */
    public static AmiEndpointSource create(AmiSourceConfig config, Clock clock) {
        return new AmiEndpointSource(config, clock);
    }

    public AmiSourceConfig config() {
        return config;
    }

    @Override
    public String name() {
        return name;
    }

    /** The node this source reports for, once known (configured, or Asterisk's SystemName). */
    public Optional<NodeId> node() {
        return Optional.ofNullable(node);
    }

    /** The node's startup time (its epoch), once read from CoreStatus. */
    public Optional<Instant> epoch() {
        return epochSeen;
    }

    private volatile Optional<Instant> epochSeen = Optional.empty();

    @Override
    public void start(EventReceiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        synchronized (lifecycle) {
            if (started || closed.get()) {
                throw new IllegalStateException(
                        closed.get() ? "source " + name + " is closed" : name + " already started");
            }
            started = true;
            this.receiver = receiver;
            Thread t = new Thread(this::run, threadName());
            t.setDaemon(true);
            worker = t;
            t.start();
        }
    }

    @Override
    public boolean isConnected() {
        return up;
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("events", events.get());
        m.put("emitted", emitted.get());
        m.put("reconnects", reconnects.get());
        m.put("connectFailures", connectFailures.get());
        m.put("authFailures", authFailures.get());
        m.put("dropped", dropped.get());
        m.put("malformed", malformed.get());
        m.put("skipped", skipped.get());
        m.put("snapshots", snapshots.get());
        m.put("polls", polls.get());
        m.put("restarts", restarts.get());
        m.put("queued", (long) queue.size());
        return Map.copyOf(m);
    }

    /**
     * Stops the source: logs off, ends the worker and asterisk-java's threads (waiting for them at
     * most the action timeout plus a second), emits {@code DOWN} if the node was up. Idempotent;
     * never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Thread t;
        synchronized (lifecycle) {
            t = worker;
        }
        if (t == null) {
            return;
        }
        t.interrupt();
        long waitMs = config.actionTimeout().toMillis() + 1000;
        try {
            if (t != Thread.currentThread()) {
                t.join(waitMs);
            }
            List<AmiConnection> all;
            synchronized (retired) {
                all = new ArrayList<>(retired);
                retired.clear();
            }
            AmiConnection c = connection;
            if (c != null) {
                all.add(c);
            }
            for (AmiConnection r : all) {
                if (r.readerThread() != Thread.currentThread()) {
                    r.awaitThreads(waitMs, true);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("{}: worker thread did not stop within {} ms", name, waitMs);
        }
    }

    @Override
    public String toString() {
        return "AmiEndpointSource[" + name + ", " + config.host() + ":" + config.port() + ", up=" + up + "]";
    }

    // ================================================================== worker

    private String threadName() {
        return "astreg-ami-" + (node != null ? node.value() : config.host() + "-" + config.port());
    }

    private void run() {
        long delayNanos = config.reconnectDelayMin().toNanos();
        boolean first = true;
        while (!closed.get()) {
            if (!first) {
                reconnects.incrementAndGet();
            }
            first = false;
            AmiConnection c = null;
            resyncedThisSession = false;
            try {
                c = login();
                session(c);
            } catch (AuthenticationFailedException e) {
                authFailures.incrementAndGet();
                connectFailures.incrementAndGet();
                logFailure(
                        "{}: AMI login to {}:{} as '{}' was refused ({}); check username and secret in manager.conf;"
                                + " retrying in {} ms",
                        name,
                        config.host(),
                        config.port(),
                        config.username(),
                        AmiMapping.shorten(e.getMessage()),
                        TimeUnit.NANOSECONDS.toMillis(delayNanos));
            } catch (LinkLost e) {
                log.warn("{}: AMI link to {}:{} lost: {}", name, config.host(), config.port(), e.getMessage());
            } catch (NodeIdMissing e) {
                connectFailures.incrementAndGet();
                log.error("{}: {}", name, e.getMessage());
            } catch (IOException | TimeoutException | IllegalStateException e) {
                connectFailures.incrementAndGet();
                logFailure(
                        "{}: cannot connect to AMI at {}:{}: {}; retrying in {} ms",
                        name,
                        config.host(),
                        config.port(),
                        AmiMapping.shorten(String.valueOf(e.getMessage())),
                        TimeUnit.NANOSECONDS.toMillis(delayNanos));
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                log.error("{}: unexpected failure; reconnecting", name, e);
            } finally {
                // also a login that failed: its reader thread ran and must be waited for
                endSession(c != null ? c : connection);
            }
            if (resyncedThisSession) {
                // the link worked: start the backoff afresh
                delayNanos = config.reconnectDelayMin().toNanos();
            }
            if (closed.get()) {
                break;
            }
            long jitter = ThreadLocalRandom.current().nextLong(delayNanos / 5 + 1);
            try {
                TimeUnit.NANOSECONDS.sleep(delayNanos + jitter);
            } catch (InterruptedException e) {
                break;
            }
            delayNanos = Math.min(delayNanos * 2, config.reconnectDelayMax().toNanos());
        }
        if (up || sessionAnnounced) {
            emitNode(NodeChange.of(NodeStatus.DOWN), asteriskClock.now());
        }
        up = false;
        sessionAnnounced = false;
    }

    private int failuresLogged;
    private boolean resyncedThisSession;

    private void logFailure(String format, Object... args) {
        if (failuresLogged++ < 3) {
            log.warn(format, args);
        } else if (failuresLogged % 20 == 0) {
            log.warn(format + " (" + failuresLogged + " failures so far)", args);
        } else {
            log.debug(format, args);
        }
    }

    private AmiConnection login() throws IOException, AuthenticationFailedException, TimeoutException {
        WireCounter counter = new WireCounter(line -> {
            malformed.incrementAndGet();
            onceMalformed.log(
                    "{}: line that is no AMI header ignored: {} ({} so far)",
                    name,
                    io.github.astreg.source.ami.internal.AmiMapping.shorten(line),
                    malformed.get());
        });
        AmiConnection c = new AmiConnection(counter);
        c.setHostname(config.host());
        c.setPort(config.port());
        c.setUsername(config.username());
        c.setPassword(config.secret());
        c.setSsl(config.tls());
        c.setSocketTimeout((int) config.connectTimeout().toMillis());
        c.setSocketReadTimeout((int) config.readTimeout().toMillis());
        c.setDefaultResponseTimeout(config.actionTimeout().toMillis());
        c.setDefaultEventTimeout(config.actionTimeout().toMillis());
        c.registerUserEventClass(DeviceStateItemEvent.class);
        c.registerUserEventClass(DeviceStateListCompleteEvent.class);
        c.registerUserEventClass(ExtensionStateListCompleteEvent.class);
        c.registerUserEventClass(ContactListItemEvent.class);
        c.registerUserEventClass(AorListEvent.class);
        c.registerUserEventClass(AorListCompleteEvent.class);
        int gen = ++generation;
        c.addEventListener(new Listener(gen, counter));
        connection = c;
        asteriskClock.reset();
        c.login(config.eventMask());
        return c;
    }

    /** Runs one connection: snapshot, then events until the link is lost or the source closes. */
    private void session(AmiConnection c) throws InterruptedException {
        int gen = generation;
        long now = System.nanoTime();
        nextPingNanos = now;
        nextLossCheckNanos = now + config.keepaliveInterval().toNanos();
        pollDue = false;
        endpointRefreshDue = false;
        ping(c);
        snapshot(c, gen);
        failuresLogged = 0;
        nextPeriodicPollNanos = System.nanoTime() + config.contactPollInterval().toNanos();
        while (!closed.get()) {
            if (lostGeneration == gen) {
                throw new LinkLost("connection closed");
            }
            long wait = nextDeadline() - System.nanoTime();
            Inbound in = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
            if (in != null) {
                handle(in, gen);
            }
            now = System.nanoTime();
            if (overflowed) {
                overflowed = false;
                requestResync(now);
            }
            if (resyncRequested) {
                snapshot(c, gen);
                nextPeriodicPollNanos =
                        System.nanoTime() + config.contactPollInterval().toNanos();
                continue;
            }
            if (now - nextPingNanos >= 0) {
                if (now - lastEventNanos < config.keepaliveInterval().toNanos()) {
                    // events are flowing: the link is alive, no Ping needed (the read timeout still guards it)
                    nextPingNanos = now + config.keepaliveInterval().toNanos();
                } else {
                    ping(c);
                }
            }
            if (now - nextLossCheckNanos >= 0) {
                checkLoss(c.counter(), false);
                nextLossCheckNanos = now + config.keepaliveInterval().toNanos();
            }
            if ((pollDue && now - pollDueNanos >= 0) || now - nextPeriodicPollNanos >= 0) {
                pollDue = false;
                poll(c);
                nextPeriodicPollNanos =
                        System.nanoTime() + config.contactPollInterval().toNanos();
            }
            if (endpointRefreshDue && now - endpointRefreshDueNanos >= 0) {
                endpointRefreshDue = false;
                readEndpoints(c, Origin.POLL, null);
            }
        }
    }

    private long nextDeadline() {
        long d = nextPingNanos;
        if (nextPeriodicPollNanos - d < 0) {
            d = nextPeriodicPollNanos;
        }
        if (nextLossCheckNanos - d < 0) {
            d = nextLossCheckNanos;
        }
        if (pollDue && pollDueNanos - d < 0) {
            d = pollDueNanos;
        }
        if (endpointRefreshDue && endpointRefreshDueNanos - d < 0) {
            d = endpointRefreshDueNanos;
        }
        return d;
    }

    private void endSession(AmiConnection c) {
        boolean wasAnnounced = up || sessionAnnounced;
        up = false;
        sessionAnnounced = false;
        if (c == null) {
            return;
        }
        lostGeneration = generation;
        try {
            // a half-open link must not hold the reconnect up for the whole action timeout
            c.setDefaultResponseTimeout(Math.min(config.actionTimeout().toMillis(), 2000));
            c.logoff();
        } catch (RuntimeException e) {
            // not connected any more (IllegalStateException) or the socket failed: nothing to log off
            log.debug("{}: logoff: {}", name, e.toString());
        }
        try {
            if (!c.awaitThreads(2000, closed.get())) {
                synchronized (retired) {
                    retired.removeIf(r -> !r.hasLiveThreads());
                    retired.add(c); // close() ends its threads
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkLoss(c.counter(), true);
        if (wasAnnounced && node != null) {
            emitNode(NodeChange.of(NodeStatus.DOWN), asteriskClock.now());
        }
        queue.clear();
    }

    // ------------------------------------------------------------------ live events

    private void handle(Inbound in, int gen) {
        if (in.generation != gen) {
            return; // from a connection that is gone
        }
        ManagerEvent e = in.event;
        if (e instanceof DisconnectEvent) {
            throw new LinkLost("connection closed");
        }
        if (e instanceof ConnectEvent) {
            return;
        }
        try {
            if (e instanceof ContactStatusEvent) {
                events.incrementAndGet();
                onContactStatus(headers(e), in);
            } else if (e instanceof PeerStatusEvent) {
                events.incrementAndGet();
                onPeerStatus(headers(e), in);
            } else if (e instanceof DeviceStateItemEvent) {
                events.incrementAndGet();
                onDeviceState(headers(e), in);
            } else if (e instanceof NewChannelEvent || e instanceof HangupEvent) {
                String channel = ((AbstractChannelEvent) e).getChannel();
                if (channel != null && channel.regionMatches(true, 0, "PJSIP/", 0, 6)) {
                    scheduleEndpointRefresh();
                }
            } else if (e instanceof FullyBootedEvent) {
                events.incrementAndGet();
                requestResync(in.receivedNanos);
            } else if (e instanceof ReloadEvent) {
                events.incrementAndGet();
                String module = ((ReloadEvent) e).getModule();
                if (module == null
                        || module.isBlank()
                        || module.startsWith("res_pjsip")
                        || module.startsWith("chan_sip")
                        || module.startsWith("chan_pjsip")) {
                    log.info(
                            "{}: Reload of {}: resync",
                            name,
                            module == null || module.isBlank() ? "everything" : module);
                    requestResync(in.receivedNanos);
                }
            } else if (e instanceof ShutdownEvent) {
                events.incrementAndGet();
                ShutdownEvent s = (ShutdownEvent) e;
                log.info("{}: Asterisk is shutting down ({}, restart={})", name, s.getShutdown(), s.getRestart());
            }
        } catch (MalformedFrameException ex) {
            malformed.incrementAndGet();
            onceMalformed.log(
                    "{}: malformed {} ignored: {} ({} so far)",
                    name,
                    e.getClass().getSimpleName(),
                    ex.getMessage(),
                    malformed.get());
        } catch (RuntimeException ex) {
            malformed.incrementAndGet();
            onceMalformed.log(
                    "{}: {} could not be mapped: {} ({} so far)",
                    name,
                    e.getClass().getSimpleName(),
                    AmiMapping.shorten(ex.toString()),
                    malformed.get());
        }
    }

    private static Headers headers(ManagerEvent e) {
        return EventHeaders.of(e).orElseThrow(() -> new MalformedFrameException("no headers"));
    }

    private Instant observedAt(Headers h, Inbound in) {
        return AmiMapping.timestamp(h).orElseGet(() -> asteriskClock.toAsterisk(in.receivedAt));
    }

    private void onContactStatus(Headers h, Inbound in) {
        Optional<ContactChange> change = AmiMapping.contactStatus(h);
        Instant at = observedAt(h, in);
        if (change.isPresent()) {
            ContactChange c = change.get();
            emit(Origin.AMI, at, c);
            track(c, at);
            if (c.status() == ContactStatus.REMOVED) {
                return;
            }
        }
        schedulePoll();
    }

    private void onPeerStatus(Headers h, Inbound in) {
        Instant at = observedAt(h, in);
        Optional<EndpointId> peer = h.get("Peer").flatMap(AmiMapping::deviceEndpoint);
        Optional<String> known = peer.map(sipContacts::get);
        List<Change> changes = AmiMapping.peerStatus(h, known);
        for (Change c : changes) {
            emit(Origin.AMI, at, c);
            if (c instanceof ContactChange) {
                trackSip((ContactChange) c, at);
            }
        }
        if (peer.isPresent() && peer.get().technology().equalsIgnoreCase("SIP")) {
            schedulePoll();
        }
    }

    private void onDeviceState(Headers h, Inbound in) {
        AmiMapping.DeviceResult r = AmiMapping.deviceState(h);
        if (r.change().isPresent()) {
            emit(Origin.AMI, observedAt(h, in), r.change().get());
        } else {
            skipped.incrementAndGet();
            onceSkipped.log("{}: {} ({} skipped so far)", name, r.skipped().orElse("skipped"), skipped.get());
        }
    }

    private void track(ContactChange c, Instant at) {
        track(c, at, false);
    }

    private void track(ContactChange c, Instant at, boolean listed) {
        if (c.status() == ContactStatus.REMOVED) {
            contacts.remove(c.uri());
        } else {
            KnownContact old = contacts.get(c.uri());
            Instant last = old != null && old.lastSeen.isAfter(at) ? old.lastSeen : at;
            contacts.put(c.uri(), new KnownContact(c.endpoint(), last, listed || (old != null && old.listed)));
        }
    }

    private void trackSip(ContactChange c, Instant at) {
        trackSip(c, at, false);
    }

    private void trackSip(ContactChange c, Instant at, boolean listed) {
        if (c.status() == ContactStatus.REMOVED) {
            sipContacts.remove(c.endpoint(), c.uri());
        } else {
            sipContacts.put(c.endpoint(), c.uri());
        }
        track(c, at, listed);
    }

    private void schedulePoll() {
        if (!pollDue) {
            pollDue = true;
            pollDueNanos = System.nanoTime() + config.contactPollDelay().toNanos();
        }
    }

    private void scheduleEndpointRefresh() {
        if (!endpointRefreshDue) {
            endpointRefreshDue = true;
            endpointRefreshDueNanos =
                    System.nanoTime() + config.contactPollDelay().toNanos();
        }
    }

    /** A trigger seen at {@code atNanos} needs a snapshot unless one started after it. */
    private void requestResync(long atNanos) {
        if (atNanos - lastSnapshotStartNanos > 0) {
            resyncRequested = true;
        }
    }

    // ------------------------------------------------------------------ actions

    private void ping(AmiConnection c) {
        nextPingNanos = System.nanoTime() + config.keepaliveInterval().toNanos();
        Instant sent = asteriskClock.localNow();
        ManagerResponse r;
        try {
            // the answer may queue behind a burst of events: allow the read timeout, not the interval
            r = c.sendAction(new PingAction(), config.readTimeout().toMillis());
        } catch (TimeoutException e) {
            throw new LinkLost(
                    "keepalive Ping unanswered within " + config.readTimeout().toMillis() + " ms");
        } catch (IOException | IllegalStateException e) {
            throw new LinkLost("keepalive Ping failed: " + AmiMapping.shorten(String.valueOf(e.getMessage())));
        }
        Instant received = asteriskClock.localNow();
        if (r == null) {
            throw new LinkLost("connection closed");
        }
        if (r instanceof PingResponse) {
            String ts = ((PingResponse) r).getTimestamp();
            if (ts != null) {
                AmiMapping.parseTimestamp(ts).ifPresent(a -> asteriskClock.sample(sent, received, a));
            }
        }
    }

    private void snapshot(AmiConnection c, int gen) {
        long start = System.nanoTime();
        lastSnapshotStartNanos = start;
        resyncRequested = false;
        pollDue = false;
        Instant pollStart = asteriskClock.now();

        ManagerResponse settings = send(c, new CoreSettingsAction());
        String systemName =
                settings instanceof CoreSettingsResponse ? ((CoreSettingsResponse) settings).getSystemName() : null;
        if (node == null) {
            if (systemName == null || systemName.isBlank()) {
                throw new NodeIdMissing("Asterisk at " + config.host() + ":" + config.port()
                        + " reports no SystemName: set systemname in asterisk.conf or configure the node id");
            }
            try {
                node = NodeId.of(systemName.trim());
            } catch (IllegalArgumentException e) {
                throw new NodeIdMissing("Asterisk's SystemName '" + AmiMapping.shorten(systemName)
                        + "' is no valid node id: configure the node id");
            }
            Thread.currentThread().setName(threadName());
            log.info("{}: node id is {} (Asterisk's SystemName)", name, node);
        }
        ManagerResponse status = send(c, new CoreStatusFullAction());
        Optional<Instant> startedAt = Optional.empty();
        if (status instanceof CoreStatusResponse) {
            CoreStatusResponse s = (CoreStatusResponse) status;
            try {
                startedAt = AmiMapping.startedAt(s.getCoreStartupDate(), s.getCoreStartupTime(), config.serverZone());
            } catch (MalformedFrameException e) {
                malformed.incrementAndGet();
                onceMalformed.log("{}: {}", name, e.getMessage());
            }
        }
        if (startedAt.isPresent() && epoch.isPresent() && !epoch.get().equals(startedAt.get())) {
            restarts.incrementAndGet();
            log.info(
                    "{}: Asterisk restarted (startup {} → {}): new epoch, full resync",
                    name,
                    epoch.get(),
                    startedAt.get());
            sipContacts.clear();
        }
        if (startedAt.isPresent()) {
            epoch = startedAt;
            epochSeen = startedAt;
        }

        sessionAnnounced = true;
        emitNode(NodeChange.of(NodeStatus.SNAPSHOT_BEGIN), asteriskClock.now());
        contacts.clear();
        readContacts(c, Origin.SNAPSHOT, pollStart);

        List<DeviceChange> fallbackDevices = new ArrayList<>();
        endpointRefreshDue = false;
        readEndpoints(c, Origin.SNAPSHOT, fallbackDevices);
        Instant devicesAsked = asteriskClock.now();
        ResponseEvents devices = sendList(c, ListAction.deviceStateList());
        if (isSuccess(devices)) {
            for (ResponseEvent item : devices.getEvents()) {
                if (item instanceof DeviceStateItemEvent) {
                    mapItem(item, h -> {
                        AmiMapping.DeviceResult r = AmiMapping.deviceState(h);
                        if (r.change().isPresent()) {
                            emit(Origin.SNAPSHOT, devicesAsked, r.change().get());
                        }
                    });
                }
            }
        } else {
            for (DeviceChange d : fallbackDevices) {
                emit(Origin.SNAPSHOT, asteriskClock.now(), d);
            }
        }
        readSipPeers(c, Origin.SNAPSHOT, pollStart);
        emitNode(NodeChange.of(NodeStatus.SNAPSHOT_END), asteriskClock.now());
        emitNode(new NodeChange(NodeStatus.UP, startedAt, Optional.empty()), asteriskClock.now());
        snapshots.incrementAndGet();
        up = true;
        resyncedThisSession = true;
        log.info(
                "{}: resynchronised with {}:{} ({} contacts){}",
                name,
                config.host(),
                config.port(),
                contacts.size(),
                startedAt.map(s -> ", up since " + s).orElse(""));
    }

    /** Reads the contact list: PJSIPShowContacts; contacts seen before {@code since} and no longer listed are REMOVED. */
    private void poll(AmiConnection c) {
        polls.incrementAndGet();
        Instant since = asteriskClock.now();
        Set<String> listed = readContacts(c, Origin.POLL, since);
        Set<String> listedSip = readSipPeers(c, Origin.POLL, since);
        for (Map.Entry<String, KnownContact> e : new ArrayList<>(contacts.entrySet())) {
            KnownContact k = e.getValue();
            boolean sip = k.endpoint.technology().equalsIgnoreCase("SIP");
            Set<String> list = sip ? listedSip : listed;
            // only contacts a list once showed: static contacts (trunks) are never listed
            if (list != null && k.listed && !list.contains(e.getKey()) && k.lastSeen.isBefore(since)) {
                ContactChange removed = ContactChange.builder(k.endpoint, e.getKey(), ContactStatus.REMOVED)
                        .build();
                emit(Origin.POLL, since, removed);
                if (sip) {
                    trackSip(removed, since);
                } else {
                    track(removed, since);
                }
            }
        }
    }

    /**
     * PJSIPShowContacts; returns the URIs listed, or null when the action is not available.
     *
     * <p>List items carry no time. They are stamped with the time the list was asked for (on
     * Asterisk's clock), a lower bound of when Asterisk generated it: a live event that happens while
     * the list is generated or in flight is then newer than the list and wins (R3), so a contact
     * removed during a poll cannot come back from the list.
     */
    private Set<String> readContacts(AmiConnection c, Origin origin, Instant since) {
        Instant asked = asteriskClock.now();
        ResponseEvents r = sendList(c, new PJSipShowContactsAction());
        ManagerResponse response = r.getResponse();
        if (response instanceof ManagerError) {
            String msg = response.getMessage() == null ? "" : response.getMessage();
            if (msg.toLowerCase(java.util.Locale.ROOT).contains("no contacts")) {
                return new HashSet<>(); // Asterisk answers an empty list with an error
            }
            log.debug("{}: PJSIPShowContacts failed: {}", name, msg);
            return null;
        }
        Set<String> listed = new HashSet<>();
        for (ResponseEvent item : r.getEvents()) {
            if (item instanceof ContactListItemEvent) {
                mapItem(item, h -> {
                    ContactChange ch = AmiMapping.contactListItem(h);
                    emit(origin, asked, ch);
                    track(ch, asked, true);
                    listed.add(ch.uri());
                });
            } else if (!(item instanceof ContactListComplete)) {
                log.debug(
                        "{}: unexpected {} in the contact list",
                        name,
                        item.getClass().getSimpleName());
            }
        }
        return listed;
    }

    /**
     * PJSIPShowEndpoints: state and channel count of every PJSIP endpoint (at snapshots, and shortly
     * after PJSIP channels come and go, since no event carries the count).
     */
    private void readEndpoints(AmiConnection c, Origin origin, List<DeviceChange> devices) {
        Instant asked = asteriskClock.now();
        ResponseEvents endpoints = sendList(c, new PJSipShowEndpointsAction());
        if (!isSuccess(endpoints)) {
            return;
        }
        for (ResponseEvent item : endpoints.getEvents()) {
            if (item instanceof EndpointList) {
                mapItem(item, h -> {
                    AmiMapping.EndpointItem ep = AmiMapping.endpointListItem(h);
                    emit(origin, asked, ep.endpoint());
                    if (devices != null) {
                        ep.device().ifPresent(devices::add);
                    }
                });
            }
        }
    }

    /** SIPpeers where chan_sip runs; returns the chan_sip contact URIs listed, or null without chan_sip. */
    private Set<String> readSipPeers(AmiConnection c, Origin origin, Instant since) {
        if (origin == Origin.POLL && !chanSip) {
            return null;
        }
        Instant asked = asteriskClock.now();
        ResponseEvents r = sendList(c, new SipPeersAction());
        if (!isSuccess(r)) {
            chanSip = false;
            return null;
        }
        chanSip = true;
        Set<String> listed = new HashSet<>();
        for (ResponseEvent item : r.getEvents()) {
            if (item instanceof PeerEntryEvent) {
                mapItem(item, h -> {
                    Instant at = asked;
                    for (Change ch : AmiMapping.peerEntry(h)) {
                        emit(origin, at, ch);
                        if (ch instanceof ContactChange) {
                            ContactChange cc = (ContactChange) ch;
                            String old = sipContacts.get(cc.endpoint());
                            if (old != null && !old.equals(cc.uri())) {
                                ContactChange removed = ContactChange.builder(cc.endpoint(), old, ContactStatus.REMOVED)
                                        .build();
                                emit(origin, at, removed);
                                trackSip(removed, at);
                            }
                            trackSip(cc, at, true);
                            listed.add(cc.uri());
                        }
                    }
                });
            }
        }
        return listed;
    }

    private interface ItemMapper {
        void map(Headers h);
    }

    private void mapItem(ResponseEvent item, ItemMapper mapper) {
        try {
            mapper.map(headers(item));
        } catch (MalformedFrameException e) {
            malformed.incrementAndGet();
            onceMalformed.log(
                    "{}: malformed {} ignored: {} ({} so far)",
                    name,
                    item.getClass().getSimpleName(),
                    e.getMessage(),
                    malformed.get());
        } catch (RuntimeException e) {
            malformed.incrementAndGet();
            onceMalformed.log(
                    "{}: {} could not be mapped: {} ({} so far)",
                    name,
                    item.getClass().getSimpleName(),
                    AmiMapping.shorten(e.toString()),
                    malformed.get());
        }
    }

    private static boolean isSuccess(ResponseEvents r) {
        return r.getResponse() != null && !(r.getResponse() instanceof ManagerError);
    }

    private ManagerResponse send(AmiConnection c, org.asteriskjava.manager.action.ManagerAction action) {
        try {
            ManagerResponse r = c.sendAction(action, config.actionTimeout().toMillis());
            if (r == null) {
                throw new LinkLost("connection closed during " + action.getAction());
            }
            return r;
        } catch (TimeoutException e) {
            throw new LinkLost(action.getAction() + " unanswered within "
                    + config.actionTimeout().toMillis() + " ms");
        } catch (IOException | IllegalStateException e) {
            throw new LinkLost(action.getAction() + " failed: " + AmiMapping.shorten(String.valueOf(e.getMessage())));
        }
    }

    private ResponseEvents sendList(AmiConnection c, EventGeneratingAction action) {
        ResponseEvents r;
        try {
            r = c.sendEventGeneratingAction(action, config.actionTimeout().toMillis());
        } catch (EventTimeoutException e) {
            throw new LinkLost(action.getAction() + " list incomplete after "
                    + config.actionTimeout().toMillis() + " ms");
        } catch (IOException | IllegalStateException e) {
            throw new LinkLost(action.getAction() + " failed: " + AmiMapping.shorten(String.valueOf(e.getMessage())));
        }
        if (r.getResponse() == null) {
            throw new LinkLost("connection closed during " + action.getAction());
        }
        return r;
    }

    private void checkLoss(WireCounter counter, boolean atEnd) {
        WireCounter.Lost lost = counter.lost(atEnd);
        if (lost.count() > 0) {
            dropped.addAndGet(lost.count());
            onceDropped.log(
                    "{}: asterisk-java dropped {} AMI event(s) of type {} (no event class, full queue or"
                            + " unreadable frame; {} dropped so far)",
                    name,
                    lost.count(),
                    lost.types(),
                    dropped.get());
        }
    }

    // ------------------------------------------------------------------ emission

    private void emitNode(NodeChange change, Instant at) {
        if (node == null) {
            return;
        }
        emit(Origin.AMI, at, change);
    }

    private void emit(Origin origin, Instant at, Change change) {
        EndpointStateEvent event = new EndpointStateEvent(node, at, ++sequence, origin, change);
        emitted.incrementAndGet();
        try {
            receiver.receive(event);
        } catch (RuntimeException e) {
            log.warn("{}: receiver failed on {}: {}", name, change.kind(), e.toString());
        }
    }

    // ------------------------------------------------------------------ listener (asterisk-java's thread)

    /** Runs on asterisk-java's event pump: counts and queues, nothing else. */
    private final class Listener implements ManagerEventListener {
        private final int gen;
        private final WireCounter counter;

        Listener(int gen, WireCounter counter) {
            this.gen = gen;
            this.counter = counter;
        }

        @Override
        public void onManagerEvent(ManagerEvent event) {
            counter.onDelivered(event);
            if (event instanceof ResponseEvent && ((ResponseEvent) event).getInternalActionId() != null) {
                return; // an item of a list this source asked for: read from the action's result
            }
            if (event instanceof DisconnectEvent) {
                lostGeneration = gen;
            }
            long nanos = System.nanoTime();
            lastEventNanos = nanos;
            Inbound in = new Inbound(gen, event, nanos, asteriskClock.localNow());
            if (!queue.offer(in)) {
                dropped.incrementAndGet();
                overflowed = true;
                onceDropped.log(
                        "{}: event queue full ({} events): {} dropped, resync scheduled ({} dropped so far)",
                        name,
                        config.eventQueueCapacity(),
                        event.getClass().getSimpleName(),
                        dropped.get());
            }
        }
    }

    private record Inbound(int generation, ManagerEvent event, long receivedNanos, Instant receivedAt) {}

    private record KnownContact(EndpointId endpoint, Instant lastSeen, boolean listed) {}

    /** The link is gone (closed, keepalive unanswered, action timed out): DOWN, then reconnect. */
    private static final class LinkLost extends AstregException {
        private static final long serialVersionUID = 1L;

        LinkLost(String message) {
            super(message);
        }
    }

    /** No node id configured and Asterisk reports no usable SystemName. */
    private static final class NodeIdMissing extends AstregException {
        private static final long serialVersionUID = 1L;

        NodeIdMissing(String message) {
            super(message);
        }
    }

    /** Logs the first occurrence at WARN, the rest at DEBUG. */
    private static final class OnceLog {
        private final AtomicBoolean warned = new AtomicBoolean();

        void log(String format, Object... args) {
            if (warned.compareAndSet(false, true)) {
                log.warn(format + " (further ones at DEBUG)", args);
            } else if (log.isDebugEnabled()) {
                log.debug(format, args);
            }
        }
    }
}
