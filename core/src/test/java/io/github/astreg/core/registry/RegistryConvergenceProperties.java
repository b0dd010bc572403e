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
import io.github.astreg.core.model.ObservationKey;
import io.github.astreg.core.model.Origin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * R3 and R9 as properties: any permutation, duplication or replay of a set of observations leaves
 * the registry in the same state; no observation older than what is stored changes it; and a store
 * that applies the merged changes "newer wins" ends equal to the registry.
 */
class RegistryConvergenceProperties {
    private static final Instant T0 = Instant.parse("2026-11-26T05:00:00Z");
    private static final List<String> NODES = List.of("pbx1", "pbx2", "pbx3");
    private static final List<String> ENDPOINTS = List.of("PJSIP/1001", "PJSIP/1002");
    private static final List<String> URIS = List.of("sip:a@10.0.0.1:5060", "sip:b@10.0.0.2:5062");

    /** One observation, before it gets its sequence number. */
    record Obs(
            int node,
            int kind,
            int endpoint,
            int uri,
            int value,
            int second,
            boolean withAddress,
            int rttMicros,
            int expiresIn) {}

    @Provide
    Arbitrary<List<Obs>> observations() {
        Arbitrary<Obs> one = Combinators.combine(
                        Arbitraries.integers().between(0, NODES.size() - 1),
                        Arbitraries.integers().between(0, 9),
                        Arbitraries.integers().between(0, ENDPOINTS.size() - 1),
                        Arbitraries.integers().between(0, URIS.size() - 1),
                        Arbitraries.integers().between(0, 8),
                        Arbitraries.integers().between(0, 30),
                        Arbitraries.of(true, false),
                        Arbitraries.integers().between(0, 3000))
                .flatAs((node, kind, ep, uri, value, second, addr, rtt) -> Arbitraries.integers()
                        .between(-20, 120)
                        .map(exp -> new Obs(node, kind, ep, uri, value, second, addr, rtt, exp)));
        return one.list().ofMinSize(1).ofMaxSize(40);
    }

    static List<EndpointStateEvent> toEvents(List<Obs> list) {
        List<EndpointStateEvent> out = new ArrayList<>();
        long seq = 0;
        for (Obs o : list) {
            Instant at = T0.plusSeconds(o.second());
            EndpointId ep = EndpointId.parse(ENDPOINTS.get(o.endpoint()));
            Change change;
            if (o.kind() <= 4) {
                ContactStatus status = ContactStatus.values()[o.value() % ContactStatus.values().length];
                ContactChange.Builder b = ContactChange.builder(ep, URIS.get(o.uri()), status);
                if (status != ContactStatus.REMOVED) {
                    if (o.withAddress()) {
                        b.address("192.0.2." + (o.value() + 1), 5060 + o.value())
                                .userAgent("ua" + o.value());
                    }
                    if (o.rttMicros() > 0 && status == ContactStatus.REACHABLE) {
                        b.rtt(Duration.ofNanos(o.rttMicros() * 1000L));
                    }
                    if (o.expiresIn() > 0) {
                        b.expiresAt(at.plusSeconds(o.expiresIn()));
                    }
                }
                change = b.build();
            } else if (o.kind() <= 6) {
                change = new DeviceChange(ep, DeviceState.values()[o.value() % DeviceState.values().length]);
            } else if (o.kind() <= 8) {
                EndpointState s = EndpointState.values()[o.value() % EndpointState.values().length];
                change = new EndpointChange(ep, s, o.value() % 3);
            } else {
                change = NodeChange.of(o.value() % 2 == 0 ? NodeStatus.UP : NodeStatus.DOWN);
            }
            out.add(new EndpointStateEvent(NodeId.of(NODES.get(o.node())), at, ++seq, Origin.AMI, change));
        }
        return out;
    }

    private static InMemoryEndpointRegistry newRegistry() {
        return InMemoryEndpointRegistry.builder()
                .clock(new MutableClock(T0.plusSeconds(60)))
                .config(RegistryConfig.builder()
                        .staleAfter(Duration.ofSeconds(45))
                        .build())
                .build();
    }

