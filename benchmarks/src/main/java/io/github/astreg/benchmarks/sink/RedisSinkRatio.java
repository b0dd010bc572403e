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

    /** What {@code redis-ratio} was asked for. */
    record Options(int rounds, long sliceMs, long warmupS, int endpoints) {
        static final String USAGE = "usage: redis-ratio [--rounds N] [--slice-ms M] [--warmup-s S] [--endpoints E]";

        /**
         * Parses the command line (defaults: 30 rounds of 200 ms, 5 s of warm-up, 10 000 endpoints).
         *
         * @throws IllegalArgumentException naming every bad option at once
         */
        static Options parse(String[] args) {
            int rounds = 30;
            long sliceMs = 200;
            long warmupS = 5;
            int endpoints = 10_000;
            List<String> errors = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!List.of("--rounds", "--slice-ms", "--warmup-s", "--endpoints")
                        .contains(a)) {
                    errors.add("unknown option '" + a + "'");
                    continue;
                }
                if (i + 1 >= args.length) {
                    errors.add(a + ": missing value");
                    continue;
                }
                String v = args[++i];
                long n;
                try {
                    n = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    errors.add(a + ": must be a number, was '" + v + "'");
                    continue;
                }
                long min = a.equals("--warmup-s") ? 0 : 1;
                long max = switch (a) {
                    case "--rounds" -> 100_000;
                    case "--slice-ms" -> 60_000;
                    case "--warmup-s" -> 3_600;
                    default -> 1_000_000;
                };
                if (n < min || n > max) {
                    errors.add(a + ": must be " + min + ".." + max + ", was " + v);
                    continue;
                }
                if (a.equals("--endpoints") && n % ChangeStream.STRIDE == 0) {
                    errors.add(a + ": must be no multiple of " + ChangeStream.STRIDE + " (ChangeStream), was " + v);
                    continue;
                }
                switch (a) {
                    case "--rounds" -> rounds = (int) n;
                    case "--slice-ms" -> sliceMs = n;
                    case "--warmup-s" -> warmupS = n;
                    default -> endpoints = (int) n;
                }
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", errors));
            }
            return new Options(rounds, sliceMs, warmupS, endpoints);
        }
    }

    /** Runs the comparison and prints it; returns the process exit code (2 for bad options). */
    public static int run(String[] args) {
        if (List.of(args).contains("--help")) {
            System.out.println(Options.USAGE);
            return 0;
        }
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Options.USAGE);
            return 2;
        }
        int rounds = o.rounds();
        long sliceMs = o.sliceMs();
        long warmupS = o.warmupS();
        int endpoints = o.endpoints();
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
}
