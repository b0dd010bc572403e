package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.contract.Observations;
import io.github.astreg.testkit.contract.RegistryView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the script does with one call carrying many changes: several changes of one endpoint in one
 * batch and in any order, writers racing on one key, and the RTT statistics the sink sends.
 */
class ScriptBatchIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Observations obs = new Observations();

    @RegisterExtension
    final RedisScratch redis = new RedisScratch();

    private RedisEndpointSink sink() {
        return redis.sink();
    }

    private RedisEndpointRegistry registry() {
        RedisEndpointRegistry r = RedisEndpointRegistry.builder(
                        RedisTestSupport.config(redis.prefix()).build())
                .clock(Clock.systemUTC())
                .build();
        redis.closeAfter(r);
        return r;
    }

    /** One endpoint's life on two nodes, as merged changes: every kind, several of each key. */
    private List<EndpointStateEvent> life(InMemoryEndpointRegistry reference, String phone, Instant t) {
        String a = "pbx-a";
        String b = "pbx-b";
        String ua = "sip:" + phone.substring(6) + "@10.0.0.1:5060";
        String ub = "sip:" + phone.substring(6) + "@10.0.0.2:5060";
        List<EndpointStateEvent> out = new ArrayList<>();
        out.addAll(reference.apply(obs.registered(a, phone, ua, t)));
        out.addAll(reference.apply(obs.endpoint(a, phone, EndpointState.ONLINE, 0, t)));
        out.addAll(reference.apply(obs.device(a, phone, DeviceState.NOT_INUSE, t)));
        out.addAll(reference.apply(obs.contact(
                a, phone, ua, ContactStatus.REACHABLE, t.plusSeconds(1), c -> c.rtt(Duration.ofMillis(3)))));
        out.addAll(reference.apply(obs.device(a, phone, DeviceState.INUSE, t.plusSeconds(2))));
        out.addAll(reference.apply(obs.registered(b, phone, ub, t.plusSeconds(3))));
        out.addAll(reference.apply(obs.device(b, phone, DeviceState.RINGING, t.plusSeconds(3))));
        out.addAll(reference.apply(obs.endpoint(b, phone, EndpointState.ONLINE, 1, t.plusSeconds(3))));
        out.addAll(reference.apply(obs.status(a, phone, ua, ContactStatus.UNREACHABLE, t.plusSeconds(4))));
        // an endpoint removal on b: b's older device state goes, a later one stays out until newer
        out.addAll(reference.apply(obs.endpoint(b, phone, EndpointState.REMOVED, 0, t.plusSeconds(5))));
        out.addAll(reference.apply(obs.removed(b, phone, ub, t.plusSeconds(5))));
        out.addAll(reference.apply(obs.device(a, phone, DeviceState.NOT_INUSE, t.plusSeconds(6))));
        out.addAll(reference.apply(obs.contact(
                a, phone, ua, ContactStatus.REACHABLE, t.plusSeconds(7), c -> c.rtt(Duration.ofMillis(2)))));
        return out;
    }

    @Test
    void oneBatchWithManyChangesOfOneEndpointInAnyOrderEqualsTheRegistry() {
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(30);
        List<EndpointStateEvent> batch = new ArrayList<>();
        batch.addAll(reference.apply(obs.node("pbx-a", NodeStatus.UP, t)));
        batch.addAll(reference.apply(obs.node("pbx-b", NodeStatus.UP, t)));
        List<EndpointId> phones = new ArrayList<>();
        for (int seed = 0; seed < 12; seed++) {
            String phone = "PJSIP/order" + seed;
            phones.add(EndpointId.parse(phone));
            List<EndpointStateEvent> life = life(reference, phone, t);
            if (seed > 0) { // seed 0 keeps the order the registry produced
                Collections.shuffle(life, new Random(seed));
            }
            batch.addAll(life);
        }
        assertThat(batch.size()).as("more changes than one script call takes").isGreaterThan(64);
        RedisEndpointSink sink = sink();
        sink.write(batch);

        assertThat(RegistryView.of(registry(), phones)).containsExactlyElementsOf(RegistryView.of(reference, phones));
        for (EndpointId phone : phones) {
            assertThat(redis.raw().get(redis.keys().location(phone)))
                    .as(phone.toString())
                    .isEqualTo("pbx-a");
            // the removal of the endpoint on pbx-b took b's device state with it
            assertThat(redis.raw().hexists(redis.keys().endpoint(phone), RedisKeys.deviceField(NodeId.of("pbx-b"))))
                    .isFalse();
        }
        long ignored = sink.counters().get("ignored");
        // a node change is two writes: the nodes hash and the node's heartbeat hash
        assertThat(sink.counters().get("applied") + ignored).isEqualTo(batch.size() + 2);
        assertThat(ignored)
                .as("shuffled batches hold older changes after newer ones")
                .isPositive();

        // the same batch again changes nothing and applies nothing
        List<String> before = RegistryView.of(registry(), phones);
        long applied = sink.counters().get("applied");
        sink.write(batch);
        assertThat(sink.counters().get("applied")).isEqualTo(applied);
        assertThat(RegistryView.of(registry(), phones)).containsExactlyElementsOf(before);
    }

    @Test
    void writersRacingOnOneKeyLeaveTheNewestVersion() throws Exception {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
        String phone = "PJSIP/race";
        String uri = "sip:race@10.0.0.1:5060";
        List<EndpointStateEvent> changes = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // registration time moves, so most writes also recompute the location
            Instant at = t.plusMillis(i);
            changes.add(obs.contact(
                    "pbx-a",
                    phone,
                    uri,
                    i % 3 == 1 ? ContactStatus.UNREACHABLE : ContactStatus.REACHABLE,
                    at,
                    c -> c.rtt(Duration.ofMillis(1))
                            .expiresAt(at.plusSeconds(3600))
                            .registeredAt(java.util.Optional.of(at))));
        }
        EndpointStateEvent newest = changes.get(changes.size() - 1);
        List<EndpointStateEvent> forward = new ArrayList<>(changes);
        List<EndpointStateEvent> backward = new ArrayList<>(changes);
        Collections.reverse(backward);
        RedisEndpointSink first = sink();
        RedisEndpointSink second = sink();
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread w1 = writer("race-writer-1", first, forward, go, failed);
        Thread w2 = writer("race-writer-2", second, backward, go, failed);
        go.countDown();
        w1.join(60_000);
        w2.join(60_000);
        assertThat(failed.get()).isNull();
        assertThat(w1.isAlive() || w2.isAlive()).isFalse();

        String stored = redis.raw()
                .hget(redis.keys().endpoint(EndpointId.parse(phone)), RedisKeys.contactField(NodeId.of("pbx-a"), uri));
        assertThat(JSON.readTree(stored).get("v").asText())
                .isEqualTo(io.github.astreg.sink.redis.internal.Ordering.version(newest.version()));
        assertThat(redis.raw().get(redis.keys().location(EndpointId.parse(phone))))
                .isEqualTo("pbx-a");
        // each change was applied at most once over both writers, and the newest by exactly one
        long applied = first.counters().get("applied") + second.counters().get("applied");
        assertThat(applied).isBetween(1L, (long) changes.size());
        assertThat(first.counters().get("applied") + first.counters().get("ignored"))
                .isEqualTo(changes.size());
    }

    private static Thread writer(
            String name,
            RedisEndpointSink sink,
            List<EndpointStateEvent> changes,
            CountDownLatch go,
            AtomicReference<Throwable> failed) {
        Thread t = new Thread(
                () -> {
                    try {
                        go.await();
                        for (int i = 0; i < changes.size(); i += 5) {
                            sink.write(changes.subList(i, Math.min(changes.size(), i + 5)));
                        }
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                },
                name);
        t.start();
        return t;
    }

    @Test
    void rttStatisticsAreTheSamplesTheSinkWroteSinceTheRegistrationBegan() throws Exception {
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
        String phone = "PJSIP/rtt";
        EndpointId id = EndpointId.parse(phone);
        String uri = "sip:rtt@10.0.0.1:5060";
        String field = RedisKeys.contactField(NodeId.of("pbx-a"), uri);
        RedisEndpointSink sink = sink();
        sink.write(reference.apply(obs.registered("pbx-a", phone, uri, t))); // 1 ms
        List<EndpointStateEvent> batch = new ArrayList<>();
        for (int k = 1; k <= 2; k++) {
            int ms = k == 1 ? 3 : 2;
            batch.addAll(reference.apply(obs.contact(
                    "pbx-a",
                    phone,
                    uri,
                    ContactStatus.REACHABLE,
                    t.plusSeconds(k),
                    c -> c.rtt(Duration.ofMillis(ms)))));
        }
        sink.write(batch);
        sink.write(batch); // a retried batch counts its samples once
        assertThat(rt(redis.raw().hget(redis.keys().endpoint(id), field))).isEqualTo("1000,3000,3");
        RttStats stats = registry().find(id).orElseThrow().rtt().orElseThrow();
        assertThat(stats.last()).isEqualTo(Duration.ofMillis(2));
        assertThat(stats.min()).isEqualTo(Duration.ofMillis(1));
        assertThat(stats.max()).isEqualTo(Duration.ofMillis(3));
        assertThat(stats.samples()).isEqualTo(3);

        // a removal ends the registration: no statistics, and the next one starts again
        sink.write(reference.apply(obs.removed("pbx-a", phone, uri, t.plusSeconds(10))));
        assertThat(rt(redis.raw().hget(redis.keys().endpoint(id), field))).isEmpty();
        sink.write(reference.apply(obs.contact(
                "pbx-a",
                phone,
                uri,
                ContactStatus.REACHABLE,
                t.plusSeconds(11),
                c -> c.rtt(Duration.ofMillis(5)).expiresAt(t.plusSeconds(3600)))));
        assertThat(rt(redis.raw().hget(redis.keys().endpoint(id), field))).isEqualTo("5000,5000,1");
    }

    private static String rt(String stored) throws Exception {
        return JSON.readTree(stored).get("rt").asText();
    }
}
