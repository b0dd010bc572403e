package io.github.astreg.source.ami.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class AsteriskClockTest {
    private static final Instant T = Instant.parse("2026-11-26T05:32:55Z");

    @Test
    void withoutSamplesLocalTimeIsUsed() {
        AsteriskClock c = new AsteriskClock(Clock.fixed(T, ZoneOffset.UTC));
        assertThat(c.now()).isEqualTo(T);
        assertThat(c.toAsterisk(T.plusSeconds(1))).isEqualTo(T.plusSeconds(1));
    }

    @Test
    void offsetComesFromTheMidpointOfTheShortestRoundTrip() {
        AsteriskClock c = new AsteriskClock(Clock.fixed(T, ZoneOffset.UTC));
        // Asterisk runs 2 s behind the collector
        c.sample(T, T.plusMillis(10), T.plusMillis(5).minusSeconds(2));
        assertThat(c.offset()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.now()).isEqualTo(T.minusSeconds(2));
        // a slow round trip is a worse sample and does not win
        c.sample(T, T.plusMillis(400), T.minusSeconds(2).plusMillis(50));
        assertThat(c.offset()).isEqualTo(Duration.ofSeconds(2));
        c.reset();
        c.sample(T, T.plusMillis(2), T.plusMillis(1).plusSeconds(1));
        assertThat(c.offset()).isEqualTo(Duration.ofSeconds(-1));
    }
}
