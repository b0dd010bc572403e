package io.github.astreg.sink.redis;

import io.github.astreg.core.registry.Durations;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How {@link RedisEndpointSink} and {@link RedisEndpointRegistry} reach Redis and lay out their keys.
 * Immutable; built by {@link #builder()} (every bad field is reported at once) or
 * {@link #fromMap(Map)}.
 *
 * <p>Exactly one deployment is configured:
 *
 * <ul>
 *   <li>standalone: {@code uri}, such as {@code redis://127.0.0.1:6379/0} ({@code rediss://} turns TLS
 *       on; user and password in the URI are taken out of it and never printed);
 *   <li>Sentinel: {@code sentinelMaster} and {@code sentinels} ({@code host:port,host:port});
 *   <li>Cluster: {@code clusterNodes} ({@code host:port,host:port}).
 * </ul>
 *
 * <p>The password is never part of {@link #toString()}, logs or exception messages.
 *
 * @param deployment which of the three deployments
 * @param endpoints where to connect: the standalone server, the sentinels, or the cluster seed nodes
 * @param sentinelMaster the master name (Sentinel only, else empty)
 * @param database the logical database (standalone and Sentinel; Cluster only has 0)
 * @param user the ACL user, when not {@code default}
 * @param password the password (AUTH / ACL), when set
 * @param sentinelUser the ACL user for the sentinels themselves, when they require one
 * @param sentinelPassword the sentinels' own password, when they require one
 * @param tls whether connections use TLS (JVM default trust store)
 * @param keyPrefix prefix of every key and of the channel; default {@code astreg:}
 * @param staleAfter read side: a node whose heartbeat is older than this is stale (R5); default 30 s
 * @param heartbeatTtl write side: TTL of {@code <prefix>node:<node>} after each heartbeat; default
 *     {@code staleAfter}
 * @param tombstoneRetention how long removals are kept as versioned tombstones (R3); default 10 min
 * @param connectTimeout TCP connect timeout; default 2 s
 * @param socketTimeout read timeout of a command; default 2 s
 * @param poolSize connections in the pool per server; default 8
 * @param clientName the {@code CLIENT SETNAME}; default {@code astreg}
 * @param resyncAfterDataLoss whether the sink rewrites what it wrote when the store lost its data
 *     (a restart without persistence, a failover to an empty replica, a flush); default true
 */
public record RedisSinkConfig(
        Deployment deployment,
        List<HostAndPortText> endpoints,
        Optional<String> sentinelMaster,
        int database,
        Optional<String> user,
        Optional<String> password,
        Optional<String> sentinelUser,
        Optional<String> sentinelPassword,
        boolean tls,
        String keyPrefix,
        Duration staleAfter,
        Duration heartbeatTtl,
        Duration tombstoneRetention,
        Duration connectTimeout,
        Duration socketTimeout,
        int poolSize,
        String clientName,
        boolean resyncAfterDataLoss) {

    /** Default key prefix. */
    public static final String DEFAULT_PREFIX = "astreg:";

    /** The three ways Redis is deployed; one code path (Jedis {@code UnifiedJedis}) serves all. */
    public enum Deployment {
        STANDALONE,
        SENTINEL,
        CLUSTER
    }

    /**
     * A host and port as configured.
     *
     * @param host name or IP literal (IPv6 without brackets)
     * @param port 1..65535
     */
    public record HostAndPortText(String host, int port) {
        public HostAndPortText {
            Objects.requireNonNull(host, "host");
            if (host.isBlank() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("not a host:port: " + host + ":" + port);
            }
        }

        /** Parses {@code host:port} or {@code [v6]:port}. */
        public static HostAndPortText parse(String text) {
            String t = text.trim();
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || colon == t.length() - 1) {
                throw new IllegalArgumentException("not a host:port: '" + t + "'");
            }
            String host = t.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                return new HostAndPortText(host, Integer.parseInt(t.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a host:port: '" + t + "'");
            }
        }

        @Override
        public String toString() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    public RedisSinkConfig {
        List<String> errors = new ArrayList<>();
        if (deployment == null) {
            errors.add("deployment: set exactly one of uri, sentinels (with sentinelMaster) or clusterNodes");
        }
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        sentinelMaster = orEmpty(sentinelMaster);
        user = orEmpty(user);
        password = orEmpty(password);
        sentinelUser = orEmpty(sentinelUser);
        sentinelPassword = orEmpty(sentinelPassword);
        if (deployment != null) {
            if (endpoints.isEmpty()) {
                errors.add("endpoints: at least one host:port is needed for " + deployment);
            }
            if (deployment == Deployment.STANDALONE && endpoints.size() > 1) {
                errors.add("uri: standalone takes one server, got " + endpoints.size());
            }
            if (deployment == Deployment.SENTINEL
                    && sentinelMaster.map(String::isBlank).orElse(true)) {
                errors.add("sentinelMaster: required with sentinels");
            }
            if (deployment != Deployment.SENTINEL && sentinelMaster.isPresent()) {
                errors.add("sentinelMaster: only with sentinels");
            }
            if (deployment == Deployment.CLUSTER && database != 0) {
                errors.add("database: Redis Cluster only has database 0, was " + database);
            }
        }
        if (database < 0) {
            errors.add("database: must be >= 0, was " + database);
        }
        user.ifPresent(u -> {
            if (u.isBlank() || hasControlOrSpace(u)) {
                errors.add("user: must be non-blank without spaces or control characters");
            }
        });
        if (password.map(String::isEmpty).orElse(false)) {
            errors.add("password: must not be empty when set");
        }
        if (sentinelPassword.map(String::isEmpty).orElse(false)) {
            errors.add("sentinelPassword: must not be empty when set");
        }
        if (keyPrefix == null) {
            errors.add("keyPrefix: must be set");
        } else if (keyPrefix.length() > 64
                || keyPrefix.indexOf('{') >= 0
                || keyPrefix.indexOf('}') >= 0
                || hasControlOrSpace(keyPrefix)) {
            errors.add("keyPrefix: at most 64 characters, no braces, spaces or control characters, was '"
                    + shorten(keyPrefix) + "'");
        }
        positive(errors, "staleAfter", staleAfter);
        positive(errors, "heartbeatTtl", heartbeatTtl);
        positive(errors, "tombstoneRetention", tombstoneRetention);
        positive(errors, "connectTimeout", connectTimeout);
        positive(errors, "socketTimeout", socketTimeout);
        for (String n : List.of("connectTimeout", "socketTimeout")) {
            Duration d = n.equals("connectTimeout") ? connectTimeout : socketTimeout;
            if (d != null && d.toMillis() > Integer.MAX_VALUE) {
                errors.add(n + ": too large, was " + d);
            }
        }
        if (poolSize < 1 || poolSize > 1024) {
            errors.add("poolSize: must be 1..1024, was " + poolSize);
        }
        if (clientName == null || clientName.isBlank() || hasControlOrSpace(clientName)) {
            errors.add("clientName: must be non-blank without spaces or control characters");
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid redis config: " + String.join("; ", errors));
        }
    }

    private static Optional<String> orEmpty(Optional<String> o) {
        return o == null ? Optional.empty() : o;
    }

    private static void positive(List<String> errors, String name, Duration d) {
        if (d == null) {
            errors.add(name + ": must be set");
        } else if (d.isNegative() || d.isZero()) {
            errors.add(name + ": must be positive, was " + d);
        }
    }

    private static boolean hasControlOrSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || Character.isWhitespace(c)) {
                return true;
            }
        }
        return false;
    }

    private static String shorten(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && i < 40; i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() > 40 ? out + "..." : out.toString();
    }

    /** A builder with the defaults listed on {@link RedisSinkConfig}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a config from flat keys: {@code uri}, {@code sentinelMaster}, {@code sentinels},
     * {@code clusterNodes}, {@code database}, {@code user}, {@code password}, {@code sentinelUser},
     * {@code sentinelPassword}, {@code tls}, {@code keyPrefix}, {@code staleAfter},
     * {@code heartbeatTtl}, {@code tombstoneRetention}, {@code connectTimeout}, {@code socketTimeout}
     * (durations such as {@code 30s}, {@code 500ms}, {@code PT30S}), {@code poolSize},
     * {@code clientName}, {@code resyncAfterDataLoss}. Unknown keys are errors (they are typos).
     *
     * @throws IllegalArgumentException listing every bad key at once (never a password)
     */
    public static RedisSinkConfig fromMap(Map<String, String> map) {
        Builder b = builder();
        List<String> errors = new ArrayList<>();
        for (String k : map.keySet()) {
            if (!KNOWN_KEYS.contains(k)) {
                errors.add(k + ": unknown key (known: "
                        + String.join(", ", KNOWN_KEYS.stream().sorted().toList()) + ")");
            }
        }
        String uri = map.get("uri");
        if (uri != null) {
            try {
                b.uri(uri);
            } catch (IllegalArgumentException e) {
                errors.add("uri: " + e.getMessage());
            }
        }
        Optional.ofNullable(map.get("sentinelMaster")).ifPresent(b::sentinelMaster);
        hostList(map, "sentinels", errors).ifPresent(b::sentinels);
        hostList(map, "clusterNodes", errors).ifPresent(b::clusterNodes);
        intValue(map, "database", errors).ifPresent(b::database);
        Optional.ofNullable(map.get("user")).ifPresent(b::user);
        Optional.ofNullable(map.get("password")).ifPresent(b::password);
        Optional.ofNullable(map.get("sentinelUser")).ifPresent(b::sentinelUser);
        Optional.ofNullable(map.get("sentinelPassword")).ifPresent(b::sentinelPassword);
        boolValue(map, "tls", errors).ifPresent(b::tls);
        Optional.ofNullable(map.get("keyPrefix")).ifPresent(b::keyPrefix);
        Durations.read(map, "staleAfter", errors).ifPresent(b::staleAfter);
        Durations.read(map, "heartbeatTtl", errors).ifPresent(b::heartbeatTtl);
        Durations.read(map, "tombstoneRetention", errors).ifPresent(b::tombstoneRetention);
        Durations.read(map, "connectTimeout", errors).ifPresent(b::connectTimeout);
        Durations.read(map, "socketTimeout", errors).ifPresent(b::socketTimeout);
        intValue(map, "poolSize", errors).ifPresent(b::poolSize);
        Optional.ofNullable(map.get("clientName")).ifPresent(b::clientName);
        boolValue(map, "resyncAfterDataLoss", errors).ifPresent(b::resyncAfterDataLoss);
        try {
            RedisSinkConfig c = b.build();
            if (errors.isEmpty()) {
                return c;
            }
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            errors.add(msg.startsWith("invalid redis config: ") ? msg.substring(22) : msg);
        }
        throw new IllegalArgumentException("invalid redis config: " + String.join("; ", errors));
    }

    private static final Set<String> KNOWN_KEYS = Set.of(
            "uri",
            "sentinelMaster",
            "sentinels",
            "clusterNodes",
            "database",
            "user",
            "password",
            "sentinelUser",
            "sentinelPassword",
            "tls",
            "keyPrefix",
            "staleAfter",
            "heartbeatTtl",
            "tombstoneRetention",
            "connectTimeout",
            "socketTimeout",
            "poolSize",
            "clientName",
            "resyncAfterDataLoss");

    private static Optional<List<HostAndPortText>> hostList(Map<String, String> map, String key, List<String> errors) {
        String v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        List<HostAndPortText> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                out.add(HostAndPortText.parse(part));
            } catch (IllegalArgumentException e) {
                errors.add(key + ": " + e.getMessage());
            }
        }
        return Optional.of(out);
    }

    private static Optional<Integer> intValue(Map<String, String> map, String key, List<String> errors) {
        String v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            errors.add(key + ": must be a number, was '" + shorten(v) + "'");
            return Optional.empty();
        }
    }

    private static Optional<Boolean> boolValue(Map<String, String> map, String key, List<String> errors) {
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
        errors.add(key + ": must be true or false, was '" + shorten(v) + "'");
        return Optional.empty();
    }

    /** The password is shown as {@code ****} when set; nothing else is secret. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("RedisSinkConfig[").append(deployment);
        if (deployment == Deployment.SENTINEL) {
            s.append(" master=").append(sentinelMaster.orElse("?"));
        }
        s.append(' ').append(endpoints);
        if (database != 0) {
            s.append(" db=").append(database);
        }
        user.ifPresent(u -> s.append(" user=").append(u));
        s.append(" password=").append(password.isPresent() ? "****" : "(none)");
        sentinelUser.ifPresent(u -> s.append(" sentinelUser=").append(u));
        if (sentinelPassword.isPresent()) {
            s.append(" sentinelPassword=****");
        }
        return s.append(" tls=")
                .append(tls)
                .append(" keyPrefix=")
                .append(keyPrefix)
                .append(" staleAfter=")
                .append(staleAfter)
                .append(" heartbeatTtl=")
                .append(heartbeatTtl)
                .append(" tombstoneRetention=")
                .append(tombstoneRetention)
                .append(" connectTimeout=")
                .append(connectTimeout)
                .append(" socketTimeout=")
                .append(socketTimeout)
                .append(" poolSize=")
                .append(poolSize)
                .append(" clientName=")
                .append(clientName)
                .append(" resyncAfterDataLoss=")
                .append(resyncAfterDataLoss)
                .append(']')
                .toString();
    }

    /** Builds a {@link RedisSinkConfig}; {@link #build()} validates every field at once. */
    public static final class Builder {
        private URI uri;
        private boolean uriTls;
        private int uriDatabase = -1;
        private String sentinelMaster;
        private List<HostAndPortText> sentinels;
        private List<HostAndPortText> clusterNodes;
        private Integer database;
        private String user;
        private String password;
        private String sentinelUser;
        private String sentinelPassword;
        private Boolean tls;
        private String keyPrefix = DEFAULT_PREFIX;
        private Duration staleAfter = Duration.ofSeconds(30);
        private Duration heartbeatTtl;
        private Duration tombstoneRetention = Duration.ofMinutes(10);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration socketTimeout = Duration.ofSeconds(2);
        private int poolSize = 8;
        private String clientName = "astreg";
        private boolean resyncAfterDataLoss = true;
        private final List<String> errors = new ArrayList<>();

        private Builder() {}

        /**
         * A standalone server: {@code redis://[user[:password]@]host:port[/db]}, or {@code rediss://}
         * for TLS. Credentials found in the URI are moved to {@link #user}/{@link #password} (unless
         * those are set explicitly) and the URI kept without them.
         *
         * @throws IllegalArgumentException when the text is no redis URI (the message never
         *     contains the password)
         */
        public Builder uri(String text) {
            URI u;
            try {
                u = new URI(text.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("not a redis:// or rediss:// URI");
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw new IllegalArgumentException("scheme must be redis or rediss");
            }
            if (u.getHost() == null) {
                throw new IllegalArgumentException("host missing");
            }
            uriTls = scheme.equals("rediss");
            String path = u.getPath() == null ? "" : u.getPath();
            if (path.length() > 1) {
                try {
                    uriDatabase = Integer.parseInt(path.substring(1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("path must be a database number");
                }
            }
            String info = u.getRawUserInfo();
            if (info != null) {
                int colon = info.indexOf(':');
                String uUser = decode(colon >= 0 ? info.substring(0, colon) : info);
                String uPass = colon >= 0 ? decode(info.substring(colon + 1)) : null;
                if (user == null && !uUser.isEmpty()) {
                    user = uUser;
                }
                if (password == null && uPass != null && !uPass.isEmpty()) {
                    password = uPass;
                }
            }
            this.uri = u;
            return this;
        }

        private static String decode(String s) {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        }

        /** Sentinel: the monitored master's name. */
        public Builder sentinelMaster(String value) {
            this.sentinelMaster = value;
            return this;
        }

        /** Sentinel: the sentinels to ask for the master. */
        public Builder sentinels(List<HostAndPortText> value) {
            this.sentinels = List.copyOf(value);
            return this;
        }

        /** Sentinel: {@code host:port,host:port}. */
        public Builder sentinels(String commaSeparated) {
            return sentinels(parseList("sentinels", commaSeparated));
        }

        /** Cluster: seed nodes. */
        public Builder clusterNodes(List<HostAndPortText> value) {
            this.clusterNodes = List.copyOf(value);
            return this;
        }

        /** Cluster: {@code host:port,host:port}. */
        public Builder clusterNodes(String commaSeparated) {
            return clusterNodes(parseList("clusterNodes", commaSeparated));
        }

        private List<HostAndPortText> parseList(String name, String text) {
            List<HostAndPortText> out = new ArrayList<>();
            for (String part : text.split(",")) {
                if (!part.isBlank()) {
                    try {
                        out.add(HostAndPortText.parse(part));
                    } catch (IllegalArgumentException e) {
                        errors.add(name + ": " + e.getMessage());
                    }
                }
            }
            return out;
        }

        public Builder database(int value) {
            this.database = value;
            return this;
        }

        public Builder user(String value) {
            this.user = value;
            return this;
        }

        public Builder password(String value) {
            this.password = value;
            return this;
        }

        public Builder sentinelUser(String value) {
            this.sentinelUser = value;
            return this;
        }

        public Builder sentinelPassword(String value) {
            this.sentinelPassword = value;
            return this;
        }

        public Builder tls(boolean value) {
            this.tls = value;
            return this;
        }

        public Builder keyPrefix(String value) {
            this.keyPrefix = value;
            return this;
        }

        public Builder staleAfter(Duration value) {
            this.staleAfter = value;
            return this;
        }

        public Builder heartbeatTtl(Duration value) {
            this.heartbeatTtl = value;
            return this;
        }

        public Builder tombstoneRetention(Duration value) {
            this.tombstoneRetention = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        public Builder socketTimeout(Duration value) {
            this.socketTimeout = value;
            return this;
        }

        public Builder poolSize(int value) {
            this.poolSize = value;
            return this;
        }

        public Builder clientName(String value) {
            this.clientName = value;
            return this;
        }

        public Builder resyncAfterDataLoss(boolean value) {
            this.resyncAfterDataLoss = value;
            return this;
        }

        /** @throws IllegalArgumentException listing every invalid field (never the password) */
        public RedisSinkConfig build() {
            List<String> problems = new ArrayList<>(errors);
            int modes = (uri != null ? 1 : 0) + (sentinels != null ? 1 : 0) + (clusterNodes != null ? 1 : 0);
            Deployment deployment = null;
            List<HostAndPortText> endpoints = List.of();
            if (modes > 1) {
                problems.add("deployment: set only one of uri, sentinels or clusterNodes");
            } else if (uri != null) {
                deployment = Deployment.STANDALONE;
                int port = uri.getPort() < 0 ? 6379 : uri.getPort();
                String host = uri.getHost();
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                try {
                    endpoints = List.of(new HostAndPortText(host, port));
                } catch (IllegalArgumentException e) {
                    problems.add("uri: " + e.getMessage());
                }
            } else if (sentinels != null) {
                deployment = Deployment.SENTINEL;
                endpoints = sentinels;
            } else if (clusterNodes != null) {
                deployment = Deployment.CLUSTER;
                endpoints = clusterNodes;
            }
            int db = database != null ? database : Math.max(uriDatabase, 0);
            boolean useTls = tls != null ? tls : uriTls;
            Duration hbTtl = heartbeatTtl != null ? heartbeatTtl : staleAfter;
            if (!problems.isEmpty()) {
                // report these together with whatever the record's own checks find
                try {
                    build(deployment, endpoints, db, useTls, hbTtl);
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage().substring("invalid redis config: ".length()));
                }
                throw new IllegalArgumentException("invalid redis config: " + String.join("; ", problems));
            }
            return build(deployment, endpoints, db, useTls, hbTtl);
        }

        private RedisSinkConfig build(
                Deployment deployment, List<HostAndPortText> endpoints, int db, boolean useTls, Duration hbTtl) {
            return new RedisSinkConfig(
                    deployment,
                    endpoints,
                    Optional.ofNullable(sentinelMaster),
                    db,
                    Optional.ofNullable(user),
                    Optional.ofNullable(password),
                    Optional.ofNullable(sentinelUser),
                    Optional.ofNullable(sentinelPassword),
                    useTls,
                    keyPrefix,
                    staleAfter,
                    hbTtl,
                    tombstoneRetention,
                    connectTimeout,
                    socketTimeout,
                    poolSize,
                    clientName,
                    resyncAfterDataLoss);
        }
    }
}
