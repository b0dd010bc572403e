package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.registry.Subscription;
import io.github.astreg.testkit.contract.Observations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * A registry on "another machine" (its own client, no shared state with the writer) sees changes
 * live through {@code <prefix>events}, survives a Redis restart, and stops its threads on close.
 */
class SubscriptionIT {
    private final Observations obs = new Observations();

    @BeforeAll
    static void needRedisServer() {
        RedisServerProcess.assumeAvailable();
    }

    private static boolean subscriberThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("astreg-redis-") && t.isAlive());
    }

    @Test
    void changesArriveLiveAndAfterARedisRestart() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start()) {
            RedisSinkConfig config = RedisTestSupport.config(server.port(), "astreg:")
                    .connectTimeout(Duration.ofMillis(500))
                    .socketTimeout(Duration.ofMillis(1000))
                    .build();
            InMemoryEndpointRegistry upstream = InMemoryEndpointRegistry.create();
            List<EndpointStateEvent> seen = new CopyOnWriteArrayList<>();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            try (RedisEndpointSink sink = RedisEndpointSink.builder(config).build();
                    RedisEndpointRegistry remote =
                            RedisEndpointRegistry.builder(config).build()) {
                sink.start();
                Subscription sub = remote.subscribe(seen::add);
                assertThat(subscriberThreadsAlive()).isTrue();

                List<EndpointStateEvent> first = upstream.applyAll(List.of(
                        obs.node("pbx1", NodeStatus.UP, now),
                        obs.registered("pbx1", "PJSIP/1001", "sip:1001@10.0.0.1:5060", now)));
                sink.write(first);
                assertThat(RedisTestSupport.await(Duration.ofSeconds(5), () -> seen.size() >= first.size()))
                        .isTrue();
                // exactly what the sink wrote, in core's canonical form
                assertThat(seen).containsExactlyElementsOf(first);

                // a replay changes nothing, so nothing is published
                sink.write(first);
                List<EndpointStateEvent> marker = upstream.apply(
                        obs.device("pbx1", "PJSIP/1001", io.github.astreg.core.model.DeviceState.INUSE, now));
                sink.write(marker);
                assertThat(RedisTestSupport.await(Duration.ofSeconds(5), () -> seen.containsAll(marker)))
                        .isTrue();
                assertThat(seen).hasSize(first.size() + marker.size());

                // Redis restarts: the subscriber reconnects by itself
                server.kill();
                Thread.sleep(200);
                server.launch();
                assertThat(RedisTestSupport.await(Duration.ofSeconds(15), remote::isSubscribedNow))
                        .as("subscribed again")
                        .isTrue();
                assertThat(remote.subscriberCounters().get("reconnects")).isGreaterThanOrEqualTo(1L);
                List<EndpointStateEvent> later = upstream.apply(
                        obs.registered("pbx2", "PJSIP/1001", "sip:1001@10.0.0.2:5060", now.plusSeconds(1)));
                boolean written = RedisTestSupport.await(Duration.ofSeconds(10), () -> {
                    try {
                        sink.write(later);
                    } catch (RuntimeException e) {
                        return false; // pooled connection to the old server: the pipeline would retry
                    }
                    return true;
                });
                assertThat(written).as("written after the restart").isTrue();
                boolean got = RedisTestSupport.await(Duration.ofSeconds(10), () -> seen.containsAll(later));
                assertThat(got).as("seen %s", seen).isTrue();

                // a closed subscription gets nothing more
                sub.close();
                int before = seen.size();
                sink.write(upstream.apply(obs.device(
                        "pbx2", "PJSIP/1001", io.github.astreg.core.model.DeviceState.BUSY, now.plusSeconds(2))));
                Thread.sleep(300);
                assertThat(seen).hasSize(before);

                // garbage on the channel is counted, never kills the subscriber
                try (RedisClient raw = RedisClient.create("127.0.0.1", server.port())) {
                    raw.publish(config.keyPrefix() + "events", "{not json");
                }
                assertThat(RedisTestSupport.await(
                                Duration.ofSeconds(5),
                                () -> remote.subscriberCounters().get("malformed") == 1L))
                        .isTrue();
                assertThat(remote.isSubscribedNow()).isTrue();
            }
            assertThat(RedisTestSupport.await(Duration.ofSeconds(5), () -> !subscriberThreadsAlive()))
                    .as("close() stops the subscriber threads")
                    .isTrue();
        }
    }
}
