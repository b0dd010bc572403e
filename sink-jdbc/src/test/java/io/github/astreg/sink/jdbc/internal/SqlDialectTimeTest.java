package io.github.astreg.sink.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The instants the dialects bind are built without {@code ofInstant}; they must be exactly what
 * {@code ofInstant} of the instant truncated to microseconds gives, over the whole range a {@code
 * LocalDateTime} holds, before the epoch included.
 */
class SqlDialectTimeTest {
    private static List<Instant> instants() {
        List<Instant> out = new ArrayList<>(List.of(
                Instant.EPOCH,
                Instant.EPOCH.minusNanos(1),
                Instant.EPOCH.plusNanos(999),
                Instant.parse("2026-11-26T05:00:00.123456789Z"),
                Instant.parse("1969-12-31T23:59:59.999999999Z"),
                LocalDateTime.MIN.toInstant(ZoneOffset.UTC),
                LocalDateTime.MAX.toInstant(ZoneOffset.UTC)));
        Random r = new Random(26);
        long min = LocalDateTime.MIN.toEpochSecond(ZoneOffset.UTC);
        long max = LocalDateTime.MAX.toEpochSecond(ZoneOffset.UTC);
        for (int i = 0; i < 10_000; i++) {
            long s = i % 2 == 0 ? min + (long) (r.nextDouble() * (max - min)) : 1_700_000_000L + r.nextInt(200_000_000);
            out.add(Instant.ofEpochSecond(s, r.nextInt(1_000_000_000)));
        }
        return out;
    }

    @Test
    void bindsWhatOfInstantOfTheTruncatedInstantGives() {
        for (Instant t : instants()) {
            Instant m = SqlDialect.micros(t);
            assertThat(SqlDialect.utcMicros(t)).as("%s", t).isEqualTo(LocalDateTime.ofInstant(m, ZoneOffset.UTC));
            assertThat(SqlDialect.utcOffsetMicros(t))
                    .as("%s", t)
                    .isEqualTo(OffsetDateTime.ofInstant(m, ZoneOffset.UTC));
        }
    }

    @Test
    void refusesWhatOfInstantRefuses() {
        assertThatThrownBy(() -> LocalDateTime.ofInstant(Instant.MAX, ZoneOffset.UTC))
                .isInstanceOf(DateTimeException.class);
        assertThatThrownBy(() -> SqlDialect.utcMicros(Instant.MAX)).isInstanceOf(DateTimeException.class);
        assertThatThrownBy(() -> SqlDialect.utcOffsetMicros(Instant.MIN)).isInstanceOf(DateTimeException.class);
    }
}
