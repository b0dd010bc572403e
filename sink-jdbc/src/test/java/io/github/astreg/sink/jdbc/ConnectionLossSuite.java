package io.github.astreg.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.pipeline.SinkMetrics;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The database kills the sink's connections while the pipeline streams changes into it (the server
 * side of a restart, without disturbing other users of the shared server): writes fail, the
 * pipeline retries, and afterwards the tables answer exactly like the pipeline's registry.
 */
abstract class ConnectionLossSuite {
    protected final String tag =
            "astreg_kill_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    private HikariDataSource pool;
    private String prefix;

    /** A pool whose connections {@link #killConnections()} can find (and only those). */
    protected abstract HikariDataSource openPool();

    /** Kills every server connection of the pool; returns how many. */
    protected abstract int killConnections();

    protected void cleanUp() {}

    @AfterEach
    void tearDown() {
        try {
            if (pool != null) {
                Databases.drop(pool, prefix);
                pool.close();
            }
        } finally {
            cleanUp();
        }
    }

    @Test
    void connectionsKilledMidStreamAreRetriedAndNothingIsLost() throws Exception {
        pool = openPool();
        prefix = Databases.uniquePrefix();
        TestClock clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.MICROS));
        InMemoryEndpointRegistry memory =
                InMemoryEndpointRegistry.builder().clock(clock).build();
        JdbcSinkConfig config =
                JdbcSinkConfig.builder().tablePrefix(prefix).history(true).build();
        JdbcEndpointSink sink =
                JdbcEndpointSink.builder(pool, config).clock(clock).build();
        Pipeline pipeline = Pipeline.builder(memory)
                .config(PipelineConfig.builder()
                        .batchSize(20)
                        .flushInterval(Duration.ofMillis(2))
                        .retryInitialBackoff(Duration.ofMillis(20))
                        .retryMaxBackoff(Duration.ofMillis(300))
                        .build())
                .sink(sink)
                .build();
        AtomicBoolean killing = new AtomicBoolean(true);
        AtomicInteger killed = new AtomicInteger();
        Thread killer = new Thread(
                () -> {
                    while (killing.get()) {
                        try {
                            Thread.sleep(100);
                            killed.addAndGet(killConnections());
                        } catch (InterruptedException e) {
                            return;
                        } catch (RuntimeException e) {
                            // the admin connection itself may hiccup; try again
                        }
                    }
                },
                "test-killer");
        try {
            pipeline.start();
            Scenario scenario = new Scenario(13, Scenario.Target.of(pipeline), clock).withoutEndpointRemovals();
            scenario.run(50, c -> {});
            assertThat(pipeline.awaitFlushed(Duration.ofSeconds(30))).isTrue();
            killer.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int rounds = 0;
            while ((failures(pipeline) < 3 || rounds < 10) && System.nanoTime() < deadline) {
                scenario.run(20, c -> {});
                Thread.sleep(15);
                rounds++;
            }
            killing.set(false);
            killer.join(5_000);
            assertThat(killed.get()).as("connections killed").isPositive();
            assertThat(failures(pipeline)).as("failed writes (retried)").isGreaterThanOrEqualTo(3);
            scenario.run(30, c -> {});
            assertThat(pipeline.awaitFlushed(Duration.ofSeconds(60)))
                    .as("flushed after recovery")
                    .isTrue();
            // stop the ticker: a heartbeat between the two registries' reads would race
            pipeline.close();
            JdbcEndpointRegistry jdbc =
                    JdbcEndpointRegistry.builder(pool, config).clock(clock).build();
            RegistryAssertions.assertSameAnswers(memory, jdbc, Scenario.ENDPOINTS, Scenario.NODES);
        } finally {
            killing.set(false);
            killer.interrupt();
            pipeline.close();
        }
    }

    private static long failures(Pipeline p) {
        return p.metrics().sinks().stream().mapToLong(SinkMetrics::failures).sum();
    }
}
