package io.github.astreg.benchmarks.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Options of the end-to-end load harness; {@link #parse} reports every bad option at once.
 *
 * @param nodes fake Asterisk nodes
 * @param phonesPerNode registered phones per node (each node has its own extensions)
 * @param ariNodes how many of the nodes are watched over ARI (the others over AMI)
 * @param rate target observations per second received by the pipeline during the load phase
 * @param durationSeconds length of the measured load phase
 * @param warmupSeconds traffic and probes at the target rate before the measured phase, not counted:
 *     the JIT compiles the live-traffic paths here rather than during the measurement (after 10 s it
 *     was still compiling, and the measured p99 was its transient: see RESULTS.md, session 7)
 * @param probeRate latency probes per second
 * @param coldStartTimeoutSeconds give up waiting for the cold start after this long
 * @param jdbcUrl PostgreSQL JDBC URL, or empty to run without the JDBC sink
 * @param redisUri Redis URI, or empty to run without the Redis sink
 * @param skipLoad measure the cold start and heap only
 * @param flushMillis the pipeline's {@code flushInterval} in milliseconds (how long sinks linger)
 * @param batchSize the pipeline's {@code batchSize}
 * @param timeline print, every 200 ms of the load phase, the rates and each sink's backlog
 */
public record LoadOptions(
        int nodes,
        int phonesPerNode,
        int ariNodes,
        int rate,
        int durationSeconds,
        int warmupSeconds,
        int probeRate,
        int coldStartTimeoutSeconds,
        String jdbcUrl,
        String redisUri,
        boolean skipLoad,
        int flushMillis,
        int batchSize,
        boolean timeline) {

    static final String USAGE = String.join(
            "\n",
            "usage: java -jar benchmarks.jar load [options]",
            "  --nodes N             fake Asterisk nodes (default 4)",
            "  --phones M            registered phones per node (default 2500)",
            "  --ari-nodes K         nodes watched over ARI, the rest over AMI (default nodes/2)",
            "  --rate R              target observations/s during the load phase (default 2000)",
            "  --duration S          measured load phase length in seconds (default 30)",
            "  --warmup S            load at the target rate before the measured phase, not counted (default 40)",
            "  --probe-rate P        latency probes per second (default 20)",
            "  --cold-start-timeout S  give up on the cold start after S seconds (default 120)",
            "  --jdbc URL            PostgreSQL JDBC URL (default jdbc:postgresql://127.0.0.1:5432/test?user=postgres"
                    + "&reWriteBatchedInserts=true); 'none' disables the JDBC sink",
            "  --redis URI           Redis URI (default redis://127.0.0.1:6379); 'none' disables the Redis sink",
            "  --cold-start-only     measure cold start and heap, skip the load phase",
            "  --flush-ms F          pipeline flushInterval in ms: how long sinks linger for a batch (default 0)",
            "  --batch-size B        pipeline batchSize (default 500)",
            "  --timeline            print rates and sink backlogs every 200 ms of the load phase",
            "Everything runs on loopback; tables (prefix bench_<hex>_) and keys (prefix astreg-bench-<uuid>:)",
            "are removed at the end. Give the JVM enough heap for the fakes, e.g. -Xmx3g for 100 000 phones.");

    public static LoadOptions parse(String[] args) {
        int nodes = 4;
        int phones = 2500;
        Integer ari = null;
        int rate = 2000;
        int duration = 30;
        int warmup = 40;
        int probeRate = 20;
        int coldTimeout = 120;
        String jdbc = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&reWriteBatchedInserts=true";
        String redis = "redis://127.0.0.1:6379";
        boolean skipLoad = false;
        int flushMillis = 0;
        int batchSize = 500;
        boolean timeline = false;
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--cold-start-only")) {
                skipLoad = true;
                continue;
            }
            if (a.equals("--timeline")) {
                timeline = true;
                continue;
            }
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                errors.add(a + ": missing value");
                break;
            }
            String v = args[++i];
            switch (a) {
                case "--nodes" -> nodes = number(errors, a, v, 1, 64);
                case "--phones" -> phones = number(errors, a, v, 10, 1_000_000);
                case "--ari-nodes" -> ari = number(errors, a, v, 0, 64);
                case "--rate" -> rate = number(errors, a, v, 1, 10_000_000);
                case "--duration" -> duration = number(errors, a, v, 1, 3600);
                case "--warmup" -> warmup = number(errors, a, v, 0, 3600);
                case "--probe-rate" -> probeRate = number(errors, a, v, 1, 1000);
                case "--cold-start-timeout" -> coldTimeout = number(errors, a, v, 1, 3600);
                case "--jdbc" -> jdbc = v.equalsIgnoreCase("none") ? "" : v;
                case "--redis" -> redis = v.equalsIgnoreCase("none") ? "" : v;
                case "--flush-ms" -> flushMillis = number(errors, a, v, 0, 60_000);
                case "--batch-size" -> batchSize = number(errors, a, v, 1, 100_000);
                default -> errors.add(a + ": unknown option");
            }
        }
        int ariNodes = ari == null ? nodes / 2 : ari;
        if (ariNodes > nodes) {
            errors.add("--ari-nodes: must be at most --nodes (" + nodes + "), was " + ariNodes);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors) + "\n" + USAGE);
        }
        return new LoadOptions(
                nodes,
                phones,
                ariNodes,
                rate,
                duration,
                warmup,
                probeRate,
                coldTimeout,
                jdbc,
                redis,
                skipLoad,
                flushMillis,
                batchSize,
                timeline);
    }

    private static int number(List<String> errors, String option, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                errors.add(String.format(Locale.ROOT, "%s: must be %d..%d, was %d", option, min, max, n));
            }
            return n;
        } catch (NumberFormatException e) {
            errors.add(option + ": must be a number, was '" + value + "'");
            return min;
        }
    }

    /** Total registered phones over all nodes. */
    public int totalPhones() {
        return nodes * phonesPerNode;
    }

    /** The command-line form of these options (for the report). */
    public String toArgs() {
        return String.format(
                Locale.ROOT,
                "--nodes %d --phones %d --ari-nodes %d --rate %d --duration %d --warmup %d --probe-rate %d"
                        + " --flush-ms %d"
                        + " --batch-size %d%s%s%s%s",
                nodes,
                phonesPerNode,
                ariNodes,
                rate,
                durationSeconds,
                warmupSeconds,
                probeRate,
                flushMillis,
                batchSize,
                jdbcUrl.isEmpty() ? " --jdbc none" : "",
                redisUri.isEmpty() ? " --redis none" : "",
                skipLoad ? " --cold-start-only" : "",
                timeline ? " --timeline" : "");
    }
}
