package io.github.astreg.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.registry.Subscription;
import io.github.astreg.sink.redis.RedisEndpointRegistry;
import io.github.astreg.sink.redis.RedisEndpointSink;
import io.github.astreg.sink.redis.RedisSinkConfig;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The Redis side of {@link ResourceLeakTest}: a pipeline writing through the Redis sink and a
 * registry subscribed to its change channel (two subscriber threads), on a private redis-server.
 * After close() — also after Redis died under them — no thread and no socket of theirs is left.
 */
class RedisResourceLeakIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void sinkAndSubscriptionLeaveNothingBehindEvenAfterRedisDied() throws Exception {
        try (Services.RedisProcess redis = Services.RedisProcess.start()) {
            RedisSinkConfig config = RedisSinkConfig.builder()
                    .uri("redis://127.0.0.1:" + redis.port())
                    .keyPrefix("leak:")
                    .connectTimeout(Duration.ofSeconds(1))
                    .socketTimeout(Duration.ofSeconds(2))
                    .build();
            // one session first: anything the JVM or Jedis opens once per process is not a leak
            try (RedisEndpointRegistry warm =
                    RedisEndpointRegistry.builder(config).build()) {
                warm.nodes();
            }
            Leaks baseline = Leaks.baseline();
            List<EndpointStateEvent> heard = new CopyOnWriteArrayList<>();
            RedisEndpointRegistry reader = RedisEndpointRegistry.builder(config).build();
            Subscription subscription = reader.subscribe(heard::add);
            Pipeline pipeline = Pipeline.builder(InMemoryEndpointRegistry.create())
                    .config(PipelineConfig.builder()
                            .flushInterval(Duration.ofMillis(5))
                            .retryInitialBackoff(Duration.ofMillis(50))
                            .retryMaxBackoff(Duration.ofMillis(500))
                            .closeTimeout(Duration.ofSeconds(2))
                            .build())
                    .sink(RedisEndpointSink.builder(config).build())
                    .build();
            pipeline.start();
            long seq = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            // the subscriber may connect after the first PUBLISH: keep publishing until one is heard
            while (heard.isEmpty() && System.nanoTime() < deadline) {
                pipeline.receive(StoreScenario.contactUp("pbx1", "1001", ++seq));
                Poll.sleep(200);
            }
            assertThat(heard).as("changes heard through pub/sub").isNotEmpty();
            assertThat(baseline.newThreads()).as("subscriber threads run").isNotEmpty();

            redis.kill(); // the subscriber and the sink now retry against a dead port
            pipeline.receive(StoreScenario.contactUp("pbx1", "1002", ++seq));
            Poll.until(
                    "the sink failing",
                    WAIT,
                    () -> pipeline.metrics().sinks().get(0).consecutiveFailures() >= 2);

            subscription.close();
            pipeline.close();
            reader.close();
            reader.close();
            boolean clean = Poll.within(
                    Duration.ofSeconds(15),
                    () -> baseline.newThreads().isEmpty()
                            && baseline.newSockets().isEmpty());
            List<String> threads = baseline.newThreads();
            Set<String> sockets = baseline.newSockets();
            System.out.printf(
                    "[reliability] Redis sink + subscription closed after Redis died: threads left %d,"
                            + " sockets left %d (clean=%s)%n",
                    threads.size(), sockets.size(), clean);
            assertThat(threads).as("threads left%s", Leaks.dump(threads)).isEmpty();
            assertThat(sockets).as("sockets left: %s", Leaks.describe(sockets)).isEmpty();
        }
    }
}
