package io.github.astreg.examples.lookup;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.pipeline.PipelineMetrics;
import io.github.astreg.core.pipeline.SinkMetrics;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.examples.internal.PrometheusText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lookup HTTP service over any {@link EndpointRegistry}, on the JDK's own HTTP server.
 *
 * <table>
 *   <caption>Routes (GET and HEAD)</caption>
 *   <tr><td>{@code /v1/locate/{tech}/{resource}}</td><td>the node holding the endpoint, as
 *       {@code text/plain} without a newline (made for Asterisk's {@code CURL()}); 404 with an empty
 *       body when it is registered nowhere</td></tr>
 *   <tr><td>{@code /v1/endpoints/{tech}/{resource}}</td><td>the endpoint's record in the canonical JSON
 *       form of {@link EventJson}; 404 when no node knows it</td></tr>
 *   <tr><td>{@code /v1/endpoints[?node=pbx1]}</td><td>a JSON array of records: every endpoint, or those
 *       the node knows</td></tr>
 *   <tr><td>{@code /v1/nodes}</td><td>a JSON array of node records</td></tr>
 *   <tr><td>{@code /health}</td><td>{@code {"status":"UP"}} with 200, or {@code DEGRADED} (a sink
 *       failing, a source disconnected, a node stale) or {@code DOWN} (the registry cannot be read)
 *       with 503</td></tr>
 *   <tr><td>{@code /metrics}</td><td>Prometheus text format</td></tr>
 * </table>
 *
 * <p>The resource part is percent-decoded; {@code /v1/locate/PJSIP%2F1001} is accepted too. With a
 * bearer token configured, every route but {@code /health} requires {@code Authorization: Bearer
 * <token>} (compared in constant time; 401 otherwise). The token never appears in logs or {@link
 * #toString()}.
 *
 * <p>Threads: requests run on a fixed pool of daemon threads named {@code astreg-http-<port>-<n>};
 * the JDK server adds its own dispatcher thread ({@code HTTP-Dispatcher}), started here from a daemon
 * thread so that it is a daemon too. {@link #close()} stops them all and releases the port; it is
 * idempotent and may be called from any thread.
 */
public final class LookupService implements AutoCloseable {
    /** The families written from every sink's {@link SinkMetrics}; a sink's own metric never repeats one. */
    private static final Set<String> PIPELINE_SINK_FAMILIES = Set.of(
            "astreg_sink_batches_total",
            "astreg_sink_changes_total",
            "astreg_sink_failures_total",
            "astreg_sink_consecutive_failures",
            "astreg_sink_pending",
            "astreg_sink_lag_seconds",
            "astreg_sink_last_success_timestamp_seconds");

    private static final Logger log = LoggerFactory.getLogger(LookupService.class);
    private static final String JSON = "application/json; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";

    private final EndpointRegistry registry;
    private final String bind;
    private final int requestedPort;
    private final Optional<byte[]> token;
    private final Optional<Supplier<PipelineMetrics>> metrics;
    private final Optional<Supplier<Map<String, Boolean>>> sourceStatus;
    private final int threads;
    private final Clock clock;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong registryFailures = new AtomicLong();
    private final AtomicBoolean registryFailureLogged = new AtomicBoolean();
    private final Object lifecycle = new Object();
    private HttpServer server;
    private ExecutorService executor;
    private boolean started;
    private boolean closed;

    private LookupService(Builder b) {
        this.registry = b.registry;
        this.bind = b.bind;
        this.requestedPort = b.port;
        this.token = b.token.map(t -> t.getBytes(StandardCharsets.UTF_8));
        this.metrics = Optional.ofNullable(b.metrics);
        this.sourceStatus = Optional.ofNullable(b.sourceStatus);
        this.threads = b.threads;
        this.clock = b.clock;
    }

    /** A builder serving {@code registry}; binds to 127.0.0.1:8080 unless told otherwise. */
    public static Builder builder(EndpointRegistry registry) {
        return new Builder(registry);
    }

    /**
     * Binds the port and starts serving.
     *
     * @throws UncheckedIOException when the address cannot be bound (port in use, unknown host)
     * @throws IllegalStateException when already started or closed
     */
    public void start() {
        synchronized (lifecycle) {
            if (started || closed) {
                throw new IllegalStateException(closed ? "lookup service is closed" : "lookup service already started");
            }
            started = true;
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), requestedPort), 64);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot listen on " + bind + ":" + requestedPort + ": " + e.getMessage(), e);
            }
            int port = server.getAddress().getPort();
            AtomicInteger n = new AtomicInteger();
            executor = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "astreg-http-" + port + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            server.createContext("/", this::handle);
            // the JDK's dispatcher thread inherits daemon status from the thread that starts it
            Thread starter = new Thread(server::start, "astreg-http-" + port + "-start");
            starter.setDaemon(true);
            starter.start();
            try {
                starter.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("lookup service listening on {}", baseUri());
        }
    }

    /** The bound port (the real one when 0 was asked for). */
    public int port() {
        synchronized (lifecycle) {
            if (server == null) {
                throw new IllegalStateException("lookup service not started");
            }
            return server.getAddress().getPort();
        }
    }

    /** The base URL, such as {@code http://127.0.0.1:8080}. */
    public URI baseUri() {
        synchronized (lifecycle) {
            if (server == null) {
                throw new IllegalStateException("lookup service not started");
            }
            InetSocketAddress a = server.getAddress();
            String host = a.getAddress().getHostAddress();
            if (host.indexOf(':') >= 0) {
                host = "[" + host + "]";
            }
            return URI.create("http://" + host + ":" + a.getPort());
        }
    }

    /** Stops serving and releases the port and every thread. Idempotent. */
    @Override
    public void close() {
        HttpServer s;
        ExecutorService e;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            s = server;
            e = executor;
        }
        if (s != null) {
            s.stop(0);
        }
        if (e != null) {
            e.shutdownNow();
            try {
                e.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "LookupService[" + bind + ":" + requestedPort + (token.isPresent() ? ", bearer token" : "") + "]";
    }

    // ------------------------------------------------------------------ handling

    private void handle(HttpExchange ex) {
        requests.incrementAndGet();
        try {
            String method = ex.getRequestMethod();
            boolean head = method.equals("HEAD");
            if (!head && !method.equals("GET")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, TEXT, "method not allowed\n", false);
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            if (!path.equals("/health") && !authorized(ex.getRequestHeaders())) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"astreg\"");
                send(ex, 401, TEXT, "unauthorized\n", head);
                return;
            }
            route(ex, path, head);
        } catch (IOException e) {
            log.debug("lookup: client went away: {}", e.toString());
        } catch (RuntimeException e) {
            log.warn("lookup: request {} failed: {}", shorten(ex.getRequestURI().getRawPath()), e.toString());
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex, String path, boolean head) throws IOException {
        try {
            if (path.equals("/health")) {
                health(ex, head);
            } else if (path.equals("/metrics")) {
                send(ex, 200, PrometheusText.CONTENT_TYPE, metricsText(), head);
            } else if (path.equals("/v1/nodes")) {
                ArrayNode a = EventJson.newArray();
                registry.nodes().forEach(n -> a.add(EventJson.toTree(n)));
                send(ex, 200, JSON, EventJson.toJson(a), head);
            } else if (path.equals("/v1/endpoints") || path.equals("/v1/endpoints/")) {
                listEndpoints(ex, head);
            } else if (path.startsWith("/v1/locate/")) {
                Optional<EndpointId> ep = endpointOf(ex, path.substring("/v1/locate/".length()), head);
                if (ep.isPresent()) {
                    Optional<Location> loc = registry.locate(ep.get());
                    if (loc.isPresent()) {
                        send(ex, 200, TEXT, loc.get().node().value(), head);
                    } else {
                        send(ex, 404, TEXT, "", head);
                    }
                }
            } else if (path.startsWith("/v1/endpoints/")) {
                Optional<EndpointId> ep = endpointOf(ex, path.substring("/v1/endpoints/".length()), head);
                if (ep.isPresent()) {
                    Optional<EndpointRecord> r = registry.find(ep.get());
                    if (r.isPresent()) {
                        send(ex, 200, JSON, EventJson.write(r.get()), head);
                    } else {
                        sendError(ex, 404, "endpoint " + ep.get() + " is unknown", head);
                    }
                }
            } else {
                sendError(ex, 404, "no such route: " + shorten(path), head);
            }
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            registryFailures.incrementAndGet();
            if (registryFailureLogged.compareAndSet(false, true)) {
                log.warn("lookup: registry read failed (logged once; see /metrics): {}", e.toString());
            } else {
                log.debug("lookup: registry read failed: {}", e.toString());
            }
            sendError(ex, 503, "registry unavailable", head);
        }
    }

    private void listEndpoints(HttpExchange ex, boolean head) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        Optional<String> node = Optional.empty();
        if (query != null && !query.isEmpty()) {
            for (String part : query.split("&")) {
                int eq = part.indexOf('=');
                String k = eq < 0 ? part : part.substring(0, eq);
                String v = eq < 0 ? "" : part.substring(eq + 1);
                if (k.equals("node")) {
                    node = Optional.of(percentDecode(v));
                } else {
                    sendError(ex, 400, "unknown query parameter: " + shorten(k) + " (expected node)", head);
                    return;
                }
            }
        }
        List<EndpointId> ids;
        if (node.isPresent()) {
            NodeId id;
            try {
                id = new NodeId(node.get());
            } catch (IllegalArgumentException e) {
                sendError(ex, 400, "invalid node: " + shorten(node.get()), head);
                return;
            }
            ids = registry.endpointsOn(id);
        } else {
            ids = registry.endpoints();
        }
        ArrayNode a = EventJson.newArray();
        for (EndpointId id : ids) {
            registry.find(id).ifPresent(r -> a.add(EventJson.toTree(r)));
        }
        send(ex, 200, JSON, EventJson.toJson(a), head);
    }

    private Optional<EndpointId> endpointOf(HttpExchange ex, String rest, boolean head) throws IOException {
        try {
            String[] parts = rest.split("/", -1);
            if (parts.length == 1) {
                return Optional.of(EndpointId.parse(percentDecode(parts[0])));
            }
            if (parts.length == 2) {
                return Optional.of(new EndpointId(percentDecode(parts[0]), percentDecode(parts[1])));
            }
            sendError(ex, 400, "expected /{technology}/{resource}", head);
        } catch (IllegalArgumentException e) {
            sendError(ex, 400, "invalid endpoint: " + shorten(e.getMessage()), head);
        }
        return Optional.empty();
    }

    private void health(HttpExchange ex, boolean head) throws IOException {
        ObjectNode o = EventJson.newObject();
        String status = "UP";
        try {
            ArrayNode nodes = o.putArray("nodes");
            for (NodeRecord n : registry.nodes()) {
                ObjectNode no = nodes.addObject();
                no.put("node", n.node().value());
                no.put("status", n.status().name());
                no.put("stale", n.stale());
                if (n.stale()) {
                    status = "DEGRADED";
                }
            }
        } catch (RuntimeException e) {
            registryFailures.incrementAndGet();
            log.debug("health: registry read failed: {}", e.toString());
            status = "DOWN";
        }
        if (metrics.isPresent()) {
            ArrayNode sinks = o.putArray("sinks");
            for (SinkMetrics s : metrics.get().get().sinks()) {
                ObjectNode so = sinks.addObject();
                so.put("sink", s.sink());
                so.put("pendingKeys", s.pendingKeys());
                so.put("consecutiveFailures", s.consecutiveFailures());
                s.lastSuccessAt().ifPresent(t -> so.put("lastSuccessAt", t.toString()));
                if (s.consecutiveFailures() > 0 && status.equals("UP")) {
                    status = "DEGRADED";
                }
            }
        }
        if (sourceStatus.isPresent()) {
            ObjectNode so = o.putObject("sources");
            for (Map.Entry<String, Boolean> e : sourceStatus.get().get().entrySet()) {
                so.put(e.getKey(), e.getValue() ? "CONNECTED" : "DISCONNECTED");
                if (!e.getValue() && status.equals("UP")) {
                    status = "DEGRADED";
                }
            }
        }
        ObjectNode out = EventJson.newObject();
        out.put("status", status);
        out.setAll(o);
        send(ex, status.equals("UP") ? 200 : 503, JSON, EventJson.toJson(out), head);
    }

    /** The Prometheus exposition served on {@code /metrics}. */
    public String metricsText() {
        PrometheusText p = new PrometheusText();
        p.counter("astreg_lookup_requests_total", "HTTP requests served by the lookup service.", requests.get());
        p.counter(
                "astreg_lookup_registry_failures_total",
                "Lookups that failed because the registry could not be read.",
                registryFailures.get());
        try {
            List<NodeRecord> nodes = registry.nodes();
            for (NodeRecord n : nodes) {
                String id = n.node().value();
                p.gauge("astreg_node_up", "1 when the node's source reports it UP.", up(n), "node", id);
                p.gauge(
                        "astreg_node_stale",
                        "1 when the node is DOWN or its heartbeat is old (R5).",
                        n.stale() ? 1 : 0,
                        "node",
                        id);
                p.gauge(
                        "astreg_node_heartbeat_age_seconds",
                        "Seconds since the node's last heartbeat.",
                        seconds(Duration.between(n.heartbeatAt(), clock.instant())),
                        "node",
                        id);
            }
            p.gauge(
                    "astreg_registry_endpoints",
                    "Endpoints any node knows.",
                    registry.endpoints().size());
        } catch (RuntimeException e) {
            registryFailures.incrementAndGet();
            log.debug("metrics: registry read failed: {}", e.toString());
        }
        if (metrics.isPresent()) {
            PipelineMetrics m = metrics.get().get();
            p.counter("astreg_events_received_total", "Observations received from sources.", m.received());
            p.counter(
                    "astreg_changes_applied_total", "Changes the registry applied (what sinks receive).", m.applied());
            for (Map.Entry<String, Long> e : m.receivedByNodeAndKind().entrySet()) {
                String key = e.getKey();
                int slash = key.lastIndexOf('/');
                String node = slash < 0 ? key : key.substring(0, slash);
                String kind = slash < 0 ? "" : key.substring(slash + 1);
                p.counter(
                        "astreg_events_received_by_node_total",
                        "Observations received, by node and kind.",
                        e.getValue(),
                        "node",
                        node,
                        "kind",
                        kind);
            }
            Instant now = clock.instant();
            for (SinkMetrics s : m.sinks()) {
                String sink = s.sink();
                p.counter("astreg_sink_batches_total", "Batches a sink wrote.", s.batchesWritten(), "sink", sink);
                p.counter("astreg_sink_changes_total", "Changes a sink wrote.", s.changesWritten(), "sink", sink);
                p.counter(
                        "astreg_sink_failures_total", "Failed sink writes (each retried).", s.failures(), "sink", sink);
                p.gauge(
                        "astreg_sink_consecutive_failures",
                        "Failures since the sink's last success.",
                        s.consecutiveFailures(),
                        "sink",
                        sink);
                p.gauge(
                        "astreg_sink_pending",
                        "Changes waiting for the sink (queue depth; at most one per key).",
                        s.pendingKeys(),
                        "sink",
                        sink);
                double lag = 0;
                if (s.pendingKeys() > 0 || s.consecutiveFailures() > 0) {
                    lag = s.lastSuccessAt()
                            .map(t -> seconds(Duration.between(t, now)))
                            .orElse(0.0);
                }
                p.gauge(
                        "astreg_sink_lag_seconds",
                        "Seconds since the sink's last successful write while changes wait (0 when caught up).",
                        lag,
                        "sink",
                        sink);
                s.lastSuccessAt()
                        .ifPresent(t -> p.gauge(
                                "astreg_sink_last_success_timestamp_seconds",
                                "Unix time of the sink's last successful write.",
                                t.toEpochMilli() / 1000.0,
                                "sink",
                                sink));
                // the sink's own counters and values, unless the pipeline's families above already
                // say the same (both sinks count their batches, for example)
                for (Map.Entry<String, Long> c : s.counters().entrySet()) {
                    String name = "astreg_sink_" + PrometheusText.sanitize(c.getKey()) + "_total";
                    if (!PIPELINE_SINK_FAMILIES.contains(name)) {
                        p.counter(name, "Sink counter '" + c.getKey() + "'.", c.getValue(), "sink", sink);
                    }
                }
                for (Map.Entry<String, Long> g : s.gauges().entrySet()) {
                    String name = "astreg_sink_" + PrometheusText.sanitize(g.getKey());
                    if (!PIPELINE_SINK_FAMILIES.contains(name)) {
                        p.gauge(name, "Sink value '" + g.getKey() + "'.", g.getValue(), "sink", sink);
                    }
                }
            }
            for (Map.Entry<String, Map<String, Long>> src : m.sources().entrySet()) {
                for (Map.Entry<String, Long> c : src.getValue().entrySet()) {
                    String key = c.getKey();
                    if (key.toLowerCase(java.util.Locale.ROOT).contains("queue")) {
                        // a depth, not a count: it goes down as well as up
                        p.gauge(
                                "astreg_source_" + PrometheusText.sanitize(key),
                                "Source queue depth '" + key + "'.",
                                c.getValue(),
                                "source",
                                src.getKey());
                    } else {
                        p.counter(
                                "astreg_source_" + PrometheusText.sanitize(key) + "_total",
                                "Source counter '" + key + "'.",
                                c.getValue(),
                                "source",
                                src.getKey());
                    }
                }
            }
        }
        if (sourceStatus.isPresent()) {
            for (Map.Entry<String, Boolean> e : sourceStatus.get().get().entrySet()) {
                p.gauge(
                        "astreg_source_connected",
                        "1 when the source's link is up and resynchronised.",
                        e.getValue() ? 1 : 0,
                        "source",
                        e.getKey());
            }
        }
        return p.toString();
    }

    private static int up(NodeRecord n) {
        return n.status().name().equals("UP") ? 1 : 0;
    }

    private static double seconds(Duration d) {
        return Math.max(0, d.toMillis()) / 1000.0;
    }

    private boolean authorized(Headers h) {
        if (token.isEmpty()) {
            return true;
        }
        String auth = h.getFirst("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.get());
    }

    private static void sendError(HttpExchange ex, int status, String message, boolean head) throws IOException {
        ObjectNode o = EventJson.newObject();
        o.put("error", message);
        send(ex, status, JSON, EventJson.toJson(o), head);
    }

    private static void send(HttpExchange ex, int status, String type, String body, boolean head) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if (head || bytes.length == 0) {
            if (head) {
                ex.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            }
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Percent-decodes one path segment or query value as UTF-8 ({@code +} stays a plus). */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("bad percent escape in '" + shorten(s) + "'");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad percent escape in '" + shorten(s) + "'");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Builds a {@link LookupService}; only the registry is required. */
    public static final class Builder {
        private final EndpointRegistry registry;
        private String bind = "127.0.0.1";
        private int port = 8080;
        private Optional<String> token = Optional.empty();
        private Supplier<PipelineMetrics> metrics;
        private Supplier<Map<String, Boolean>> sourceStatus;
        private int threads = 4;
        private Clock clock = Clock.systemUTC();

        private Builder(EndpointRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** The address to listen on (default {@code 127.0.0.1}; {@code 0.0.0.0} for every interface). */
        public Builder bind(String value) {
            this.bind = Objects.requireNonNull(value, "bind");
            return this;
        }

        /** The port (default 8080; 0 picks any free port, see {@link LookupService#port()}). */
        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("port: must be 0..65535, was " + value);
            }
            this.port = value;
            return this;
        }

        /** Requires {@code Authorization: Bearer <token>} on every route but {@code /health}. */
        public Builder bearerToken(Optional<String> value) {
            Objects.requireNonNull(value, "token").ifPresent(t -> {
                if (t.isBlank()) {
                    throw new IllegalArgumentException("bearer token: must not be blank");
                }
            });
            this.token = value;
            return this;
        }

        /** Pipeline counters for {@code /metrics} and {@code /health} (optional). */
        public Builder metrics(Supplier<PipelineMetrics> value) {
            this.metrics = Objects.requireNonNull(value, "metrics");
            return this;
        }

        /** Whether each source is connected, by source name, for {@code /metrics} and {@code /health}. */
        public Builder sourceStatus(Supplier<Map<String, Boolean>> value) {
            this.sourceStatus = Objects.requireNonNull(value, "sourceStatus");
            return this;
        }

        /** Request threads (default 4). */
        public Builder threads(int value) {
            if (value < 1 || value > 256) {
                throw new IllegalArgumentException("threads: must be 1..256, was " + value);
            }
            this.threads = value;
            return this;
        }

        /** The clock for ages and lags in {@code /metrics} (default system UTC). */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        public LookupService build() {
            return new LookupService(this);
        }
    }
}
