package io.github.astreg.core.pipeline;

import io.github.astreg.core.registry.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Tuning of a {@link Pipeline}; build with {@link #builder()}, which validates every field at once.
 *
 * @param collectorId this collector's name, written with each node heartbeat (default {@code astreg})
 * @param batchSize most changes per sink write (default 500)
 * @param flushInterval how long a sink lingers after the first pending change for more to batch with it
 *     (default 0: write as soon as the sink is free; changes that arrive during a write form the next
 *     batch, so batches grow with the load by themselves and a quiet system writes each change at once)
 * @param retryInitialBackoff first wait after a failed write (default 100 ms)
 * @param retryMaxBackoff cap of the exponential backoff (default 30 s)
 * @param heartbeatInterval how often node heartbeats are written (default 5 s; keep well under staleAfter)
 * @param sweepInterval how often expiry, eviction and tombstone purge run (default 1 s)
 * @param closeTimeout how long {@code close()} waits for sinks to flush (default 10 s)
 */
public record PipelineConfig(
        String collectorId,
        int batchSize,
        Duration flushInterval,
        Duration retryInitialBackoff,
        Duration retryMaxBackoff,
        Duration heartbeatInterval,
        Duration sweepInterval,
        Duration closeTimeout) {

    private static final Pattern COLLECTOR = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    public PipelineConfig {
        List<String> errors = new ArrayList<>();
        if (collectorId == null || !COLLECTOR.matcher(collectorId).matches()) {
            errors.add("collectorId: must be 1..128 characters of [A-Za-z0-9._:@-], was " + collectorId);
        }
        if (batchSize < 1 || batchSize > 100_000) {
            errors.add("batchSize: must be 1..100000, was " + batchSize);
        }
        notNegative(errors, "flushInterval", flushInterval);
        positive(errors, "retryInitialBackoff", retryInitialBackoff);
        positive(errors, "retryMaxBackoff", retryMaxBackoff);
        positive(errors, "heartbeatInterval", heartbeatInterval);
        positive(errors, "sweepInterval", sweepInterval);
        positive(errors, "closeTimeout", closeTimeout);
        if (retryInitialBackoff != null
                && retryMaxBackoff != null
                && retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
            errors.add("retryMaxBackoff: must be >= retryInitialBackoff, was " + retryMaxBackoff);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid pipeline config: " + String.join("; ", errors));
        }
    }

    private static void notNegative(List<String> errors, String name, Duration d) {
        if (d == null) {
            errors.add(name + ": must be set");
        } else if (d.isNegative()) {
            errors.add(name + ": must not be negative, was " + d);
        }
    }

    private static void positive(List<String> errors, String name, Duration d) {
        if (d == null) {
            errors.add(name + ": must be set");
        } else if (d.isNegative() || d.isZero()) {
            errors.add(name + ": must be positive, was " + d);
        }
    }

    public static PipelineConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Reads the fields by their names (durations as {@code 50ms}, {@code 5s} or ISO-8601); absent keys keep defaults. */
    public static PipelineConfig fromMap(Map<String, String> map) {
        Builder b = builder();
        List<String> errors = new ArrayList<>();
        if (map.containsKey("collectorId")) {
            b.collectorId(map.get("collectorId"));
        }
        String bs = map.get("batchSize");
        if (bs != null) {
            try {
                b.batchSize(Integer.parseInt(bs.trim()));
            } catch (NumberFormatException e) {
                errors.add("batchSize: must be a number, was '" + bs + "'");
            }
        }
        Durations.read(map, "flushInterval", errors).ifPresent(b::flushInterval);
        Durations.read(map, "retryInitialBackoff", errors).ifPresent(b::retryInitialBackoff);
        Durations.read(map, "retryMaxBackoff", errors).ifPresent(b::retryMaxBackoff);
        Durations.read(map, "heartbeatInterval", errors).ifPresent(b::heartbeatInterval);
        Durations.read(map, "sweepInterval", errors).ifPresent(b::sweepInterval);
        Durations.read(map, "closeTimeout", errors).ifPresent(b::closeTimeout);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid pipeline config: " + String.join("; ", errors));
        }
        return b.build();
    }

    /** Builder with the defaults listed on {@link PipelineConfig}. */
    public static final class Builder {
        private String collectorId = "astreg";
        private int batchSize = 500;
        private Duration flushInterval = Duration.ZERO;
        private Duration retryInitialBackoff = Duration.ofMillis(100);
        private Duration retryMaxBackoff = Duration.ofSeconds(30);
        private Duration heartbeatInterval = Duration.ofSeconds(5);
        private Duration sweepInterval = Duration.ofSeconds(1);
        private Duration closeTimeout = Duration.ofSeconds(10);

        private Builder() {}

        public Builder collectorId(String v) {
            this.collectorId = v;
            return this;
        }

        public Builder batchSize(int v) {
            this.batchSize = v;
            return this;
        }

        public Builder flushInterval(Duration v) {
            this.flushInterval = v;
            return this;
        }

        public Builder retryInitialBackoff(Duration v) {
            this.retryInitialBackoff = v;
            return this;
        }

        public Builder retryMaxBackoff(Duration v) {
            this.retryMaxBackoff = v;
            return this;
        }

        public Builder heartbeatInterval(Duration v) {
            this.heartbeatInterval = v;
            return this;
        }

        public Builder sweepInterval(Duration v) {
            this.sweepInterval = v;
            return this;
        }

        public Builder closeTimeout(Duration v) {
            this.closeTimeout = v;
            return this;
        }

        /** @throws IllegalArgumentException listing every invalid field */
        public PipelineConfig build() {
            return new PipelineConfig(
                    collectorId,
                    batchSize,
                    flushInterval,
                    retryInitialBackoff,
                    retryMaxBackoff,
                    heartbeatInterval,
                    sweepInterval,
                    closeTimeout);
        }
    }
}
