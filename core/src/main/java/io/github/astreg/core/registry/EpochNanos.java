package io.github.astreg.core.registry;

import java.time.Instant;

/**
 * Instants as nanoseconds since the epoch, for comparisons on hot paths without allocating. Saturates
 * instead of overflowing (a long holds nanoseconds only until 2262; an expiry parsed from a hostile
 * or broken peer may lie beyond that and must read as "far future", not as a negative time).
 */
final class EpochNanos {
    private static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L - 1;
    private static final long MIN_SECONDS = Long.MIN_VALUE / 1_000_000_000L + 1;

    private EpochNanos() {}

    static long of(Instant t) {
        long s = t.getEpochSecond();
        if (s >= MAX_SECONDS) {
            return Long.MAX_VALUE;
        }
        if (s <= MIN_SECONDS) {
            return Long.MIN_VALUE;
        }
        return s * 1_000_000_000L + t.getNano();
    }

    /** {@code a + b}, saturating at {@link Long#MAX_VALUE}. */
    static long plus(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
