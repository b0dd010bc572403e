package io.github.astreg.sink.jdbc;

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
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Random but reproducible cluster activity: contacts registering, qualifying, expiring and moving
 * between nodes, endpoint and device state changes, nodes going up and down, resync snapshots,
 * heartbeats and sweeps, with observations arriving out of order. Endpoint names and URIs include
 * quotes, semicolons, percent signs, unicode and 200+ characters.
 */
final class Scenario {
    static final Instant START = Instant.parse("2026-11-26T06:00:00Z");

    static final List<NodeId> NODES = List.of(NodeId.of("pbx-eu-1"), NodeId.of("pbx-eu-2"), NodeId.of("PBX.us_3"));

    static final List<EndpointId> ENDPOINTS = List.of(
            EndpointId.pjsip("1001"),
            EndpointId.pjsip("1002"),
            EndpointId.pjsip("o'brien\"; DROP TABLE x; --%_"),
            EndpointId.pjsip("ünïcødé-电话-☎-\uD83D\uDCDE"),
            new EndpointId("PJSIP", "a".repeat(200) + "'%;\"é"),
            new EndpointId("SIP", "Alice"),
            new EndpointId("SIP", "alice"));

    static final String LONG_URI = "sip:" + "ü'%;\"".repeat(80) + "@[2001:db8::1]:5061;transport=tls";

    /** Where the scenario's observations go: a registry, or a pipeline. */
    interface Target {
        List<EndpointStateEvent> apply(EndpointStateEvent observation);

        List<EndpointStateEvent> heartbeat(NodeId node, String collector);

        List<EndpointStateEvent> sweep();

        static Target of(InMemoryEndpointRegistry r) {
            return new Target() {
                @Override
                public List<EndpointStateEvent> apply(EndpointStateEvent observation) {
                    return r.apply(observation);
                }

                @Override
                public List<EndpointStateEvent> heartbeat(NodeId node, String collector) {
                    return r.heartbeat(node, collector);
                }

                @Override
                public List<EndpointStateEvent> sweep() {
                    return r.sweep();
                }
            };
        }

        /** Observations go to the pipeline, which heartbeats and sweeps by itself. */
        static Target of(io.github.astreg.core.pipeline.Pipeline p) {
            return new Target() {
                @Override
                public List<EndpointStateEvent> apply(EndpointStateEvent observation) {
                    p.receive(observation);
                    return List.of();
                }

                @Override
                public List<EndpointStateEvent> heartbeat(NodeId node, String collector) {
                    return List.of();
                }

                @Override
                public List<EndpointStateEvent> sweep() {
                    return List.of();
                }
            };
        }
    }

    private final Random random;
    private final Target registry;
    private final TestClock clock;
    private final Instant start;
    private final Map<NodeId, Long> sequences = new HashMap<>();
    private boolean endpointRemovals = true;

    Scenario(long seed, InMemoryEndpointRegistry registry, TestClock clock) {
        this(seed, Target.of(registry), clock);
    }

    Scenario(long seed, Target target, TestClock clock) {
        this.random = new Random(seed);
        this.registry = target;
        this.clock = clock;
        this.start = clock.instant();
    }

    /**
     * Leaves out what removes endpoints (endpoint REMOVED observations, resync snapshots). Needed
     * where the pipeline coalesces heavily: when an endpoint is removed and comes back, the registry
     * hides its older device state but emits no device change saying so, and coalescing drops the
     * REMOVED endpoint change, so no store can know (a gap in core's change stream, reported).
     */
    Scenario withoutEndpointRemovals() {
        this.endpointRemovals = false;
        return this;
    }

    static List<String> urisOf(EndpointId endpoint) {
        String user = endpoint.resource().length() > 20 ? "long" : endpoint.resource();
        return List.of(
                "sip:" + user + "@10.0.0.1:5060",
                "sip:" + user + "@10.0.0.2:5062;transport=udp",
                endpoint.resource().startsWith("a") ? LONG_URI : "sip:" + user + "@phone.example.com:5060");
    }

    /** Runs {@code steps} random steps; every change the registry makes goes to {@code out}. */
    void run(int steps, Consumer<List<EndpointStateEvent>> out) {
        for (NodeId n : NODES) {
            out.accept(registry.apply(event(n, NodeChange.up(start.minusSeconds(3600)))));
        }
        for (int i = 0; i < steps; i++) {
            clock.advance(Duration.ofMillis(random.nextInt(2500)).plusNanos(1000L * random.nextInt(1000)));
            out.accept(step());
        }
    }

