package io.github.astreg.benchmarks.load;

import java.util.Arrays;
import java.util.Locale;

/** Collects latency samples (nanoseconds) from any thread and reports percentiles. */
final class Latencies {
    private long[] samples = new long[1024];
    private int size;

    synchronized void add(long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
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

    private static long percentile(long[] sorted, double p) {
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
