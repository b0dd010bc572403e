package io.github.astreg.core.pipeline;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of one sink's delivery.
 *
 * @param sink the sink's name
 * @param pendingKeys changes waiting: at most one per key (two when an endpoint removal waits with a
 *     newer change of the same endpoint behind it), so bounded by the number of keys
 * @param batchesWritten successful writes
 * @param changesWritten changes in successful writes
 * @param failures failed writes (each retried)
 * @param consecutiveFailures failures since the last success (0 when healthy)
 * @param lastSuccessAt when the last write succeeded
 * @param lastError the last failure's message, without stack trace
 * @param counters the sink's own counters ({@link io.github.astreg.core.spi.EndpointSink#counters()};
 *     empty when it has none or they could not be read)
 * @param gauges the sink's own current values ({@link io.github.astreg.core.spi.EndpointSink#gauges()})
 */
public record SinkMetrics(
        String sink,
        int pendingKeys,
        long batchesWritten,
        long changesWritten,
        long failures,
        long consecutiveFailures,
        Optional<Instant> lastSuccessAt,
        Optional<String> lastError,
        Map<String, Long> counters,
        Map<String, Long> gauges) {
    public SinkMetrics {
        counters = Map.copyOf(counters);
        gauges = Map.copyOf(gauges);
    }
}
