package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.Version;
import io.github.astreg.sink.redis.internal.Ordering;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The script compares versions and instants as strings, byte by byte: that must equal core's order. */
class OrderingTest {

    private static int bytewise(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            int c = Integer.compare(a.charAt(i), b.charAt(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    @Test
    void fixedWidth() {
        assertThat(Ordering.version(Version.ZERO)).hasSize(46).matches("[0-9]+");
        assertThat(Ordering.version(new Version(Instant.MAX, Long.MAX_VALUE))).hasSize(46);
        assertThat(Ordering.version(new Version(Instant.MIN, 0))).hasSize(46);
        assertThat(Ordering.instant(Instant.ofEpochSecond(1_795_584_775L, 618_000_000)))
                .isEqualTo("1" + "00000001795584775" + "618000000");
    }

    @Test
    void stringOrderEqualsVersionOrder() {
        Random rnd = new Random(1);
        List<Version> versions = new ArrayList<>();
        long[] seconds = {Instant.MIN.getEpochSecond(), -86_400, -1, 0, 1, 1_795_584_775L, Instant.MAX.getEpochSecond()
        };
        long[] sequences = {0, 1, 9, 10, 999, Long.MAX_VALUE};
        for (long s : seconds) {
            for (int nano : new int[] {0, 1, 999_999_999}) {
                for (long q : sequences) {
                    versions.add(new Version(Instant.ofEpochSecond(s, nano), q));
                }
            }
        }
        for (int i = 0; i < 2000; i++) {
            versions.add(new Version(
                    Instant.ofEpochSecond(rnd.nextInt() * 1000L, rnd.nextInt(1_000_000_000)),
                    rnd.nextLong() & Long.MAX_VALUE));
        }
        List<String> wrong = new ArrayList<>();
        List<String> encoded = versions.stream().map(Ordering::version).toList();
        List<String> instants =
                versions.stream().map(v -> Ordering.instant(v.observedAt())).toList();
        for (int i = 0; i < 300; i++) {
            for (int j = 0; j < versions.size(); j++) {
                Version a = versions.get(i);
                Version b = versions.get(j);
                if (Integer.signum(bytewise(encoded.get(i), encoded.get(j))) != Integer.signum(a.compareTo(b))
                        || Integer.signum(bytewise(instants.get(i), instants.get(j)))
                                != Integer.signum(a.observedAt().compareTo(b.observedAt()))) {
                    wrong.add(a + " vs " + b);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }
}
