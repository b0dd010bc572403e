package io.github.astreg.examples.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.core.spi.EventReceiver;
import io.github.astreg.examples.config.ConfigException;
import io.github.astreg.examples.config.ConfigLoader;
import io.github.astreg.examples.config.NodeSettings;
import io.github.astreg.examples.config.RunnerConfig;
import io.github.astreg.examples.config.StoreSettings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The runner's lifecycle over a fake {@link AdapterFactory}: validation, store checks, wiring, close. */
class RunnerTest {
    private static final String YAML = """
            nodes:
              - id: pbx1
                ami: { host: 127.0.0.1, username: u, secret: s }
              - id: pbx2
                ami: { host: 127.0.0.1, username: u, secret: s }
            sinks:
              jdbc: { url: "jdbc:fake:x" }
            http: { port: %d }
            """;

    /** A source that, once started, reports its node UP and one phone registered on it. */
    static final class ScriptedSource implements EndpointEventSource {
        final NodeSettings node;
        final AtomicInteger closes = new AtomicInteger();
        volatile boolean started;

        ScriptedSource(NodeSettings node) {
            this.node = node;
        }

        @Override
        public String name() {
            return "fake-" + node.id();
        }

        @Override
        public void start(EventReceiver receiver) {
            started = true;
            Instant now = Instant.now();
            receiver.receive(new EndpointStateEvent(node.id(), now, 1, Origin.OTHER, NodeChange.up(now)));
            String phone = node.id().value().equals("pbx1") ? "1001" : "1002";
            receiver.receive(new EndpointStateEvent(
                    node.id(),
                    now,
                    2,
                    Origin.OTHER,
                    ContactChange.builder(
                                    EndpointId.pjsip(phone), "sip:" + phone + "@10.0.0.1", ContactStatus.REACHABLE)
                            .build()));
        }

        @Override
        public boolean isConnected() {
            return started;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    /** A store that keeps what it is written in memory. */
    static final class MemoryStore implements PreparedStore {
        final List<EndpointStateEvent> written = new CopyOnWriteArrayList<>();
        final InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        final AtomicInteger closes = new AtomicInteger();
        final boolean down;

        MemoryStore(boolean down) {
            this.down = down;
        }

        @Override
        public String describe() {
            return "memory store";
        }

        @Override
        public void open() {
            if (down) {
                throw new StoreUnavailableException("memory store is unreachable: down", null);
            }
        }

        @Override
        public EndpointSink sink() {
            return new EndpointSink() {
                @Override
                public String name() {
                    return "memory";
                }

                @Override
                public void write(List<EndpointStateEvent> batch) {
                    written.addAll(batch);
                    registry.applyAll(batch);
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public EndpointRegistry registry() {
            return registry;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    static final class Factory implements AdapterFactory {
        final List<ScriptedSource> sources = new ArrayList<>();
        final List<MemoryStore> stores = new ArrayList<>();
        boolean rejectNodes;
        boolean storeDown;

        @Override
        public EndpointEventSource source(NodeSettings node, RunnerConfig config) {
            if (rejectNodes) {
                throw new IllegalArgumentException("invalid ami source config: host: nope; eventMask: bad");
            }
            ScriptedSource s = new ScriptedSource(node);
            sources.add(s);
            return s;
        }

        @Override
        public PreparedStore store(StoreKind kind, StoreSettings store, RunnerConfig config) {
            MemoryStore s = new MemoryStore(storeDown);
            stores.add(s);
            return s;
        }
    }

    private static RunnerConfig config(int port) {
        return new ConfigLoader(Map.of()).parse(YAML.formatted(port), "test.yaml");
    }

    @Test
    void adapterErrorsOfEveryNodeAreReportedAtOnceWithPaths() {
        Factory f = new Factory();
        f.rejectNodes = true;
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> Runner.start(config(0), f, "test.yaml"));
        assertThat(e.errors())
                .containsExactly(
                        "nodes[0].ami.host: nope",
                        "nodes[0].ami.eventMask: bad",
                        "nodes[1].ami.host: nope",
                        "nodes[1].ami.eventMask: bad");
        assertThat(f.stores).allSatisfy(s -> assertThat(s.closes).hasValue(1));
    }

    @Test
    void aStoreDownAtStartFailsTheStartAndClosesEverything() {
        Factory f = new Factory();
        f.storeDown = true;
        StoreUnavailableException e =
                catchThrowableOfType(StoreUnavailableException.class, () -> Runner.start(config(0), f, "test.yaml"));
        assertThat(e).hasMessage("memory store is unreachable: down");
        assertThat(f.sources).hasSize(2).allSatisfy(s -> {
            assertThat(s.started).isFalse();
            assertThat(s.closes.get()).isPositive();
        });
        assertThat(f.stores).allSatisfy(s -> assertThat(s.closes.get()).isPositive());
    }

    @Test
    void wiresSourcesPipelineStoreAndLookupThenClosesInOrder() throws Exception {
        Factory f = new Factory();
        Runner runner = Runner.start(config(0), f, "test.yaml");
        int port;
        try {
            assertThat(runner.allSourcesConnected()).isTrue();
            assertThat(runner.awaitFlushed(Duration.ofSeconds(5))).isTrue();
            MemoryStore store = f.stores.get(0);
            assertThat(store.registry.locate(EndpointId.pjsip("1001")))
                    .hasValueSatisfying(l -> assertThat(l.node().value()).isEqualTo("pbx1"));
            URI base = runner.lookup().orElseThrow().baseUri();
            port = base.getPort();
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(base.resolve("/v1/locate/PJSIP/1002"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).isEqualTo("pbx2");
            HttpResponse<String> metrics = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body())
                    .contains("astreg_events_received_by_node_total{node=\"pbx1\",kind=\"contact\"} 1")
                    .contains("astreg_source_connected{source=\"fake-pbx2\"} 1")
                    .contains("astreg_sink_batches_total{sink=\"memory\"}");
        } finally {
            runner.close();
            runner.close();
        }
        assertThat(f.sources).allSatisfy(s -> assertThat(s.closes.get()).isPositive());
        assertThat(f.stores).allSatisfy(s -> assertThat(s.closes.get()).isPositive());
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void aBusyLookupPortFailsTheStartAndClosesEverything() throws Exception {
        Factory f = new Factory();
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            AstregException e = catchThrowableOfType(
                    AstregException.class, () -> Runner.start(config(busy.getLocalPort()), f, "test.yaml"));
            assertThat(e).hasMessageStartingWith("http: cannot listen on 127.0.0.1:" + busy.getLocalPort());
        }
        assertThat(f.sources).allSatisfy(s -> assertThat(s.closes.get()).isPositive());
        assertThat(f.stores).allSatisfy(s -> assertThat(s.closes.get()).isPositive());
    }
}
