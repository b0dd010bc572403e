package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import io.github.astreg.sink.redis.internal.Ordering;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The last-writer fast path (apply.lua, "Writer stamps"): a sink writes a field without reading it
 * only while it can prove the field holds its own last write, and another writer's change in between
 * is never overwritten by an older one (R3).
 */
class LastWriterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NODE = "pbx-a";
    private static final String PHONE = "PJSIP/1001";
    private static final String URI = "sip:1001@10.0.0.1:5060";

    @RegisterExtension
    final RedisScratch redis = new RedisScratch();

    // recent: a removal older than the tombstone retention is purged at once
    private final Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private RedisEndpointSink sink() {
        return redis.sink();
    }

    /** A contact refresh at {@code t0 + ms}: only the RTT differs between refreshes of one registration. */
    private EndpointStateEvent refresh(String node, String phone, String uri, long ms, Instant registered) {
        return event(
                node,
                ms,
                io.github.astreg.core.model.ContactChange.builder(EndpointId.parse(phone), uri, ContactStatus.REACHABLE)
                        .rtt(Duration.ofMillis(1 + ms % 7))
                        .registeredAt(Optional.of(registered))
                        .expiresAt(registered.plus(Duration.ofHours(1)))
                        .build());
    }

    private EndpointStateEvent refresh(long ms) {
        return refresh(NODE, PHONE, URI, ms, t0);
    }

    private EndpointStateEvent device(String node, String phone, long ms, DeviceState state) {
        return event(node, ms, new io.github.astreg.core.model.DeviceChange(EndpointId.parse(phone), state));
    }

    private EndpointStateEvent event(String node, long ms, io.github.astreg.core.model.Change change) {
        return new EndpointStateEvent(NodeId.of(node), t0.plusMillis(ms), 0, Origin.OTHER, change);
    }

    /** The version of the stored field, or null when there is none. */
    private String storedVersion(String phone, String field) throws Exception {
        String stored = redis.raw().hget(redis.keys().endpoint(EndpointId.parse(phone)), field);
        return stored == null ? null : JSON.readTree(stored).get("v").asText();
    }

    private static String v(EndpointStateEvent e) {
        return Ordering.version(e.version());
    }

    private static String contactField(String node, String uri) {
        return RedisKeys.contactField(NodeId.of(node), uri);
    }

    @Test
    void aSinkThatWroteAFieldLastWritesItsNextChangesWithoutReadingIt() throws Exception {
        RedisEndpointSink a = sink();
        a.write(List.of(refresh(1), device(NODE, PHONE, 1, DeviceState.NOT_INUSE)));
        assertThat(a.counters()).containsEntry("fastWrites", 0L);

        a.write(List.of(refresh(2), device(NODE, PHONE, 2, DeviceState.INUSE)));
        a.write(List.of(refresh(3), refresh(4)));

        assertThat(a.counters()).containsEntry("fastWrites", 4L).containsEntry("applied", 6L);
        assertThat(storedVersion(PHONE, contactField(NODE, URI))).isEqualTo(v(refresh(4)));
        assertThat(storedVersion(PHONE, RedisKeys.deviceField(NodeId.of(NODE))))
                .isEqualTo(v(device(NODE, PHONE, 2, DeviceState.INUSE)));
        assertThat(redis.raw().get(redis.keys().location(EndpointId.parse(PHONE))))
                .isEqualTo(NODE);
    }

    @Test
    void anotherWritersNewerChangeInBetweenIsNeverOverwrittenByAnOlderOne() throws Exception {
        RedisEndpointSink a = sink();
        RedisEndpointSink b = sink();
        a.write(List.of(refresh(1), device(NODE, PHONE, 1, DeviceState.NOT_INUSE)));
        a.write(List.of(refresh(2), device(NODE, PHONE, 2, DeviceState.INUSE)));
        long fastBefore = a.counters().get("fastWrites");
        assertThat(fastBefore).isEqualTo(2L);

        // a second collector watching the same node is ahead
        b.write(List.of(refresh(100), device(NODE, PHONE, 100, DeviceState.RINGING)));
        // newer than a's own last write, older than b's
        a.write(List.of(refresh(50), device(NODE, PHONE, 50, DeviceState.ONHOLD)));

        assertThat(storedVersion(PHONE, contactField(NODE, URI))).isEqualTo(v(refresh(100)));
        assertThat(storedVersion(PHONE, RedisKeys.deviceField(NodeId.of(NODE))))
                .isEqualTo(v(device(NODE, PHONE, 100, DeviceState.RINGING)));
        assertThat(a.counters()).containsEntry("fastWrites", fastBefore).containsEntry("ignored", 2L);

        // once newer again, a's write is guarded and taken; the one after that is fast again
        a.write(List.of(refresh(200)));
        assertThat(a.counters()).containsEntry("fastWrites", fastBefore);
        a.write(List.of(refresh(201)));
        assertThat(a.counters()).containsEntry("fastWrites", fastBefore + 1);
        assertThat(storedVersion(PHONE, contactField(NODE, URI))).isEqualTo(v(refresh(201)));
        // and b, whose stamp a took, guards its next write: an older one stays out
        b.write(List.of(refresh(150)));
        assertThat(storedVersion(PHONE, contactField(NODE, URI))).isEqualTo(v(refresh(201)));
        assertThat(b.counters()).containsEntry("fastWrites", 0L).containsEntry("ignored", 1L);
    }

    @Test
    void writersOfDifferentNodesDoNotSlowEachOtherDown() {
        RedisEndpointSink a = sink();
        RedisEndpointSink b = sink();
        for (int i = 1; i <= 4; i++) {
            a.write(List.of(refresh(i)));
            b.write(List.of(refresh("pbx-b", PHONE, "sip:1001@10.0.0.2:5060", i, t0)));
        }
        assertThat(a.counters()).containsEntry("fastWrites", 3L);
        assertThat(b.counters()).containsEntry("fastWrites", 3L);
    }

    @Test
    void anOlderDeviceStateAfterTheSinksOwnEndpointRemovalStaysOut() throws Exception {
        RedisEndpointSink a = sink();
        String deviceField = RedisKeys.deviceField(NodeId.of(NODE));
        a.write(List.of(device(NODE, PHONE, 1, DeviceState.NOT_INUSE)));
        a.write(List.of(device(NODE, PHONE, 2, DeviceState.INUSE)));
        a.write(List.of(event(
                NODE,
                4,
                new io.github.astreg.core.model.EndpointChange(EndpointId.parse(PHONE), EndpointState.REMOVED, 0))));
        assertThat(storedVersion(PHONE, deviceField)).isNull();

        a.write(List.of(device(NODE, PHONE, 3, DeviceState.RINGING)));
        assertThat(storedVersion(PHONE, deviceField)).isNull();

        EndpointStateEvent later = device(NODE, PHONE, 5, DeviceState.RINGING);
        a.write(List.of(later));
        assertThat(storedVersion(PHONE, deviceField)).isEqualTo(v(later));
    }

    @Test
    void aKeyDeletedBehindTheSinksBackGetsItsLocationAndLifetimeBack() throws Exception {
        RedisEndpointSink a = sink();
        EndpointId ep = EndpointId.parse(PHONE);
        a.write(List.of(refresh(1)));
        a.write(List.of(refresh(2)));
        redis.raw().del(redis.keys().endpoint(ep), redis.keys().location(ep));

        a.write(List.of(refresh(3)));

        assertThat(a.counters()).containsEntry("fastWrites", 2L);
        assertThat(storedVersion(PHONE, contactField(NODE, URI))).isEqualTo(v(refresh(3)));
        assertThat(redis.raw().get(redis.keys().location(ep))).isEqualTo(NODE);
        // a key of contacts only expires with them (apply.lua's relocate)
        assertThat(redis.raw().pttl(redis.keys().endpoint(ep))).isPositive();
    }

    @Test
    void aScriptFlushedBetweenBatchesStillLeavesTheNewestChange() throws Exception {
        RedisEndpointSink a = sink();
        a.write(List.of(refresh(1)));
        a.write(List.of(refresh(2)));
        redis.raw().scriptFlush();

        a.write(List.of(refresh(3), refresh(4)));

        assertThat(a.counters().get("noscript")).isPositive();
        assertThat(storedVersion(PHONE, contactField(NODE, URI))).isEqualTo(v(refresh(4)));
    }

    /**
     * Two collectors watching the same nodes, each passing on only what is newer than what it passed
     * on before (as the registry does), their batches interleaved at random: every field ends with the
     * newest version either of them wrote, whatever took the fast path.
     */
    @Test
    void randomInterleavingsOfTwoWritersLeaveTheNewestVersionOfEveryField() throws Exception {
        long fast = 0;
        for (long seed = 1; seed <= 40; seed++) {
            fast += interleave(new Random(seed), seed);
        }
        assertThat(fast).as("writes that took the fast path").isPositive();
    }

    /**
     * A writer racing another whose changes are all newer, on one node's fields: whatever the first
     * one proved before the other wrote, it must never write over the other's changes again, even
     * when the other writes between two calls of one of its batches.
     */
    @Test
    void aWriterRacingANewerOneNeverWritesOverIt() throws Exception {
        RedisEndpointSink a = sink();
        RedisEndpointSink b = sink();
        int fields = 12;
        Map<Integer, EndpointStateEvent> newestOfB = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread other = new Thread(
                () -> {
                    try {
                        Random random = new Random(7);
                        for (long ms = 10_000_000; !done.get(); ms++) {
                            int f = random.nextInt(fields);
                            EndpointStateEvent e = refresh(NODE, PHONE, "sip:" + f + "@10.0.0.3:5060", ms, t0);
                            b.write(List.of(e));
                            newestOfB.put(f, e);
                        }
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                },
                "last-writer-race");
        other.start();
        try {
            for (int round = 0; round < 300; round++) {
                List<EndpointStateEvent> batch = new ArrayList<>();
                // several script calls per batch, every field twice
                for (int k = 0; k < 2 * fields; k++) {
                    int f = k % fields;
                    batch.add(refresh(NODE, PHONE, "sip:" + f + "@10.0.0.3:5060", 2L * round * fields + k, t0));
                }
                a.write(batch);
            }
        } finally {
            done.set(true);
            other.join(10_000);
        }
        assertThat(failed.get()).isNull();
        for (Map.Entry<Integer, EndpointStateEvent> e : newestOfB.entrySet()) {
            assertThat(storedVersion(PHONE, contactField(NODE, "sip:" + e.getKey() + "@10.0.0.3:5060")))
                    .as("field %d", e.getKey())
                    .isEqualTo(v(e.getValue()));
        }
    }

    /**
     * Another writer writing between two script calls of one batch, both of which find the stamp
     * taken and claim it: each call claims with a generation of its own, so what the first call wrote
     * is not taken as proven by the second call's claim, and the next batch guards it. (With one claim
     * generation for both calls the next batch would write over the other's newer changes.)
     */
    @Test
    void anotherWriterBetweenTwoCallsOfOneBatchIsNeverOverwritten() throws Exception {
        try (GatedRedisProxy proxy = new GatedRedisProxy(RedisTestSupport.PORT)) {
            RedisEndpointSink a = redis.sink(c -> c.uri("redis://" + RedisTestSupport.HOST + ":" + proxy.port()));
            RedisEndpointSink b = sink();
            String stamp = redis.keys().writerStamp(NodeId.of(NODE));
            int fields = 12; // the sink's first call of a batch carries 8 changes, the second the rest
            b.write(fieldRefreshes(0, fields, 1));
            String stampOfB = redis.raw().get(stamp);

            proxy.holdAfter("EVALSHA", 1);
            java.util.concurrent.CompletableFuture<Void> batch =
                    java.util.concurrent.CompletableFuture.runAsync(() -> a.write(fieldRefreshes(0, fields, 100)));
            assertThat(proxy.awaitHeld(Duration.ofSeconds(10))).isTrue();
            // the first call ran (it claimed the stamp); the second waits in the proxy
            assertThat(RedisTestSupport.await(
                            Duration.ofSeconds(10),
                            () -> !stampOfB.equals(redis.raw().get(stamp))))
                    .isTrue();
            List<EndpointStateEvent> newer = fieldRefreshes(0, 8, 1000);
            b.write(newer);
            proxy.release();
            batch.get(10, java.util.concurrent.TimeUnit.SECONDS);

            // newer than a's own last writes of these fields, older than b's
            a.write(fieldRefreshes(0, 8, 200));

            for (int f = 0; f < 8; f++) {
                assertThat(storedVersion(PHONE, contactField(NODE, fieldUri(f))))
                        .as("field %d", f)
                        .isEqualTo(v(newer.get(f)));
            }
        }
    }

    private static String fieldUri(int f) {
        return "sip:" + f + "@10.0.0.4:5060";
    }

    /** Refreshes of fields {@code from..to-1} (contacts of one registration each), at {@code ms}, {@code ms + 1}, … */
    private List<EndpointStateEvent> fieldRefreshes(int from, int to, long ms) {
        List<EndpointStateEvent> out = new ArrayList<>();
        for (int f = from; f < to; f++) {
            out.add(refresh(NODE, PHONE, fieldUri(f), ms + f, t0));
        }
        return out;
    }

    private long interleave(Random random, long seed) throws Exception {
        String prefix = "s" + seed + "-";
        List<String> phones = List.of("PJSIP/" + prefix + "1", "PJSIP/" + prefix + "2");
        List<String> nodes = List.of("pbx-a", "pbx-b");
        RedisEndpointSink[] sinks = {sink(), sink()};
        // per sink and field: the version it wrote last, so that its own stream only moves forward
        List<Map<String, Long>> last = List.of(new HashMap<>(), new HashMap<>());
        Map<String, EndpointStateEvent> newest = new TreeMap<>();
        for (int round = 0; round < 30; round++) {
            int w = random.nextInt(2);
            List<EndpointStateEvent> batch = new ArrayList<>();
            int size = 1 + random.nextInt(4);
            for (int k = 0; k < size; k++) {
                String phone = phones.get(random.nextInt(phones.size()));
                String node = nodes.get(random.nextInt(nodes.size()));
                boolean isDevice = random.nextInt(3) == 0;
                String id = phone + "|" + node + "|" + (isDevice ? "d" : "c");
                long ms = last.get(w).getOrDefault(id, 0L) + 1 + random.nextInt(20);
                last.get(w).put(id, ms);
                EndpointStateEvent e;
                if (isDevice) {
                    e = device(node, phone, ms, DeviceState.values()[random.nextInt(4)]);
                } else {
                    // now and then a new registration, which recomputes the location (guarded)
                    Instant registered = random.nextInt(5) == 0 ? t0.plusMillis(ms) : t0;
                    e = refresh(node, phone, "sip:" + node + "@10.0.0.9:5060", ms, registered);
                }
                batch.add(e);
                newest.merge(id, e, (x, y) -> y.version().isNewerThan(x.version()) ? y : x);
            }
            sinks[w].write(batch);
        }
        for (Map.Entry<String, EndpointStateEvent> e : newest.entrySet()) {
            String[] parts = e.getKey().split("\\|");
            String field = parts[2].equals("d")
                    ? RedisKeys.deviceField(NodeId.of(parts[1]))
                    : contactField(parts[1], "sip:" + parts[1] + "@10.0.0.9:5060");
            assertThat(storedVersion(parts[0], field))
                    .as("seed %d, %s", seed, e.getKey())
                    .isEqualTo(v(e.getValue()));
        }
        return sinks[0].counters().get("fastWrites") + sinks[1].counters().get("fastWrites");
    }
}
