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
import io.github.astreg.source.ami.internal.AmiTls;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.asteriskjava.manager.AuthenticationFailedException;
import org.asteriskjava.manager.EventTimeoutException;
import org.asteriskjava.manager.ManagerEventListener;
import org.asteriskjava.manager.ResponseEvents;
import org.asteriskjava.manager.TimeoutException;
import org.asteriskjava.manager.action.AbstractManagerAction;
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
import org.asteriskjava.manager.event.EndpointListComplete;
import org.asteriskjava.manager.event.FullyBootedEvent;
import org.asteriskjava.manager.event.HangupEvent;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.event.NewChannelEvent;
import org.asteriskjava.manager.event.PeerEntryEvent;
import org.asteriskjava.manager.event.PeerStatusEvent;
import org.asteriskjava.manager.event.PeerlistCompleteEvent;
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
 * chan_sip runs) is read every {@link AmiSourceConfig#contactPollInterval()} and shortly after a
 * contact the source has no details of yet (a new registration; a status change of a known contact
 * needs no read). Triggered reads are coalesced, at most one in flight, and spaced by
 * {@link AmiSourceConfig#pollSpacing()}. Those observations (origin POLL) carry address, port, user
 * agent, expiry and a fresh RTT sample; a contact the source saw that is no longer listed is reported
 * REMOVED. Reads are sent without waiting: their items are mapped between live events, which take
 * precedence, so a live event never waits for a list. {@code observedAt} is Asterisk's {@code Timestamp} header when present
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
 * <p><b>Two sessions.</b> With {@link AmiSourceConfig#listConnection()} (the default) every list is read
 * on a second AMI session of the node, logged in with {@code Events: off}: Asterisk writes a session's
 * events only between its actions, so on one session a live event waits in the stream until a long
 * list has been answered and parsed. The node's link is up when both sessions are logged in and the
 * snapshot is read; if either drops, the source emits {@code DOWN}, closes the other, and reconnects
 * and resyncs both. A failed attempt counts once, whichever session failed. The list session is
 * pinged without waiting when it delivered nothing for the keepalive interval; while a snapshot's
 * lists arrive on it, its listener pings the event session the same way, so that a snapshot longer
 * than the read timeout does not end the event session of a quiet node.
 *
 * <p><b>Node id.</b> {@link AmiSourceConfig#nodeId()}, else the {@code SystemName} from CoreSettings;
 * a node with neither is an error (logged on every attempt; the source keeps retrying).
 *
 * <p><b>TLS.</b> With {@link AmiSourceConfig#tls()} the source opens the socket itself (asterisk-java
 * 3.41 would not verify the host name): the certificate must chain to the source's trust and name the
 * configured host (HTTPS endpoint identification), and the handshake completes before anything is sent.
 * A failure, also a handshake the server does not answer within the read timeout, is logged with host
 * and reason, counted in {@code tlsFailures} and retried with the backoff.
 *
 * <p><b>Threads.</b> One daemon thread per source, {@code astreg-ami-<node>} (before the node is
 * known: {@code astreg-ami-<host>-<port>}), owns the connections (event session and list session): it
 * logs in, sends every action, maps events and calls the receiver. asterisk-java adds, per connection
 * (two per node by default), a reader thread
 * ({@code Asterisk-Java ManagerConnection-<n>-Reader-<m>}, daemon) and an event pump
 * ({@code …:AsyncEventPump}, daemon like the reader that starts it); its listener only counts and
 * queues the event (bounded by {@link AmiSourceConfig#eventQueueCapacity()}; overflow is counted as
 * dropped and causes a resync), and hands the items and response of the source's own list reads to a second queue
 * (the list is as long as Asterisk's answer), so asterisk-java's thread never blocks and no action is
 * ever sent from it.
 * {@link #close()} wakes the worker, which logs off every session, which ends those threads, and
 * waits for them (bounded by the action timeout); it interrupts the worker only if it is still waiting
 * for an answer after two seconds (a silent link), so an orderly close logs no ERROR from asterisk-java.
 *
 * <p><b>Counters</b> ({@link #counters()}): {@code events} (AMI events mapped), {@code emitted},
 * {@code reconnects}, {@code connectFailures}, {@code authFailures}, {@code tlsFailures} (TLS handshakes
 * that failed, such as a certificate that does not chain to the trust or does not name the configured
 * host, or a server that does not answer the handshake within the read timeout; nothing is sent to
 * such a server), {@code dropped} (events lost in
 * asterisk-java or in the source's queue), {@code malformed}, {@code skipped} (devices that are no
 * endpoint, such as {@code Queue:} or {@code Custom:}), {@code snapshots}, {@code polls} (contact-list reads started),
 * {@code restarts}, {@code listReadFailures} (list actions, PJSIPShowContacts, PJSIPShowEndpoints or
 * SIPpeers, that Asterisk answered with an error, such as {@code Permission denied} for an AMI user
 * without the permission; neither an empty list nor SIPpeers on a node without chan_sip counts).
 * Dropped, malformed and skipped frames are logged once at WARN (shortened), then at DEBUG. A list
 * action that fails is logged at WARN with Asterisk's {@code Message} the first time it fails since
 * the source connected or since that list was last read, else at DEBUG. The secret never appears in
 * logs, exceptions or {@code toString()}.
 */
public final class AmiEndpointSource implements EndpointEventSource {
    private static final Logger log = LoggerFactory.getLogger(AmiEndpointSource.class);

    private final AmiSourceConfig config;
    /** Opens verified TLS sockets when {@link AmiSourceConfig#tls()} is set. */
    private final Optional<AmiTls> tls;

    private final AsteriskClock asteriskClock;
    private final String name;
    private final BlockingQueue<Inbound> queue;
    private final Object lifecycle = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Released by {@link #close()}: ends the worker's reconnect backoff without an interrupt. */
    private final CountDownLatch closing = new CountDownLatch(1);
    /**
     * How long {@link #close()} lets the worker finish (log off, wait for asterisk-java's threads)
     * before it interrupts it; against a live Asterisk that takes milliseconds.
     */
    private static final long CLOSE_GRACE_MS = 2000;

    private volatile boolean started;
    private volatile Thread worker;
    private volatile EventReceiver receiver;
    private volatile boolean up;
    private volatile NodeId node;
    private volatile int generation;
    private volatile int lostGeneration = -1;
    private volatile boolean overflowed;
    private volatile long lastEventNanos = System.nanoTime() - Long.MAX_VALUE / 2;
    /** The event session: live events, Ping, CoreSettings, CoreStatus. */
    private volatile AmiConnection connection;
    /**
     * The list session (logged in with events off), or {@link #connection} itself when
     * {@link AmiSourceConfig#listConnection()} is off; null until the attempt's event session logged in.
     */
    private volatile AmiConnection listConnection;
    /** When the list session last delivered anything (items, responses); set by its listener. */
    private volatile long listHeardNanos;
    /** A keepalive Ping on the list session awaits its answer (worker thread only). */
    private boolean listPingPending;
    /**
     * Attempt whose event session awaits the answer to a Ping its list session's listener sent (see
     * {@link Listener#keepEventSessionAlive}), or -1.
     */
    private final AtomicInteger eventPingPending = new AtomicInteger(-1);

    private long listPingSentNanos;
    /** Connections whose asterisk-java threads had not ended when the session did. */
    private final List<AmiConnection> retired = new ArrayList<>();
    /**
     * List reads sent without waiting for them, by ActionID. The listener routes their items to
     * {@link #listItems}; the worker maps them between live events, which take precedence.
     */
    private final Map<String, ListRead> reads = new ConcurrentHashMap<>();

    private final Queue<ListItem> listItems = new ConcurrentLinkedQueue<>();
    /** Whether a {@link #WAKE} marker is in {@link #queue} for items of {@link #listItems}. */
    private final AtomicBoolean wakePosted = new AtomicBoolean();

    private final AtomicLong events = new AtomicLong();
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong authFailures = new AtomicLong();
    private final AtomicLong tlsFailures = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong listReadFailures = new AtomicLong();
    private final OnceLog onceMalformed = new OnceLog();
    private final OnceLog onceSkipped = new OnceLog();
    private final OnceLog onceDropped = new OnceLog();

    // ---- state confined to the worker thread
    private long sequence;
    private Optional<Instant> epoch = Optional.empty();
    private final Map<EndpointId, String> sipContacts = new HashMap<>();
    private final Map<String, KnownContact> contacts = new HashMap<>();
    /**
     * The newest qualify RTT Asterisk reported per contact URI (worker thread only; pruned with
     * {@link #contacts}). A list row repeats the last qualify's RTT until the next qualify.
     */
    private final Map<String, Duration> reportedRtt = new HashMap<>();

    private long lastSnapshotStartNanos;
    private boolean resyncRequested;
    /** Triggered contact-list reads (PJSIPShowContacts, plus SIPpeers on chan_sip nodes). */
    private final Trigger pollTrigger = new Trigger();
    /** Triggered endpoint-list reads (PJSIPShowEndpoints, for channel counts). */
    private final Trigger endpointTrigger = new Trigger();

    private long readCounter;
    private int liveInARow;
    private long nextPeriodicPollNanos;
    private long nextPingNanos;
    private long nextLossCheckNanos;
    private boolean chanSip;
    /**
     * Lists whose last read failed and was logged at WARN: further failures go to DEBUG until the list
     * is read again or the source reconnects, so a refused action warns once, not on every read.
     */
    private final Set<ListKind> failingLists = EnumSet.noneOf(ListKind.class);

    private boolean sessionAnnounced;

    private AmiEndpointSource(AmiSourceConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.tls = AmiTls.of(config);
        this.asteriskClock = new AsteriskClock(Objects.requireNonNull(clock, "clock"));
        this.node = config.nodeId().orElse(null);
        this.name = "ami-" + config.nodeId().map(NodeId::value).orElse(config.host() + "-" + config.port());
        this.queue = new ArrayBlockingQueue<>(config.eventQueueCapacity());
    }

    /**
     * A source for {@code config} using the system clock.
     *
     * @throws IllegalArgumentException when the config's trust store cannot be read
     */
    public static AmiEndpointSource create(AmiSourceConfig config) {
        return new AmiEndpointSource(config, Clock.systemUTC());
    }

    /**
     * A source for {@code config}; {@code clock} gives receive times (tests).
     *
     * @throws IllegalArgumentException when the config's trust store cannot be read
     */
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
        m.put("tlsFailures", tlsFailures.get());
        m.put("dropped", dropped.get());
        m.put("malformed", malformed.get());
        m.put("skipped", skipped.get());
        m.put("snapshots", snapshots.get());
        m.put("polls", polls.get());
        m.put("restarts", restarts.get());
        m.put("listReadFailures", listReadFailures.get());
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
        closing.countDown(); // ends the worker's reconnect backoff
        Thread t;
        synchronized (lifecycle) {
            t = worker;
        }
        if (t == null) {
            return;
        }
        long waitMs = config.actionTimeout().toMillis() + 1000;
        try {
            if (t != Thread.currentThread()) {
                stopWorker(t, waitMs);
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
            AmiConnection l = listConnection;
            if (l != null && l != c) {
                all.add(l);
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

    /**
     * Wakes the worker without interrupting it, so that it logs off in order, and waits for it; an
     * interrupt is the fallback for a worker still waiting for an answer after {@link #CLOSE_GRACE_MS}
     * (a silent link). An interrupt hitting asterisk-java's synchronous {@code sendAction} makes it give
     * up the action while its callback stays registered: asterisk-java then logs {@code Interrupted while
     * waiting for result} and, when the answer or the disconnect reaches that callback, {@code ERROR
     * Response arrived after Disposal}.
     */
    private void stopWorker(Thread t, long waitMs) throws InterruptedException {
        queue.offer(WAKE); // the session waits on the queue; a full queue keeps the worker busy anyway
        long grace = Math.min(waitMs, CLOSE_GRACE_MS);
        t.join(grace);
        if (t.isAlive()) {
            log.debug("{}: worker still busy {} ms after close(); interrupting it", name, grace);
            t.interrupt();
            t.join(waitMs - grace);
        }
    }

    /**
     * How many contacts the source's own view holds, removal markers included (tests; the view belongs
     * to the worker, so read it after {@link #close()}).
     */
    int contactsTracked() {
        return contacts.size();
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
            resyncedThisSession = false;
            try {
                login();
                session();
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
            } catch (SSLException e) {
                // thrown by AmiTls before asterisk-java sent anything: no Challenge, no Login
                tlsFailures.incrementAndGet();
                connectFailures.incrementAndGet();
                logFailure(
                        "{}: TLS handshake with AMI at {}:{} failed, not logging in: {}; check that the port"
                                + " serves AMI over TLS and that the certificate names '{}' and chains to the"
                                + " trust store; retrying in {} ms",
                        name,
                        config.host(),
                        config.port(),
                        tlsReason(e),
                        config.host(),
                        TimeUnit.NANOSECONDS.toMillis(delayNanos));
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
                endSession();
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
                if (closing.await(delayNanos + jitter, TimeUnit.NANOSECONDS)) {
                    break;
                }
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

    /**
     * The innermost message of a TLS failure, which names the actual problem ("No subject alternative
     * DNS name matching … found", "unable to find valid certification path …") where the outer ones
     * wrap it in class names.
     */
    private static String tlsReason(SSLException e) {
        Throwable t = e;
        String reason = e.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                reason = t.getMessage();
            }
        }
        if (reason == null) {
            return e.getClass().getSimpleName();
        }
        // the JDK ends some reasons with a full stop; the log line goes on after it
        return AmiMapping.shorten(reason.endsWith(".") ? reason.substring(0, reason.length() - 1) : reason);
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

    /**
     * Logs in the event session and, with {@link AmiSourceConfig#listConnection()}, the list session
     * (events off), in that order: the event listener is in place before the snapshot's lists are
     * asked for. A failure of either ends the attempt once (one auth, TLS or connect failure); the
     * caller's {@link #endSession()} closes whatever was opened.
     */
    private void login() throws IOException, AuthenticationFailedException, TimeoutException {
        int gen = ++generation;
        listConnection = null;
        eventPingPending.set(-1); // a Ping of an earlier attempt is never answered on this one
        asteriskClock.reset();
        AmiConnection events = newConnection();
        events.addEventListener(new Listener(gen, events.counter(), false));
        connection = events;
        events.login(config.eventMask());
        if (!config.listConnection()) {
            listConnection = events;
            return;
        }
        AmiConnection lists = newConnection();
        lists.addEventListener(new Listener(gen, lists.counter(), true));
        listConnection = lists;
        listHeardNanos = System.nanoTime();
        listPingPending = false;
        // Asterisk sends a session with events off nothing but the answers to its own actions
        lists.login("off");
    }

    /** A fresh asterisk-java connection to the node, with the module's event classes; not connected. */
    private AmiConnection newConnection() {
        WireCounter counter = new WireCounter(line -> {
            malformed.incrementAndGet();
            onceMalformed.log(
                    "{}: line that is no AMI header ignored: {} ({} so far)",
                    name,
                    io.github.astreg.source.ami.internal.AmiMapping.shorten(line),
                    malformed.get());
        });
        AmiConnection c =
                new AmiConnection(counter, tls, (int) config.connectTimeout().toMillis(), (int)
                        config.readTimeout().toMillis());
        c.setHostname(config.host());
        c.setPort(config.port());
        c.setUsername(config.username());
        c.setPassword(config.secret());
        c.setSsl(config.tls()); // informational: with TLS, AmiConnection opens the socket through AmiTls
        c.setDefaultResponseTimeout(config.actionTimeout().toMillis());
        c.setDefaultEventTimeout(config.actionTimeout().toMillis());
        c.registerUserEventClass(DeviceStateItemEvent.class);
        c.registerUserEventClass(DeviceStateListCompleteEvent.class);
        c.registerUserEventClass(ExtensionStateListCompleteEvent.class);
        c.registerUserEventClass(ContactListItemEvent.class);
        c.registerUserEventClass(AorListEvent.class);
        c.registerUserEventClass(AorListCompleteEvent.class);
        return c;
    }

    /**
     * Runs one login: snapshot, then events until the link (either session) is lost or the source
     * closes.
     */
    private void session() throws InterruptedException {
        AmiConnection c = connection;
        AmiConnection lists = listConnection;
        int gen = generation;
        long now = System.nanoTime();
        nextPingNanos = now;
        nextLossCheckNanos = now + config.keepaliveInterval().toNanos();
        failingLists.clear(); // a list still refused on this connection is worth a WARN again
        ping(c);
        snapshot(c, lists, gen);
        failuresLogged = 0;
        nextPeriodicPollNanos = System.nanoTime() + config.contactPollInterval().toNanos();
        while (!closed.get()) {
            if (lostGeneration == gen) {
                throw new LinkLost("connection closed");
            }
            Inbound in = queue.poll();
            if (in == null && listItems.isEmpty()) {
                long wait = nextDeadline() - System.nanoTime();
                if (wait > 0) {
                    in = queue.poll(wait, TimeUnit.NANOSECONDS);
                }
            }
            if (in == WAKE) {
                wakePosted.set(false);
            } else if (in != null) {
                handle(in, gen);
                liveInARow++;
            }
            // live events first; list items when none wait, and a share of them under constant load so
            // that a list read still completes
            if (in == null || in == WAKE || liveInARow >= LIVE_PER_LIST_TURN) {
                liveInARow = 0;
                handleListItems(LIST_ITEMS_PER_TURN);
            }
            now = System.nanoTime();
            if (overflowed) {
                overflowed = false;
                requestResync(now);
            }
            if (resyncRequested) {
                snapshot(c, lists, gen);
                nextPeriodicPollNanos =
                        System.nanoTime() + config.contactPollInterval().toNanos();
                continue;
            }
            if (!reads.isEmpty()) {
                checkReadTimeouts(now);
            }
            if (now - nextPingNanos >= 0) {
                if (now - lastEventNanos < config.keepaliveInterval().toNanos()) {
                    // events are flowing: the link is alive, no Ping needed (the read timeout still guards it)
                    nextPingNanos = now + config.keepaliveInterval().toNanos();
                } else {
                    ping(c);
                }
            }
            if (lists != c) {
                keepListSessionAlive(lists, now);
            }
            if (now - nextLossCheckNanos >= 0) {
                checkLoss(c.counter(), false);
                if (lists != c) {
                    checkLoss(lists.counter(), false);
                }
                nextLossCheckNanos = now + config.keepaliveInterval().toNanos();
            }
            if (now - nextPeriodicPollNanos >= 0) {
                nextPeriodicPollNanos = now + config.contactPollInterval().toNanos();
                pollTrigger.request(now);
            }
            long spacing = config.pollSpacing().toNanos();
            if (pollTrigger.ready(now, spacing)) {
                startPoll(lists);
            }
            if (endpointTrigger.ready(now, spacing)) {
                endpointTrigger.due = false;
                endpointTrigger.inFlight.add(
                        sendRead(lists, ListKind.ENDPOINTS, new PJSipShowEndpointsAction(), Origin.POLL));
            }
        }
    }

    /** Live events handled in a row before list items get a turn. */
    private static final int LIVE_PER_LIST_TURN = 64;
    /** List items handled per turn. */
    private static final int LIST_ITEMS_PER_TURN = 256;

    private long nextDeadline() {
        long d = nextPingNanos;
        if (nextPeriodicPollNanos - d < 0) {
            d = nextPeriodicPollNanos;
        }
        if (nextLossCheckNanos - d < 0) {
            d = nextLossCheckNanos;
        }
        long spacing = config.pollSpacing().toNanos();
        if (pollTrigger.due && pollTrigger.inFlight.isEmpty() && pollTrigger.startAt(spacing) - d < 0) {
            d = pollTrigger.startAt(spacing);
        }
        if (endpointTrigger.due && endpointTrigger.inFlight.isEmpty() && endpointTrigger.startAt(spacing) - d < 0) {
            d = endpointTrigger.startAt(spacing);
        }
        long timeout = config.actionTimeout().toNanos();
        for (ListRead r : reads.values()) {
            if (!r.arrived && r.sentNanos + timeout - d < 0) {
                d = r.sentNanos + timeout;
            }
        }
        AmiConnection lists = listConnection;
        if (lists != null && lists != connection) {
            long keepalive = listPingPending
                    ? listPingSentNanos + config.readTimeout().toNanos()
                    : listHeardNanos + config.keepaliveInterval().toNanos();
            if (keepalive - d < 0) {
                d = keepalive;
            }
        }
        return d;
    }

    /** Ends the attempt's sessions (both, when lists have their own), whatever state they are in. */
    private void endSession() {
        boolean wasAnnounced = up || sessionAnnounced;
        up = false;
        sessionAnnounced = false;
        AmiConnection c = connection;
        if (c == null) {
            return;
        }
        AmiConnection lists = listConnection;
        lostGeneration = generation;
        logoff(c);
        if (lists != null && lists != c) {
            logoff(lists);
        }
        try {
            retireIfAlive(c);
            if (lists != null && lists != c) {
                retireIfAlive(lists);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkLoss(c.counter(), true);
        if (lists != null && lists != c) {
            checkLoss(lists.counter(), true);
        }
        if (wasAnnounced && node != null) {
            emitNode(NodeChange.of(NodeStatus.DOWN), asteriskClock.now());
        }
        queue.clear();
        abandonReads();
        listItems.clear();
        wakePosted.set(false);
        pollTrigger.reset();
        endpointTrigger.reset();
    }

    private void logoff(AmiConnection c) {
        try {
            // a half-open link must not hold the reconnect up for the whole action timeout
            c.setDefaultResponseTimeout(Math.min(config.actionTimeout().toMillis(), 2000));
            c.logoff();
        } catch (RuntimeException e) {
            // not connected any more (IllegalStateException) or the socket failed: nothing to log off
            log.debug("{}: logoff: {}", name, e.toString());
        }
    }

    /** Waits briefly for a closed connection's threads; one still running is left for close(). */
    private void retireIfAlive(AmiConnection c) throws InterruptedException {
        if (!c.awaitThreads(2000, closed.get())) {
            synchronized (retired) {
                retired.removeIf(r -> !r.hasLiveThreads());
                retired.add(c); // close() ends its threads
            }
        }
    }

    // ------------------------------------------------------------------ live events

    private void handle(Inbound in, int gen) {
        if (in.generation != gen) {
            return; // from a connection that is gone
        }
        ManagerEvent e = in.event;
        if (e instanceof DisconnectEvent) {
            AmiConnection lists = listConnection;
            throw new LinkLost(
                    lists != connection && e.getSource() == lists ? "list session closed" : "connection closed");
        }
        if (e instanceof ConnectEvent) {
            return;
        }
        try {
            if (e instanceof ContactStatusEvent) {
                events.incrementAndGet();
                onContactStatus((ContactStatusEvent) e, in);
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

    private void onContactStatus(ContactStatusEvent e, Inbound in) {
        Optional<ContactChange> change = AmiMapping.contactStatus(e);
        Instant at = AmiMapping.timestamp(e.getTimestamp()).orElseGet(() -> asteriskClock.toAsterisk(in.receivedAt));
        if (change.isPresent()) {
            ContactChange c = change.get();
            emit(Origin.AMI, at, c);
            c.rtt().ifPresent(rtt -> reportedRtt.put(c.uri(), rtt));
            KnownContact k = contacts.get(c.uri());
            // status and RTT are in the event; only a contact whose address, user agent and expiry
            // the source has not read yet (a new registration) needs the contact list
            boolean detailed = k != null && !k.removed && k.detailed;
            track(c, at);
            if (c.status() == ContactStatus.REMOVED || detailed) {
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

    /**
     * Tracks what the source knows of a contact. A removal leaves a tombstone until a list asked after
     * it completes, so that a list row older than the removal, handled after it (live events take
     * precedence over list items), does not bring the contact back into the source's own view.
     */
    private void track(ContactChange c, Instant at, boolean listed) {
        KnownContact old = contacts.get(c.uri());
        if (c.status() == ContactStatus.REMOVED) {
            reportedRtt.remove(c.uri());
            Instant last = old != null && old.lastSeen.isAfter(at) ? old.lastSeen : at;
            contacts.put(c.uri(), new KnownContact(c.endpoint(), last, false, true, false));
            return;
        }
        if (old != null && old.removed) {
            if (old.lastSeen.isAfter(at)) {
                return; // older than the removal
            }
            old = null;
        }
        Instant last = old != null && old.lastSeen.isAfter(at) ? old.lastSeen : at;
        boolean wasListed = old != null && old.listed;
        contacts.put(
                c.uri(),
                new KnownContact(
                        c.endpoint(), last, listed || wasListed, false, listed || (old != null && old.detailed)));
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
        pollTrigger.request(System.nanoTime() + config.contactPollDelay().toNanos());
    }

    private void scheduleEndpointRefresh() {
        endpointTrigger.request(System.nanoTime() + config.contactPollDelay().toNanos());
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

    /**
     * Keeps the list session, which carries no events, from going silent: asterisk-java's socket read
     * timeout would otherwise end it between reads. When it delivered nothing for the keepalive
     * interval, a Ping is sent without waiting (the worker must not block behind a list on that
     * session); anything the session delivers after it, the Pong or a list item, shows the link is
     * alive, and nothing within the read timeout is a lost link, as on the event session.
     */
    private void keepListSessionAlive(AmiConnection lists, long now) {
        if (listPingPending) {
            if (listHeardNanos - listPingSentNanos >= 0) {
                listPingPending = false;
            } else if (now - listPingSentNanos - config.readTimeout().toNanos() >= 0) {
                throw new LinkLost("keepalive Ping on the list session unanswered within "
                        + config.readTimeout().toMillis() + " ms");
            } else {
                return;
            }
        }
        if (now - listHeardNanos - config.keepaliveInterval().toNanos() >= 0) {
            listPingPending = true;
            listPingSentNanos = now;
            try {
                lists.sendAction(new PingAction(), response -> listHeardNanos = System.nanoTime());
            } catch (IOException | IllegalStateException | IllegalArgumentException e) {
                throw new LinkLost("keepalive Ping on the list session failed: "
                        + AmiMapping.shorten(String.valueOf(e.getMessage())));
            }
        }
    }

    /**
     * Reads the node's whole state: CoreSettings and CoreStatus on the event session {@code c}, the
     * lists on {@code lists} (the list session, or {@code c} itself).
     */
    private void snapshot(AmiConnection c, AmiConnection lists, int gen) {
        long start = System.nanoTime();
        lastSnapshotStartNanos = start;
        resyncRequested = false;
        // a snapshot reads every list: reads in flight are abandoned (their items are skipped) and
        // what triggered them is covered
        abandonReads();
        pollTrigger.reset();
        endpointTrigger.reset();

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
        readBlocking(lists, newRead(ListKind.CONTACTS, Origin.SNAPSHOT), new PJSipShowContactsAction());
        reportedRtt.keySet().retainAll(contacts.keySet());

        ListRead endpointRead = newRead(ListKind.ENDPOINTS, Origin.SNAPSHOT);
        endpointRead.devices = new ArrayList<>();
        readBlocking(lists, endpointRead, new PJSipShowEndpointsAction());
        List<DeviceChange> fallbackDevices = endpointRead.devices;
        Instant devicesAsked = asteriskClock.now();
        ResponseEvents devices = sendList(lists, ListAction.deviceStateList());
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
            // as old as the endpoint list they come from: a device state change after it was asked wins
            for (DeviceChange d : fallbackDevices) {
                emit(Origin.SNAPSHOT, endpointRead.asked, d);
            }
        }
        readBlocking(lists, newRead(ListKind.SIP_PEERS, Origin.SNAPSHOT), new SipPeersAction());
        emitNode(NodeChange.of(NodeStatus.SNAPSHOT_END), asteriskClock.now());
        long end = System.nanoTime();
        pollTrigger.ended(end);
        endpointTrigger.ended(end);
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

    // ------------------------------------------------------------------ list reads

    /** The lists the source reads, with the event that ends each. */
    private enum ListKind {
        CONTACTS(
                "contacts",
                ContactListComplete.class,
                "PJSIP contacts get no address, user agent or expiry, and contacts gone without an event stay"),
        SIP_PEERS("sippeers", PeerlistCompleteEvent.class, "chan_sip peers' contacts are not read"),
        ENDPOINTS("endpoints", EndpointListComplete.class, "PJSIP endpoints' channel counts are not read");

        final String tag;
        final Class<? extends ResponseEvent> complete;
        /** What the source misses while this list cannot be read (for the log). */
        final String withoutIt;

        ListKind(String tag, Class<? extends ResponseEvent> complete, String withoutIt) {
            this.tag = tag;
            this.complete = complete;
            this.withoutIt = withoutIt;
        }
    }

    /**
     * One read of a list. List items carry no time: they are stamped with the time the list was
     * asked for (on Asterisk's clock), a lower bound of when Asterisk generated it, so a live event
     * that happens while the list is generated or in flight is newer than the list and wins (R3): a
     * contact removed during a poll cannot come back from the list.
     */
    private static final class ListRead {
        final ListKind kind;
        final String actionId;
        final Instant asked;
        final long sentNanos;
        final Origin origin;
        final Set<String> listed = new HashSet<>();
        /** Endpoint reads of a snapshot: device states, in case DeviceStateList is missing. */
        List<DeviceChange> devices;
        /** Set by asterisk-java's thread when the list's end or an error arrived. */
        volatile boolean arrived;

        ListRead(ListKind kind, String actionId, Instant asked, long sentNanos, Origin origin) {
            this.kind = kind;
            this.actionId = actionId;
            this.asked = asked;
            this.sentNanos = sentNanos;
            this.origin = origin;
        }
    }

    /** An item, the end, or the response of a list read, as asterisk-java delivered it. */
    private record ListItem(ListRead read, Object item) {}

    /**
     * Coalesces the triggers of one kind of list read: at most one read in flight; the next starts
     * when it is due and {@link AmiSourceConfig#pollSpacing()} after the previous one ended.
     */
    private static final class Trigger {
        boolean due;
        long dueNanos;
        boolean endSeen;
        long lastEndNanos;
        final List<ListRead> inFlight = new ArrayList<>(2);

        void request(long atNanos) {
            if (!due || atNanos - dueNanos < 0) {
                dueNanos = atNanos;
            }
            due = true;
        }

        long startAt(long spacingNanos) {
            long at = dueNanos;
            if (endSeen && lastEndNanos + spacingNanos - at > 0) {
                at = lastEndNanos + spacingNanos;
            }
            return at;
        }

        boolean ready(long now, long spacingNanos) {
            return due && inFlight.isEmpty() && now - startAt(spacingNanos) >= 0;
        }

        void ended(long now) {
            endSeen = true;
            lastEndNanos = now;
        }

        void reset() {
            due = false;
            inFlight.clear();
        }
    }

    private ListRead newRead(ListKind kind, Origin origin) {
        return new ListRead(
                kind, "astreg-" + kind.tag + "-" + (++readCounter), asteriskClock.now(), System.nanoTime(), origin);
    }

    /** Starts a contact-list read: PJSIPShowContacts, and SIPpeers where chan_sip runs. */
    private void startPoll(AmiConnection c) {
        pollTrigger.due = false;
        polls.incrementAndGet();
        nextPeriodicPollNanos = System.nanoTime() + config.contactPollInterval().toNanos();
        pollTrigger.inFlight.add(sendRead(c, ListKind.CONTACTS, new PJSipShowContactsAction(), Origin.POLL));
        if (chanSip) {
            pollTrigger.inFlight.add(sendRead(c, ListKind.SIP_PEERS, new SipPeersAction(), Origin.POLL));
        }
    }

    /**
     * Sends a list action without waiting: its response and items reach {@link #listItems} through
     * the listener, and the worker maps them between live events.
     */
    private ListRead sendRead(AmiConnection c, ListKind kind, AbstractManagerAction action, Origin origin) {
        ListRead r = newRead(kind, origin);
        action.setActionId(r.actionId);
        reads.put(r.actionId, r);
        try {
            c.sendAction(action, response -> routeListItem(r, response));
        } catch (IOException | IllegalStateException | IllegalArgumentException e) {
            reads.remove(r.actionId);
            throw new LinkLost(action.getAction() + " failed: " + AmiMapping.shorten(String.valueOf(e.getMessage())));
        }
        return r;
    }

    /** On asterisk-java's thread: hands an item of a list read to the worker. */
    private void routeListItem(ListRead r, Object item) {
        if (item instanceof ManagerError || r.kind.complete.isInstance(item)) {
            r.arrived = true;
        }
        listItems.add(new ListItem(r, item));
        if (wakePosted.compareAndSet(false, true) && !queue.offer(WAKE)) {
            wakePosted.set(false); // the queue is full: the worker is busy and sees the items anyway
        }
    }

    private void abandonReads() {
        reads.clear();
    }

    private void checkReadTimeouts(long now) {
        long timeout = config.actionTimeout().toNanos();
        for (ListRead r : reads.values()) {
            if (!r.arrived && now - r.sentNanos - timeout >= 0) {
                throw new LinkLost(actionName(r.kind) + " list incomplete after "
                        + config.actionTimeout().toMillis() + " ms");
            }
        }
    }

    private static String actionName(ListKind kind) {
        switch (kind) {
            case CONTACTS:
                return "PJSIPShowContacts";
            case SIP_PEERS:
                return "SIPpeers";
            default:
                return "PJSIPShowEndpoints";
        }
    }

    /** Maps up to {@code max} items of list reads (items of abandoned reads are skipped). */
    private void handleListItems(int max) {
        for (int i = 0; i < max; i++) {
            ListItem li = listItems.poll();
            if (li == null) {
                return;
            }
            ListRead r = li.read;
            if (reads.get(r.actionId) != r) {
                continue; // abandoned: a snapshot read the list since, or the session ended
            }
            Object item = li.item;
            if (item instanceof ManagerResponse) {
                if (item instanceof ManagerError) {
                    finishRead(r, listFailed(r, (ManagerResponse) item));
                }
            } else if (r.kind.complete.isInstance(item)) {
                listSucceeded(r.kind);
                finishRead(r, true);
            } else if (item instanceof ResponseEvent) {
                listRow(r, (ResponseEvent) item);
            }
        }
    }

    /** A list action answered with an error: whether that still means a (empty) list. */
    private boolean listFailed(ListRead r, ManagerResponse response) {
        String msg = response.getMessage() == null ? "" : response.getMessage();
        String lower = msg.toLowerCase(java.util.Locale.ROOT);
        if ((r.kind == ListKind.CONTACTS && lower.contains("no contacts"))
                || (r.kind == ListKind.ENDPOINTS && lower.contains("no endpoints"))) {
            listSucceeded(r.kind);
            return true; // Asterisk answers an empty list with an error
        }
        if (r.kind == ListKind.SIP_PEERS) {
            chanSip = false;
            if (lower.contains("unknown command")) {
                // chan_sip is not loaded (it is gone since Asterisk 21): nothing to read, no failure
                log.debug("{}: SIPpeers unknown: no chan_sip", name);
                return false;
            }
        }
        listReadFailures.incrementAndGet();
        String shown = AmiMapping.shorten(msg);
        if (failingLists.add(r.kind)) {
            log.warn(
                    "{}: {} failed: '{}' ({} list read failures so far); {}; if Asterisk refuses it, check the AMI user's read and"
                            + " write permissions in manager.conf (further failures of {} at DEBUG until it"
                            + " succeeds or the source reconnects)",
                    name,
                    actionName(r.kind),
                    shown,
                    listReadFailures.get(),
                    r.kind.withoutIt,
                    actionName(r.kind));
        } else {
            log.debug(
                    "{}: {} failed: '{}' ({} list read failures so far)",
                    name,
                    actionName(r.kind),
                    shown,
                    listReadFailures.get());
        }
        return false;
    }

    /** A list of {@code kind} was read: its next failure is worth a WARN again. */
    private void listSucceeded(ListKind kind) {
        failingLists.remove(kind);
    }

    /** Reads a whole list and waits for it (snapshots). */
    private void readBlocking(AmiConnection c, ListRead r, EventGeneratingAction action) {
        ResponseEvents result = sendList(c, action);
        ManagerResponse response = result.getResponse();
        if (response instanceof ManagerError) {
            listFailed(r, response);
            return;
        }
        listSucceeded(r.kind);
        if (r.kind == ListKind.SIP_PEERS) {
            chanSip = true;
        }
        for (ResponseEvent item : result.getEvents()) {
            if (!r.kind.complete.isInstance(item)) {
                listRow(r, item);
            }
        }
    }

    /** One item of a list: mapped, emitted with the time the list was asked for, tracked. */
    private void listRow(ListRead r, ResponseEvent item) {
        if (r.kind == ListKind.CONTACTS && item instanceof ContactListItemEvent) {
            mapItem(item, h -> {
                ContactChange ch = withoutRepeatedRtt(AmiMapping.contactListItem(h));
                emit(r.origin, r.asked, ch);
                track(ch, r.asked, true);
                r.listed.add(ch.uri());
            });
        } else if (r.kind == ListKind.ENDPOINTS && item instanceof EndpointList) {
            mapItem(item, h -> {
                AmiMapping.EndpointItem ep = AmiMapping.endpointListItem(h);
                emit(r.origin, r.asked, ep.endpoint());
                if (r.devices != null) {
                    ep.device().ifPresent(r.devices::add);
                }
            });
        } else if (r.kind == ListKind.SIP_PEERS && item instanceof PeerEntryEvent) {
            mapItem(item, h -> sipPeerRow(r, h));
        } else {
            log.debug("{}: unexpected {} in the {} list", name, item.getClass().getSimpleName(), r.kind.tag);
        }
    }

    /**
     * One SIPpeers row. A chan_sip peer has one contact, and the source remembers it to map the
     * peer's later status events; a row older than what a live event said since the list was asked
     * (the peer registered elsewhere or its contact was removed: live events are handled before
     * waiting list rows) must not make its contact the peer's again, or those events would go to a
     * removed contact and bring it back.
     */
    private void sipPeerRow(ListRead r, Headers h) {
        for (Change row : AmiMapping.peerEntry(h)) {
            Change ch = row instanceof ContactChange ? withoutRepeatedRtt((ContactChange) row) : row;
            if (ch instanceof ContactChange) {
                ContactChange cc = (ContactChange) ch;
                String old = sipContacts.get(cc.endpoint());
                KnownContact listedOne = contacts.get(cc.uri());
                KnownContact current = old == null || old.equals(cc.uri()) ? null : contacts.get(old);
                if ((listedOne != null && listedOne.removed && listedOne.lastSeen.isAfter(r.asked))
                        || (current != null && !current.removed && current.lastSeen.isAfter(r.asked))) {
                    continue;
                }
            }
            emit(r.origin, r.asked, ch);
            if (ch instanceof ContactChange) {
                ContactChange cc = (ContactChange) ch;
                String old = sipContacts.get(cc.endpoint());
                if (old != null && !old.equals(cc.uri())) {
                    ContactChange removed = ContactChange.builder(cc.endpoint(), old, ContactStatus.REMOVED)
                            .build();
                    emit(r.origin, r.asked, removed);
                    trackSip(removed, r.asked);
                }
                trackSip(cc, r.asked, true);
                r.listed.add(cc.uri());
            }
        }
    }

    /**
     * A list read ended. A contact list that arrived whole reports REMOVED for every contact this
     * source saw in an earlier list that is no longer listed and was not heard of since the list was
     * asked for (a lost {@code Removed} event cannot keep a dead contact alive); static contacts
     * (trunks) are never listed and never removed this way.
     */
    private void finishRead(ListRead r, boolean whole) {
        reads.remove(r.actionId);
        Trigger t = r.kind == ListKind.ENDPOINTS ? endpointTrigger : pollTrigger;
        t.inFlight.remove(r);
        if (t.inFlight.isEmpty()) {
            t.ended(System.nanoTime());
        }
        try {
            if (whole && r.kind != ListKind.ENDPOINTS) {
                removeUnlisted(r);
            }
        } finally {
            dropStaleTombstones();
        }
    }

    /**
     * Forgets removed contacts that no list still being read can contradict. A tombstone only guards
     * against the rows of a list asked before the removal; once no such read is in flight (every read
     * ends, whole, failed or timed out with the link), it has done its work. Without this, tombstones
     * would only go with a contact list that arrives whole, and pile up while lists fail.
     */
    private void dropStaleTombstones() {
        Instant oldest = null;
        for (ListRead open : reads.values()) {
            if (oldest == null || open.asked.isBefore(oldest)) {
                oldest = open.asked;
            }
        }
        Instant bound = oldest;
        contacts.values().removeIf(k -> k.removed && (bound == null || !k.lastSeen.isAfter(bound)));
        reportedRtt.keySet().retainAll(contacts.keySet());
    }

    /**
     * A list row carries the RTT of the contact's last qualify, repeated in every read until the next
     * qualify; only a value that differs from the last one Asterisk reported is a new sample (R8).
     * Without this, every read added the same sample again (jitter drifting to zero, the window
     * holding one qualify many times) and made every listed contact a change for the stores.
     */
    private ContactChange withoutRepeatedRtt(ContactChange c) {
        if (c.rtt().isEmpty()) {
            return c;
        }
        Duration previous = reportedRtt.put(c.uri(), c.rtt().get());
        return c.rtt().get().equals(previous)
                ? c.toBuilder().rtt(Optional.empty()).build()
                : c;
    }

    private void removeUnlisted(ListRead r) {
        boolean sipList = r.kind == ListKind.SIP_PEERS;
        for (Map.Entry<String, KnownContact> e : new ArrayList<>(contacts.entrySet())) {
            KnownContact k = e.getValue();
            if (k.sip() != sipList || !k.lastSeen.isBefore(r.asked)) {
                continue;
            }
            String uri = e.getKey();
            if (k.removed) {
                contacts.remove(uri); // no list older than this tombstone is in flight any more
                reportedRtt.remove(uri);
            } else if (r.listed.contains(uri)) {
                continue;
            } else if (k.listed) {
                ContactChange removed = ContactChange.builder(k.endpoint, uri, ContactStatus.REMOVED)
                        .build();
                emit(r.origin, r.asked, removed);
                if (sipList) {
                    trackSip(removed, r.asked);
                } else {
                    track(removed, r.asked);
                }
            } else if (!k.detailed) {
                // a contact no list shows (a static contact): looked at, no read needed for it again
                contacts.put(uri, new KnownContact(k.endpoint, k.lastSeen, false, false, true));
            }
        }
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

    /**
     * Runs on asterisk-java's event pump of one session: counts and queues, nothing else. The list
     * session's listener ({@code listSession}) passes on only list items and the session's end: with
     * events off Asterisk sends it no live events, and any it did send would be the event session's
     * twice.
     */
    private final class Listener implements ManagerEventListener {
        private final int gen;
        private final WireCounter counter;
        private final boolean listSession;

        Listener(int gen, WireCounter counter, boolean listSession) {
            this.gen = gen;
            this.counter = counter;
            this.listSession = listSession;
        }

        /**
         * While the worker waits for a list of the snapshot (a blocking read: it does not run its
         * loop, which pings the event session), the event session of a quiet node carries nothing,
         * and asterisk-java's socket read timeout would end it in the middle of a long snapshot; the
         * resync that follows takes as long again, so a big node never came up. So the list session's
         * listener, which runs for every row, pings the event session once it has been quiet for the
         * keepalive interval, one Ping at a time. Nothing waits for the answer: an event session that
         * does not answer is ended by that same read timeout, a lost link as always.
         */
        private void keepEventSessionAlive(long now) {
            AmiConnection events = connection;
            if (events == null
                    || events == listConnection
                    || now - lastEventNanos - config.keepaliveInterval().toNanos() < 0
                    || !eventPingPending.compareAndSet(-1, gen)) {
                return;
            }
            try {
                events.sendAction(new PingAction(), response -> {
                    if (gen == generation) {
                        lastEventNanos = System.nanoTime();
                    }
                    eventPingPending.compareAndSet(gen, -1);
                });
            } catch (IOException | IllegalStateException | IllegalArgumentException e) {
                // the event session is ending: its DisconnectEvent reports the lost link
                eventPingPending.compareAndSet(gen, -1);
            }
        }

        @Override
        public void onManagerEvent(ManagerEvent event) {
            counter.onDelivered(event);
            if (listSession && gen == generation) {
                // a session that is gone must not vouch for the current one
                long now = System.nanoTime();
                listHeardNanos = now;
                keepEventSessionAlive(now);
            }
            if (event instanceof ResponseEvent && ((ResponseEvent) event).getInternalActionId() != null) {
                // an item of a list this source asked for: a read sent without waiting gets it through
                // here; a snapshot's blocking read takes it from the action's result
                ListRead r = reads.get(String.valueOf(((ResponseEvent) event).getActionId()));
                if (r != null) {
                    if (!listSession) {
                        lastEventNanos = System.nanoTime(); // the event session is alive
                    }
                    routeListItem(r, event);
                }
                return;
            }
            if (event instanceof DisconnectEvent) {
                lostGeneration = gen;
            } else if (listSession) {
                return;
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

    /** Wakes the worker for items in {@link #listItems}; of no generation, so never handled as an event. */
    private static final Inbound WAKE = new Inbound(-1, null, 0, Instant.EPOCH);

    /**
     * The source's view of one contact: {@code listed} once a contact list showed it (only such
     * contacts are removed when a later list lacks them: static contacts are never listed);
     * {@code detailed} once a list asked after the contact appeared was read (its address, user agent
     * and expiry are known, or it is a static contact no list shows); {@code removed} for a tombstone.
     */
    private record KnownContact(
            EndpointId endpoint, Instant lastSeen, boolean listed, boolean removed, boolean detailed) {
        boolean sip() {
            return endpoint.technology().equalsIgnoreCase("SIP");
        }
    }

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
