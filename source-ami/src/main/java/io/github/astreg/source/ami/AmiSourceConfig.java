package io.github.astreg.source.ami;

import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.registry.Durations;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Everything {@link AmiEndpointSource} needs to watch one Asterisk node over AMI. Immutable; build it
 * with {@link #builder(String, String, String)} or {@link #fromMap(Map)}, both of which validate every
 * field and report all problems at once.
 *
 * <p>The secret and the trust store password are never printed: {@link #toString()} masks the secret and
 * leaves the password out, and no exception message contains either.
 *
 * <table>
 *   <caption>Fields and defaults ({@code fromMap} keys in brackets)</caption>
 *   <tr><td>host [host]</td><td>required</td></tr>
 *   <tr><td>port [port]</td><td>5038</td></tr>
 *   <tr><td>username [username]</td><td>required: the {@code manager.conf} user</td></tr>
 *   <tr><td>secret [secret]</td><td>required</td></tr>
 *   <tr><td>node id [node]</td><td>optional: default is the {@code SystemName} Asterisk reports; required
 *       when Asterisk has no {@code systemname}</td></tr>
 *   <tr><td>TLS [tls]</td><td>false. With TLS the server's certificate must chain to the trust (below)
 *       <em>and</em> name the configured host (HTTPS endpoint identification: a DNS name in the
 *       subject alternative names, or an IP address SAN when the host is an address). The handshake is
 *       completed before anything is sent, so a failing server never sees the Challenge or Login action;
 *       the failure (also a handshake the server does not answer within the read timeout) is logged with
 *       host and reason, counted as {@code tlsFailures} and retried with the reconnect backoff</td></tr>
 *   <tr><td>TLS trust [trustStore, trustStorePassword, trustStoreType]</td><td>the JDK's default trust
 *       (honouring {@code -Djavax.net.ssl.trustStore}); a trust store file (PKCS12 by default) replaces
 *       it for this source only. Only with {@code tls=true}; read when the source is created. A
 *       password (not empty) or a type other than PKCS12 without a trust store is an error, not
 *       ignored</td></tr>
 *   <tr><td>event mask [eventMask]</td><td>{@code system,call} (ContactStatus, PeerStatus, Reload, Shutdown and
 *       FullyBooted are {@code system}; DeviceStateChange is {@code call})</td></tr>
 *   <tr><td>connect timeout [connectTimeout]</td><td>5 s</td></tr>
 *   <tr><td>action timeout [actionTimeout]</td><td>30 s: the longest wait for one action and its list</td></tr>
 *   <tr><td>keepalive interval [keepaliveInterval]</td><td>5 s: a Ping is sent when no event arrived for that
 *       long; a Ping unanswered within the read timeout drops the link</td></tr>
 *   <tr><td>read timeout [readTimeout]</td><td>15 s: a socket that delivers nothing for that long is dead
 *       (must exceed the keepalive interval)</td></tr>
 *   <tr><td>contact poll interval [contactPollInterval]</td><td>30 s: how often PJSIPShowContacts is read
 *       for address, user agent, expiry and fresh RTT</td></tr>
 *   <tr><td>contact poll delay [contactPollDelay]</td><td>200 ms: after a contact the source has no details of
 *       (a new registration), the contact list is read this much later (one read per burst); a status change
 *       of a known contact triggers no read (its event carries status and RTT); also the delay of the endpoint
 *       list read after PJSIP channels came or went</td></tr>
 *   <tr><td>poll spacing [pollSpacing]</td><td>2 s: the least time from the end of one triggered read of a
 *       list (contacts, endpoints) to the start of the next one, so that a busy node is not read back to
 *       back; changes meanwhile are coalesced into that next read. Zero: no spacing</td></tr>
 *   <tr><td>reconnect delay [reconnectDelayMin, reconnectDelayMax]</td><td>500 ms doubling up to 30 s</td></tr>
 *   <tr><td>event queue capacity [eventQueueCapacity]</td><td>100000 events waiting for the source's
 *       thread; beyond it events are counted as dropped and a resync is made</td></tr>
 *   <tr><td>server zone [serverZone]</td><td>UTC: the time zone of Asterisk's CoreStatus startup
 *       date and time (AMI sends them without a zone)</td></tr>
 *   <tr><td>list connection [listConnection]</td><td>true: lists are read on a second AMI session of the
 *       node, logged in with {@code Events: off}, so live events never queue behind a long list; the
 *       node's link is up while both sessions are. False: one session carries events and lists (for an
 *       Asterisk that must see a single session from the collector)</td></tr>
 * </table>
 */
public final class AmiSourceConfig {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:\\-\\[\\]%]{1,255}");
    private static final String DEFAULT_TRUST_STORE_TYPE = "PKCS12";
    private static final Pattern MASK = Pattern.compile("[A-Za-z0-9_,]{1,200}");
    private static final Set<String> KEYS = Set.of(
            "host",
            "port",
            "username",
            "secret",
            "node",
            "tls",
            "trustStore",
            "trustStorePassword",
            "trustStoreType",
            "eventMask",
            "connectTimeout",
            "actionTimeout",
            "keepaliveInterval",
            "readTimeout",
            "contactPollInterval",
            "contactPollDelay",
            "pollSpacing",
            "reconnectDelayMin",
            "reconnectDelayMax",
            "eventQueueCapacity",
            "serverZone",
            "listConnection");

    private final String host;
    private final int port;
    private final String username;
    private final String secret;
    private final Optional<NodeId> nodeId;
    private final boolean tls;
    private final Optional<Path> trustStore;
    private final Optional<String> trustStorePassword;
    private final String trustStoreType;
    private final String eventMask;
    private final Duration connectTimeout;
    private final Duration actionTimeout;
    private final Duration keepaliveInterval;
    private final Duration readTimeout;
    private final Duration contactPollInterval;
    private final Duration contactPollDelay;
    private final Duration pollSpacing;
    private final Duration reconnectDelayMin;
    private final Duration reconnectDelayMax;
    private final int eventQueueCapacity;
    private final ZoneId serverZone;
    private final boolean listConnection;

    private AmiSourceConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.username = b.username;
        this.secret = b.secret;
        this.nodeId = b.nodeId;
        this.tls = b.tls;
        this.trustStore = b.trustStore;
        this.trustStorePassword = b.trustStorePassword;
        this.trustStoreType = b.trustStoreType;
        this.eventMask = b.eventMask;
        this.connectTimeout = b.connectTimeout;
        this.actionTimeout = b.actionTimeout;
        this.keepaliveInterval = b.keepaliveInterval;
        this.readTimeout = b.readTimeout;
        this.contactPollInterval = b.contactPollInterval;
        this.contactPollDelay = b.contactPollDelay;
        this.pollSpacing = b.pollSpacing;
        this.reconnectDelayMin = b.reconnectDelayMin;
        this.reconnectDelayMax = b.reconnectDelayMax;
        this.eventQueueCapacity = b.eventQueueCapacity;
        this.serverZone = b.serverZone;
        this.listConnection = b.listConnection;
    }

    /** Starts a config with the required fields; the rest have the defaults listed above. */
    public static Builder builder(String host, String username, String secret) {
        return new Builder().host(host).username(username).secret(secret);
    }

    /**
     * Reads a config from string keys (see the table above; durations as {@code 500ms}, {@code 5s},
     * {@code 2m} or ISO-8601). Unknown keys are errors, so typos do not pass silently.
     *
     * @throws IllegalArgumentException listing every bad or missing field (never the secret's value)
     */
    public static AmiSourceConfig fromMap(Map<String, String> map) {
        Objects.requireNonNull(map, "map");
        List<String> errors = new ArrayList<>();
        Set<String> unknown = new TreeSet<>(map.keySet());
        unknown.removeAll(KEYS);
        for (String k : unknown) {
            errors.add(k + ": unknown key (known: " + new TreeSet<>(KEYS) + ")");
        }
        Builder b = new Builder();
        b.host = map.get("host");
        b.username = map.get("username");
        b.secret = map.get("secret");
        readInt(map, "port", errors).ifPresent(v -> b.port = v);
        readInt(map, "eventQueueCapacity", errors).ifPresent(v -> b.eventQueueCapacity = v);
        String node = map.get("node");
        if (node != null && !node.isBlank()) {
            try {
                b.nodeId = Optional.of(NodeId.of(node.trim()));
            } catch (IllegalArgumentException e) {
                errors.add("node: must be 1..64 characters of [A-Za-z0-9._-], was '" + node + "'");
            }
        }
        readBoolean(map, "tls", errors).ifPresent(v -> b.tls = v);
        readBoolean(map, "listConnection", errors).ifPresent(v -> b.listConnection = v);
        String ts = map.get("trustStore");
        if (ts != null && !ts.isBlank()) {
            b.trustStore = Optional.of(Path.of(ts.trim()));
        }
        String tsp = map.get("trustStorePassword");
        if (tsp != null) {
            b.trustStorePassword = Optional.of(tsp);
        }
        if (map.containsKey("trustStoreType")) {
            b.trustStoreType = map.get("trustStoreType");
        }
        if (map.containsKey("eventMask")) {
            b.eventMask = map.get("eventMask");
        }
        Durations.read(map, "connectTimeout", errors).ifPresent(v -> b.connectTimeout = v);
        Durations.read(map, "actionTimeout", errors).ifPresent(v -> b.actionTimeout = v);
        Durations.read(map, "keepaliveInterval", errors).ifPresent(v -> b.keepaliveInterval = v);
        Durations.read(map, "readTimeout", errors).ifPresent(v -> b.readTimeout = v);
        Durations.read(map, "contactPollInterval", errors).ifPresent(v -> b.contactPollInterval = v);
        Durations.read(map, "contactPollDelay", errors).ifPresent(v -> b.contactPollDelay = v);
        Durations.read(map, "pollSpacing", errors).ifPresent(v -> b.pollSpacing = v);
        Durations.read(map, "reconnectDelayMin", errors).ifPresent(v -> b.reconnectDelayMin = v);
        Durations.read(map, "reconnectDelayMax", errors).ifPresent(v -> b.reconnectDelayMax = v);
        String zone = map.get("serverZone");
        if (zone != null) {
            try {
                b.serverZone = ZoneId.of(zone.trim());
            } catch (DateTimeException e) {
                errors.add("serverZone: not a time zone id, was '" + zone + "'");
            }
        }
        return b.build(errors);
    }

    private static Optional<Boolean> readBoolean(Map<String, String> map, String key, List<String> errors) {
        String v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        String t = v.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("true") || t.equals("yes") || t.equals("on")) {
            return Optional.of(true);
        }
        if (t.equals("false") || t.equals("no") || t.equals("off")) {
            return Optional.of(false);
        }
        errors.add(key + ": must be true or false, was '" + v + "'");
        return Optional.empty();
    }

    private static Optional<Integer> readInt(Map<String, String> map, String key, List<String> errors) {
        String v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            errors.add(key + ": must be a number, was '" + v + "'");
            return Optional.empty();
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String username() {
        return username;
    }

    /** The AMI secret. Never log it. */
    public String secret() {
        return secret;
    }

    /** The configured node id; empty means "use the SystemName Asterisk reports". */
    public Optional<NodeId> nodeId() {
        return nodeId;
    }

    /**
     * Whether AMI runs over TLS; the server's certificate chain and host name are then verified
     * before anything is sent.
     */
    public boolean tls() {
        return tls;
    }

    /** The trust store that replaces the JDK's default trust for this source; empty: the default. */
    public Optional<Path> trustStore() {
        return trustStore;
    }

    /** The trust store's password, if it has one. Never log it. */
    public Optional<String> trustStorePassword() {
        return trustStorePassword;
    }

    /** The trust store's type, {@code PKCS12} unless set. */
    public String trustStoreType() {
        return trustStoreType;
    }

    public String eventMask() {
        return eventMask;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration actionTimeout() {
        return actionTimeout;
    }

    public Duration keepaliveInterval() {
        return keepaliveInterval;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public Duration contactPollInterval() {
        return contactPollInterval;
    }

    public Duration contactPollDelay() {
        return contactPollDelay;
    }

    /**
     * The least time from the end of one triggered list read (contact list after new contacts,
     * endpoint list after channel changes) to the start of the next read of the same list; zero means
     * none. Triggers that come meanwhile are coalesced into that next read.
     */
    public Duration pollSpacing() {
        return pollSpacing;
    }

    public Duration reconnectDelayMin() {
        return reconnectDelayMin;
    }

    public Duration reconnectDelayMax() {
        return reconnectDelayMax;
    }

    public int eventQueueCapacity() {
        return eventQueueCapacity;
    }

    public ZoneId serverZone() {
        return serverZone;
    }

    /**
     * Whether lists (contacts, endpoints, device states, chan_sip peers) are read on a second AMI
     * session of the node, logged in with {@code Events: off}, so that live events never wait behind
     * a long list in the event session's stream (Asterisk writes a session's events only between its
     * actions, and asterisk-java parses a list whole before what follows it). Default {@code true}:
     * two AMI sessions per node. {@code false} reads lists on the one session that also carries the
     * events, for an Asterisk that must see only one session from the collector.
     */
    public boolean listConnection() {
        return listConnection;
    }

    /** A builder preset with this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.username = username;
        b.secret = secret;
        b.nodeId = nodeId;
        b.tls = tls;
        b.trustStore = trustStore;
        b.trustStorePassword = trustStorePassword;
        b.trustStoreType = trustStoreType;
        b.eventMask = eventMask;
        b.connectTimeout = connectTimeout;
        b.actionTimeout = actionTimeout;
        b.keepaliveInterval = keepaliveInterval;
        b.readTimeout = readTimeout;
        b.contactPollInterval = contactPollInterval;
        b.contactPollDelay = contactPollDelay;
        b.pollSpacing = pollSpacing;
        b.reconnectDelayMin = reconnectDelayMin;
        b.reconnectDelayMax = reconnectDelayMax;
        b.eventQueueCapacity = eventQueueCapacity;
        b.serverZone = serverZone;
        b.listConnection = listConnection;
        return b;
    }

    /** Every field except the secret, which is masked, and the trust store password, which is left out. */
    @Override
    public String toString() {
        return "AmiSourceConfig[host=" + host + ", port=" + port + ", username=" + username + ", secret=****"
                + ", node=" + nodeId.map(NodeId::value).orElse("(SystemName)") + ", tls=" + tls
                + ", trustStore=" + trustStore.map(Path::toString).orElse("(default)") + ", trustStoreType="
                + trustStoreType
                + ", eventMask=" + eventMask + ", connectTimeout=" + connectTimeout + ", actionTimeout="
                + actionTimeout + ", keepaliveInterval=" + keepaliveInterval + ", readTimeout=" + readTimeout
                + ", contactPollInterval=" + contactPollInterval + ", contactPollDelay=" + contactPollDelay
                + ", pollSpacing=" + pollSpacing
                + ", reconnectDelay=" + reconnectDelayMin + ".." + reconnectDelayMax + ", eventQueueCapacity="
                + eventQueueCapacity + ", serverZone=" + serverZone + ", listConnection=" + listConnection + "]";
    }

    /** Collects fields; {@link #build()} validates them all at once. */
    public static final class Builder {
        private String host;
        private int port = 5038;
        private String username;
        private String secret;
        private Optional<NodeId> nodeId = Optional.empty();
        private boolean tls;
        private Optional<Path> trustStore = Optional.empty();
        private Optional<String> trustStorePassword = Optional.empty();
        private String trustStoreType = DEFAULT_TRUST_STORE_TYPE;
        private String eventMask = "system,call";
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration actionTimeout = Duration.ofSeconds(30);
        private Duration keepaliveInterval = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(15);
        private Duration contactPollInterval = Duration.ofSeconds(30);
        private Duration contactPollDelay = Duration.ofMillis(200);
        private Duration pollSpacing = Duration.ofSeconds(2);
        private Duration reconnectDelayMin = Duration.ofMillis(500);
        private Duration reconnectDelayMax = Duration.ofSeconds(30);
        private int eventQueueCapacity = 100_000;
        private ZoneId serverZone = ZoneOffset.UTC;
        private boolean listConnection = true;

        private Builder() {}

        public Builder host(String v) {
            this.host = v;
            return this;
        }

        public Builder port(int v) {
            this.port = v;
            return this;
        }

        public Builder username(String v) {
            this.username = v;
            return this;
        }

        public Builder secret(String v) {
            this.secret = v;
            return this;
        }

        public Builder nodeId(NodeId v) {
            this.nodeId = Optional.of(Objects.requireNonNull(v, "nodeId"));
            return this;
        }

        public Builder nodeId(String v) {
            return nodeId(NodeId.of(v));
        }

        public Builder tls(boolean v) {
            this.tls = v;
            return this;
        }

        /**
         * Trusts the certificates in this key store instead of the JDK's default trust (for a private
         * CA); {@code storePassword} may be null, {@code type} is {@code PKCS12} or {@code JKS}. Needs
         * {@code tls(true)}; a null {@code path} with a password or a type other than PKCS12 is an
         * error when built.
         */
        public Builder trustStore(Path path, String storePassword, String type) {
            this.trustStore = Optional.ofNullable(path);
            this.trustStorePassword = Optional.ofNullable(storePassword);
            this.trustStoreType = type;
            return this;
        }

        public Builder eventMask(String v) {
            this.eventMask = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            this.connectTimeout = v;
            return this;
        }

        public Builder actionTimeout(Duration v) {
            this.actionTimeout = v;
            return this;
        }

        public Builder keepaliveInterval(Duration v) {
            this.keepaliveInterval = v;
            return this;
        }

        public Builder readTimeout(Duration v) {
            this.readTimeout = v;
            return this;
        }

        public Builder contactPollInterval(Duration v) {
            this.contactPollInterval = v;
            return this;
        }

        public Builder contactPollDelay(Duration v) {
            this.contactPollDelay = v;
            return this;
        }

        /** See {@link AmiSourceConfig#pollSpacing()}; zero turns the spacing off. */
        public Builder pollSpacing(Duration v) {
            this.pollSpacing = v;
            return this;
        }

        public Builder reconnectDelay(Duration min, Duration max) {
            this.reconnectDelayMin = min;
            this.reconnectDelayMax = max;
            return this;
        }

        public Builder eventQueueCapacity(int v) {
            this.eventQueueCapacity = v;
            return this;
        }

        public Builder serverZone(ZoneId v) {
            this.serverZone = v;
            return this;
        }

        /**
         * See {@link AmiSourceConfig#listConnection()}: {@code true} (the default) reads lists on a
         * second AMI session with events off; {@code false} keeps to one session per node.
         */
        public Builder listConnection(boolean v) {
            this.listConnection = v;
            return this;
        }

        /** @throws IllegalArgumentException listing every invalid field */
        public AmiSourceConfig build() {
            return build(new ArrayList<>());
        }

        private AmiSourceConfig build(List<String> errors) {
            if (host == null || host.isBlank()) {
                errors.add("host: required");
            } else if (!HOST.matcher(host).matches()) {
                errors.add("host: not a host name or address, was '" + host + "'");
            }
            if (port < 1 || port > 65535) {
                errors.add("port: must be 1..65535, was " + port);
            }
            if (username == null || username.isBlank()) {
                errors.add("username: required");
            } else if (username.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                errors.add("username: must not contain control characters");
            }
            if (secret == null || secret.isEmpty()) {
                errors.add("secret: required");
            } else if (secret.chars().anyMatch(c -> c == '\r' || c == '\n')) {
                errors.add("secret: must not contain line breaks");
            }
            if (nodeId == null) {
                errors.add("node: must not be null (use Optional.empty())");
            }
            if (trustStore == null || trustStorePassword == null) {
                errors.add("trustStore: must not be null (use Optional.empty())");
            } else if (trustStore.isPresent() && !tls) {
                errors.add("trustStore: only used with tls=true");
            }
            if (trustStoreType == null || trustStoreType.isBlank()) {
                errors.add("trustStoreType: required, such as PKCS12 or JKS");
            }
            // without a trust store these would be ignored, and the JDK's trust used instead of the one meant
            boolean noStore = trustStore != null && trustStore.isEmpty();
            if (noStore
                    && trustStorePassword != null
                    && trustStorePassword.filter(p -> !p.isEmpty()).isPresent()) {
                errors.add("trustStorePassword: only used with trustStore, which is not set");
            }
            if (noStore
                    && trustStoreType != null
                    && !trustStoreType.isBlank()
                    && !trustStoreType.trim().equalsIgnoreCase(DEFAULT_TRUST_STORE_TYPE)) {
                errors.add(
                        "trustStoreType: only used with trustStore, which is not set (was '" + trustStoreType + "')");
            }
            if (eventMask == null || !MASK.matcher(eventMask).matches()) {
                errors.add("eventMask: must be a comma separated list such as system,call, was '" + eventMask + "'");
            }
            positive(errors, "connectTimeout", connectTimeout);
            positive(errors, "actionTimeout", actionTimeout);
            positive(errors, "keepaliveInterval", keepaliveInterval);
            positive(errors, "readTimeout", readTimeout);
            positive(errors, "contactPollInterval", contactPollInterval);
            positive(errors, "contactPollDelay", contactPollDelay);
            if (pollSpacing == null) {
                errors.add("pollSpacing: must be set");
            } else if (pollSpacing.isNegative()) {
                errors.add("pollSpacing: must not be negative, was " + pollSpacing);
            }
            positive(errors, "reconnectDelayMin", reconnectDelayMin);
            positive(errors, "reconnectDelayMax", reconnectDelayMax);
            if (readTimeout != null && keepaliveInterval != null && readTimeout.compareTo(keepaliveInterval) <= 0) {
                errors.add(
                        "readTimeout: must exceed keepaliveInterval (" + keepaliveInterval + "), was " + readTimeout);
            }
            if (readTimeout != null && readTimeout.toMillis() > Integer.MAX_VALUE) {
                errors.add("readTimeout: too long, was " + readTimeout);
            }
            if (connectTimeout != null && connectTimeout.toMillis() > Integer.MAX_VALUE) {
                errors.add("connectTimeout: too long, was " + connectTimeout);
            }
            if (reconnectDelayMin != null
                    && reconnectDelayMax != null
                    && reconnectDelayMax.compareTo(reconnectDelayMin) < 0) {
                errors.add("reconnectDelayMax: must be >= reconnectDelayMin (" + reconnectDelayMin + "), was "
                        + reconnectDelayMax);
            }
            if (eventQueueCapacity < 16 || eventQueueCapacity > 10_000_000) {
                errors.add("eventQueueCapacity: must be 16..10000000, was " + eventQueueCapacity);
            }
            if (serverZone == null) {
                errors.add("serverZone: must be set");
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("invalid AMI source config: " + String.join("; ", errors));
            }
            return new AmiSourceConfig(this);
        }

        private static void positive(List<String> errors, String name, Duration d) {
            if (d == null) {
                errors.add(name + ": must be set");
            } else if (d.isNegative() || d.isZero()) {
                errors.add(name + ": must be positive, was " + d);
            }
        }
    }
}
