package io.github.astreg.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatenciesTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    @Test
    void slowestListsTheLongestSamplesFirstWithWhenTheirProbeWasSent() {
        Latencies l = new Latencies();
        long origin = 5 * S;
        l.add(origin + S, 3 * MS);
        l.add(origin + 4 * S + 200 * MS, 940 * MS);
        l.add(origin + 2 * S, 12 * MS);
        l.add(origin + 4 * S + 300 * MS, 910 * MS);

        assertThat(l.slowest(3, origin)).isEqualTo("940 ms at 4.20 s, 910 ms at 4.30 s, 12 ms at 2.00 s");
        assertThat(l.summary()).startsWith("p50 12.0 ms, p99 940.0 ms, max 940.0 ms (4 samples)");
    }

    @Test
    void slowestOfNothingIsADash() {
        assertThat(new Latencies().slowest(5, 0)).isEqualTo("-");
    }
}
