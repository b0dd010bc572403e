package io.github.astreg.benchmarks.load;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Collects latency samples (nanoseconds) from any thread and reports percentiles, and when the
 * slowest ones were sent: spikes that several stores share at the same moment point at the host or
 * at what the stores share, not at one store.
 */
final class Latencies {
    private long[] samples = new long[1024];
    /** {@code System.nanoTime()} when each sample's probe was sent. */
    private long[] sentAt = new long[1024];

    private int size;

    synchronized void add(long sentNanos, long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
            sentAt = Arrays.copyOf(sentAt, size * 2);
        }
        sentAt[size] = sentNanos;
        samples[size++] = nanos;
    }

    synchronized int count() {
        return size;
    }

    /** {@code p50 / p99 / max} in milliseconds, or a dash when empty. */
    synchronized String summary() {
        if (size == 0) {
            return "no samples";
        }
        long[] s = Arrays.copyOf(samples, size);
        Arrays.sort(s);
        return String.format(
                Locale.ROOT,
                "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples)",
                ms(percentile(s, 0.50)),
                ms(percentile(s, 0.99)),
                ms(s[s.length - 1]),
                s.length);
    }

    synchronized double percentileMillis(double p) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] s = Arrays.copyOf(samples, size);
        Arrays.sort(s);
        return ms(percentile(s, p));
    }

    /**
     * The {@code n} slowest samples, slowest first, as {@code "<ms> ms at <s> s"} where the time is when
     * the probe was sent, in seconds after {@code originNanos}; a dash when empty.
     */
    synchronized String slowest(int n, long originNanos) {
        if (size == 0) {
            return "-";
        }
        long[] s = samples;
        long[] t = sentAt;
        return IntStream.range(0, size)
                .boxed()
                .sorted(Comparator.comparingLong((Integer i) -> s[i]).reversed())
                .limit(n)
                .map(i -> String.format(Locale.ROOT, "%.0f ms at %.2f s", ms(s[i]), (t[i] - originNanos) / 1e9))
                .collect(Collectors.joining(", "));
    }

    private static long percentile(long[] sorted, double p) {
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
