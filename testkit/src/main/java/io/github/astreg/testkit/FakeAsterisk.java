package io.github.astreg.testkit;

import io.github.astreg.testkit.internal.AmiServer;
import io.github.astreg.testkit.internal.AriServer;
import io.github.astreg.testkit.internal.FaultState;
import io.github.astreg.testkit.internal.NodeModel;
import io.github.astreg.testkit.internal.NodeSpec;
import io.github.astreg.testkit.internal.NodeSpec.EndpointSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One fake Asterisk node on ephemeral 127.0.0.1 ports that speaks AMI over TCP as Asterisk 22 (or
 * 20) does, driven by a scenario API over phones: register, qualify, call, hold, unregister, expire,
 * crash, restart. Every step emits the events a real Asterisk emits for it, in the recorded order.
 *
 * <pre>{@code
 * try (FakeAsterisk pbx = FakeAsterisk.builder("pbx1").systemName("pbx1").timestampEvents(true).build().start()) {
 *     // point the code under test at 127.0.0.1:pbx.amiPort(), user pbx.amiUser(), secret "astregpass"
 *     pbx.register("1001", Registration.from("127.0.0.1", 5061).userAgent("Yealink"));
 *     Call call = pbx.call("1001", "1002");
 *     call.answer().hold().unhold().hangup();
 *     pbx.unregister("1001");
 * }
 * }</pre>
 *
 * <p>Endpoint names: {@code "1001"} means {@code PJSIP/1001}; chan_sip peers are written
 * {@code "SIP/2001"} (Asterisk 20 only).
 *
 * <p>Threads (all daemon, all ended by {@link #close()}): {@code astreg-fake-<node>-ami-accept},
 * per AMI connection {@code astreg-fake-<node>-ami-<n>-reader} / {@code -writer};
 * {@code astreg-fake-<node>-ari-accept}, per ARI connection {@code astreg-fake-<node>-ari-<n>-http}
 * (the websocket reader after an upgrade) and {@code astreg-fake-<node>-ari-<n>-ws-writer}. Scenario
 * methods may be called from any thread; they are applied one at a time and each client receives
 * their events in the same order. Clients must keep reading; a client that never reads loses
 * events once 200 000 are queued for it.
 */
public final class FakeAsterisk implements AutoCloseable {
    private final NodeSpec spec;
    private final NodeModel model;
    private final FaultState faultState = new FaultState();
    private final AmiServer ami;
    private final AriServer ari;
    private final Faults faults;
    private final Map<String, Registration> lastRegistration = new ConcurrentHashMap<>();
    private boolean started;
    private boolean closed;

    private FakeAsterisk(NodeSpec spec, int amiPort, int ariPort) {
        this.spec = spec;
        this.model = new NodeModel(spec);
        this.ami = new AmiServer(model, faultState, amiPort);
        this.ari = new AriServer(model, faultState, ariPort);
        this.faults = new Faults(faultState, () -> ami, ari::injectGarbageFrame, ari::injectTruncatedFrame);
    }

    /** Starts building a node called {@code node} (also used in thread names). */
    public static Builder builder(String node) {
        return new Builder(node);
    }

    /**
     * Binds the ports and starts serving. After {@link #crash()} it boots the node again (same ports,
     * new startup time, registrations kept as after a restart). Returns {@code this}.
     */
    public synchronized FakeAsterisk start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (model.isUp()) {
            return this;
        }
        model.boot(!started);
        try {
            ami.start();
            ari.start();
        } catch (IOException e) {
            ami.stop();
            ari.stop();
            throw new UncheckedIOException("cannot bind AMI/ARI port for " + spec.node(), e);
        }
        started = true;
        model.markUp(true);
        return this;
    }

    /** Stops everything and releases every thread and socket. Idempotent, callable from any thread. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        model.markUp(false);
        ami.close();
        ari.close();
    }

    // ------------------------------------------------------------------ connection details

    /** The node name given to the builder. */
    public String node() {
        return spec.node();
    }

    /** The Asterisk flavour. */
    public AsteriskVersion version() {
        return spec.version();
    }

    /** The AMI TCP port on 127.0.0.1 (fixed once started; kept across restarts). */
    public int amiPort() {
        return ami.port();
    }

    /** The ARI (HTTP and websocket) port on 127.0.0.1 (fixed once started; kept across restarts). */
    public int ariPort() {
        return ari.port();
    }

    /** The ARI base URL as ari4java wants it: {@code http://127.0.0.1:<port>/}. */
    public String ariUrl() {
        return "http://127.0.0.1:" + ari.port() + "/";
    }

    /** Number of open ARI websockets. */
    public int ariWebsockets() {
        return ari.websocketCount();
    }

    /** The ARI {@code asterisk_id} (entity id). */
    public String entityId() {
        return spec.entityId();
    }

    /** The AMI username. */
    public String amiUser() {
        return spec.amiUser();
    }

    /** The ARI username. */
    public String ariUser() {
        return spec.ariUser();
    }

    /** The configured SystemName, if any. */
    public Optional<String> systemName() {
        return spec.systemName();
    }

    /** Whether the node is up (started and not crashed). */
    public boolean isUp() {
        return model.isUp();
    }

    /** Number of successful AMI logins so far. */
    public long amiLogins() {
        return ami.logins();
    }

    /** Number of open AMI connections. */
    public int amiConnections() {
        return ami.sessionCount();
    }

    /** Bad input the AMI server received (lines without colon, oversize lines, messages without Action). */
    public long amiBadInput() {
        return ami.badInputCount();
    }

    /** Fault injection switches. */
    public Faults faults() {
        return faults;
    }

    /** The contact URIs currently registered for {@code endpoint} (static trunk contacts excluded). */
    public List<String> contactUris(String endpoint) {
        String id = endpoint.contains("/") ? endpoint : "PJSIP/" + endpoint;
        List<String> out = new ArrayList<>();
        model.endpoint(id).ifPresent(e -> {
            for (NodeModel.ContactInfo c : e.contacts()) {
                if (c.dynamic()) {
                    out.add(c.uri());
                }
            }
        });
        return out;
    }

    /** The current device state of {@code endpoint}, e.g. {@code NOT_INUSE}, {@code UNAVAILABLE}. */
    public String deviceState(String endpoint) {
        String id = endpoint.contains("/") ? endpoint : "PJSIP/" + endpoint;
        return model.endpoint(id)
                .map(NodeModel.EndpointInfo::deviceState)
                .orElseThrow(() -> new IllegalArgumentException("unknown endpoint " + id + " on " + spec.node()));
    }

    // ------------------------------------------------------------------ scenario: registrations

    /**
     * The phone of {@code endpoint} registers: a new contact (NonQualified → PeerStatus Reachable →
     * Reachable, device NOT_INUSE), a refresh of the same contact URI (only security events), or a
     * replacement of the endpoint's other contact (new contact first, then the old one Removed).
     *
     * @return the contact URI
     */
    public String register(String endpoint, Registration registration) {
        Objects.requireNonNull(registration, "registration");
        String uri = model.register(endpoint, registration);
        lastRegistration.put(endpoint, registration);
        return uri;
    }

    /** The phone re-registers its last registration (same contact): nothing but security events. */
    public String refresh(String endpoint) {
        Registration r = lastRegistration.get(endpoint);
        if (r == null) {
            throw new IllegalStateException(endpoint + " never registered on " + spec.node());
        }
        return model.register(endpoint, r);
    }

    /**
     * A qualify (OPTIONS) is answered in {@code rtt}. Recovers an Unreachable contact (or the
     * unqualified contacts after a restart); on a Reachable contact only the listed RTT changes,
     * as on real Asterisk no event is sent.
     */
    public void qualify(String endpoint, Duration rtt) {
        model.qualify(endpoint, Objects.requireNonNull(rtt, "rtt"));
    }

    /** Qualify stops being answered: the contact stays registered but is Unreachable. */
    public void unreachable(String endpoint) {
        model.unreachable(endpoint);
    }

    /** The phone unregisters (REGISTER with Expires: 0). */
    public void unregister(String endpoint) {
        model.unregister(endpoint);
    }

    /** The registration of {@code endpoint} expires now without a refresh. */
    public void expire(String endpoint) {
        model.expire(endpoint);
    }

    /** Expires every contact whose expiration time has passed on the node's clock; returns how many. */
    public int expireDueContacts() {
        return model.expireDue();
    }

    // ------------------------------------------------------------------ scenario: calls

    /**
     * {@code caller} dials {@code exten}. If exten is an online endpoint of this node it rings there
     * (answer with {@link Call#answer()}); otherwise the dialplan answers at once, like an echo test.
     */
    public Call call(String caller, String exten) {
        return new Call(model, model.call(caller, Objects.requireNonNull(exten, "exten")));
    }

    // ------------------------------------------------------------------ scenario: node

    /** {@code module reload res_pjsip.so}: a Reload event, nothing re-announced. */
    public void reloadPjsip() {
        model.reload("res_pjsip.so");
    }

    /** Emits a user event (AMI UserEvent) with the given fields in order. */
    public void userEvent(String name, Map<String, String> fields) {
        model.userEvent(name, List.copyOf(new LinkedHashMap<>(fields).entrySet()), true);
    }

    /** The node dies: every connection drops, nothing is sent, ports refuse connections until {@link #start()}. */
    public synchronized void crash() {
        model.markUp(false);
        ami.stop();
        ari.stop();
    }

    /**
     * {@code core stop now}: AMI {@code Shutdown} (Restart: False) reaches every client, then all
     * connections close and the ports refuse connections until {@link #start()}, which boots the
     * node with a new startup time (registrations kept, unqualified, as after a restart).
     */
    public synchronized void shutdown() {
        if (!model.isUp()) {
            return;
        }
        model.shutdown(false);
        model.markUp(false);
        ami.drainAndStop(2000);
        ari.drainAndStop(2000);
    }

    /**
     * {@code core restart now}: AMI Shutdown (Restart: True), connections close, the node boots
     * again on the same ports with a new startup time. Registrations persist but stay unqualified
     * (device UNAVAILABLE) until {@link #qualify(String, Duration)}.
     */
    public synchronized void restart() {
        if (model.isUp()) {
            model.shutdown(true);
            model.markUp(false);
            ami.drainAndStop(2000);
            ari.drainAndStop(2000);
        }
        start();
    }

    /** Closes every AMI connection without a word; the port keeps accepting. */
    public void dropAmi() {
        ami.dropConnections();
    }

    /** Every open AMI connection goes silent and is never closed; new connections work normally. */
    public void stallAmi() {
        ami.stallConnections();
    }

    /** Closes every ARI websocket (TCP close, no close frame); REST keeps working. */
    public void dropAri() {
        ari.dropConnections(false);
    }

    /** Every open ARI websocket goes silent and is never closed; new ones work normally. */
    public void stallAri() {
        ari.stallConnections();
    }

    @Override
    public String toString() {
        return "FakeAsterisk[" + spec.node() + ", " + spec.version() + ", ami=" + ami.port() + ", ari=" + ari.port()
                + "]";
    }

    /**
     * Builds a {@link FakeAsterisk}. Defaults: Asterisk 22, no SystemName, no AMI timestamps,
     * context {@code internal}, PJSIP endpoints 1001..1010 (when none are declared), AMI user
     * {@code astreg}/{@code astregpass}, ARI user {@code astreg}/{@code astregpass}, system clock,
     * ephemeral ports.
     */
    public static final class Builder {
        private static final Pattern NODE = Pattern.compile("[A-Za-z0-9._-]{1,64}");
        private static final Pattern RESOURCE = Pattern.compile("[A-Za-z0-9._+-]{1,64}");

        private final String node;
        private AsteriskVersion version = AsteriskVersion.ASTERISK_22;
        private String systemName;
        private boolean timestampEvents;
        private String entityId;
        private String context = "internal";
        private final List<EndpointSpec> endpoints = new ArrayList<>();
        private final java.util.Set<String> endpointNames = new java.util.HashSet<>();
        private String amiUser = "astreg";
        private String amiSecret = "astregpass";
        private String ariUser = "astreg";
        private String ariPassword = "astregpass";
        private Clock clock = Clock.systemUTC();
        private int amiPort;
        private int ariPort;
        private int sipPort = 5060;
        private final List<String> problems = new ArrayList<>();

        private Builder(String node) {
            this.node = node;
        }

        /** Asterisk flavour (default 22). */
        public Builder version(AsteriskVersion v) {
            this.version = v;
            return this;
        }

        /** {@code systemname} in asterisk.conf: AMI SystemName header, RegServer, channel id prefix. */
        public Builder systemName(String name) {
            this.systemName = name;
            return this;
        }

        /** {@code timestampevents = yes} in manager.conf. */
        public Builder timestampEvents(boolean on) {
            this.timestampEvents = on;
            return this;
        }

        /** ARI {@code asterisk_id} (default derived from the node name). */
        public Builder entityId(String id) {
            this.entityId = id;
            return this;
        }

        /** Dialplan context of phones and hints (default {@code internal}). */
        public Builder context(String ctx) {
            this.context = ctx;
            return this;
        }

        /** Adds PJSIP endpoints (phones with hints), e.g. {@code "1001", "1002"}. */
        public Builder pjsipEndpoints(String... names) {
            for (String n : names) {
                addEndpoint("PJSIP", n, Optional.empty());
            }
            return this;
        }

        /** Adds PJSIP endpoints {@code from..to} (numbers). */
        public Builder pjsipEndpoints(int from, int to) {
            for (int i = from; i <= to; i++) {
                addEndpoint("PJSIP", Integer.toString(i), Optional.empty());
            }
            return this;
        }

        /** Adds chan_sip peers (Asterisk 20 only), e.g. {@code "2001"}. */
        public Builder sipPeers(String... names) {
            for (String n : names) {
                addEndpoint("SIP", n, Optional.empty());
            }
            return this;
        }

        /**
         * Adds a PJSIP endpoint with a static AOR contact that never answers qualify (a trunk, like
         * {@code trunk1} in the recordings): listed, UNAVAILABLE, no hint.
         */
        public Builder staticContactEndpoint(String name, String contactUri) {
            addEndpoint("PJSIP", name, Optional.ofNullable(contactUri));
            if (contactUri == null || contactUri.isBlank()) {
                problems.add("static contact of " + name + " must not be blank");
            }
            return this;
        }

        private void addEndpoint(String tech, String name, Optional<String> staticContact) {
            if (name == null || !RESOURCE.matcher(name).matches()) {
                problems.add("bad endpoint name '" + name + "'");
                return;
            }
            // a set, not a scan of the list: load tests build nodes of 25 000 endpoints
            if (!endpointNames.add(tech + "/" + name)) {
                problems.add("duplicate endpoint " + tech + "/" + name);
                return;
            }
            endpoints.add(new EndpointSpec(tech, name, (tech.equals("SIP") ? "SIP " : "Ext ") + name, staticContact));
        }

        /** AMI credentials (manager.conf). */
        public Builder amiCredentials(String user, String secret) {
            this.amiUser = user;
            this.amiSecret = secret;
            return this;
        }

        /** ARI credentials (ari.conf). */
        public Builder ariCredentials(String user, String password) {
            this.ariUser = user;
            this.ariPassword = password;
            return this;
        }

        /** The node's clock: event timestamps, startup time, expiry. */
        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** A fixed AMI port instead of an ephemeral one. */
        public Builder amiPort(int port) {
            this.amiPort = port;
            return this;
        }

        /**
         * The res_pjsip UDP transport port the node claims (default 5060): shown in security events'
         * LocalAddress and in TransportDetail. No SIP socket is opened.
         */
        public Builder sipPort(int port) {
            this.sipPort = port;
            return this;
        }

        /** A fixed ARI port instead of an ephemeral one. */
        public Builder ariPort(int port) {
            this.ariPort = port;
            return this;
        }

        /** Validates everything and reports every problem at once. */
        public FakeAsterisk build() {
            List<String> p = new ArrayList<>(problems);
            if (node == null || !NODE.matcher(node).matches()) {
                p.add("node must be 1..64 of [A-Za-z0-9._-], was '" + node + "'");
            }
            if (version == null) {
                p.add("version must not be null");
            }
            if (systemName != null && systemName.isBlank()) {
                p.add("systemName must not be blank");
            }
            if (context == null || context.isBlank()) {
                p.add("context must not be blank");
            }
            if (amiUser == null || amiUser.isBlank()) {
                p.add("amiUser must not be blank");
            }
            if (amiSecret == null || amiSecret.isEmpty()) {
                p.add("amiSecret must not be empty");
            }
            if (ariUser == null || ariUser.isBlank()) {
                p.add("ariUser must not be blank");
            }
            if (ariPassword == null || ariPassword.isEmpty()) {
                p.add("ariPassword must not be empty");
            }
            if (clock == null) {
                p.add("clock must not be null");
            }
            if (amiPort < 0 || amiPort > 65535) {
                p.add("amiPort must be 0..65535");
            }
            if (sipPort < 1 || sipPort > 65535) {
                p.add("sipPort must be 1..65535");
            }
            if (ariPort < 0 || ariPort > 65535) {
                p.add("ariPort must be 0..65535");
            }
            if (version != null && !version.hasChanSip()) {
                for (EndpointSpec e : endpoints) {
                    if (e.technology().equals("SIP")) {
                        p.add("SIP peer " + e.resource() + " needs chan_sip (Asterisk 20)");
                    }
                }
            }
            if (!p.isEmpty()) {
                throw new IllegalArgumentException("invalid FakeAsterisk configuration: " + String.join("; ", p));
            }
            List<EndpointSpec> eps = new ArrayList<>(endpoints);
            if (eps.isEmpty()) {
                for (int i = 1001; i <= 1010; i++) {
                    eps.add(new EndpointSpec("PJSIP", Integer.toString(i), "Ext " + i, Optional.empty()));
                }
            }
            String eid = entityId != null ? entityId : entityIdFor(node);
            NodeSpec spec = new NodeSpec(
                    node,
                    version,
                    Optional.ofNullable(systemName),
                    timestampEvents,
                    eid,
                    context,
                    eps,
                    amiUser,
                    amiSecret,
                    ariUser,
                    ariPassword,
                    clock,
                    sipPort);
            return new FakeAsterisk(spec, amiPort, ariPort);
        }

        private static String entityIdFor(String node) {
            int h = node.hashCode();
            return String.format(
                    "02:00:%02x:%02x:%02x:%02x", (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
        }
    }
}
