package io.github.astreg.benchmarks.sink;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * sink-redis against its baseline with the two sides alternating in slices of time, in one JVM on
 * one Redis: {@code java -jar benchmarks.jar redis-ratio [--rounds N] [--slice-ms M] [--warmup-s S]
 * [--endpoints E]}.
 *
 * <p>JMH runs {@link RedisSinkBenchmark}'s two methods one after the other, so whatever else the
 * machine does in one method's ten seconds and not in the other's moves the ratio (on a shared
 * two-core host the baseline alone moved by 40 % between runs). Here every round runs the sink for a
 * slice, then the baseline for a slice, in alternating order, on the same {@link RedisSinkBenchmark}
 * state (same keys, same batches, both writing the same store); each side's time counts only its
 * own writes, not the preparation of the next batch. Printed: each side's changes/s over all rounds,
 * their ratio, and the spread of the per-round ratios.
 */
public final class RedisSinkRatio {
    private RedisSinkRatio() {}

    public static int run(String[] args) {
        int rounds = 30;
        long sliceMs = 200;
        long warmupS = 5;
        int endpoints = 10_000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help")) {
                System.out.println("usage: redis-ratio [--rounds N] [--slice-ms M] [--warmup-s S] [--endpoints E]");
                return 0;
            }
            if (i + 1 >= args.length) {
                System.err.println("missing value after " + a);
                return 2;
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--rounds" -> rounds = positive(a, v);
                    case "--slice-ms" -> sliceMs = positive(a, v);
                    case "--warmup-s" -> warmupS = Integer.parseInt(v);
                    case "--endpoints" -> endpoints = positive(a, v);
                    default -> {
                        System.err.println("unknown option " + a + " (--help)");
                        return 2;
                    }
                }
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                return 2;
            }
        }
        RedisSinkBenchmark b = new RedisSinkBenchmark();
        b.endpoints = endpoints;
        b.setUp();
        try {
            long warmupEnd = System.nanoTime() + warmupS * 1_000_000_000L;
            while (System.nanoTime() < warmupEnd) {
                slice(b, true, 100);
                slice(b, false, 100);
            }
            long[] sinkTotal = new long[2];
            long[] baseTotal = new long[2];
            List<Double> ratios = new ArrayList<>(rounds);
            for (int r = 0; r < rounds; r++) {
                // alternate which side goes first, so neither always follows the other
                boolean sinkFirst = r % 2 == 0;
                long[] first = slice(b, sinkFirst, sliceMs);
                long[] second = slice(b, !sinkFirst, sliceMs);
                long[] s = sinkFirst ? first : second;
                long[] h = sinkFirst ? second : first;
                sinkTotal[0] += s[0];
                sinkTotal[1] += s[1];
                baseTotal[0] += h[0];
                baseTotal[1] += h[1];
                ratios.add(rate(s) / rate(h));
            }
            Collections.sort(ratios);
            System.out.printf(
                    Locale.ROOT,
                    "sink-redis vs pipelined HSET, %d rounds of %d ms each, %d endpoints:%n"
                            + "  RedisEndpointSink %,.0f changes/s, pipelined HSET %,.0f changes/s, ratio %.3f%n"
                            + "  per-round ratios: min %.3f, median %.3f, max %.3f%n",
                    rounds,
                    sliceMs,
                    endpoints,
                    rate(sinkTotal),
                    rate(baseTotal),
                    rate(sinkTotal) / rate(baseTotal),
                    ratios.get(0),
                    ratios.get(ratios.size() / 2),
                    ratios.get(ratios.size() - 1));
            return 0;
        } finally {
            b.tearDown();
        }
    }

    /** Runs one side for about {@code ms}; returns {changes, nanos spent writing}. */
    private static long[] slice(RedisSinkBenchmark b, boolean sink, long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long changes = 0;
        long spent = 0;
        while (System.nanoTime() < end) {
            b.nextBatch();
            long t = System.nanoTime();
            if (sink) {
                b.astregSink();
            } else {
                b.pipelinedHset();
            }
            spent += System.nanoTime() - t;
            changes += RedisSinkBenchmark.BATCH;
        }
        return new long[] {changes, spent};
    }

    private static double rate(long[] changesAndNanos) {
        return changesAndNanos[0] * 1e9 / changesAndNanos[1];
    }

    private static int positive(String option, String value) {
        int v = Integer.parseInt(value);
        if (v <= 0) {
            throw new IllegalArgumentException(option + " must be positive, was " + value);
        }
        return v;
    }
}
