package io.github.astreg.examples.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.Durations;
import io.github.astreg.core.registry.RegistryConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@link RunnerConfig} from YAML: checks the shape, substitutes {@code ${ENV_VAR}} (and
 * {@code ${ENV_VAR:-default}}; {@code $${} is a literal {@code ${}) in every value, fills in defaults
 * and reports every problem at once with its path, in a {@link ConfigException}. Secret values are
 * never echoed. Unknown keys are errors (a typo must not silently drop a setting), except inside
 * {@code options:} maps, which are handed to the adapters as they are.
 *
 * <p>What the adapters themselves check ({@code AmiSourceConfig.fromMap} and the like) is checked
 * when the runner builds them, with the same path prefixes.
 */
public final class ConfigLoader {
    private static final Pattern ENV = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private static final Set<String> TOP = Set.of("nodes", "sinks", "http", "tuning");
    private static final Set<String> NODE = Set.of("id", "ami", "ari");
    private static final Set<String> AMI = Set.of("host", "port", "username", "secret", "options");
    private static final Set<String> ARI = Set.of("url", "username", "password", "app", "options");
    private static final Set<String> SINKS = Set.of("jdbc", "redis");
    private static final Set<String> JDBC = Set.of("url", "username", "password", "tablePrefix", "options");
    private static final Set<String> REDIS = Set.of("uri", "username", "password", "keyPrefix", "options");
    private static final Set<String> HTTP = Set.of("bind", "port", "bearerToken");
    private static final Set<String> PIPELINE_TUNING = Set.of(
            "collectorId",
            "batchSize",
            "flushInterval",
            "retryInitialBackoff",
            "retryMaxBackoff",
            "heartbeatInterval",
            "sweepInterval",
            "closeTimeout");
    private static final Set<String> REGISTRY_TUNING =
            Set.of("staleAfter", "evictAfter", "tombstoneRetention", "rttWindow");

    private final Map<String, String> env;

    /** A loader substituting from {@code env} (tests pass their own map). */
    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    /** A loader substituting from the process environment. */
    public static ConfigLoader withSystemEnv() {
        return new ConfigLoader(System.getenv());
    }

    /**
     * Reads and checks a file.
     *
     * @throws ConfigException when the file is missing, unreadable, not YAML or invalid
     */
    public RunnerConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), List.of("file not found"));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read: " + e.getMessage()));
        }
        return parse(text, file.toString());
    }

    /**
     * Reads and checks YAML text.
     *
     * @param source a name for messages, such as the file name
     * @throws ConfigException listing every problem
     */
    public RunnerConfig parse(String yaml, String source) {
        JsonNode root;
        try {
            YAMLMapper mapper = YAMLMapper.builder()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .build();
            root = mapper.readTree(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
            String msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            throw new ConfigException(
                    source, List.of(where + "not valid YAML: " + (nl < 0 ? msg : msg.substring(0, nl))));
        }
        Reader r = new Reader();
        RunnerConfig config = r.root(root);
        if (!r.errors.isEmpty()) {
            throw new ConfigException(source, r.errors);
        }
        return config;
    }

    /** One pass over one document; collects errors instead of stopping at the first. */
    private final class Reader {
        final List<String> errors = new ArrayList<>();

        RunnerConfig root(JsonNode root) {
            if (root == null || root.isMissingNode() || root.isNull()) {
                errors.add("the file is empty (expected nodes:, sinks:, http:)");
                return null;
            }
            if (!root.isObject()) {
                errors.add("the document must be a mapping with nodes:, sinks:, http:, tuning:");
                return null;
            }
            unknownKeys(root, "", TOP);
            List<NodeSettings> nodes = nodes(root.get("nodes"));
            Optional<StoreSettings> jdbc = Optional.empty();
            Optional<StoreSettings> redis = Optional.empty();
            JsonNode sinks = root.get("sinks");
            if (sinks != null && !sinks.isNull()) {
                if (!sinks.isObject()) {
                    errors.add("sinks: must be a mapping with jdbc: and/or redis:");
                } else {
                    unknownKeys(sinks, "sinks", SINKS);
                    jdbc = Optional.ofNullable(jdbc(sinks.get("jdbc")));
                    redis = Optional.ofNullable(redis(sinks.get("redis")));
                    if (sinks.size() == 0) {
                        errors.add("sinks: give jdbc:, redis: or both");
                    }
                }
            }
            Optional<HttpSettings> http = Optional.ofNullable(http(root.get("http")));
            if (jdbc.isEmpty() && redis.isEmpty() && http.isEmpty() && (sinks == null || sinks.isNull())) {
                errors.add("sinks: missing: configure sinks (jdbc:, redis:) and/or http: so the registry is published");
            }
            Map<String, String> tuning = flatScalars(root.get("tuning"), "tuning");
            Map<String, String> pipelineMap = new LinkedHashMap<>();
            Map<String, String> registryMap = new LinkedHashMap<>();
            Optional<Duration> poll = Optional.empty();
            for (Map.Entry<String, String> e : tuning.entrySet()) {
                String k = e.getKey();
                if (PIPELINE_TUNING.contains(k)) {
                    pipelineMap.put(k, e.getValue());
                } else if (REGISTRY_TUNING.contains(k)) {
                    registryMap.put(k, e.getValue());
                } else if (k.equals("contactPollInterval")) {
                    poll = duration("tuning.contactPollInterval", e.getValue());
                } else {
                    errors.add("tuning." + k + ": unknown key (expected one of " + sorted(PIPELINE_TUNING) + ", "
                            + sorted(REGISTRY_TUNING) + ", contactPollInterval)");
                }
            }
            PipelineConfig pipeline = adapterCall("tuning", () -> PipelineConfig.fromMap(pipelineMap));
            RegistryConfig registry = adapterCall("tuning", () -> RegistryConfig.fromMap(registryMap));
            if (!errors.isEmpty()) {
                return null;
            }
            return new RunnerConfig(nodes, jdbc, redis, http, pipeline, registry, poll);
        }

        List<NodeSettings> nodes(JsonNode nodes) {
            List<NodeSettings> out = new ArrayList<>();
            if (nodes == null || nodes.isNull()) {
                errors.add("nodes: missing: list at least one node (with an ami: or ari: block)");
                return out;
            }
            if (!nodes.isArray()) {
                errors.add("nodes: must be a list");
                return out;
            }
            if (nodes.isEmpty()) {
                errors.add("nodes: must list at least one node");
            }
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < nodes.size(); i++) {
                String path = "nodes[" + i + "]";
                JsonNode n = nodes.get(i);
                if (!n.isObject()) {
                    errors.add(path + ": must be a mapping with id: and an ami: or ari: block");
                    continue;
                }
                unknownKeys(n, path, NODE);
                String id = scalar(n, path, "id", true);
                NodeId nodeId = null;
                if (id != null) {
                    try {
                        nodeId = new NodeId(id);
                    } catch (IllegalArgumentException e) {
                        errors.add(path + ".id: must be 1..64 characters of [A-Za-z0-9._-], was '" + id + "'");
                    }
                    if (nodeId != null && !ids.add(id)) {
                        errors.add(path + ".id: duplicate node id '" + id + "'");
                    }
                }
                boolean ami = n.has("ami");
                boolean ari = n.has("ari");
                if (ami == ari) {
                    errors.add(path + ": give exactly one of ami: or ari:");
                    continue;
                }
                NodeSettings.Protocol protocol = ami ? NodeSettings.Protocol.AMI : NodeSettings.Protocol.ARI;
                String bp = path + "." + protocol.key();
                JsonNode block = n.get(protocol.key());
                if (!block.isObject()) {
                    errors.add(bp + ": must be a mapping");
                    continue;
                }
                Map<String, String> s = new LinkedHashMap<>();
                if (ami) {
                    unknownKeys(block, bp, AMI);
                    put(s, "host", scalar(block, bp, "host", true));
                    put(s, "port", port(block, bp, 5038, 1));
                    put(s, "username", scalar(block, bp, "username", true));
                    put(s, "secret", scalar(block, bp, "secret", true));
                } else {
                    unknownKeys(block, bp, ARI);
                    String url = scalar(block, bp, "url", true);
                    if (url != null) {
                        httpUrl(bp + ".url", url);
                    }
                    put(s, "url", url);
                    put(s, "username", scalar(block, bp, "username", true));
                    put(s, "password", scalar(block, bp, "password", true));
                    String app = scalar(block, bp, "app", false);
                    put(s, "app", app == null ? "astreg" : app);
                }
                Map<String, String> options = flatScalars(block.get("options"), bp + ".options");
                if (nodeId != null) {
                    out.add(new NodeSettings(nodeId, protocol, s, options, path));
                }
            }
            return out;
        }

        StoreSettings jdbc(JsonNode b) {
            if (b == null || b.isNull()) {
                return null;
            }
            String p = "sinks.jdbc";
            if (!b.isObject()) {
                errors.add(p + ": must be a mapping with url:, username:, password:");
                return null;
            }
            unknownKeys(b, p, JDBC);
            Map<String, String> s = new LinkedHashMap<>();
            String url = scalar(b, p, "url", true);
            if (url != null && !url.startsWith("jdbc:")) {
                errors.add(p + ".url: must start with jdbc:, was '" + Secrets.redactUrl(url) + "'");
            }
            put(s, "url", url);
            put(s, "username", scalar(b, p, "username", false));
            put(s, "password", scalar(b, p, "password", false));
            // the prefix's rules are sink-jdbc's: JdbcSinkConfig checks it when the runner starts
            put(s, "tablePrefix", scalar(b, p, "tablePrefix", false));
            return new StoreSettings(s, flatScalars(b.get("options"), p + ".options"), p);
        }

        StoreSettings redis(JsonNode b) {
            if (b == null || b.isNull()) {
                return null;
            }
            String p = "sinks.redis";
            if (!b.isObject()) {
                errors.add(p + ": must be a mapping with uri:");
                return null;
            }
            unknownKeys(b, p, REDIS);
            Map<String, String> s = new LinkedHashMap<>();
            Map<String, String> options = flatScalars(b.get("options"), p + ".options");
            // Sentinel and Cluster deployments are given by options (sentinels, clusterNodes) instead of a uri
            boolean viaOptions = options.containsKey("sentinels") || options.containsKey("clusterNodes");
            String uri = scalar(b, p, "uri", !viaOptions);
            if (uri != null) {
                try {
                    URI u = new URI(uri);
                    if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme()) || u.getHost() == null) {
                        errors.add(p + ".uri: must look like redis://host:6379 or rediss://host:6380, was '"
                                + Secrets.redactUrl(uri) + "'");
                    }
                } catch (URISyntaxException e) {
                    errors.add(p + ".uri: not a URI: '" + Secrets.redactUrl(uri) + "'");
                }
            }
            put(s, "uri", uri);
            put(s, "username", scalar(b, p, "username", false));
            put(s, "password", scalar(b, p, "password", false));
            put(s, "keyPrefix", scalar(b, p, "keyPrefix", false));
            return new StoreSettings(s, options, p);
        }

        HttpSettings http(JsonNode b) {
            if (b == null || b.isNull()) {
                return null;
            }
            if (!b.isObject()) {
                errors.add("http: must be a mapping with bind:, port:");
                return null;
            }
            unknownKeys(b, "http", HTTP);
            String bind = scalar(b, "http", "bind", false);
            String port = port(b, "http", 8080, 0);
            String token = scalar(b, "http", "bearerToken", false);
            if (token != null && token.isBlank()) {
                errors.add("http.bearerToken: must not be blank (remove the key to turn authentication off)");
            }
            if (port == null) {
                return null;
            }
            return new HttpSettings(
                    bind == null ? "127.0.0.1" : bind, Integer.parseInt(port), Optional.ofNullable(token));
        }

        // ------------------------------------------------------------- helpers

        /** A port as text; {@code min} is 1 for protocol ports, 0 where "any free port" makes sense. */
        String port(JsonNode block, String path, int dflt, int min) {
            String v = scalar(block, path, "port", false);
            if (v == null) {
                return Integer.toString(dflt);
            }
            try {
                int p = Integer.parseInt(v.trim());
                if (p < min || p > 65535) {
                    errors.add(path + ".port: must be " + min + "..65535, was " + v.trim());
                    return null;
                }
                return Integer.toString(p);
            } catch (NumberFormatException e) {
                errors.add(path + ".port: must be a number " + min + "..65535, was '" + v + "'");
                return null;
            }
        }

        void httpUrl(String path, String url) {
            try {
                URI u = new URI(url);
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                    errors.add(path + ": must look like http://host:8088/, was '" + Secrets.redactUrl(url) + "'");
                } else if (u.getPort() > 65535) {
                    errors.add(path + ": port must be 1..65535");
                }
            } catch (URISyntaxException e) {
                errors.add(path + ": not a URL: '" + Secrets.redactUrl(url) + "'");
            }
        }

        Optional<Duration> duration(String path, String v) {
            try {
                Duration d = Durations.parse(v);
                if (d.isNegative() || d.isZero()) {
                    errors.add(path + ": must be positive, was " + v);
                    return Optional.empty();
                }
                return Optional.of(d);
            } catch (IllegalArgumentException e) {
                errors.add(path + ": " + e.getMessage());
                return Optional.empty();
            }
        }

        /** Runs a core {@code fromMap}, turning "invalid x config: a: m; b: n" into path-prefixed errors. */
        <T> T adapterCall(String path, java.util.function.Supplier<T> call) {
            try {
                return call.get();
            } catch (IllegalArgumentException e) {
                errors.addAll(ConfigLoader.prefixErrors(path, e.getMessage()));
                return null;
            }
        }

        /** A scalar value after substitution; adds an error and returns null when required and absent. */
        String scalar(JsonNode block, String path, String key, boolean required) {
            JsonNode v = block.get(key);
            String p = path.isEmpty() ? key : path + "." + key;
            if (v == null || v.isNull()) {
                if (required) {
                    errors.add(p + ": missing");
                }
                return null;
            }
            if (!v.isValueNode()) {
                errors.add(p + ": must be a single value, not a " + (v.isArray() ? "list" : "mapping"));
                return null;
            }
            String s = substitute(p, v.asText());
            if (s != null && required && s.isBlank()) {
                errors.add(p + ": must not be empty");
                return null;
            }
            return s;
        }

        Map<String, String> flatScalars(JsonNode b, String path) {
            Map<String, String> out = new LinkedHashMap<>();
            if (b == null || b.isNull()) {
                return out;
            }
            if (!b.isObject()) {
                errors.add(path + ": must be a mapping of key: value");
                return out;
            }
            for (Map.Entry<String, JsonNode> e : b.properties()) {
                String v = scalar(b, path, e.getKey(), false);
                if (v != null) {
                    out.put(e.getKey(), v);
                }
            }
            return out;
        }

        void unknownKeys(JsonNode o, String path, Set<String> allowed) {
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                String k = e.getKey();
                if (!allowed.contains(k)) {
                    errors.add((path.isEmpty() ? "" : path + ".") + k + ": unknown key (expected one of "
                            + sorted(allowed) + ")");
                }
            }
        }

        /** Replaces ${VAR} and ${VAR:-default}; $${ stays a literal ${. */
        String substitute(String path, String value) {
            Matcher m = ENV.matcher(value);
            StringBuilder b = new StringBuilder();
            boolean ok = true;
            while (m.find()) {
                String replacement;
                if (m.group().equals("$${")) {
                    replacement = "${";
                } else {
                    String name = m.group(1);
                    String v = env.get(name);
                    if (v == null || (v.isEmpty() && m.group(2) != null)) {
                        if (m.group(2) != null) {
                            v = m.group(2);
                        } else {
                            errors.add(path + ": environment variable " + name + " is not set");
                            ok = false;
                            v = "";
                        }
                    }
                    replacement = v;
                }
                m.appendReplacement(b, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(b);
            return ok ? b.toString() : null;
        }
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    private static String sorted(Set<String> s) {
        return String.join(", ", new java.util.TreeSet<>(s));
    }

    /**
     * Splits an adapter's "invalid … config: a: m; b: n" message into {@code path.a: m} entries (a
     * message without that form becomes one {@code path: message} entry).
     */
    public static List<String> prefixErrors(String path, String message) {
        List<String> out = new ArrayList<>();
        String m = message == null ? "invalid" : message;
        int colon = m.indexOf("config: ");
        if (m.startsWith("invalid ") && colon >= 0) {
            m = m.substring(colon + "config: ".length());
        }
        for (String part : m.split("; ")) {
            String p = part.trim();
            if (!p.isEmpty()) {
                out.add(path + (p.matches("^[A-Za-z][A-Za-z0-9_.\\[\\]]*: .*") ? "." : ": ") + p);
            }
        }
        return out;
    }
}
