package io.github.astreg.source.ari.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The event mapper's {@code Date} parsing against what ari4java's mapper (a plain Jackson {@code
 * ObjectMapper}, {@code StdDateFormat}) gives for the same text: the same date, or an error in both.
 */
class AriEventMapperTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final DateTimeFormatter ASTERISK = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx");
    private static final DateTimeFormatter COLON = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx");

    /** A bean with one date, bound by both mappers. */
    public static final class Stamp {
        public Date timestamp;
    }

    private static String outcome(boolean ours, String text) {
        String json = "{\"timestamp\":\"" + text + "\"}";
        try {
            Stamp s = ours ? AriEventMapper.read(json, Stamp.class) : PLAIN.readValue(json, Stamp.class);
            return "ok " + (s.timestamp == null ? null : s.timestamp.getTime());
        } catch (Exception e) {
            return "error " + e.getClass().getSimpleName();
        }
    }

    private static List<String> texts() {
        List<String> out = new ArrayList<>(List.of(
                "2026-11-26T05:32:55.618+0000",
                "2026-11-26T05:32:55.618Z",
                "2026-11-26T05:32:55.618+05:30",
                "2026-11-26T05:32:55.618-0800",
                "1969-12-31T23:59:59.999+0000",
                "2026-02-30T05:32:55.618+0000",
                "2026-11-26T24:00:00.000+0000",
                "2026-11-26T05:60:55.618+0000",
                "2026-11-26T05:32:55.61+0000",
                "2026-11-26T05:32:55.6189+0000",
                "2026-11-26T05:32:55+0000",
                "2026-11-26 05:32:55.618+0000",
                "2026-11-26T05:32:55.618+1900",
                "2026-11-26T05:32:55.618",
                "not a date",
                ""));
        Random r = new Random(26);
        char[] noise = "0123456789+-:.TZ x".toCharArray();
        for (int i = 0; i < 4000; i++) {
            Instant t = Instant.ofEpochSecond(
                    -2_000_000_000L + (long) (r.nextDouble() * 6_000_000_000L), r.nextInt(1000) * 1_000_000);
            ZoneOffset off = ZoneOffset.ofTotalSeconds((r.nextInt(37) - 18) * 1800);
            String s = (i % 2 == 0 ? ASTERISK : COLON).format(t.atOffset(off));
            if (i % 3 == 0) {
                int at = r.nextInt(s.length());
                s = s.substring(0, at) + noise[r.nextInt(noise.length)] + s.substring(at + 1);
            }
            out.add(s);
        }
        return out;
    }

    @Test
    void datesBindAsAri4javasMapperBindsThem() {
        for (String t : texts()) {
            assertThat(outcome(true, t)).as(t).isEqualTo(outcome(false, t));
        }
    }

    @Test
    void theFastFormIsTakenForWhatAsteriskWrites() {
        assertThat(AriEventMapper.epochMillis("2026-11-26T05:32:55.618+0000"))
                .isEqualTo(Instant.parse("2026-11-26T05:32:55.618Z").toEpochMilli());
        assertThat(AriEventMapper.epochMillis("2026-11-26T05:32:55.618+01:00"))
                .isEqualTo(Instant.parse("2026-11-26T04:32:55.618Z").toEpochMilli());
        assertThat(AriEventMapper.epochMillis("2026-02-30T05:32:55.618+0000")).isEqualTo(AriEventMapper.NOT_FAST);
    }

    @Test
    void unknownFieldsAreSkipped() throws Exception {
        Stamp s = AriEventMapper.read(
                "{\"timestamp\":\"2026-11-26T05:32:55.618+0000\",\"novel\":[1,{\"x\":2}]}", Stamp.class);
        assertThat(s.timestamp.getTime())
                .isEqualTo(Instant.parse("2026-11-26T05:32:55.618Z").toEpochMilli());
    }
}
