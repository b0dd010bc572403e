package io.github.astreg.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link IsoInstant#parse} must answer exactly as {@link Instant#parse}: the same instant or the same error. */
class IsoInstantProperties {
    private static final long YEAR_0 = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    private static final long YEAR_10000 =
            Instant.parse("+10000-01-01T00:00:00Z").getEpochSecond();

    @Provide
    Arbitrary<String> writtenInstants() {
        Arbitrary<Long> seconds = Arbitraries.longs().between(YEAR_0, YEAR_10000 + 86_400);
        Arbitrary<Integer> nanos = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 999_999_999), Arbitraries.of(0, 1, 1_000, 1_000_000, 500_000_000));
        return Combinators.combine(seconds, nanos)
                .as((s, n) -> Instant.ofEpochSecond(s, n).toString());
    }

    /** Texts near the fast form: one character replaced, cut or added, fractions of any length. */
    @Provide
    Arbitrary<String> nearlyWrittenInstants() {
        Arbitrary<Character> chars =
                Arbitraries.of('0', '1', '2', '3', '5', '9', ':', '-', '.', 'T', 'Z', '+', ' ', 'x');
        return Combinators.combine(
                        writtenInstants(),
                        Arbitraries.integers().between(0, 29),
                        chars,
                        Arbitraries.integers().between(0, 3))
                .as((t, at, c, how) -> {
                    int i = Math.min(at, t.length() - 1);
                    return switch (how) {
                        case 0 -> t.substring(0, i) + c + t.substring(i + 1);
                        case 1 -> t.substring(0, i) + t.substring(i + 1);
                        case 2 -> t.substring(0, i) + c + t.substring(i);
                        default -> t.substring(0, 19) + "." + "123456789012".substring(0, at % 12) + "Z";
                    };
                });
    }

    private static String outcome(java.util.function.Function<String, Instant> parse, String t) {
        try {
            return "ok " + parse.apply(t);
        } catch (DateTimeParseException e) {
            return "error " + e.getMessage();
        }
    }

    @Property(tries = 3000)
    void agreesOnWhatEventWriterWrites(@ForAll("writtenInstants") String t) {
        assertThat(IsoInstant.parse(t)).isEqualTo(Instant.parse(t));
    }

    @Property(tries = 5000)
    void agreesOnAnythingNearIt(@ForAll("nearlyWrittenInstants") String t) {
        assertThat(outcome(IsoInstant::parse, t)).as(t).isEqualTo(outcome(Instant::parse, t));
    }

    @Example
    void agreesOnTheOddCases() {
        for (String t : new String[] {
            "2026-02-29T00:00:00Z",
            "2024-02-29T23:59:59.999999999Z",
            "2026-11-26T24:00:00Z",
            "2026-12-31T23:59:60Z",
            "2026-11-26T05:00:00.Z",
            "2026-11-26T05:00:00+01:00",
            "+2026-11-26T05:00:00Z",
            "-0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "0000-01-01T00:00:00Z",
            "2026-11-26t05:00:00z",
            "２０２６-11-26T05:00:00Z",
            "2026-11-26T05:00:00.0000000001Z"
        }) {
            assertThat(outcome(IsoInstant::parse, t)).as(t).isEqualTo(outcome(Instant::parse, t));
        }
    }
}
