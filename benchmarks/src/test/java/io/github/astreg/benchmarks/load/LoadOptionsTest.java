package io.github.astreg.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void defaultsWarmUpForFortySecondsBeforeThirtyMeasured() {
        LoadOptions o = LoadOptions.parse(new String[0]);

        assertThat(o.warmupSeconds()).isEqualTo(40);
        assertThat(o.durationSeconds()).isEqualTo(30);
        assertThat(o.timeline()).isFalse();
        assertThat(o.toArgs()).contains("--duration 30 --warmup 40 ");
    }

    @Test
    void warmupCanBeTurnedOffAndRoundTripsThroughTheReportedArguments() {
        LoadOptions o =
                LoadOptions.parse(new String[] {"--warmup", "0", "--duration", "5", "--redis", "none", "--timeline"});

        assertThat(o.warmupSeconds()).isZero();
        assertThat(o.timeline()).isTrue();
        assertThat(LoadOptions.parse(o.toArgs().split(" "))).isEqualTo(o);
    }

    @Test
    void everyBadOptionIsReportedAtOnce() {
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--warmup", "-1", "--duration", "x", "--nodes"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--warmup: must be 0..3600, was -1")
                .hasMessageContaining("--duration: must be a number, was 'x'")
                .hasMessageContaining("--nodes: missing value");
    }
}
