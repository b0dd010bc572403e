package io.github.astreg.benchmarks.ab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The A/B driver on this module's own class path for both sides (an A/A run): it loads two separate
 * copies, runs them, and reports; bad arguments get a usage message and exit code 2. It measures
 * nothing worth reading (tiny slices, no warm-up).
 */
class InterleavedTest {
    private static final String CP = System.getProperty("java.class.path");

    private static String[] run(String... args) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            code = Interleaved.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {
            Integer.toString(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)
        };
    }

    @Test
    void anAaRunLoadsBothSidesSeparatelyAndReportsARatio() throws Exception {
        String[] r =
                run(CP, CP, "deviceState", "--slices", "4", "--slice-ms", "5", "--warmup-s", "0", "--endpoints", "200");

        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1])
                .contains("deviceState, 200 endpoints, 4 rounds of 4 x 5 ms slices (A B B A)")
                .containsPattern("A .*: \\d+ ops/s")
                .containsPattern("B/A \\d+\\.\\d{3} \\(totals\\); per round: median \\d+\\.\\d{3}");
    }

    @Test
    void eachSideHasItsOwnCopyOfTheClasses() throws Exception {
        var x = Interleaved.classPath(CP);
        try (var l1 = new java.net.URLClassLoader(
                        x.toArray(java.net.URL[]::new), ClassLoader.getPlatformClassLoader());
                var l2 = new java.net.URLClassLoader(
                        x.toArray(java.net.URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> c1 = Class.forName("io.github.astreg.core.registry.InMemoryEndpointRegistry", false, l1);
            Class<?> c2 = Class.forName("io.github.astreg.core.registry.InMemoryEndpointRegistry", false, l2);
            assertThat(c1).isNotSameAs(c2);
        }
    }

    @Test
    void badArgumentsGetUsageAndExitCodeTwo() throws Exception {
        assertThat(run(CP, CP)[2]).contains("usage: ab A.jar B.jar OPERATION");
        assertThat(run(CP, CP, "mix", "--slices")[2]).contains("--slices needs a value");
        assertThat(run(CP, CP, "mix", "--slices", "1")[0]).isEqualTo("2");
        String[] unknown = run(CP, CP, "juggle", "--endpoints", "10");
        assertThat(unknown[0]).isEqualTo("2");
        assertThat(unknown[2]).contains("unknown operation juggle");
        String[] missing = run("/no/such.jar", CP, "mix");
        assertThat(missing[0]).isEqualTo("2");
        assertThat(missing[2]).contains("not found: /no/such.jar");
    }
}
