package io.github.astreg.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written formats against the formatter and {@code String.format} they replace. */
class AriTimeTest {
    private static final DateTimeFormatter ARI =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);

    @Test
    void ariFormatIsTheFormattersForEdgesAndRandomInstants() {
        Instant[] edges = {
            Instant.EPOCH,
            Instant.EPOCH.minusNanos(1),
            Instant.parse("2026-11-26T05:32:55.618Z"),
            Instant.parse("2024-02-29T23:59:59.999999999Z"),
            Instant.parse("0001-01-01T00:00:00Z"),
            Instant.parse("9999-12-31T23:59:59.999Z"),
            Instant.parse("0000-12-31T23:59:59Z"),
            Instant.parse("+10000-01-01T00:00:00Z"),
            Instant.MIN,
            Instant.MAX
        };
        for (Instant t : edges) {
            assertThat(outcome(() -> AriTime.format(t))).as(t.toString()).isEqualTo(outcome(() -> ARI.format(t)));
        }
        Random random = new Random(26);
        for (int i = 0; i < 100_000; i++) {
            Instant t = Instant.ofEpochSecond(
                    random.nextLong(-62_135_596_800L * 2, 253_402_300_800L * 2), random.nextInt(1_000_000_000));
            assertThat(AriTime.format(t)).as(t.toString()).isEqualTo(ARI.format(t));
        }
    }

    /** The text, or the exception's class and message. */
    private static String outcome(java.util.function.Supplier<String> format) {
        try {
            return format.get();
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    @Test
    void amiTimestampIsSecondsAndSixDigitsOfMicroseconds() {
        Random random = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            Instant t = Instant.ofEpochSecond(
                    random.nextLong(-10_000_000_000L, 10_000_000_000L), random.nextInt(1_000_000_000));
            assertThat(AriTime.amiTimestamp(t))
                    .as(t.toString())
                    .isEqualTo(t.getEpochSecond() + "." + String.format("%06d", t.getNano() / 1000));
        }
        assertThat(AriTime.amiTimestamp(Instant.parse("2026-11-26T05:32:55.000618Z")))
                .isEqualTo("1795671175.000618");
    }
}
