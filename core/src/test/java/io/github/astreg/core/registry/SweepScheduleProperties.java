package io.github.astreg.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.MutableClock;
import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The sweep visits only endpoints whose sweep instant has come, and skips the pass while none has.
 * Under any interleaving of observations (contacts with and without expiry, removals, endpoint and
 * device states, nodes going DOWN and UP), clock moves (both ways) and heartbeats, it must emit
 * exactly what a sweep visiting every endpoint emits, and leave the registry in the same state (R4
 * expiry, R5 eviction, tombstone purge).
 */
class SweepScheduleProperties {
    private static final Instant T0 = Instant.parse("2026-11-26T05:00:00Z");
    private static final List<String> NODES = List.of("pbx1", "pbx2", "pbx3");

    enum Kind {
        APPLY,
        APPLY_MORE,
        CLOCK,
        HEARTBEAT,
        SWEEP
    }

    record Step(Kind kind, int node, long clockMillis) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Long> clockMoves = Arbitraries.oneOf(
                Arbitraries.longs().between(-5_000, 40_000), Arbitraries.longs().between(0, 2_000));
        return Combinators.combine(
                        Arbitraries.of(Kind.class), Arbitraries.integers().between(0, NODES.size() - 1), clockMoves)
                .as(Step::new)
                .list()
                .ofMinSize(1)
                .ofMaxSize(80);
    }

    /** Snapshots too: what a snapshot did not mention is removed at its end (R6). */
    private static final List<NodeStatus> NODE_STATES =
            List.of(NodeStatus.UP, NodeStatus.DOWN, NodeStatus.SNAPSHOT_BEGIN, NodeStatus.SNAPSHOT_END);

    private static final List<EndpointId> ENDPOINTS = List.of("1001", "1002", "1003", "1004", "1005", "1006").stream()
            .map(EndpointId::pjsip)
            .toList();

    /**
     * One observation: {@code kind} 0-2 a contact (with an expiry of {@code value - 20} s when that is
     * positive), 3 a contact removal, 4 an endpoint state, 5 an endpoint removal, 6 a device state, 7-9 a
     * node UP, DOWN, SNAPSHOT_BEGIN or SNAPSHOT_END.
     */
    record Obs(int kind, int node, int endpoint, int uri, int value, int second) {}

    @Provide
    Arbitrary<List<Obs>> observations() {
        return Combinators.combine(
                        Arbitraries.integers().between(0, 9),
                        Arbitraries.integers().between(0, NODES.size() - 1),
                        Arbitraries.integers().between(0, ENDPOINTS.size() - 1),
                        Arbitraries.integers().between(0, 1),
                        Arbitraries.integers().between(0, 140),
                        Arbitraries.integers().between(0, 60))
                .as(Obs::new)
                .list()
                .ofMinSize(1)
                .ofMaxSize(40);
    }

    private static List<EndpointStateEvent> toEvents(List<Obs> list) {
        List<EndpointStateEvent> out = new ArrayList<>();
        long seq = 0;
        for (Obs o : list) {
            Instant at = T0.plusSeconds(o.second());
            EndpointId ep = ENDPOINTS.get(o.endpoint());
            String uri = "sip:" + ep.resource() + "@10.0.0." + o.uri() + ":5060";
            Change change = switch (o.kind()) {
                case 0, 1, 2 -> {
                    ContactChange.Builder b = ContactChange.builder(ep, uri, ContactStatus.REACHABLE)
                            .address("192.0.2." + o.uri(), 5060);
                    if (o.value() > 20) {
                        b.expiresAt(at.plusSeconds(o.value() - 20));
                    }
                    yield b.build();
                }
                case 3 -> ContactChange.builder(ep, uri, ContactStatus.REMOVED).build();
                case 4 -> new EndpointChange(ep, EndpointState.ONLINE, o.value() % 3);
                case 5 -> new EndpointChange(ep, EndpointState.REMOVED);
                case 6 -> new DeviceChange(ep, DeviceState.values()[o.value() % DeviceState.values().length]);
                default -> NodeChange.of(NODE_STATES.get(o.value() % NODE_STATES.size()));
            };
            out.add(new EndpointStateEvent(NodeId.of(NODES.get(o.node())), at, ++seq, Origin.AMI, change));
        }
        return out;
    }

    /** Everything a reader can ask, as text. */
    private static String fingerprint(InMemoryEndpointRegistry r) {
        StringBuilder sb = new StringBuilder();
        for (EndpointId id : ENDPOINTS) {
            sb.append(r.find(id)).append('\n').append(r.locateAll(id)).append('\n');
        }
        sb.append(r.nodes()).append('\n').append(r.endpoints()).append('\n');
        for (String n : NODES) {
            sb.append(r.endpointsOn(NodeId.of(n))).append('\n');
        }
        // what only memory shows: purged presences and endpoints are gone from it
        return sb.append(r.heldInMemory()).toString();
    }

    private static InMemoryEndpointRegistry registry(MutableClock clock) {
        // short durations, so that expiry, eviction and purge all happen within a run
        return InMemoryEndpointRegistry.builder()
                .clock(clock)
                .config(RegistryConfig.builder()
                        .staleAfter(Duration.ofSeconds(20))
                        .evictAfter(Duration.ofSeconds(40))
                        .tombstoneRetention(Duration.ofSeconds(30))
                        .build())
                .build();
    }

    @Property(tries = 1500)
    void skippingEndpointsChangesNothing(
            @ForAll("observations") List<Obs> observations, @ForAll("steps") List<Step> steps) {
        MutableClock clockA = new MutableClock(T0.plusSeconds(5));
        MutableClock clockB = new MutableClock(T0.plusSeconds(5));
        InMemoryEndpointRegistry scheduled = registry(clockA);
        InMemoryEndpointRegistry everything = registry(clockB);
        List<EndpointStateEvent> events = toEvents(observations);
        int next = 0;
        for (Step step : steps) {
            switch (step.kind()) {
                case APPLY, APPLY_MORE -> {
                    int n = step.kind() == Kind.APPLY ? 1 : 5;
                    for (int i = 0; i < n && next < events.size(); i++, next++) {
                        assertThat(scheduled.apply(events.get(next))).isEqualTo(everything.apply(events.get(next)));
                    }
                }
                case CLOCK -> {
                    clockA.advance(Duration.ofMillis(step.clockMillis()));
                    clockB.advance(Duration.ofMillis(step.clockMillis()));
                }
                case HEARTBEAT -> {
                    NodeId node = NodeId.of(NODES.get(step.node()));
                    assertThat(scheduled.heartbeat(node, "c")).isEqualTo(everything.heartbeat(node, "c"));
                }
                case SWEEP ->
                    assertThat(scheduled.sweep()).as("sweep after %s", step).isEqualTo(everything.sweepEveryEndpoint());
            }
            assertThat(fingerprint(scheduled)).as("after %s", step).isEqualTo(fingerprint(everything));
        }
        // and whatever is left to do, both do the same, however late
        for (long late : new long[] {1_000, 30_000, 60_000, 3_600_000}) {
            clockA.advance(Duration.ofMillis(late));
            clockB.advance(Duration.ofMillis(late));
            assertThat(scheduled.sweep()).isEqualTo(everything.sweepEveryEndpoint());
            assertThat(fingerprint(scheduled)).isEqualTo(fingerprint(everything));
        }
    }
}
