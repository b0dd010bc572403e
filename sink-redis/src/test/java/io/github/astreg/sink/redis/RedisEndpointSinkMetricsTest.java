package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sink's counters and gauges are read while a write holds the sink (a metrics scrape must not wait). */
class RedisEndpointSinkMetricsTest {

    @Test
    void countersAndGaugesDoNotWaitForAWriteInProgress() throws Exception {
        RedisEndpointSink sink = RedisEndpointSink.builder(
                        RedisSinkConfig.builder().uri("redis://127.0.0.1:1").build())
                .build();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            // write() and start() hold the sink's monitor for as long as Redis takes
            synchronized (sink) {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        writer.start();
        try {
            assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();

            Map<String, Long> counters =
                    CompletableFuture.supplyAsync(sink::counters).get(5, TimeUnit.SECONDS);
            Map<String, Long> gauges =
                    CompletableFuture.supplyAsync(sink::gauges).get(5, TimeUnit.SECONDS);

            assertThat(counters)
                    .containsOnlyKeys(
                            "batches", "applied", "ignored", "resyncs", "noscript", "relocations", "fastWrites")
                    .containsValues(0L);
            assertThat(gauges)
                    .containsExactly(
                            Map.entry("kept", 0L), Map.entry("staleNodes", 0L), Map.entry("staleCheckFailures", 0L));
        } finally {
            release.countDown();
            writer.join(5_000);
            sink.close();
        }
    }
}
