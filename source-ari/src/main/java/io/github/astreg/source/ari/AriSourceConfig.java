package io.github.astreg.source.ari;

import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.registry.Durations;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Everything {@link AriEndpointSource} needs to watch one Asterisk node over ARI. Immutable; build it
 * with {@link #builder(String, String, String)} or {@link #fromMap(Map)}, both of which validate every
 * field and report all problems at once.
 *
 * <p>The password is never printed: {@link #toString()} masks it, and no exception message contains it.
 *
 * <table>
 *   <caption>Fields and defaults ({@code fromMap} keys in brackets)</caption>
 *   <tr><td>base URL [url]</td><td>required: {@code http://host:8088} or {@code https://…} (the
 *       {@code http.conf} server; a trailing {@code /ari} is accepted and dropped)</td></tr>
 *   <tr><td>username [username]</td><td>required: the {@code ari.conf} user</td></tr>
 *   <tr><td>password [password]</td><td>required</td></tr>
 *   <tr><td>application [application]</td><td>{@code astreg}: the Stasis application name the source
 *       registers; use one name per collector</td></tr>
 *   <tr><td>node id [node]</td><td>optional: default is the system name from {@code /ari/asterisk/info},
 *       else its entity id with {@code :} replaced by {@code -}</td></tr>
 *   <tr><td>technologies [technologies]</td><td>{@code PJSIP}: comma separated; the application is
 *       subscribed to {@code endpoint:<TECH>} for each, and only their devices are reported</td></tr>
 *   <tr><td>TLS trust [trustAll, trustStore, trustStorePassword, trustStoreType]</td><td>the JDK's default
 *       trust and host name verification; a trust store (PKCS12 by default) replaces the default trust;
 *       {@code trustAll=true} disables certificate and host name checks (lab use only)</td></tr>
 *   <tr><td>connect timeout [connectTimeout]</td><td>5 s: TCP connect and websocket handshake</td></tr>
 *   <tr><td>request timeout [requestTimeout]</td><td>10 s: one REST request (subscription, snapshot)</td></tr>
 *   <tr><td>ping interval [pingInterval]</td><td>15 s: a websocket ping is sent when nothing was sent
 *       for that long</td></tr>
 *   <tr><td>read timeout [readTimeout]</td><td>45 s: a websocket that delivers nothing (not even a pong)
 *       for that long is dead; must exceed the ping interval</td></tr>
 *   <tr><td>reconnect delay [reconnectDelayMin, reconnectDelayMax]</td><td>500 ms doubling up to 30 s,
 *       for ever</td></tr>
 *   <tr><td>event queue capacity [eventQueueCapacity]</td><td>100000 websocket frames waiting for the
 *       source's thread; beyond it frames are counted as dropped and a resync is made</td></tr>
 *   <tr><td>snapshot concurrency [snapshotConcurrency]</td><td>4 (1..64): at most this many
 *       {@code GET /ari/deviceStates/<TECH>%2F<resource>} requests in flight during a snapshot, each on a
 *       keep-alive HTTP connection of its own that lasts the snapshot (so, with the websocket, up to
 *       this many plus two HTTP sessions of Asterisk's {@code http.conf} {@code sessionlimit}, default
 *       100); 1 asks one device after the other. Only devices whose state the endpoint list does not
 *       already determine are asked: a PJSIP endpoint without channels that is {@code online} is
 *       {@code NOT_INUSE} and one that is {@code offline} is {@code UNAVAILABLE}, as chan_pjsip computes
 *       them; an endpoint with channels, in state {@code unknown}, or of another technology is
 *       asked</td></tr>
 * </table>
 */
public final class AriSourceConfig {
    private static final Pattern APPLICATION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern TECHNOLOGY = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Set<String> KEYS = Set.of(
            "url",
            "username",
            "password",
            "application",
            "node",
            "technologies",
            "trustAll",
            "trustStore",
            "trustStorePassword",
            "trustStoreType",
            "connectTimeout",
            "requestTimeout",
            "pingInterval",
            "readTimeout",
            "reconnectDelayMin",
            "reconnectDelayMax",
            "eventQueueCapacity",
            "snapshotConcurrency");

    private final URI baseUrl;
    private final String username;
    private final String password;
    private final String application;
    private final Optional<NodeId> nodeId;
    private final List<String> technologies;
    private final boolean trustAll;
    private final Optional<Path> trustStore;
    private final Optional<String> trustStorePassword;
    private final String trustStoreType;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration pingInterval;
    private final Duration readTimeout;
    private final Duration reconnectDelayMin;
    private final Duration reconnectDelayMax;
    private final int eventQueueCapacity;
    private final int snapshotConcurrency;

    private AriSourceConfig(Builder b, URI baseUrl) {
        this.baseUrl = baseUrl;
        this.username = b.username;
        this.password = b.password;
        this.application = b.application;
        this.nodeId = b.nodeId;
        this.technologies = List.copyOf(b.technologies);
        this.trustAll = b.trustAll;
        this.trustStore = b.trustStore;
        this.trustStorePassword = b.trustStorePassword;
        this.trustStoreType = b.trustStoreType;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.pingInterval = b.pingInterval;
        this.readTimeout = b.readTimeout;
        this.reconnectDelayMin = b.reconnectDelayMin;
        this.reconnectDelayMax = b.reconnectDelayMax;
        this.eventQueueCapacity = b.eventQueueCapacity;
        this.snapshotConcurrency = b.snapshotConcurrency;
    }

    /**
     * Starts a config with the required fields.
     *
     * @param url the Asterisk HTTP server, such as {@code http://10.0.0.5:8088}
     * @param username the {@code ari.conf} user
     * @param password its password
     */
    public static Builder builder(String url, String username, String password) {
        return new Builder(url, username, password);
    }

    /**
     * Reads a config from string keys (see the table on this class). Unknown keys are errors, so a
     * typo never silently falls back to a default.
     *
     * @throws IllegalArgumentException listing every bad or missing key (never the password's value)
     */
    public static AriSourceConfig fromMap(Map<String, String> map) {
        Objects.requireNonNull(map, "map");
        List<String> errors = new ArrayList<>();
        for (String key : new TreeSet<>(map.keySet())) {
            if (!KEYS.contains(key)) {
                errors.add(key + ": unknown key (known: " + new TreeSet<>(KEYS) + ")");
            }
        }
        Builder b = new Builder(map.get("url"), map.get("username"), map.get("password"));
        if (map.containsKey("application")) {
            b.application = map.get("application");
        }
        String node = map.get("node");
        if (node != null && !node.isBlank()) {
            try {
                b.nodeId = Optional.of(NodeId.of(node.trim()));
            } catch (IllegalArgumentException e) {
                errors.add("node: " + e.getMessage());
            }
        }
        String techs = map.get("technologies");
        if (techs != null) {
            List<String> list = new ArrayList<>();
            for (String t : techs.split(",")) {
                if (!t.isBlank()) {
                    list.add(t.trim());
                }
            }
            b.technologies = list;
        }
        readBoolean(map, "trustAll", errors).ifPresent(v -> b.trustAll = v);
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
        Durations.read(map, "connectTimeout", errors).ifPresent(v -> b.connectTimeout = v);
        Durations.read(map, "requestTimeout", errors).ifPresent(v -> b.requestTimeout = v);
        Durations.read(map, "pingInterval", errors).ifPresent(v -> b.pingInterval = v);
        Durations.read(map, "readTimeout", errors).ifPresent(v -> b.readTimeout = v);
        Durations.read(map, "reconnectDelayMin", errors).ifPresent(v -> b.reconnectDelayMin = v);
        Durations.read(map, "reconnectDelayMax", errors).ifPresent(v -> b.reconnectDelayMax = v);
        String cap = map.get("eventQueueCapacity");
        if (cap != null) {
            try {
                b.eventQueueCapacity = Integer.parseInt(cap.trim());
            } catch (NumberFormatException e) {
                errors.add("eventQueueCapacity: must be a number, was '" + cap + "'");
            }
        }
        String conc = map.get("snapshotConcurrency");
        if (conc != null) {
            try {
                b.snapshotConcurrency = Integer.parseInt(conc.trim());
            } catch (NumberFormatException e) {
                errors.add("snapshotConcurrency: must be a number, was '" + conc + "'");
            }
        }
        return b.build(errors);
    }

    private static Optional<Boolean> readBoolean(Map<String, String> map, String key, List<String> errors) {
        String v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("yes") || t.equals("on")) {
            return Optional.of(true);
        }
        if (t.equals("false") || t.equals("no") || t.equals("off")) {
            return Optional.of(false);
        }
        errors.add(key + ": must be true or false, was '" + v + "'");
        return Optional.empty();
    }

    /** The Asterisk HTTP server, normalised to end with {@code /} and without the {@code ari/} part. */
    public URI baseUrl() {
        return baseUrl;
    }

    /** Whether the base URL is {@code https}. */
    public boolean isTls() {
        return "https".equalsIgnoreCase(baseUrl.getScheme());
    }

    public String username() {
        return username;
    }

    /** The password. Never log it. */
    public String password() {
        return password;
    }

    public String application() {
        return application;
    }

    /** The configured node id; empty means "ask Asterisk". */
    public Optional<NodeId> nodeId() {
        return nodeId;
    }

    /** Channel technologies to watch, such as {@code PJSIP} and {@code SIP}; never empty. */
    public List<String> technologies() {
        return technologies;
    }

    /** Whether certificate and host name checks are off (lab use only). */
    public boolean trustAll() {
        return trustAll;
    }

    public Optional<Path> trustStore() {
        return trustStore;
    }

    /** The trust store password. Never log it. */
    public Optional<String> trustStorePassword() {
        return trustStorePassword;
    }

    public String trustStoreType() {
        return trustStoreType;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    public Duration pingInterval() {
        return pingInterval;
    }

    public Duration readTimeout() {
        return readTimeout;
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

    /**
     * At most this many device-state requests in flight during a snapshot, each on its own keep-alive
     * connection (1..64, default 4); see the table on this class for which devices are asked at all.
     */
    public int snapshotConcurrency() {
        return snapshotConcurrency;
    }

    /** Host and port of the base URL, for names and logs, such as {@code 10.0.0.5:8088}. */
    public String hostAndPort() {
        int port = baseUrl.getPort() > 0 ? baseUrl.getPort() : (isTls() ? 443 : 80);
        return baseUrl.getHost() + ":" + port;
    }

    @Override
    public String toString() {
        return "AriSourceConfig{url=" + baseUrl + ", username=" + username + ", password=****, application="
                + application + ", node=" + nodeId.map(NodeId::value).orElse("(from Asterisk)") + ", technologies="
                + technologies + ", trustAll=" + trustAll + ", trustStore="
                + trustStore.map(Path::toString).orElse("(default)") + ", connectTimeout=" + connectTimeout
                + ", requestTimeout=" + requestTimeout + ", pingInterval=" + pingInterval + ", readTimeout="
                + readTimeout + ", reconnectDelay=" + reconnectDelayMin + ".." + reconnectDelayMax
                + ", eventQueueCapacity=" + eventQueueCapacity + ", snapshotConcurrency=" + snapshotConcurrency + "}";
    }

    /** Builds an {@link AriSourceConfig}; {@link #build()} validates every field and reports all errors at once. */
    public static final class Builder {
        private final String url;
        private final String username;
        private final String password;
        private String application = "astreg";
        private Optional<NodeId> nodeId = Optional.empty();
        private List<String> technologies = List.of("PJSIP");
        private boolean trustAll;
        private Optional<Path> trustStore = Optional.empty();
        private Optional<String> trustStorePassword = Optional.empty();
        private String trustStoreType = "PKCS12";
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration pingInterval = Duration.ofSeconds(15);
        private Duration readTimeout = Duration.ofSeconds(45);
        private Duration reconnectDelayMin = Duration.ofMillis(500);
        private Duration reconnectDelayMax = Duration.ofSeconds(30);
        private int eventQueueCapacity = 100_000;
        private int snapshotConcurrency = 4;

        private Builder(String url, String username, String password) {
            this.url = url;
            this.username = username;
            this.password = password;
        }

        public Builder application(String value) {
            this.application = value;
            return this;
        }

        public Builder nodeId(NodeId value) {
            this.nodeId = Optional.ofNullable(value);
            return this;
        }

        public Builder nodeId(String value) {
            return nodeId(NodeId.of(value));
        }

        /** Technologies to watch; replaces the default {@code PJSIP}. */
        public Builder technologies(List<String> value) {
            this.technologies = value;
            return this;
        }

        public Builder technologies(String... value) {
            return technologies(List.of(value));
        }

        /** Turns certificate and host name checks off. For labs only. */
        public Builder trustAll(boolean value) {
            this.trustAll = value;
            return this;
        }

        /** Trusts the certificates in this key store instead of the JDK's default trust. */
        public Builder trustStore(Path path, String storePassword, String type) {
            this.trustStore = Optional.ofNullable(path);
            this.trustStorePassword = Optional.ofNullable(storePassword);
            this.trustStoreType = type;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        public Builder requestTimeout(Duration value) {
            this.requestTimeout = value;
            return this;
        }

        public Builder pingInterval(Duration value) {
            this.pingInterval = value;
            return this;
        }

        public Builder readTimeout(Duration value) {
            this.readTimeout = value;
            return this;
        }

        public Builder reconnectDelay(Duration min, Duration max) {
            this.reconnectDelayMin = min;
            this.reconnectDelayMax = max;
            return this;
        }

        public Builder eventQueueCapacity(int value) {
            this.eventQueueCapacity = value;
            return this;
        }

        /**
         * At most this many device-state requests in flight during a snapshot (1..64, default 4; 1 asks
         * one device after the other). Each uses a keep-alive HTTP connection of its own for the
         * snapshot's duration, counted against Asterisk's {@code http.conf} {@code sessionlimit}.
         */
        public Builder snapshotConcurrency(int value) {
            this.snapshotConcurrency = value;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException listing every bad field (never the password's value)
         */
        public AriSourceConfig build() {
            return build(new ArrayList<>());
        }

        private AriSourceConfig build(List<String> errors) {
            URI base = parseUrl(errors);
            if (username == null || username.isBlank()) {
                errors.add("username: required");
            } else if (hasControl(username) || username.indexOf(':') >= 0) {
                errors.add("username: must not contain ':' or control characters");
            }
            if (password == null || password.isEmpty()) {
                errors.add("password: required");
            } else if (hasControl(password)) {
                errors.add("password: must not contain control characters");
            }
            if (application == null || !APPLICATION.matcher(application).matches()) {
                errors.add("application: must be 1..64 characters of [A-Za-z0-9._-], was '" + application + "'");
            }
            if (nodeId == null) {
                errors.add("nodeId: must not be null (use Optional.empty())");
            }
            if (technologies == null || technologies.isEmpty()) {
                errors.add("technologies: at least one is required, such as PJSIP");
            } else {
                Set<String> seen = new LinkedHashSet<>();
                for (String t : technologies) {
                    if (t == null || !TECHNOLOGY.matcher(t).matches()) {
                        errors.add("technologies: '" + t + "' is not 1..32 characters of [A-Za-z0-9_-]");
                    } else if (!seen.add(t)) {
                        errors.add("technologies: '" + t + "' is listed twice");
                    }
                }
            }
            if (trustStore == null || trustStorePassword == null) {
                errors.add("trustStore: must not be null (use Optional.empty())");
            } else if (trustStore.isPresent() && trustAll) {
                errors.add("trustStore: cannot be combined with trustAll=true");
            }
            if (trustStoreType == null || trustStoreType.isBlank()) {
                errors.add("trustStoreType: required, such as PKCS12 or JKS");
            }
            positive(errors, "connectTimeout", connectTimeout);
            positive(errors, "requestTimeout", requestTimeout);
            positive(errors, "pingInterval", pingInterval);
            positive(errors, "readTimeout", readTimeout);
            positive(errors, "reconnectDelayMin", reconnectDelayMin);
            positive(errors, "reconnectDelayMax", reconnectDelayMax);
            if (pingInterval != null && readTimeout != null && readTimeout.compareTo(pingInterval) <= 0) {
                errors.add("readTimeout: must exceed pingInterval (" + pingInterval + "), was " + readTimeout);
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
            if (snapshotConcurrency < 1 || snapshotConcurrency > 64) {
                errors.add("snapshotConcurrency: must be 1..64, was " + snapshotConcurrency);
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("invalid ARI source config: " + String.join("; ", errors));
            }
            return new AriSourceConfig(this, base);
        }

        /**
         * The URL as it may appear in an error message: anything between the scheme and the last
         * {@code @} is masked, so credentials pasted into the URL never echo, whatever else is wrong.
         */
        static String redacted(String url) {
            int scheme = url.indexOf("://");
            int at = url.lastIndexOf('@');
            if (at < 0) {
                return url;
            }
            int from = scheme < 0 ? 0 : scheme + 3;
            return at < from ? url : url.substring(0, from) + "****" + url.substring(at);
        }

        private URI parseUrl(List<String> errors) {
            if (url == null || url.isBlank()) {
                errors.add("url: required, such as http://127.0.0.1:8088");
                return null;
            }
            URI uri;
            try {
                uri = new URI(url.trim());
            } catch (URISyntaxException e) {
                errors.add("url: not a URI: '" + redacted(url) + "'");
                return null;
            }
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                errors.add("url: must be http:// or https://, was '" + redacted(url) + "'");
                return null;
            }
            if (uri.getHost() == null || uri.getHost().isBlank()) {
                errors.add("url: has no host: '" + redacted(url) + "'");
                return null;
            }
            if (uri.getRawUserInfo() != null) {
                errors.add("url: must not carry credentials; use username and password");
                return null;
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                errors.add("url: must not have a query or fragment: '" + redacted(url) + "'");
                return null;
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            if (path.endsWith("/ari")) {
                path = path.substring(0, path.length() - 4);
            }
            try {
                return new URI(scheme.toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + path + "/");
            } catch (URISyntaxException e) {
                errors.add("url: not a URI: '" + redacted(url) + "'");
                return null;
            }
        }

        private static void positive(List<String> errors, String name, Duration d) {
            if (d == null) {
                errors.add(name + ": must be set");
            } else if (d.isNegative() || d.isZero()) {
                errors.add(name + ": must be positive, was " + d);
            }
        }

        private static boolean hasControl(String s) {
            for (int i = 0; i < s.length(); i++) {
                if (Character.isISOControl(s.charAt(i))) {
                    return true;
                }
            }
            return false;
        }
    }
}
