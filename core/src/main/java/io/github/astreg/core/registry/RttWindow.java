package io.github.astreg.core.registry;

import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.model.Version;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The newest RTT samples of one contact, kept sorted by version so that statistics depend only on
 * which samples were seen, not on the order they arrived in (R8, R9). Primitive arrays keep 100k
 * contacts cheap.
 */
final class RttWindow {
    private final int capacity;
    private long[] seconds = new long[2];
    private int[] nanos = new int[2];
    private long[] sequences = new long[2];
    private long[] rttNanos = new long[2];
    private int size;
    /** Derived values, recomputed only when the samples change. */
    private Optional<RttStats> stats = Optional.empty();

    private Optional<Duration> last = Optional.empty();
    private Optional<Duration> jitter = Optional.empty();

    RttWindow(int capacity) {
        this.capacity = capacity;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Adds a sample; returns false when it is a duplicate or older than every kept sample of a full window. */
    boolean add(Version v, Duration rtt) {
        int pos = 0;
        while (pos < size && compare(pos, v) < 0) {
            pos++;
        }
        if (pos < size && compare(pos, v) == 0) {
            return false;
        }
        if (size == capacity) {
            if (pos == 0) {
                return false;
            }
            removeAt(0);
            pos--;
        }
        ensureRoom();
        int tail = size - pos;
        System.arraycopy(seconds, pos, seconds, pos + 1, tail);
        System.arraycopy(nanos, pos, nanos, pos + 1, tail);
        System.arraycopy(sequences, pos, sequences, pos + 1, tail);
        System.arraycopy(rttNanos, pos, rttNanos, pos + 1, tail);
        seconds[pos] = v.observedAt().getEpochSecond();
        nanos[pos] = v.observedAt().getNano();
        sequences[pos] = v.sequence();
        rttNanos[pos] = rtt.toNanos();
        size++;
        recompute();
        return true;
    }

    /** Drops every sample not newer than {@code v} (a removal clears older samples). */
    boolean dropUpTo(Version v) {
        int n = 0;
        while (n < size && compare(n, v) <= 0) {
            n++;
        }
        for (int i = 0; i < n; i++) {
            removeAt(0);
        }
        if (n > 0) {
            recompute();
        }
        return n > 0;
    }

    Optional<Duration> last() {
        return last;
    }

    /** Smoothed jitter; empty until two samples exist. */
    Optional<Duration> jitter() {
        return jitter;
    }

    Optional<RttStats> stats() {
        return stats;
    }

    private void recompute() {
        stats = compute();
        last = stats.map(RttStats::last);
        jitter = stats.filter(s -> s.samples() > 1).map(RttStats::jitter);
    }

    private Optional<RttStats> compute() {
        if (size == 0) {
            return Optional.empty();
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        double jitter = 0;
        for (int i = 0; i < size; i++) {
            long r = rttNanos[i];
            min = Math.min(min, r);
            max = Math.max(max, r);
            if (i == 1) {
                // seed with the first difference so that a short window is not biased towards zero
                jitter = Math.abs(r - rttNanos[0]);
            } else if (i > 1) {
                double d = Math.abs(r - rttNanos[i - 1]);
                jitter += (d - jitter) / 16.0;
            }
        }
        return Optional.of(new RttStats(
                Duration.ofNanos(rttNanos[size - 1]),
                Duration.ofNanos(min),
                Duration.ofNanos(max),
                Duration.ofNanos(Math.round(jitter)),
                size));
    }

    private int compare(int i, Version v) {
        int c = Long.compare(seconds[i], v.observedAt().getEpochSecond());
        if (c == 0) {
            c = Integer.compare(nanos[i], v.observedAt().getNano());
        }
        return c != 0 ? c : Long.compare(sequences[i], v.sequence());
    }

    private void removeAt(int i) {
        int tail = size - i - 1;
        System.arraycopy(seconds, i + 1, seconds, i, tail);
        System.arraycopy(nanos, i + 1, nanos, i, tail);
        System.arraycopy(sequences, i + 1, sequences, i, tail);
        System.arraycopy(rttNanos, i + 1, rttNanos, i, tail);
        size--;
    }

    private void ensureRoom() {
        if (size < seconds.length) {
            return;
        }
        int n = Math.min(capacity, seconds.length * 2);
        seconds = java.util.Arrays.copyOf(seconds, n);
        nanos = java.util.Arrays.copyOf(nanos, n);
        sequences = java.util.Arrays.copyOf(sequences, n);
        rttNanos = java.util.Arrays.copyOf(rttNanos, n);
    }

    Instant newestAt() {
        return Instant.ofEpochSecond(seconds[size - 1], nanos[size - 1]);
    }
}
