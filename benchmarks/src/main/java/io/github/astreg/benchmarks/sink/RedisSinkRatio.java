package io.github.astreg.benchmarks.sink;

import io.github.astreg.benchmarks.store.BenchStores;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import redis.clients.jedis.UnifiedJedis;

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
 *
 * <p>Also printed, per change and side: the writing thread's CPU time, Redis' CPU time (the server's
 * {@code used_cpu_user + used_cpu_sys} from {@code INFO cpu}, read between slices over a connection
 * of its own), and how much of the writing time Redis was busy. A side bound by Redis shows Redis busy
 * nearly all its time; whatever Redis spends per change beyond the baseline caps the ratio, however
 * cheap the client.
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
        try (UnifiedJedis stats = BenchStores.redis(BenchStores.redisUri())) {
            Meter meter = new Meter(stats);
            long warmupEnd = System.nanoTime() + warmupS * 1_000_000_000L;
            while (System.nanoTime() < warmupEnd) {
                for (int side = 0; side < SIDES; side++) {
                    meter.slice(b, side, 100);
                }
            }
            long[][] totals = new long[SIDES][FIGURES];
            List<List<Double>> ratios = List.of(new ArrayList<>(rounds), new ArrayList<>(rounds));
            for (int r = 0; r < rounds; r++) {
                // rotate which side goes first, so that none always follows another
                long[][] round = new long[SIDES][];
                for (int k = 0; k < SIDES; k++) {
                    int side = (r + k) % SIDES;
                    round[side] = meter.slice(b, side, sliceMs);
                    for (int f = 0; f < FIGURES; f++) {
                        totals[side][f] += round[side][f];
                    }
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
            System.out.println("  per change: writing time, the writing thread's CPU, Redis' CPU, Redis busy");
            String[] names = {"RedisEndpointSink", "pipelined HSET", "pipelined HSET encoding"};
            for (int side = 0; side < SIDES; side++) {
                long[] t = totals[side];
                System.out.printf(
                        Locale.ROOT,
                        "    %-24s %5.2f us  %5.2f us  %5.2f us  %3.0f %%%n",
                        names[side],
                        t[NANOS] / 1000.0 / t[CHANGES],
                        t[CLIENT_CPU_NANOS] / 1000.0 / t[CHANGES],
                        t[REDIS_CPU_MICROS] / (double) t[CHANGES],
                        100.0 * t[REDIS_CPU_MICROS] * 1000.0 / t[NANOS]);
            }
            return 0;
        } finally {
            b.tearDown();
        }
    }

    private static final int SINK = 0;
    private static final int HSET = 1;
    private static final int HSET_ENCODING = 2;
    private static final int SIDES = 3;

    /** What a slice measures, as indexes of its figures. */
    private static final int CHANGES = 0;

    private static final int NANOS = 1;
    private static final int CLIENT_CPU_NANOS = 2;
    private static final int REDIS_CPU_MICROS = 3;
    private static final int FIGURES = 4;

    /** Runs slices of one side, measuring time and the CPU of both ends. */
    private static final class Meter {
        private final UnifiedJedis stats;
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        Meter(UnifiedJedis stats) {
            this.stats = stats;
        }

        /**
         * Runs one side for about {@code ms}; returns its figures: changes, nanoseconds spent writing,
         * nanoseconds of this thread's CPU while writing, microseconds of Redis' CPU over the slice
         * (when Redis has nothing to do while the next batch is prepared, it spends nothing).
         */
        long[] slice(RedisSinkBenchmark b, int side, long ms) {
            long redisBefore = redisCpuMicros();
            long end = System.nanoTime() + ms * 1_000_000L;
            long[] f = new long[FIGURES];
            while (System.nanoTime() < end) {
                b.nextBatch();
                long cpu = threads.getCurrentThreadCpuTime();
                long t = System.nanoTime();
                switch (side) {
                    case SINK -> b.astregSink();
                    case HSET -> b.pipelinedHset();
                    default -> b.pipelinedHsetEncoding();
                }
                f[NANOS] += System.nanoTime() - t;
                f[CLIENT_CPU_NANOS] += threads.getCurrentThreadCpuTime() - cpu;
                f[CHANGES] += RedisSinkBenchmark.BATCH;
            }
            f[REDIS_CPU_MICROS] = redisCpuMicros() - redisBefore;
            return f;
        }

        /** The server's user and system CPU time so far, in microseconds ({@code INFO cpu}). */
        private long redisCpuMicros() {
            double seconds = 0;
            for (String line : stats.info("cpu").split("\r?\n")) {
                if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                    seconds += Double.parseDouble(
                            line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return Math.round(seconds * 1e6);
        }
    }

    private static double rate(long[] figures) {
        return figures[CHANGES] * 1e9 / figures[NANOS];
    }
}
