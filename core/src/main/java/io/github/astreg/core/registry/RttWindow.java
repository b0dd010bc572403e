package io.github.astreg.core.registry;

import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.model.Version;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The newest RTT samples of one contact, kept sorted by version so that statistics depend only on
 * which samples were seen, not on the order they arrived in (R8, R9).
 *
 * <p>Layout: two rings with the oldest sample at {@code start}: versions (three longs each: epoch
 * second, nano, sequence) and RTTs in nanoseconds. A new sample is almost always the newest: it is
 * compared with the newest version only, lands at the end and, in a full window, pushes the oldest
 * out by moving {@code start}, without shifting anything. The jitter is recomputed from the RTT ring
 * alone (two cache lines for 16 samples), which matters over 100 000 contacts that do not fit in a
 * CPU cache.
 */
final class RttWindow {
    private static final int STRIDE = 3;
    private static final int SECONDS = 0;
    private static final int NANOS = 1;
    private static final int SEQUENCE = 2;
    private static final int INITIAL_SLOTS = 2;

    private final int capacity;
    /** Grows to {@code capacity} samples: most contacts never see that many. */
    private long[] versions = new long[INITIAL_SLOTS * STRIDE];

    private long[] rtts = new long[INITIAL_SLOTS];

    private int start;
    private int size;
    /** Derived values, recomputed when the samples change; the full statistics only when read. */
    private Optional<Duration> last = Optional.empty();

    private Optional<Duration> jitter = Optional.empty();
    private Optional<RttStats> stats = Optional.empty();
    private boolean statsValid = true;

    RttWindow(int capacity) {
        this.capacity = capacity;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Adds a sample; returns false when it is a duplicate or older than every kept sample of a full window. */
    boolean add(Version v, Duration rtt) {
        // from the newest end: a new sample is almost always the newest
        int pos = size;
        int c = 1;
        while (pos > 0 && (c = compare(pos - 1, v)) > 0) {
            pos--;
        }
        if (pos > 0 && c == 0) {
            return false;
        }
        if (size == capacity) {
            if (pos == 0) {
                return false; // older than everything kept
            }
            // drop the oldest: the ring's start moves on, the logical positions shift by one
            start = (start + 1) % slots();
            size--;
            pos--;
        }
        ensureRoom();
        for (int i = size; i > pos; i--) {
            copy(i - 1, i);
        }
        int at = slot(pos);
        versions[at * STRIDE + SECONDS] = v.observedEpochSecond();
        versions[at * STRIDE + NANOS] = v.observedNano();
        versions[at * STRIDE + SEQUENCE] = v.sequence();
        rtts[at] = rtt.toNanos();
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
        if (n == 0) {
            return false;
        }
        start = (start + n) % slots();
        size -= n;
        recompute();
        return true;
    }

    Optional<Duration> last() {
        return last;
    }

    /** Smoothed jitter; empty until two samples exist. */
    Optional<Duration> jitter() {
        return jitter;
    }

    Optional<RttStats> stats() {
        if (!statsValid) {
            stats = computeStats();
            statsValid = true;
        }
        return stats;
    }

    /** Every change hands last and jitter to sinks; min and max are computed when someone reads them. */
    private void recompute() {
        statsValid = false;
        if (size == 0) {
            last = Optional.empty();
            jitter = Optional.empty();
            return;
        }
        last = Optional.of(Duration.ofNanos(rtt(size - 1)));
        jitter = size > 1 ? Optional.of(Duration.ofNanos(Math.round(smoothedJitter()))) : Optional.empty();
    }

    private double smoothedJitter() {
        double jitter = 0;
        long previous = rtt(0);
        for (int i = 1; i < size; i++) {
            long r = rtt(i);
            double d = Math.abs(r - previous);
            // seed with the first difference so that a short window is not biased towards zero
            jitter = i == 1 ? d : jitter + (d - jitter) / 16.0;
            previous = r;
        }
        return jitter;
    }

    private Optional<RttStats> computeStats() {
        if (size == 0) {
            return Optional.empty();
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < size; i++) {
            min = Math.min(min, rtt(i));
            max = Math.max(max, rtt(i));
        }
        return Optional.of(new RttStats(
                last.orElseThrow(), Duration.ofNanos(min), Duration.ofNanos(max), jitter.orElse(Duration.ZERO), size));
    }

    private int slots() {
        return rtts.length;
    }

    /** Ring slot of the sample at logical position {@code i} (0 = oldest). */
    private int slot(int i) {
        int s = start + i;
        int n = rtts.length;
        return s < n ? s : s - n;
    }

    private long rtt(int i) {
        return rtts[slot(i)];
    }

    private void copy(int from, int to) {
        int f = slot(from);
        int t = slot(to);
        System.arraycopy(versions, f * STRIDE, versions, t * STRIDE, STRIDE);
        rtts[t] = rtts[f];
    }

    private int compare(int i, Version v) {
        int at = slot(i) * STRIDE;
        int c = Long.compare(versions[at + SECONDS], v.observedEpochSecond());
        if (c == 0) {
            c = Long.compare(versions[at + NANOS], v.observedNano());
        }
        return c != 0 ? c : Long.compare(versions[at + SEQUENCE], v.sequence());
    }

    /** Makes room for one more sample, unrolling the rings into larger arrays when they are full. */
    private void ensureRoom() {
        if (size < slots()) {
            return;
        }
        int n = Math.min(capacity, slots() * 2);
        long[] grownVersions = new long[n * STRIDE];
        long[] grownRtts = new long[n];
        for (int i = 0; i < size; i++) {
            System.arraycopy(versions, slot(i) * STRIDE, grownVersions, i * STRIDE, STRIDE);
            grownRtts[i] = rtts[slot(i)];
        }
        versions = grownVersions;
        rtts = grownRtts;
        start = 0;
    }

    @Override
    public String toString() {
        long[] values = new long[size];
        Arrays.setAll(values, this::rtt);
        return "RttWindow" + Arrays.toString(values);
    }
}
