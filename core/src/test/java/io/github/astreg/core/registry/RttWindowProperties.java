package io.github.astreg.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.model.Version;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The ring-buffer window against the plainest model of R8: the newest {@code capacity} samples by
 * version, statistics recomputed from them, whatever order samples and removals arrive in.
 */
class RttWindowProperties {
    private static final Instant T0 = Instant.parse("2026-11-26T05:00:00Z");

    /** Adds a sample when {@code drop} is false, else drops every sample up to the version. */
    record Op(boolean drop, int millis, int sequence, int rttMicros) {
        Version version() {
            return new Version(T0.plusMillis(millis), sequence);
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        return Combinators.combine(
                        Arbitraries.integers().between(0, 9).map(n -> n == 0),
                        Arbitraries.integers().between(0, 40),
                        Arbitraries.integers().between(0, 2),
                        Arbitraries.integers().between(1, 5000))
                .as(Op::new)
                .list()
                .ofMaxSize(80);
    }

    @Property(tries = 500)
    void behavesLikeTheNewestSamplesSortedByVersion(
            @ForAll("ops") List<Op> ops, @ForAll @IntRange(min = 1, max = 17) int capacity) {
        RttWindow window = new RttWindow(capacity);
        TreeMap<Version, Long> model = new TreeMap<>();
        Version droppedUpTo = Version.ZERO;
        for (Op op : ops) {
            Version v = op.version();
            if (op.drop()) {
                boolean expected = !model.headMap(v, true).isEmpty();
                model.headMap(v, true).clear();
                droppedUpTo = Version.max(droppedUpTo, v);
                assertThat(window.dropUpTo(v)).as("drop %s", v).isEqualTo(expected);
                continue;
            }
            boolean expected = !model.containsKey(v) && (model.size() < capacity || v.isNewerThan(model.firstKey()));
            if (expected) {
                model.put(v, op.rttMicros() * 1000L);
                if (model.size() > capacity) {
                    model.pollFirstEntry();
                }
            }
            assertThat(window.add(v, Duration.ofNanos(op.rttMicros() * 1000L)))
                    .as("add %s", op)
                    .isEqualTo(expected);
            assertThat(window.stats()).as("after %s", op).isEqualTo(statsOf(new ArrayList<>(model.values())));
            assertThat(window.last()).isEqualTo(window.stats().map(RttStats::last));
            assertThat(window.jitter())
                    .isEqualTo(window.stats().filter(s -> s.samples() > 1).map(RttStats::jitter));
        }
    }

    private static Optional<RttStats> statsOf(List<Long> rtts) {
        if (rtts.isEmpty()) {
            return Optional.empty();
        }
        double jitter = 0;
        for (int i = 1; i < rtts.size(); i++) {
            double d = Math.abs(rtts.get(i) - rtts.get(i - 1));
            jitter = i == 1 ? d : jitter + (d - jitter) / 16.0;
        }
        return Optional.of(new RttStats(
                Duration.ofNanos(rtts.get(rtts.size() - 1)),
                Duration.ofNanos(rtts.stream().mapToLong(Long::longValue).min().orElseThrow()),
                Duration.ofNanos(rtts.stream().mapToLong(Long::longValue).max().orElseThrow()),
                Duration.ofNanos(Math.round(jitter)),
                rtts.size()));
    }
}
