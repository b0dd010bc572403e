package io.github.astreg.examples.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.pipeline.PipelineMetrics;
import io.github.astreg.core.pipeline.SinkMetrics;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.registry.RegistryListener;
import io.github.astreg.core.registry.Subscription;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LookupServiceTest {
    private static final NodeId PBX1 = NodeId.of("pbx1");
    private static final NodeId PBX2 = NodeId.of("pbx2");
    private static final EndpointId E1001 = EndpointId.pjsip("1001");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong seq = new AtomicLong();
    private InMemoryEndpointRegistry registry;
    private LookupService service;

    @BeforeEach
    void setUp() {
        registry = InMemoryEndpointRegistry.create();
        Instant now = Instant.now();
        registry.apply(event(PBX1, now, NodeChange.up(now.minusSeconds(3600))));
        registry.apply(event(PBX2, now, NodeChange.up(now.minusSeconds(3600))));
        registry.apply(event(PBX1, now, contact(E1001, "sip:1001@10.0.0.5:5060", ContactStatus.REACHABLE)));
        registry.apply(event(PBX1, now, new DeviceChange(E1001, DeviceState.INUSE)));
        registry.apply(event(
                PBX2,
                now,
                contact(new EndpointId("PJSIP", "al ice"), "sip:alice@10.0.0.6:5060", ContactStatus.REACHABLE)));
        registry.apply(
                event(PBX2, now, contact(EndpointId.pjsip("1002"), "sip:1002@10.0.0.7:5060", ContactStatus.REMOVED)));
    }

    @AfterEach
    void tearDown() {
        if (service != null) {
            service.close();
        }
    }

    private EndpointStateEvent event(NodeId node, Instant at, io.github.astreg.core.model.Change change) {
        return new EndpointStateEvent(node, at, seq.incrementAndGet(), Origin.OTHER, change);
    }

    private static ContactChange contact(EndpointId ep, String uri, ContactStatus status) {
        return ContactChange.builder(ep, uri, status)
                .address("10.0.0.5", 5060)
                .rtt(Duration.ofMillis(12))
                .expiresAt(Instant.now().plusSeconds(3600))
                .build();
    }

    private LookupService start(LookupService.Builder b) {
        service = b.port(0).build();
        service.start();
        return service;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(service.baseUri().resolve(path)).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void locateAnswersTheNodeAsPlainTextWithoutNewline() throws Exception {
        start(LookupService.builder(registry));
        HttpResponse<String> r = get("/v1/locate/PJSIP/1001");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("pbx1");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    }

    @Test
    void locateIs404WithEmptyBodyWhenRegisteredNowhere() throws Exception {
        start(LookupService.builder(registry));
        HttpResponse<String> removed = get("/v1/locate/PJSIP/1002");
        assertThat(removed.statusCode()).isEqualTo(404);
        assertThat(removed.body()).isEmpty();
        assertThat(get("/v1/locate/PJSIP/9999").statusCode()).isEqualTo(404);
    }

    @Test
    void resourceIsPercentDecodedAndTheSlashMayBeEscaped() throws Exception {
        start(LookupService.builder(registry));
        assertThat(get("/v1/locate/PJSIP/al%20ice").body()).isEqualTo("pbx2");
        assertThat(get("/v1/locate/PJSIP%2F1001").body()).isEqualTo("pbx1");
        assertThat(get("/v1/locate/PJSIP/1001/extra").statusCode()).isEqualTo(400);
        assertThatThrownBy(() -> LookupService.percentDecode("%zz")).isInstanceOf(IllegalArgumentException.class);
        assertThat(LookupService.percentDecode("a%2Fb%C3%A9+")).isEqualTo("a/bé+");
        assertThat(get("/v1/locate/1001").statusCode()).isEqualTo(400);
    }

    @Test
    void endpointRecordIsTheCanonicalJson() throws Exception {
        start(LookupService.builder(registry));
        HttpResponse<String> r = get("/v1/endpoints/PJSIP/1001");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        EndpointRecord record = EventJson.readRecord(r.body());
        assertThat(record.location().map(Location::node)).hasValue(PBX1);
        assertThat(record.deviceState()).isEqualTo(DeviceState.INUSE);
        assertThat(r.body()).isEqualTo(EventJson.write(registry.find(E1001).orElseThrow()));
        assertThat(get("/v1/endpoints/PJSIP/9999").statusCode()).isEqualTo(404);
    }

    @Test
    void endpointsListFiltersByNode() throws Exception {
        start(LookupService.builder(registry));
        ObjectMapper m = new ObjectMapper();
        JsonNode all = m.readTree(get("/v1/endpoints").body());
        assertThat(all.size()).isEqualTo(registry.endpoints().size());
        JsonNode onPbx1 = m.readTree(get("/v1/endpoints?node=pbx1").body());
        assertThat(onPbx1.size()).isEqualTo(1);
        assertThat(onPbx1.get(0).get("endpoint").asText()).isEqualTo("PJSIP/1001");
        assertThat(m.readTree(get("/v1/endpoints?node=pbx9").body()).size()).isZero();
        assertThat(get("/v1/endpoints?node=bad%20id").statusCode()).isEqualTo(400);
        assertThat(get("/v1/endpoints?nod=pbx1").statusCode()).isEqualTo(400);
    }

    @Test
    void nodesListsEveryNode() throws Exception {
        start(LookupService.builder(registry));
        JsonNode nodes = new ObjectMapper().readTree(get("/v1/nodes").body());
        assertThat(nodes.size()).isEqualTo(2);
        assertThat(nodes.get(0).get("node").asText()).isEqualTo("pbx1");
        assertThat(nodes.get(1).get("status").asText()).isEqualTo("UP");
    }

    @Test
    void healthIsUpThenDegradedWhenASinkFailsOrASourceIsDisconnected() throws Exception {
        PipelineMetrics[] metrics = {pipelineMetrics(0)};
        Map<String, Boolean> sources = new LinkedHashMap<>(Map.of("ami-pbx1", true));
        start(LookupService.builder(registry).metrics(() -> metrics[0]).sourceStatus(() -> Map.copyOf(sources)));
        HttpResponse<String> up = get("/health");
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).startsWith("{\"status\":\"UP\"");

        metrics[0] = pipelineMetrics(2);
        HttpResponse<String> failing = get("/health");
        assertThat(failing.statusCode()).isEqualTo(503);
        assertThat(failing.body()).contains("\"status\":\"DEGRADED\"").doesNotContain("boom");

        metrics[0] = pipelineMetrics(0);
        sources.put("ami-pbx1", false);
        assertThat(get("/health").statusCode()).isEqualTo(503);
    }

    private static PipelineMetrics pipelineMetrics(long consecutiveFailures) {
        SinkMetrics jdbc = new SinkMetrics(
                "jdbc",
                3,
                10,
                100,
                2 + consecutiveFailures,
                consecutiveFailures,
                Optional.of(Instant.parse("2026-11-26T06:00:00Z")),
                Optional.of("boom"),
                Map.of("batches", 99L, "purged", 4L),
                Map.of("kept", 12L));
        Map<String, Long> byKind = new LinkedHashMap<>();
        byKind.put("pbx1/contact", 7L);
        byKind.put("pbx2/device", 3L);
        return new PipelineMetrics(
                10,
                9,
                byKind,
                List.of(jdbc),
                Map.of("ami-pbx1", Map.of("events", 10L, "reconnects", 2L, "dropped", 1L, "queued", 4L)));
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        start(LookupService.builder(registry)
                .metrics(() -> pipelineMetrics(1))
                .sourceStatus(() -> Map.of("ami-pbx1", true)));
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body())
                .contains("# TYPE astreg_events_received_by_node_total counter\n")
                .contains("astreg_events_received_by_node_total{node=\"pbx1\",kind=\"contact\"} 7\n")
                .contains("astreg_events_received_by_node_total{node=\"pbx2\",kind=\"device\"} 3\n")
                .contains("astreg_sink_batches_total{sink=\"jdbc\"} 10\n")
                .contains("astreg_sink_failures_total{sink=\"jdbc\"} 3\n")
                .contains("astreg_sink_pending{sink=\"jdbc\"} 3\n")
                .contains("astreg_source_reconnects_total{source=\"ami-pbx1\"} 2\n")
                .contains("astreg_source_dropped_total{source=\"ami-pbx1\"} 1\n")
                .contains("# TYPE astreg_source_queued gauge\nastreg_source_queued{source=\"ami-pbx1\"} 4\n")
                .contains("astreg_source_connected{source=\"ami-pbx1\"} 1\n")
                .contains("astreg_node_up{node=\"pbx1\"} 1\n")
                .contains("astreg_registry_endpoints " + registry.endpoints().size() + "\n")
                .containsPattern("astreg_sink_lag_seconds\\{sink=\"jdbc\"} [0-9.]+\n")
                // the sink's own counters and values; its own "batches" does not repeat the pipeline's
                .contains("# TYPE astreg_sink_purged_total counter\nastreg_sink_purged_total{sink=\"jdbc\"} 4\n")
                .contains("# TYPE astreg_sink_kept gauge\nastreg_sink_kept{sink=\"jdbc\"} 12\n")
                .doesNotContain("astreg_sink_batches_total{sink=\"jdbc\"} 99");
        // every sample line belongs to a family announced before it
        String family = null;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("# TYPE ")) {
                family = line.split(" ")[2];
            } else if (!line.startsWith("#")) {
                assertThat(family).isNotNull();
                assertThat(line).startsWith(family);
            }
        }
    }

    @Test
    void bearerTokenGuardsEverythingButHealth() throws Exception {
        start(LookupService.builder(registry).bearerToken(Optional.of("s3cret")));
        assertThat(get("/v1/locate/PJSIP/1001").statusCode()).isEqualTo(401);
        assertThat(get("/metrics").statusCode()).isEqualTo(401);
        HttpResponse<String> wrong =
                send(HttpRequest.newBuilder(service.baseUri().resolve("/v1/locate/PJSIP/1001"))
                        .header("Authorization", "Bearer nope"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).isPresent();
        HttpResponse<String> ok = send(HttpRequest.newBuilder(service.baseUri().resolve("/v1/locate/PJSIP/1001"))
                .header("Authorization", "Bearer s3cret"));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("pbx1");
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(service.toString()).doesNotContain("s3cret");
    }

    @Test
    void onlyGetAndHeadAreAllowed() throws Exception {
        start(LookupService.builder(registry));
        HttpResponse<String> post =
                send(HttpRequest.newBuilder(service.baseUri().resolve("/v1/locate/PJSIP/1001"))
                        .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> head =
                send(HttpRequest.newBuilder(service.baseUri().resolve("/v1/locate/PJSIP/1001"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(get("/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void aFailingRegistryAnswers503AndIsCounted() throws Exception {
        EndpointRegistry broken = new EndpointRegistry() {
            @Override
            public Optional<Location> locate(EndpointId endpoint) {
                throw new IllegalStateException("store down: password=hunter2");
            }

            @Override
            public List<Location> locateAll(EndpointId endpoint) {
                throw new IllegalStateException("store down");
            }

            @Override
            public Optional<EndpointRecord> find(EndpointId endpoint) {
                throw new IllegalStateException("store down");
            }

            @Override
            public List<EndpointId> endpointsOn(NodeId node) {
                throw new IllegalStateException("store down");
            }

            @Override
            public List<EndpointId> endpoints() {
                throw new IllegalStateException("store down");
            }

            @Override
            public List<NodeRecord> nodes() {
                throw new IllegalStateException("store down");
            }

            @Override
            public Subscription subscribe(RegistryListener listener) {
                return () -> {};
            }
        };
        start(LookupService.builder(broken));
        HttpResponse<String> r = get("/v1/locate/PJSIP/1001");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).doesNotContain("hunter2");
        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).contains("\"status\":\"DOWN\"");
        assertThat(get("/metrics").body()).contains("astreg_lookup_registry_failures_total ");
    }

    @Test
    void closeReleasesThePortAndEveryThreadAndIsIdempotent() throws Exception {
        start(LookupService.builder(registry).threads(2));
        int port = service.port();
        assertThat(get("/v1/locate/PJSIP/1001").statusCode()).isEqualTo(200);
        assertThat(threadsNamed("astreg-http-" + port)).isNotEmpty();
        assertThat(Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().startsWith("astreg-http-" + port))
                        .allMatch(Thread::isDaemon))
                .isTrue();
        service.close();
        service.close();
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!threadsNamed("astreg-http-" + port).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(threadsNamed("astreg-http-" + port)).isEmpty();
        assertThatThrownBy(service::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void bindsToLoopbackByDefault() {
        start(LookupService.builder(registry));
        assertThat(service.baseUri().getHost()).isEqualTo("127.0.0.1");
        assertThat(service.baseUri()).isEqualTo(URI.create("http://127.0.0.1:" + service.port()));
    }

    @Test
    void aBusyPortIsAClearError() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            LookupService busy =
                    LookupService.builder(registry).port(s.getLocalPort()).build();
            try {
                assertThatThrownBy(busy::start)
                        .isInstanceOf(java.io.UncheckedIOException.class)
                        .hasMessageContaining("cannot listen on 127.0.0.1:" + s.getLocalPort());
            } finally {
                busy.close();
            }
        }
    }

    private static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(n -> n.startsWith(prefix))
                .toList();
    }
}
