package io.github.astreg.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Entry point of {@code benchmarks/target/benchmarks.jar}.
 *
 * <pre>
 * java -jar benchmarks.jar [jmh options] [regexp]   JMH, then the ratio table of every comparison
 *                                                   whose subject and baseline both ran
 * java -jar benchmarks.jar load [options]           the end-to-end load harness (--help)
 * java -jar benchmarks.jar ab A.jar B.jar OPERATION   two builds on one core benchmark in one JVM,
 *                                                   alternating slices (see Interleaved)
 * java -jar benchmarks.jar redis-ratio [options]    sink-redis and its baseline in alternating
 *                                                   slices (see RedisSinkRatio)
 * </pre>
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("load")) {
            System.exit(io.github.astreg.benchmarks.load.LoadHarness.run(Arrays.copyOfRange(args, 1, args.length)));
            return;
        }
        if (args.length > 0 && args[0].equals("ab")) {
            System.exit(io.github.astreg.benchmarks.ab.Interleaved.run(Arrays.copyOfRange(args, 1, args.length)));
            return;
        }
        if (args.length > 0 && args[0].equals("redis-ratio")) {
            System.exit(io.github.astreg.benchmarks.sink.RedisSinkRatio.run(Arrays.copyOfRange(args, 1, args.length)));
            return;
        }
        if (args.length > 0 && args[0].equals("jmh")) {
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        System.exit(runJmh(args));
    }

    static int runJmh(String[] args) throws RunnerException, java.io.IOException {
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("Error parsing command line: " + e.getMessage());
            return 1;
        }
        Runner runner = new Runner(options);
        if (options.shouldHelp()) {
            options.showHelp();
            return 0;
        }
        if (options.shouldList()
                || options.shouldListWithParams()
                || options.shouldListProfilers()
                || options.shouldListResultFormats()) {
            // the stock JMH main handles listing
            org.openjdk.jmh.Main.main(args);
            return 0;
        }
        Collection<RunResult> results = runner.run();
        System.out.println();
        System.out.println(ratioTable(results));
        return 0;
    }

    /** Formats the ratio of every {@link Ratio} whose two benchmarks appear in {@code results}. */
    public static String ratioTable(Collection<RunResult> results) {
        Map<String, List<RunResult>> byName = new HashMap<>();
        for (RunResult r : results) {
            byName.computeIfAbsent(shortName(r), k -> new ArrayList<>()).add(r);
        }
        StringBuilder out = new StringBuilder("Ratios (subject / baseline, same run):\n");
        int printed = 0;
        for (Ratio ratio : Ratio.all()) {
            List<RunResult> subjects = byName.getOrDefault(ratio.subject(), List.of());
            for (RunResult s : subjects) {
                for (RunResult b : byName.getOrDefault(ratio.baseline(), List.of())) {
                    if (!s.getParams().getParamsKeys().isEmpty()
                            || !b.getParams().getParamsKeys().isEmpty()) {
                        if (!sameParams(s, b)) {
                            continue;
                        }
                    }
                    double sv = s.getPrimaryResult().getScore();
                    double bv = b.getPrimaryResult().getScore();
                    double r = sv / bv;
                    out.append(String.format(
                            Locale.ROOT,
                            "  %-90s %s%n    %,.0f / %,.0f %s = %.2f%s%n",
                            ratio.title(),
                            params(s),
                            sv,
                            bv,
                            s.getPrimaryResult().getScoreUnit(),
                            r,
                            ratio.target() > 0
                                    ? String.format(
                                            Locale.ROOT,
                                            "  (target >= %.2f: %s)",
                                            ratio.target(),
                                            r >= ratio.target() ? "met" : "MISSED")
                                    : ""));
                    printed++;
                }
            }
        }
        if (printed == 0) {
            out.append("  (no comparison ran)\n");
        }
        return out.toString();
    }

    private static boolean sameParams(RunResult a, RunResult b) {
        for (String key : a.getParams().getParamsKeys()) {
            if (b.getParams().getParamsKeys().contains(key)
                    && !a.getParams().getParam(key).equals(b.getParams().getParam(key))) {
                return false;
            }
        }
        return true;
    }

    private static String params(RunResult r) {
        StringBuilder sb = new StringBuilder();
        for (String key : r.getParams().getParamsKeys()) {
            sb.append(sb.length() == 0 ? "[" : ", ")
                    .append(key)
                    .append('=')
                    .append(r.getParams().getParam(key));
        }
        return sb.length() == 0 ? "" : sb.append(']').toString();
    }

    private static String shortName(RunResult r) {
        String full = r.getParams().getBenchmark();
        int method = full.lastIndexOf('.');
        int cls = full.lastIndexOf('.', method - 1);
        return full.substring(cls + 1);
    }
}
