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
 * <p>JMH runs {@link RedisSinkBenchmark}'s methods one after the other, so whatever else the
 * machine does in one method's ten seconds and not in the other's moves the ratio (on a shared
 * two-core host the baseline alone moved by 40 % between runs). Here every round runs the sink for a
 * slice, then the baseline for a slice, in alternating order, on the same {@link RedisSinkBenchmark}
 * state (same keys, same batches, both writing the same store); each side's time counts only its
 * own writes, not the preparation of the next batch. Printed: each side's changes/s over all rounds,
 * their ratio, and the spread of the per-round ratios; then the same against {@code
 * pipelinedHsetEncoding}, the baseline that encodes the events inside its time, as the sink does.
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
                for (int side = 0; side < SIDES; side++) {
                    slice(b, side, 100);
                }
            }
            long[][] totals = new long[SIDES][2];
            List<List<Double>> ratios = List.of(new ArrayList<>(rounds), new ArrayList<>(rounds));
            for (int r = 0; r < rounds; r++) {
                // rotate which side goes first, so that none always follows another
                long[][] round = new long[SIDES][];
                for (int k = 0; k < SIDES; k++) {
                    int side = (r + k) % SIDES;
                    round[side] = slice(b, side, sliceMs);
                    totals[side][0] += round[side][0];
                    totals[side][1] += round[side][1];
                }
                ratios.get(0).add(rate(round[SINK]) / rate(round[HSET]));
                ratios.get(1).add(rate(round[SINK]) / rate(round[HSET_ENCODING]));
            }
            ratios.forEach(Collections::sort);
            System.out.printf(
                    Locale.ROOT,
                    "sink-redis vs pipelined HSET, %d rounds of %d ms each, %d endpoints:%n"
                            + "  RedisEndpointSink %,.0f changes/s, pipelined HSET %,.0f changes/s, ratio %.3f%n"
                            + "  per-round ratios: min %.3f, median %.3f, max %.3f%n"
                            + "  (pipelined HSET encoding the events too: %,.0f changes/s, ratio %.3f, median %.3f)%n",
                    rounds,
                    sliceMs,
                    endpoints,
                    rate(totals[SINK]),
                    rate(totals[HSET]),
                    rate(totals[SINK]) / rate(totals[HSET]),
                    ratios.get(0).get(0),
                    ratios.get(0).get(rounds / 2),
                    ratios.get(0).get(rounds - 1),
                    rate(totals[HSET_ENCODING]),
                    rate(totals[SINK]) / rate(totals[HSET_ENCODING]),
                    ratios.get(1).get(rounds / 2));
            return 0;
        } finally {
            b.tearDown();
        }
    }

    private static final int SINK = 0;
    private static final int HSET = 1;
    private static final int HSET_ENCODING = 2;
    private static final int SIDES = 3;

    /** Runs one side for about {@code ms}; returns {changes, nanos spent writing}. */
    private static long[] slice(RedisSinkBenchmark b, int side, long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long changes = 0;
        long spent = 0;
        while (System.nanoTime() < end) {
            b.nextBatch();
            long t = System.nanoTime();
            switch (side) {
                case SINK -> b.astregSink();
                case HSET -> b.pipelinedHset();
                default -> b.pipelinedHsetEncoding();
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