    private List<EndpointStateEvent> step() {
        int r = random.nextInt(100);
        NodeId node = NODES.get(random.nextInt(NODES.size()));
        EndpointId ep = ENDPOINTS.get(random.nextInt(ENDPOINTS.size()));
        if (r < 50) {
            return registry.apply(event(node, contact(ep)));
        } else if (r < 62) {
            EndpointState s = EndpointState.values()[random.nextInt(EndpointState.values().length)];
            if (s == EndpointState.REMOVED && !endpointRemovals) {
                s = EndpointState.OFFLINE;
            }
            EndpointChange c =
                    random.nextBoolean() ? new EndpointChange(ep, s, random.nextInt(4)) : new EndpointChange(ep, s);
            return registry.apply(event(node, c));
        } else if (r < 76) {
            DeviceState s = DeviceState.values()[random.nextInt(DeviceState.values().length)];
            return registry.apply(event(node, new DeviceChange(ep, s)));
        } else if (r < 82) {
            int k = random.nextInt(4);
            NodeChange c = k == 0
                    ? NodeChange.of(NodeStatus.DOWN)
                    : k == 1
                            ? NodeChange.up(clock.instant().minusSeconds(random.nextInt(3) * 60L))
                            : NodeChange.up(start);
            return registry.apply(event(node, c));
        } else if (r < 85) {
            return endpointRemovals ? snapshot(node) : List.of();
        } else if (r < 93) {
            List<EndpointStateEvent> out = new ArrayList<>();
            for (NodeId n : NODES) {
                if (random.nextInt(3) > 0) {
                    out.addAll(registry.heartbeat(n, "collector-" + (1 + random.nextInt(2))));
                }
            }
            return out;
        } else {
            return registry.sweep();
        }
    }

    /** SNAPSHOT_BEGIN, a few contacts, endpoints and devices, SNAPSHOT_END, UP. */
    private List<EndpointStateEvent> snapshot(NodeId node) {
        List<EndpointStateEvent> out =
                new ArrayList<>(registry.apply(event(node, NodeChange.of(NodeStatus.SNAPSHOT_BEGIN))));
        for (EndpointId ep : ENDPOINTS) {
            int k = random.nextInt(4);
            if (k == 1) {
                out.addAll(registry.apply(event(node, contact(ep))));
            } else if (k == 2) {
                out.addAll(registry.apply(event(node, new EndpointChange(ep, EndpointState.ONLINE, 0))));
                out.addAll(registry.apply(event(node, new DeviceChange(ep, DeviceState.NOT_INUSE))));
            } else if (k == 3) {
                out.addAll(registry.apply(event(node, new DeviceChange(ep, DeviceState.INUSE))));
            }
        }
        out.addAll(registry.apply(event(node, NodeChange.of(NodeStatus.SNAPSHOT_END))));
        out.addAll(registry.apply(event(node, NodeChange.up(clock.instant()))));
        return out;
    }

    private ContactChange contact(EndpointId ep) {
        List<String> uris = urisOf(ep);
        String uri = uris.get(random.nextInt(uris.size()));
        int s = random.nextInt(10);
        ContactStatus status = s < 4
                ? ContactStatus.REACHABLE
                : s < 5
                        ? ContactStatus.NON_QUALIFIED
                        : s < 6
                                ? ContactStatus.CREATED
                                : s < 7
                                        ? ContactStatus.UNREACHABLE
                                        : s < 8 ? ContactStatus.UNKNOWN : ContactStatus.REMOVED;
        ContactChange.Builder b = ContactChange.builder(ep, uri, status);
        if (random.nextBoolean()) {
            b.address("10.0.0." + (1 + random.nextInt(3)), 5060 + random.nextInt(3));
        }
        if (random.nextBoolean()) {
            b.userAgent(random.nextBoolean() ? "Yealink SIP-T46S 66.86.0.15" : "Linphone/5.2 (ü'%;)");
        }
        if (random.nextBoolean()) {
            b.rtt(Duration.ofNanos(1000L * (200 + random.nextInt(50_000))));
        }
        if (random.nextBoolean()) {
            b.expiresAt(clock.instant().plusSeconds(random.nextInt(90) - 10).plusNanos(1000L * random.nextInt(1000)));
        }
        if (random.nextBoolean()) {
            b.aor(ep.resource().length() > 100 ? "long-aor" : ep.resource());
        }
        return b.build();
    }

    private EndpointStateEvent event(NodeId node, io.github.astreg.core.model.Change change) {
        long seq = sequences.merge(node, 1L, Long::sum);
        // up to 2 s late: observations of different keys and nodes arrive out of order
        Instant observedAt = clock.instant().minusNanos(1000L * random.nextInt(2_000_000));
        return new EndpointStateEvent(node, observedAt, seq, Origin.OTHER, change);
    }

    /** Collects changes as the pipeline does: newest per key, cut into batches. */
    static final class Batcher {
        private final LinkedHashMap<ObservationKey, EndpointStateEvent> pending = new LinkedHashMap<>();
        private final Random random;
        private final List<List<EndpointStateEvent>> batches = new ArrayList<>();
        private final List<EndpointStateEvent> all = new ArrayList<>();

        Batcher(long seed) {
            this.random = new Random(seed);
        }

        void accept(List<EndpointStateEvent> changes) {
            for (EndpointStateEvent e : changes) {
                pending.remove(e.key());
                pending.put(e.key(), e);
                all.add(e);
            }
            if (random.nextInt(8) == 0) {
                flush();
            }
        }

        void flush() {
            if (!pending.isEmpty()) {
                batches.add(List.copyOf(pending.values()));
                pending.clear();
            }
        }

        /** The batches, after a final flush. */
        List<List<EndpointStateEvent>> batches() {
            flush();
            return batches;
        }

        /** Every change, uncoalesced, in the order the registry made them. */
        List<EndpointStateEvent> all() {
            return all;
        }
    }
}
