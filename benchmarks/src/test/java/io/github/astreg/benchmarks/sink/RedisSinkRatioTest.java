package io.github.astreg.benchmarks.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code redis-ratio}'s command line; running it needs Redis, which this module's tests do not. */
class RedisSinkRatioTest {
    @Test
    void defaultsAreThirtyRoundsOfTwoHundredMillisecondsAfterFiveSecondsOfWarmUp() {
        assertThat(RedisSinkRatio.Options.parse(new String[0]))
                .isEqualTo(new RedisSinkRatio.Options(30, 200, 5, 10_000));
        assertThat(RedisSinkRatio.Options.parse(
                        new String[] {"--rounds", "3", "--slice-ms", "20", "--warmup-s", "0", "--endpoints", "101"}))
                .isEqualTo(new RedisSinkRatio.Options(3, 20, 0, 101));
    }

    @Test
    void everyBadOptionIsReportedAtOnce() {
        assertThatThrownBy(() -> RedisSinkRatio.Options.parse(
                        new String[] {"--rounds", "0", "--slice-ms", "x", "--endpoints", "7919", "--fast", "--warmup-s"
                        }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--rounds: must be 1..100000, was 0")
                .hasMessageContaining("--slice-ms: must be a number, was 'x'")
                .hasMessageContaining("--endpoints: must be no multiple of 7919")
                .hasMessageContaining("unknown option '--fast'")
                .hasMessageContaining("--warmup-s: missing value");
    }

    @Test
    void badOptionsExitWithTwoBeforeTouchingRedis() {
        assertThat(RedisSinkRatio.run(new String[] {"--rounds", "-1"})).isEqualTo(2);
        assertThat(RedisSinkRatio.run(new String[] {"--help"})).isZero();
    }
}
