package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.contract.Observations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The location key follows node staleness (R5): a dialplan reading {@code loc:{…}} is sent to a
 * fresh node's contact while the node holding the newest registration is DOWN or its heartbeat key
 * expired, as {@code locate} answers.
 */
class NodeStalenessIT {
    private static final String PHONE = "PJSIP/2001";
    private static final String A = "pbx-a";
    private static final String B = "pbx-b";
    private static final String URI_A = "sip:2001@10.0.0.1:5060";
    private static final String URI_B = "sip:2001@10.0.0.2:5060";

    private final Observations obs = new Observations();

    @RegisterExtension
    final RedisScratch redis = new RedisScratch();

    private RedisEndpointSink sink(Duration heartbeatTtl, MutableClock clock) {
        RedisEndpointSink s = RedisEndpointSink.builder(RedisTestSupport.config(redis.prefix())
                        .heartbeatTtl(heartbeatTtl)
                        .build())
                .clock(clock)
                .build();
        s.start();
        redis.closeAfter(s);
        return s;
    }

    private String location() {
        return redis.raw().get(redis.keys().location(EndpointId.parse(PHONE)));
    }

    /** Both nodes up; registered on b, then more recently on a: the location is a. */
    private List<EndpointStateEvent> registeredOnBothNewestOnA(InMemoryEndpointRegistry reference, Instant t) {
        List<EndpointStateEvent> out = new ArrayList<>();
        out.addAll(reference.apply(obs.node(A, NodeStatus.UP, t)));
        out.addAll(reference.apply(obs.node(B, NodeStatus.UP, t)));
        out.addAll(reference.apply(obs.registered(B, PHONE, URI_B, t.plusSeconds(1))));
        out.addAll(reference.apply(obs.registered(A, PHONE, URI_A, t.plusSeconds(2))));
        return out;
    }

    @Test
    void theLocationMovesToAFreshNodeWhileTheNewestRegistrationsNodeIsDownAndBackWhenItIsUp() {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        MutableClock clock = new MutableClock(t);
        RedisEndpointSink sink = sink(Duration.ofMinutes(5), clock);
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        EndpointId phone = EndpointId.parse(PHONE);

        sink.write(registeredOnBothNewestOnA(reference, t));
        assertThat(location()).isEqualTo(A);

        clock.advance(Duration.ofMillis(10)); // well within the sink's once-a-second check
        sink.write(reference.apply(obs.node(A, NodeStatus.DOWN, t.plusSeconds(3))));
        assertThat(reference.locate(phone).orElseThrow().node().value()).isEqualTo(B);
        assertThat(location()).isEqualTo(B);
        assertThat(sink.gauges()).containsEntry("staleNodes", 1L);
        assertThat(sink.counters()).containsEntry("relocations", 1L);

        // a late contact change of the DOWN node does not take the location back
        clock.advance(Duration.ofMillis(10));
        sink.write(reference.apply(obs.registered(A, PHONE, URI_A, t.plusSeconds(4))));
        assertThat(location()).isEqualTo(B);

        clock.advance(Duration.ofMillis(10));
        sink.write(reference.apply(obs.node(A, NodeStatus.UP, t.plusSeconds(5))));
        assertThat(reference.locate(phone).orElseThrow().node().value()).isEqualTo(A);
        assertThat(location()).isEqualTo(A);
        assertThat(sink.gauges()).containsEntry("staleNodes", 0L);
        assertThat(sink.counters()).containsEntry("relocations", 2L);
    }

    @Test
    void aTurnThatCannotMoveALocationDoesNotRecomputeIt() {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        MutableClock clock = new MutableClock(t);
        RedisEndpointSink sink = sink(Duration.ofMinutes(5), clock);
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        String single = "PJSIP/2002"; // registered on a only
        List<EndpointStateEvent> batch = new ArrayList<>(registeredOnBothNewestOnA(reference, t));
        batch.addAll(reference.apply(obs.registered(A, single, "sip:2002@10.0.0.1:5060", t.plusSeconds(1))));
        sink.write(batch);
        EndpointId only = EndpointId.parse(single);
        assertThat(redis.raw().get(redis.keys().location(only))).isEqualTo(A);

        // a turns stale: both locations name it, both are recomputed; the single phone stays on a
        clock.advance(Duration.ofMillis(10));
        sink.write(reference.apply(obs.node(A, NodeStatus.DOWN, t.plusSeconds(3))));
        assertThat(location()).isEqualTo(B);
        assertThat(redis.raw().get(redis.keys().location(only))).isEqualTo(A);
        assertThat(sink.counters()).containsEntry("relocations", 2L);

        // a turns fresh: only the location that does not name it can move
        clock.advance(Duration.ofMillis(10));
        sink.write(reference.apply(obs.node(A, NodeStatus.UP, t.plusSeconds(4))));
        assertThat(location()).isEqualTo(A);
        assertThat(redis.raw().get(redis.keys().location(only))).isEqualTo(A);
        assertThat(sink.counters()).containsEntry("relocations", 3L);
    }

    @Test
    void aNodeWhoseHeartbeatKeyExpiredLosesTheLocationAtTheNextCheck() throws Exception {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        MutableClock clock = new MutableClock(t);
        RedisEndpointSink sink = sink(Duration.ofMillis(300), clock);
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();

        sink.write(registeredOnBothNewestOnA(reference, t));
        assertThat(location()).isEqualTo(A);

        // b's heartbeat goes on (written with the clock's now), a's collector went silent
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (redis.raw().exists(redis.keys().node(io.github.astreg.core.model.NodeId.of(A)))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        clock.advance(Duration.ofMillis(500));
        sink.write(reference.apply(obs.node(B, NodeStatus.UP, clock.instant())));
        // within a second of the last check nothing was read
        assertThat(location()).isEqualTo(A);

        clock.advance(Duration.ofSeconds(1));
        sink.write(reference.apply(obs.node(B, NodeStatus.UP, clock.instant())));
        assertThat(location()).isEqualTo(B);
        assertThat(sink.gauges()).containsEntry("staleNodes", 1L);
    }

    @Test
    void anotherWritersDownNodeIsFollowedToo() {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        MutableClock clock = new MutableClock(t);
        RedisEndpointSink first = sink(Duration.ofMinutes(5), clock);
        RedisEndpointSink second = sink(Duration.ofMinutes(5), clock);
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();

        first.write(registeredOnBothNewestOnA(reference, t));
        assertThat(location()).isEqualTo(A);
        // the other collector says a is DOWN; this sink learns it at its next check and a contact
        // change it writes afterwards keeps the location on b
        second.write(reference.apply(obs.node(A, NodeStatus.DOWN, t.plusSeconds(3))));
        assertThat(location()).isEqualTo(B);

        clock.advance(Duration.ofSeconds(2));
        first.write(reference.apply(obs.registered(A, PHONE, URI_A, t.plusSeconds(4))));
        assertThat(location()).isEqualTo(B);
        assertThat(first.gauges()).containsEntry("staleNodes", 1L);
    }
}