    /** Everything a reader can ask, as text. */
    static String fingerprint(InMemoryEndpointRegistry r) {
        StringBuilder sb = new StringBuilder();
        TreeSet<String> eps = new TreeSet<>(ENDPOINTS);
        for (String e : eps) {
            EndpointId id = EndpointId.parse(e);
            sb.append(r.find(id)).append('\n');
            sb.append(r.locateAll(id)).append('\n');
        }
        sb.append(r.nodes()).append('\n');
        sb.append(r.endpoints()).append('\n');
        for (String n : NODES) {
            sb.append(r.endpointsOn(NodeId.of(n))).append('\n');
        }
        return sb.toString();
    }

    @Property(tries = 300)
    void R9_anyPermutationDuplicationOrReplayConverges(
            @ForAll("observations") List<Obs> obs, @ForAll long seed, @ForAll @Size(max = 10) List<Integer> dupes) {
        List<EndpointStateEvent> events = toEvents(obs);
        InMemoryEndpointRegistry inOrder = newRegistry();
        inOrder.applyAll(events);

        List<EndpointStateEvent> messy = new ArrayList<>(events);
        for (int d : dupes) {
            messy.add(events.get(Math.floorMod(d, events.size())));
        }
        Collections.shuffle(messy, new Random(seed));
        messy.addAll(events.subList(0, events.size() / 2)); // a replay after the fact
        InMemoryEndpointRegistry shuffled = newRegistry();
        shuffled.applyAll(messy);

        assertThat(fingerprint(shuffled)).isEqualTo(fingerprint(inOrder));
    }

    @Property(tries = 200)
    void R3_anObservationOlderThanEverythingStoredForItsKeyChangesNothing(
            @ForAll("observations") List<Obs> obs, @ForAll long seed) {
        List<EndpointStateEvent> events = toEvents(obs);
        InMemoryEndpointRegistry r = newRegistry();
        r.applyAll(events);
        String before = fingerprint(r);
        // replay every observation that is strictly older than the newest one of its key
        Map<ObservationKey, EndpointStateEvent> newest = new HashMap<>();
        for (EndpointStateEvent e : events) {
            newest.merge(e.key(), e, (a, b) -> a.version().compareTo(b.version()) >= 0 ? a : b);
        }
        List<EndpointStateEvent> older = new ArrayList<>();
        for (EndpointStateEvent e : events) {
            if (newest.get(e.key()).version().isNewerThan(e.version())) {
                older.add(e);
            }
        }
        Collections.shuffle(older, new Random(seed));
        for (EndpointStateEvent e : older) {
            r.apply(e);
        }
        assertThat(fingerprint(r)).isEqualTo(before);
    }

    @Property(tries = 200)
    void R9_aStoreApplyingMergedChangesNewerWinsEqualsTheRegistry(
            @ForAll("observations") List<Obs> obs, @ForAll long seed) {
        List<EndpointStateEvent> events = toEvents(obs);
        Collections.shuffle(events, new Random(seed));
        InMemoryEndpointRegistry r = newRegistry();
        // the store keeps only the newest merged change per key, as a sink coalescing and guarding would
        Map<ObservationKey, EndpointStateEvent> store = new LinkedHashMap<>();
        for (EndpointStateEvent e : events) {
            for (EndpointStateEvent change : r.apply(e)) {
                EndpointStateEvent old = store.get(change.key());
                assertThat(old == null || change.version().isNewerThan(old.version()))
                        .as("merged versions strictly increase per key")
                        .isTrue();
                store.put(change.key(), change);
            }
        }
        // what a store computes from its rows (the SQL view, the Redis script) equals the registry
        Instant now = T0.plusSeconds(60);
        for (String e : ENDPOINTS) {
            EndpointId id = EndpointId.parse(e);
            assertThat(StoreEmulation.locate(store.values(), id, now, Duration.ofSeconds(45)))
                    .isEqualTo(r.locate(id)
                            .map(l -> l.node() + " " + l.uri() + " " + l.address() + " " + l.registeredAt()));
        }
    }
}
