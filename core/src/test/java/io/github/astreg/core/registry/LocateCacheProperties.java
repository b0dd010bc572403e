package io.github.astreg.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.MutableClock;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@code locate} answers from a cache read without the lock; {@code locateAll} always computes. Under
 * any interleaving of observations, clock moves (forwards, backwards, by less than a millisecond),
 * heartbeats and sweeps, the first of {@code locateAll} must be exactly what {@code locate} says.
 */
class LocateCacheProperties {
    private static final Instant T0 = Instant.parse("2026-11-26T05:00:00Z");
    private static final List<String> NODES = List.of("pbx1", "pbx2", "pbx3");
    private static final List<EndpointId> ENDPOINTS = List.of(EndpointId.pjsip("1001"), EndpointId.pjsip("1002"));

    /** What happens between two lookups. */
    enum Kind {
        APPLY,
        CLOCK,
        HEARTBEAT,
        SWEEP
    }

    record Step(Kind kind, int node, long clockNanos) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Long> clockMoves = Arbitraries.oneOf(
                Arbitraries.longs().between(-2_000_000_000L, 20_000_000_000L),
                Arbitraries.longs().between(-1_500_000L, 1_500_000L));
        return Combinators.combine(
                        Arbitraries.of(Kind.class), Arbitraries.integers().between(0, NODES.size() - 1), clockMoves)
                .as(Step::new)
                .list()
                .ofMinSize(1)
                .ofMaxSize(60);
    }

    @Property(tries = 500)
    void locateAgreesWithAFreshComputation(
            @ForAll("observations") List<RegistryConvergenceProperties.Obs> observations,
            @ForAll("steps") List<Step> steps) {
        MutableClock clock = new MutableClock(T0.plusSeconds(10));
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.builder()
                .clock(clock)
                .config(RegistryConfig.builder()
                        .staleAfter(Duration.ofSeconds(45))
                        .build())
                .build();
        // every node UP from the start, so that staleness (R5) and its end by a heartbeat are in play
        for (String node : NODES) {
            registry.apply(new EndpointStateEvent(NodeId.of(node), T0, 0, Origin.AMI, NodeChange.of(NodeStatus.UP)));
        }
        List<EndpointStateEvent> events = RegistryConvergenceProperties.toEvents(observations);
        int next = 0;
        for (Step step : steps) {
            switch (step.kind()) {
                case APPLY -> {
                    if (next < events.size()) {
                        registry.apply(events.get(next++));
                    }
                }
                case CLOCK -> clock.advance(Duration.ofNanos(step.clockNanos()));
                case HEARTBEAT -> registry.heartbeat(NodeId.of(NODES.get(step.node())), "c");
                case SWEEP -> registry.sweep();
            }
            for (EndpointId ep : ENDPOINTS) {
                // twice: the second call is the one answered from the cache
                assertThat(registry.locate(ep))
                        .as("after %s", step)
                        .isEqualTo(registry.locateAll(ep).stream().findFirst());
                assertThat(registry.locate(ep))
                        .as("cached, after %s", step)
                        .isEqualTo(registry.locateAll(ep).stream().findFirst());
            }
        }
    }

    @Provide
    Arbitrary<List<RegistryConvergenceProperties.Obs>> observations() {
        return new RegistryConvergenceProperties().observations();
    }
}
