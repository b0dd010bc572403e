package io.github.astreg.core.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Timing rules of a registry.
 *
 * @param staleAfter a node whose heartbeat is older than this is stale (R5); default 30 s
 * @param evictAfter a node stale (or DOWN) for this long loses its contacts (R5); default 10 min
 * @param tombstoneRetention how long a removal is remembered so that late, older observations cannot
 *     resurrect it (R3); default 10 min
 * @param rttWindow how many recent RTT samples per contact feed min/max/jitter (R8); default 16
 */
public record RegistryConfig(Duration staleAfter, Duration evictAfter, Duration tombstoneRetention, int rttWindow) {

    public RegistryConfig {
        List<String> errors = new ArrayList<>();
        positive(errors, "staleAfter", staleAfter);
        positive(errors, "evictAfter", evictAfter);
        positive(errors, "tombstoneRetention", tombstoneRetention);
        if (staleAfter != null && evictAfter != null && evictAfter.compareTo(staleAfter) < 0) {
            errors.add("evictAfter: must be >= staleAfter (" + staleAfter + "), was " + evictAfter);
        }
        if (rttWindow < 2 || rttWindow > 1024) {
            errors.add("rttWindow: must be 2..1024, was " + rttWindow);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid registry config: " + String.join("; ", errors));
        }
    }

    private static void positive(List<String> errors, String name, Duration d) {
        if (d == null) {
            errors.add(name + ": must be set");
        } else if (d.isNegative() || d.isZero()) {
            errors.add(name + ": must be positive, was " + d);
        }
    }

    public static RegistryConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads {@code staleAfter}, {@code evictAfter}, {@code tombstoneRetention} (ISO-8601 durations
     * such as {@code PT30S}, or plain seconds) and {@code rttWindow}; absent keys keep defaults.
     */
    public static RegistryConfig fromMap(Map<String, String> map) {
        Builder b = builder();
        List<String> errors = new ArrayList<>();
        Durations.read(map, "staleAfter", errors).ifPresent(b::staleAfter);
        Durations.read(map, "evictAfter", errors).ifPresent(b::evictAfter);
        Durations.read(map, "tombstoneRetention", errors).ifPresent(b::tombstoneRetention);
        String w = map.get("rttWindow");
        if (w != null) {
            try {
                b.rttWindow(Integer.parseInt(w.trim()));
            } catch (NumberFormatException e) {
                errors.add("rttWindow: must be a number, was '" + w + "'");
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid registry config: " + String.join("; ", errors));
        }
        return b.build();
    }

    /** Builder with the defaults listed on {@link RegistryConfig}. */
    public static final class Builder {
        private Duration staleAfter = Duration.ofSeconds(30);
        private Duration evictAfter = Duration.ofMinutes(10);
        private Duration tombstoneRetention = Duration.ofMinutes(10);
        private int rttWindow = 16;

        private Builder() {}

        public Builder staleAfter(Duration value) {
            this.staleAfter = value;
            return this;
        }

        public Builder evictAfter(Duration value) {
            this.evictAfter = value;
            return this;
        }

        public Builder tombstoneRetention(Duration value) {
            this.tombstoneRetention = value;
            return this;
        }

        public Builder rttWindow(int value) {
            this.rttWindow = value;
            return this;
        }

        /** @throws IllegalArgumentException listing every invalid field */
        public RegistryConfig build() {
            return new RegistryConfig(staleAfter, evictAfter, tombstoneRetention, rttWindow);
        }
    }
}
