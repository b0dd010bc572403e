package io.github.astreg.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs benchmarks that need no server for a fraction of a second in this JVM: proves the benchmarks set up,
 * run without throwing and produce a score. It measures nothing worth reading (no fork, no warmup).
 */
class BenchmarksSmokeTest {

    private static Collection<RunResult> runBriefly(String regexp) throws Exception {
        Options options = new OptionsBuilder()
                .include(regexp)
                .param("endpoints", "500")
                .param("phones", "100")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .timeUnit(TimeUnit.SECONDS)
                .verbosity(VerboseMode.SILENT)
                .shouldFailOnError(true)
                .build();
        return new Runner(options).run();
    }

    @Test
    void ariDecoderBenchmarkAndItsBaselineRunAndPrintTheirRatio() throws Exception {
        Collection<RunResult> results =
                runBriefly("io\\.github\\.astreg\\.benchmarks\\.source\\.AriSourceBenchmark\\..*");

        assertThat(results).hasSize(2);
        assertThat(BenchMain.ratioTable(results)).contains("source-ari").doesNotContain("no comparison ran");
    }

    @Test
    void registryApplyLocateAndJsonBenchmarksRun() throws Exception {
        Collection<RunResult> results = runBriefly(
                "io\\.github\\.astreg\\.benchmarks\\.core\\.(RegistryApplyBenchmark\\.mix|LocateBenchmark\\.locate|EventJsonBenchmark\\.decodeContact)$");

        // locate runs once per clock (system, coarse)
        assertThat(results).hasSize(4);
        List<String> locateClocks = results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith(".locate"))
                .map(r -> r.getParams().getParam("clock"))
                .collect(Collectors.toList());
        assertThat(locateClocks).containsExactlyInAnyOrder("system", "coarse");
        assertThat(results)
                .allSatisfy(r -> assertThat(r.getPrimaryResult().getScore())
                        .as(r.getParams().getBenchmark())
                        .isPositive());
        assertThat(BenchMain.ratioTable(results)).contains("no comparison ran");
    }
}
