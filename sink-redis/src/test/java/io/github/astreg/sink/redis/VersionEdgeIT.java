package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Version;
import io.github.astreg.sink.redis.internal.Ordering;
import io.github.astreg.testkit.contract.Observations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Versions and instants at the edges of what the model allows, checked on the real server: Lua's
 * own {@code <} (the server's collation) against {@link Version#compareTo}, and instants so far away
 * that their milliseconds no longer fit Redis's expire arguments.
 */
class VersionEdgeIT {
    private final Observations obs = new Observations();

    @RegisterExtension
    final RedisScratch redis = new RedisScratch();

    private static Version random(Random rnd, long[] seconds, long[] sequences) {
        long s = rnd.nextInt(3) == 0
                ? seconds[rnd.nextInt(seconds.length)]
                : rnd.nextLong(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond() + 1);
        int nano = rnd.nextInt(3) == 0 ? new int[] {0, 1, 999_999_999}[rnd.nextInt(3)] : rnd.nextInt(1_000_000_000);
        long q = rnd.nextInt(3) == 0
                ? sequences[rnd.nextInt(sequences.length)]
                : (rnd.nextLong() & Long.MAX_VALUE) >>> rnd.nextInt(64);
        return new Version(Instant.ofEpochSecond(s, nano), q);
    }

    @Test
    void luaLessThanOnVersionStringsIsVersionOrder() {
        // digit-count boundaries: seconds of 9 and 10 digits (2001), 10 and 11 (2286), negatives
        long[] seconds = {
            Instant.MIN.getEpochSecond(),
            -10_000_000_000L,
            -1_000_000_000L,
            -1,
            0,
            1,
            999_999_999L,
            1_000_000_000L,
            9_999_999_999L,
            10_000_000_000L,
            Instant.MAX.getEpochSecond()
        };
        long[] sequences = {0, 1, 9, 10, 99, 100, 999_999_999L, 1_000_000_000L, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        Random rnd = new Random(7);
        String script = "local out = {} for i = 1, #ARGV, 2 do "
                + "out[#out + 1] = (ARGV[i] < ARGV[i + 1]) and 1 or ((ARGV[i] == ARGV[i + 1]) and 0 or -1) end "
                + "return out";
        List<String> wrong = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            List<Version[]> pairs = new ArrayList<>();
            List<String> args = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                Version a = random(rnd, seconds, sequences);
                // often close neighbours: same instant, or same seconds
                Version b = switch (rnd.nextInt(4)) {
                    case 0 -> new Version(a.observedAt(), (rnd.nextLong() & Long.MAX_VALUE) >>> rnd.nextInt(64));
                    case 1 ->
                        new Version(
                                Instant.ofEpochSecond(a.observedAt().getEpochSecond(), rnd.nextInt(1_000_000_000)),
                                a.sequence());
                    case 2 -> a;
                    default -> random(rnd, seconds, sequences);
                };
                pairs.add(new Version[] {a, b});
                args.add(Ordering.version(a));
                args.add(Ordering.version(b));
            }
            @SuppressWarnings("unchecked")
            List<Long> lua = (List<Long>) redis.raw().eval(script, List.of(), args);
            for (int i = 0; i < pairs.size(); i++) {
                Version a = pairs.get(i)[0];
                Version b = pairs.get(i)[1];
                long expected = -Integer.signum(a.compareTo(b));
                if (lua.get(i) != expected) {
                    wrong.add(a + " vs " + b + ": lua " + lua.get(i));
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void contactExpiringInAFarFutureIsStoredAndLocated() {
        RedisEndpointSink sink = redis.sink();
        Instant t = Instant.now();
        List<EndpointStateEvent> batch = new ArrayList<>();
        int i = 0;
        for (Instant far : new Instant[] {
            Instant.ofEpochSecond(100_000_000_000_000L), Instant.MAX, Instant.ofEpochSecond(10_000_000_000L)
        }) {
            String phone = "PJSIP/far" + i++;
            batch.add(obs.contact(
                    "pbx-a", phone, "sip:x@10.0.0.1:5060", ContactStatus.REACHABLE, t, b -> b.expiresAt(far)));
        }
        assertThatCode(() -> sink.write(batch)).doesNotThrowAnyException();
        assertThat(sink.counters().get("applied")).isEqualTo(3);
        RedisKeys keys = redis.keys();
        for (int j = 0; j < 3; j++) {
            assertThat(redis.raw().get(keys.location(io.github.astreg.core.model.EndpointId.parse("PJSIP/far" + j))))
                    .isEqualTo("pbx-a");
        }
    }

    @Test
    void changesObservedInAFarFutureAreStored() {
        RedisEndpointSink sink = redis.sink();
        Instant far = Instant.MAX.minusSeconds(1);
        List<EndpointStateEvent> batch = List.of(
                obs.removed("pbx-a", "PJSIP/tomb", "sip:x@10.0.0.1:5060", far), obs.node("pbx-a", NodeStatus.UP, far));
        assertThatCode(() -> sink.write(batch)).doesNotThrowAnyException();
        assertThat(sink.counters().get("applied")).isEqualTo(3);
    }

    /**
     * A newer removal of an already removed contact moves its tombstone's version, so also the key's
     * lifetime (version + tombstoneRetention): otherwise the key, and the newer tombstone with it,
     * expires at the older one's deadline, and an observation between the two removals could come
     * back.
     */
    @Test
    void aNewerRemovalOfARemovedContactKeepsTheKeyForItsOwnRetention() {
        RedisEndpointSink sink = redis.sink(c -> c.tombstoneRetention(Duration.ofMinutes(10)));
        Instant now = Instant.now();
        String phone = "PJSIP/tomb2";
        String uri = "sip:x@10.0.0.1:5060";
        sink.write(List.of(obs.removed("pbx-a", phone, uri, now.minus(Duration.ofMinutes(9)))));
        String key = redis.keys().endpoint(io.github.astreg.core.model.EndpointId.parse(phone));
        assertThat(redis.raw().pttl(key)).isBetween(1L, Duration.ofMinutes(1).toMillis());
        sink.write(List.of(obs.removed("pbx-a", phone, uri, now)));
        assertThat(sink.counters().get("applied")).isEqualTo(2);
        assertThat(redis.raw().pttl(key))
                .isGreaterThan(Duration.ofMinutes(9).toMillis())
                .isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());
    }
}
