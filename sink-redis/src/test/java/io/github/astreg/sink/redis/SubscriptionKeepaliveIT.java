package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.sink.redis.internal.EventSubscriber;
import io.github.astreg.sink.redis.internal.RedisClients;
import io.github.astreg.testkit.contract.Observations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Keepalive pings interleaved with a burst of messages never cost the subscription: the load
 * harness saw {@code JedisException: Unexpected message : PONG}, a reconnect, and every change
 * published meanwhile lost. Here the subscriber pings about every millisecond (instead of every
 * 5 s) while another client publishes as fast as it can, and it is started while that publisher
 * already runs, so pings also follow the SUBSCRIBE closely.
 */
class SubscriptionKeepaliveIT {
    private static final int ROUNDS = 3;
    private static final int BURST = 4000;

    @BeforeAll
    static void needRedis() {
        RedisTestSupport.assumeRedis();
    }

    @Test
    void pingsDuringABurstNeitherReconnectNorLoseMessages() throws Exception {
        String prefix = RedisTestSupport.uniquePrefix();
        RedisSinkConfig config = RedisTestSupport.config(prefix).build();
        String channel = prefix + "events";
        Observations obs = new Observations();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String noise = EventJson.write(obs.registered("noise", "PJSIP/noise", "sip:noise@10.0.0.9:5060", at));
        List<String> burst = new ArrayList<>(BURST);
        for (int i = 0; i < BURST; i++) {
            burst.add(EventJson.write(obs.registered("burst", "PJSIP/" + i, "sip:" + i + "@10.0.0.1:5060", at)));
        }

        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicReference<RuntimeException> publishFailure = new AtomicReference<>();
        Thread noisePublisher = new Thread(
                () -> {
                    try (RedisClient pub = RedisClient.create(RedisTestSupport.HOST, RedisTestSupport.PORT)) {
                        // a steady stream the listeners keep up with (a flood would fill the
                        // subscriber's queue and drop messages, which is another matter)
                        while (publishing.get()) {
                            try (AbstractPipeline p = pub.pipelined()) {
                                for (int i = 0; i < 5; i++) {
                                    p.publish(channel, noise);
                                }
                            }
                            Thread.sleep(1);
                        }
                    } catch (RuntimeException e) {
                        publishFailure.set(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "test-noise-publisher");
        noisePublisher.setDaemon(true);
        noisePublisher.start();
        try (UnifiedJedis client = RedisClients.open(config);
                RedisClient pub = RedisClient.create(RedisTestSupport.HOST, RedisTestSupport.PORT)) {
            for (int round = 0; round < ROUNDS; round++) {
                Set<String> seen = ConcurrentHashMap.newKeySet();
                try (EventSubscriber subscriber = new EventSubscriber(
                        config,
                        client,
                        channel,
                        (EndpointStateEvent e) -> seen.add(EventJson.write(e)),
                        Duration.ofMillis(1),
                        Duration.ofSeconds(5))) {
                    subscriber.start();
                    assertThat(subscriber.awaitSubscribed(Duration.ofSeconds(3)))
                            .as("round %d: subscribed", round)
                            .isTrue();
                    try (AbstractPipeline p = pub.pipelined()) {
                        for (String message : burst) {
                            p.publish(channel, message);
                        }
                    }
                    boolean all = RedisTestSupport.await(Duration.ofSeconds(3), () -> seen.containsAll(burst));
                    Map<String, Long> counters = subscriber.counters();
                    assertThat(counters.get("reconnects"))
                            .as("round %d: reconnects, %s", round, counters)
                            .isZero();
                    assertThat(counters.get("dropped"))
                            .as("round %d: queue overflow, %s", round, counters)
                            .isZero();
                    assertThat(all)
                            .as(
                                    "round %d: all %d messages arrived, missing %d; %s",
                                    round,
                                    BURST,
                                    burst.stream()
                                            .filter(m -> !seen.contains(m))
                                            .count(),
                                    counters)
                            .isTrue();
                    assertThat(counters.get("pongs"))
                            .as("round %d: the keepalive really ran, %s", round, counters)
                            .isGreaterThan(10L);
                    assertThat(subscriber.isSubscribed()).isTrue();
                }
            }
        } finally {
            publishing.set(false);
            noisePublisher.join(5000);
        }
        assertThat(publishFailure.get()).as("noise publisher").isNull();
    }
}
