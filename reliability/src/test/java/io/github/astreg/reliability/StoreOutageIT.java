package io.github.astreg.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.pipeline.SinkMetrics;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.sink.jdbc.JdbcEndpointRegistry;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import io.github.astreg.sink.redis.RedisEndpointRegistry;
import io.github.astreg.sink.redis.RedisEndpointSink;
import io.github.astreg.sink.redis.RedisSinkConfig;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.testkit.FakeAsterisk;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL and Redis both become unavailable for 15 s while a steady stream of phone activity
 * flows from a fake Asterisk through the AMI source and the pipeline: PostgreSQL refuses new
 * connections and has this test's backends terminated every 200 ms (the shared server keeps running);
 * a private Redis is killed (SIGKILL, no persistence: its data is lost) and started again empty.
 * Afterwards both stores answer exactly like the in-memory registry, and meanwhile the pipeline's
 * pending changes stayed bounded by the number of keys, not by the number of events.
 */
class StoreOutageIT {
    private static final Duration OUTAGE = Duration.ofSeconds(15);
    private static final Duration CONVERGE = Duration.ofSeconds(45);
    /** 10 phones × (3 contact URIs + endpoint state + device state) + 1 node. */
    private static final int KEY_BOUND = 10 * 5 + 1;

    @Test
    void bothStoresDownForFifteenSecondsThenEqualTheRegistry() throws Exception {
        String tag = Services.uniquePrefix("outage");
        Services.OutageDataSource pg = new Services.OutageDataSource(Services.postgres(tag));
        try (Services.RedisProcess redis = Services.RedisProcess.start();
                FakeAsterisk pbx = FakeAsterisk.builder("outage1")
                        .systemName("outage1")
                        .timestampEvents(true)
                        .build()
                        .start()) {
            JdbcSinkConfig jdbcConfig =
                    JdbcSinkConfig.builder().tablePrefix(tag).build();
            RedisSinkConfig redisConfig = RedisSinkConfig.builder()
                    .uri("redis://127.0.0.1:" + redis.port())
                    .keyPrefix(tag + ":")
                    .connectTimeout(Duration.ofSeconds(1))
                    .socketTimeout(Duration.ofSeconds(2))
                    .build();
            InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
            JdbcEndpointSink jdbc = JdbcEndpointSink.builder(pg, jdbcConfig).build();
            RedisEndpointSink redisSink = RedisEndpointSink.builder(redisConfig).build();
            AmiEndpointSource source =
                    AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", pbx.amiUser(), "astregpass")
                            .port(pbx.amiPort())
                            .contactPollInterval(Duration.ofSeconds(2))
                            .build());
            AtomicBoolean killing = new AtomicBoolean();
            AtomicInteger killed = new AtomicInteger();
            Thread killer = new Thread(
                    () -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            if (killing.get()) {
                                killed.addAndGet(Services.killBackends(tag));
                            }
                            try {
                                Thread.sleep(200);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "test-pg-killer");
            killer.setDaemon(true);
            try (Pipeline pipeline = Pipeline.builder(registry)
                            .config(PipelineConfig.builder()
                                    .collectorId("outage-it")
                                    .batchSize(100)
                                    .flushInterval(Duration.ofMillis(20))
                                    .retryInitialBackoff(Duration.ofMillis(50))
                                    .retryMaxBackoff(Duration.ofSeconds(1))
                                    .heartbeatInterval(Duration.ofSeconds(1))
                                    .build())
                            .source(source)
                            .sink(jdbc)
                            .sink(redisSink)
                            .build();
                    RedisEndpointRegistry redisReader =
                            RedisEndpointRegistry.builder(redisConfig).build()) {
                pipeline.start();
                Poll.until("AMI source connected", Duration.ofSeconds(20), source::isConnected);
                killer.start();
                List<EndpointId> endpoints = PhoneStream.endpoints();
                JdbcEndpointRegistry jdbcReader = jdbc.registry();
                int maxPending = 0;
                long receivedAtStart;
                long outageMillis;
                try (PhoneStream phones = new PhoneStream(pbx, 42, 15)) {
                    Poll.sleep(3_000);
                    Poll.until(
                            "both sinks writing before the outage",
                            Duration.ofSeconds(20),
                            () -> pipeline.metrics().sinks().stream()
                                    .allMatch(m -> m.changesWritten() > 0 && m.consecutiveFailures() == 0),
                            () -> pipeline.metrics().sinks().toString());
                    receivedAtStart = pipeline.metrics().received();

                    long t0 = System.nanoTime();
                    pg.down(true);
                    killing.set(true);
                    redis.kill();
                    while (System.nanoTime() - t0 < OUTAGE.toNanos()) {
                        for (SinkMetrics m : pipeline.metrics().sinks()) {
                            maxPending = Math.max(maxPending, m.pendingKeys());
                        }
                        Poll.sleep(100);
                    }
                    long failuresDuring = pipeline.metrics().sinks().stream()
                            .mapToLong(SinkMetrics::consecutiveFailures)
                            .min()
                            .orElse(0);
                    killing.set(false);
                    pg.down(false);
                    redis.launch();
                    outageMillis = (System.nanoTime() - t0) / 1_000_000;
                    assertThat(failuresDuring).as("both sinks were failing").isPositive();
                    Poll.sleep(1_000); // the stream goes on after recovery
                }
                long recoveredAt = System.nanoTime();
                long receivedDuring = pipeline.metrics().received() - receivedAtStart;

                List<AtomicReference<Map<String, String>>> last =
                        List.of(new AtomicReference<>(), new AtomicReference<>(), new AtomicReference<>());
                boolean converged = Poll.within(CONVERGE, () -> {
                    last.get(0).set(Views.of(registry, endpoints));
                    try {
                        last.get(1).set(Views.of(jdbcReader, endpoints));
                        last.get(2).set(Views.of(redisReader, endpoints));
                    } catch (RuntimeException e) {
                        return false; // a store still recovering
                    }
                    return last.get(0).get().equals(last.get(1).get())
                            && last.get(0).get().equals(last.get(2).get());
                });
                long convergeMillis = (System.nanoTime() - recoveredAt) / 1_000_000;
                System.out.printf(
                        "[reliability] store outage (PostgreSQL refused+killed, Redis killed and restarted empty)"
                                + " for %d ms: observations received during outage %d, total %d,"
                                + " changes applied %d, written jdbc/redis %s, failures %s,"
                                + " PG backends killed %d, max pending keys %d (bound %d),"
                                + " converged=%s in %d ms after recovery%n",
                        outageMillis,
                        receivedDuring,
                        pipeline.metrics().received(),
                        pipeline.metrics().applied(),
                        pipeline.metrics().sinks().stream()
                                .map(SinkMetrics::changesWritten)
                                .toList(),
                        pipeline.metrics().sinks().stream()
                                .map(SinkMetrics::failures)
                                .toList(),
                        killed.get(),
                        maxPending,
                        KEY_BOUND,
                        converged,
                        convergeMillis);
                assertThat(receivedDuring)
                        .as("the stream went on during the outage")
                        .isGreaterThan(KEY_BOUND);
                assertThat(maxPending)
                        .as("pending keys while the stores were down")
                        .isBetween(1, KEY_BOUND);
                assertThat(last.get(1).get())
                        .as("PostgreSQL equals the registry")
                        .isEqualTo(last.get(0).get());
                assertThat(last.get(2).get())
                        .as("Redis equals the registry")
                        .isEqualTo(last.get(0).get());
                assertThat(converged).isTrue();
            } finally {
                killer.interrupt();
                Services.dropTables(pg, tag);
            }
        }
    }
}
