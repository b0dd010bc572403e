package io.github.astreg.core.registry;

import io.github.astreg.core.model.Version;
import java.time.Duration;
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
        return of(t.getEpochSecond(), t.getNano());
    }

    /** A version's instant, without building it. */
    static long of(Version v) {
        return of(v.observedEpochSecond(), v.observedNano());
    }

    private static long of(long s, int nano) {
        if (s >= MAX_SECONDS) {
            return Long.MAX_VALUE;
        }
        if (s <= MIN_SECONDS) {
            return Long.MIN_VALUE;
        }
        return s * 1_000_000_000L + nano;
    }

    /** A duration in nanoseconds, saturating at {@link Long#MAX_VALUE} (a retention of centuries). */
    static long of(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** {@code a + b}, saturating at {@link Long#MAX_VALUE}. */
    static long plus(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
