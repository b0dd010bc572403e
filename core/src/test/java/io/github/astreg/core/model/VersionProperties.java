package io.github.astreg.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Comparator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link Version} keeps its instant as primitives; it must still order, compare equal and hash
 * exactly like the pair (observedAt, sequence) it was built from, over the whole range of
 * {@link Instant}, including before the epoch (negative seconds with positive nanos).
 */
class VersionProperties {
    private static final Comparator<Version> BY_PAIR =
            Comparator.comparing(Version::observedAt).thenComparingLong(Version::sequence);

    @Provide
    Arbitrary<Version> versions() {
        Arbitrary<Long> seconds = Arbitraries.oneOf(
                Arbitraries.longs().between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond()),
                Arbitraries.longs().between(-2, 2),
                Arbitraries.longs().between(1_795_651_200L, 1_795_651_203L));
        Arbitrary<Integer> nanos =
                Arbitraries.oneOf(Arbitraries.integers().between(0, 999_999_999), Arbitraries.of(0, 1, 999_999_999));
        Arbitrary<Long> sequences = Arbitraries.oneOf(
                Arbitraries.longs().between(0, Long.MAX_VALUE),
                Arbitraries.longs().between(0, 2));
        return Combinators.combine(seconds, nanos, sequences)
                .as((s, n, q) -> new Version(Instant.ofEpochSecond(s, n), q));
    }

    @Property
    void ordersLikeTheInstantThenTheSequence(@ForAll("versions") Version a, @ForAll("versions") Version b) {
        assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(BY_PAIR.compare(a, b)));
        assertThat(a.isNewerThan(b)).isEqualTo(BY_PAIR.compare(a, b) > 0);
        assertThat(a.isOlderThan(b)).isEqualTo(BY_PAIR.compare(a, b) < 0);
        assertThat(Version.max(a, b)).isEqualTo(BY_PAIR.compare(a, b) >= 0 ? a : b);
    }

    @Property
    void equalsAndHashCodeFollowThePair(@ForAll("versions") Version a, @ForAll("versions") Version b) {
        Version copy = new Version(a.observedAt(), a.sequence());
        assertThat(copy).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(a.equals(b)).isEqualTo(a.observedAt().equals(b.observedAt()) && a.sequence() == b.sequence());
        assertThat(a.compareTo(copy)).isZero();
    }

    @Property
    void accessorsGiveBackTheInstant(@ForAll("versions") Version a) {
        assertThat(a.observedEpochSecond()).isEqualTo(a.observedAt().getEpochSecond());
        assertThat(a.observedNano()).isEqualTo(a.observedAt().getNano());
        Instant t = a.observedAt();
        assertThat(a.isObservedBefore(t)).isFalse();
        if (t.isBefore(Instant.MAX)) {
            assertThat(a.isObservedBefore(t.plusNanos(1))).isTrue();
        }
    }

    @Example
    void printsLikeTheRecordItReplaced() {
        Version v = new Version(Instant.parse("2026-11-26T05:00:00.5Z"), 7);
        assertThat(v).hasToString("Version[observedAt=2026-11-26T05:00:00.500Z, sequence=7]");
        assertThat(v.next()).isEqualTo(new Version(v.observedAt(), 8));
        assertThat(Version.ZERO.observedAt()).isEqualTo(Instant.EPOCH);
        assertThat(Version.ZERO.sequence()).isZero();
    }

    @Example
    void rejectsWhatTheRecordRejected() {
        assertThatThrownBy(() -> new Version(null, 0)).hasMessageContaining("observedAt");
        assertThatThrownBy(() -> new Version(Instant.EPOCH, -1))
                .hasMessageContaining("sequence")
                .hasMessageContaining("-1");
    }
}
