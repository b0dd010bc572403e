package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.contract.Observations;
import io.github.astreg.testkit.contract.RegistryView;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Redis is killed (no persistence: it comes back empty) in the middle of a stream of updates fed
 * through core's Pipeline, and started again on the same port. Nothing of ours is restarted; once
 * the pipeline has flushed, the store must equal the pipeline's in-memory registry.
 */
class RedisRestartIT {
    private static final int PHONES = 60;

    @BeforeAll
    static void needRedisServer() {
        RedisServerProcess.assumeAvailable();
    }

    @Test
    void storeEqualsTheRegistryAfterRedisLostEverything() throws Exception {
        restartRedisMidStreamAndCheckTheStore(true);
    }

    /** Control: without the sink's resync the restart loses data, so the test above can fail. */
    @Test
    void withoutResyncTheRestartLosesData() throws Exception {
        restartRedisMidStreamAndCheckTheStore(false);
    }

    private void restartRedisMidStreamAndCheckTheStore(boolean resync) throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start()) {
            String prefix = RedisTestSupport.uniquePrefix();
            RedisSinkConfig config = RedisTestSupport.config(server.port(), prefix)
                    .connectTimeout(Duration.ofMillis(500))
                    .socketTimeout(Duration.ofMillis(1000))
                    .resyncAfterDataLoss(resync)
                    .build();
            InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
            RedisEndpointSink sink = RedisEndpointSink.builder(config).build();
            Pipeline pipeline = Pipeline.builder(registry)
                    .config(PipelineConfig.builder()
                            .collectorId("restart-it")
                            .batchSize(40)
                            .flushInterval(Duration.ofMillis(5))
                            .retryInitialBackoff(Duration.ofMillis(50))
                            .retryMaxBackoff(Duration.ofMillis(400))
                            .heartbeatInterval(Duration.ofMillis(500))
                            .build())
                    .sink(sink)
                    .build();
            try (RedisEndpointRegistry store =
                    RedisEndpointRegistry.builder(config).build()) {
                pipeline.start();
                List<EndpointStateEvent> stream = stream();
                int third = stream.size() / 3;
                feed(pipeline, stream.subList(0, third));
                assertThat(pipeline.awaitFlushed(Duration.ofSeconds(20))).isTrue();
                assertThat(view(store)).isEqualTo(view(registry));

                server.kill();
                feed(pipeline, stream.subList(third, 2 * third)); // written while Redis is down
                Thread.sleep(300);
                server.launch(); // empty: no RDB, no AOF
                feed(pipeline, stream.subList(2 * third, stream.size()));

                assertThat(pipeline.awaitFlushed(Duration.ofSeconds(30)))
                        .as("pipeline flushed after the restart")
                        .isTrue();
                if (!resync) {
                    assertThat(view(store)).isNotEqualTo(view(registry));
                    assertThat(sink.counters().get("resyncs")).isGreaterThanOrEqualTo(1L);
                    return;
                }
                assertThat(RedisTestSupport.await(
                                Duration.ofSeconds(10), () -> view(store).equals(view(registry))))
                        .as("store equals the registry again")
                        .isTrue();
                assertThat(view(store)).containsExactlyElementsOf(view(registry));
                assertThat(sink.counters().get("resyncs")).isGreaterThanOrEqualTo(1L);
                assertThat(sink.counters().get("noscript")).isGreaterThanOrEqualTo(1L);

                // the dialplan's key agrees too
                try (RedisClient raw = RedisClient.create("127.0.0.1", server.port())) {
                    RedisKeys keys = RedisKeys.withPrefix(prefix);
                    for (EndpointId ep : endpoints()) {
                        assertThat(raw.get(keys.location(ep)))
                                .as("loc key of %s", ep)
                                .isEqualTo(registry.locate(ep)
                                        .map(Location::node)
                                        .map(Object::toString)
                                        .orElse(null));
                    }
                }
            } finally {
                pipeline.close();
                sink.close();
            }
        }
    }

    private static void feed(Pipeline pipeline, List<EndpointStateEvent> events) throws InterruptedException {
        for (int i = 0; i < events.size(); i++) {
            pipeline.receive(events.get(i));
            if (i % 50 == 49) {
                Thread.sleep(5); // a stream, not one burst
            }
        }
    }

    private List<EndpointId> endpoints() {
        List<EndpointId> out = new ArrayList<>();
        for (int i = 0; i < PHONES; i++) {
            out.add(EndpointId.parse("PJSIP/r" + i + "-" + unique));
        }
        return out;
    }

    private List<String> view(io.github.astreg.core.registry.EndpointRegistry r) {
        return RegistryView.of(r, endpoints()).stream()
                .filter(l -> !l.startsWith("node ") || l.contains(unique))
                .toList();
    }

    private final String unique = Long.toHexString(new Random().nextLong());

    /** Registrations, refreshes with RTT, calls, moves between nodes and unregistrations. */
    private List<EndpointStateEvent> stream() {
        Observations obs = new Observations();
        Random rnd = new Random(7);
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(120);
        String a = "a-" + unique;
        String b = "b-" + unique;
        List<EndpointStateEvent> out = new ArrayList<>();
        out.add(obs.node(a, NodeStatus.UP, Instant.now()));
        out.add(obs.node(b, NodeStatus.UP, Instant.now()));
        for (int step = 0; step < 1500; step++) {
            t = t.plusMillis(50);
            int i = rnd.nextInt(PHONES);
            String phone = "PJSIP/r" + i + "-" + unique;
            String node = rnd.nextInt(4) == 0 ? (i % 2 == 0 ? b : a) : (i % 2 == 0 ? a : b);
            String uri = "sip:r" + i + "@10.0." + (i % 200) + ".1:" + (5060 + rnd.nextInt(3));
            Instant at = t;
            switch (rnd.nextInt(6)) {
                case 0, 1 -> out.add(obs.registered(node, phone, uri, at));
                case 2 ->
                    out.add(obs.contact(
                            node,
                            phone,
                            uri,
                            ContactStatus.REACHABLE,
                            at,
                            c -> c.rtt(Duration.ofMillis(1 + rnd.nextInt(40)))));
                case 3 ->
                    out.add(obs.device(
                            node, phone, DeviceState.values()[rnd.nextInt(DeviceState.values().length)], at));
                case 4 -> out.add(obs.endpoint(node, phone, EndpointState.ONLINE, rnd.nextInt(3), at));
                default -> out.add(obs.removed(node, phone, uri, at));
            }
        }
        return out;
    }
}
