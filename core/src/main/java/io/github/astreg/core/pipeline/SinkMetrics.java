package io.github.astreg.core.pipeline;

import java.time.Instant;
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
 */
public record SinkMetrics(
        String sink,
        int pendingKeys,
        long batchesWritten,
        long changesWritten,
        long failures,
        long consecutiveFailures,
        Optional<Instant> lastSuccessAt,
        Optional<String> lastError) {}
