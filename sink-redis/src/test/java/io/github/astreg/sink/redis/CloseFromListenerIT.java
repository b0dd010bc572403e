package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.contract.Observations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A listener that closes its registry runs on the subscriber's listeners thread: close() must not wait
 * for that thread (itself), which used to stall it for the 5 s join timeout, nor interrupt it; the
 * thread ends once the listener returns, and the subscription's connection is gone.
 */
class CloseFromListenerIT {
    private final Observations obs = new Observations();

    @BeforeAll
    static void needRedis() {
        RedisTestSupport.assumeRedis();
    }

    @Test
    void aListenerThatClosesTheRegistryReturnsPromptly() throws Exception {
        String prefix = RedisTestSupport.uniquePrefix();
        String channel = prefix + "events";
        RedisSinkConfig config = RedisTestSupport.config(prefix).build();
        CompletableFuture<Thread> listenerThread = new CompletableFuture<>();
        CompletableFuture<Duration> closeTook = new CompletableFuture<>();
        CompletableFuture<Boolean> interruptedAfterClose = new CompletableFuture<>();
        try (RedisEndpointSink sink = RedisEndpointSink.builder(config).build();
                Jedis probe = new Jedis(RedisTestSupport.HOST, RedisTestSupport.PORT)) {
            sink.start();
            RedisEndpointRegistry remote = RedisEndpointRegistry.builder(config).build();
            try {
                remote.subscribe(change -> {
                    listenerThread.complete(Thread.currentThread());
                    long t0 = System.nanoTime();
                    remote.close();
                    closeTook.complete(Duration.ofNanos(System.nanoTime() - t0));
                    interruptedAfterClose.complete(Thread.currentThread().isInterrupted());
                });
                assertThat(probe.pubsubNumSub(channel)).containsEntry(channel, 1L);

                List<EndpointStateEvent> up = InMemoryEndpointRegistry.create()
                        .apply(obs.node("pbx1", NodeStatus.UP, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
                sink.write(up);

                // generous bound for a loaded machine; the stall was the 5 s join timeout
                Duration took = closeTook.get(30, TimeUnit.SECONDS);
                assertThat(took).as("close() from a listener").isLessThan(Duration.ofSeconds(3));
                assertThat(interruptedAfterClose.get(30, TimeUnit.SECONDS))
                        .as("the listener's thread is not interrupted by close()")
                        .isFalse();
                Thread listeners = listenerThread.get(30, TimeUnit.SECONDS);
                assertThat(listeners.getName()).isEqualTo("astreg-redis-listeners-" + channel);
                listeners.join(10_000);
                assertThat(listeners.isAlive())
                        .as("listeners thread ended after the callback")
                        .isFalse();
                assertThat(Thread.getAllStackTraces().keySet())
                        .noneMatch(t -> t.isAlive() && t.getName().equals("astreg-redis-subscriber-" + channel));
                // the subscription's connection was closed by close() (Redis forgets it once it reads the FIN)
                assertThat(RedisTestSupport.await(
                                Duration.ofSeconds(5),
                                () -> probe.pubsubNumSub(channel).getOrDefault(channel, 0L) == 0L))
                        .as("no subscriber left on %s", channel)
                        .isTrue();
                assertThat(remote.isSubscribedNow()).isFalse();
            } finally {
                remote.close();
                RedisTestSupport.deleteKeys(RedisTestSupport.PORT, prefix);
            }
        }
    }
}
