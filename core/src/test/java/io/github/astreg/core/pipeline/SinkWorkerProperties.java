package io.github.astreg.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ChangeKind;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.ObservationKey;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.spi.EndpointSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a sink's worker coalesces, reorders between lanes, defers behind an endpoint removal or
 * retries after a failed write, the store ends up as if it had been given every change one by one,
 * in order. The store is modelled as sink-jdbc and sink-redis behave: newest version per key (R3),
 * and an endpoint removal also clears the node's older device state and keeps older ones out (see
 * {@link Store}).
 */
class SinkWorkerProperties {
    private static final NodeId PBX1 = NodeId.of("pbx1");
    private static final Instant T0 = Instant.parse("2026-11-26T05:00:00Z");
    private static final int BATCH = 4;

    enum What {
        ONLINE,
        OFFLINE,
        ENDPOINT_REMOVED,
        IN_USE,
        IDLE,
        REACHABLE,
        CONTACT_REMOVED
    }

    /** One change as the registry would emit it; {@code cut} ends the chunk offered at once. */
    record Step(What what, int phone, Origin origin, boolean cut) {}

    /**
     * The stores' rules, applied change by change. Like sink-jdbc (a removal raises the device
     * version) and sink-redis (the "m" header), the store remembers the newest endpoint removal of a
     * node even after a newer endpoint state replaced it: a device state as old as that removal
     * stays out whenever it arrives.
     */
    static final class Store {
        final Map<ObservationKey, EndpointStateEvent> rows = new HashMap<>();
        final Map<ObservationKey, EndpointStateEvent> removals = new HashMap<>();

        void apply(EndpointStateEvent e) {
            ObservationKey key = e.key();
            EndpointStateEvent old = rows.get(key);
            if (old != null && !e.version().isNewerThan(old.version())) {
                return;
            }
            if (e.change() instanceof DeviceChange) {
                EndpointStateEvent removal =
                        removals.get(new ObservationKey(e.node(), ChangeKind.ENDPOINT, key.endpoint(), ""));
                if (removal != null && !e.version().isNewerThan(removal.version())) {
                    return;
                }
            }
            rows.put(key, e);
            if (isRemoval(e)) {
                removals.put(key, e);
                ObservationKey device = new ObservationKey(e.node(), ChangeKind.DEVICE, key.endpoint(), "");
                EndpointStateEvent d = rows.get(device);
                if (d != null && e.version().isNewerThan(d.version())) {
                    rows.remove(device);
                }
            }
        }

        private static boolean isRemoval(EndpointStateEvent e) {
            return e.change() instanceof EndpointChange c && c.state() == EndpointState.REMOVED;
        }
    }

    /** The store behind a worker: fails the writes the property chooses, checks every batch. */
    static final class FlakyStore implements EndpointSink {
        final Store store = new Store();
        final List<Boolean> failures;
        final AtomicInteger writes = new AtomicInteger();
        final List<String> violations = new ArrayList<>();

        FlakyStore(List<Boolean> failures) {
            this.failures = failures;
        }

        @Override
        public String name() {
            return "flaky";
        }

        @Override
        public synchronized void write(List<EndpointStateEvent> batch) throws Exception {
            int n = writes.getAndIncrement();
            Set<ObservationKey> keys = new HashSet<>();
            for (EndpointStateEvent e : batch) {
                if (!keys.add(e.key())) {
                    violations.add("key twice in one batch: " + e.key());
                }
            }
            if (batch.size() > BATCH) {
                violations.add("batch of " + batch.size());
            }
            if (n < failures.size() && failures.get(n)) {
                throw new java.io.IOException("store down (write " + n + ")");
            }
            batch.forEach(store::apply);
        }

        @Override
        public void close() {}
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(
                        Arbitraries.of(What.class),
                        Arbitraries.integers().between(0, 1),
                        Arbitraries.of(Origin.AMI, Origin.ARI, Origin.POLL, Origin.SNAPSHOT, Origin.REGISTRY),
                        Arbitraries.integers().between(0, 3).map(n -> n == 0))
                .as(Step::new)
                .list()
                .ofMinSize(1)
                .ofMaxSize(40);
    }

    @Provide
    Arbitrary<List<Boolean>> failures() {
        return Arbitraries.integers().between(0, 2).map(n -> n == 0).list().ofMaxSize(12);
    }

    private static EndpointStateEvent change(Step s, long sequence) {
        EndpointId ep = EndpointId.pjsip("10" + s.phone());
        Instant at = T0.plusMillis(sequence);
        switch (s.what()) {
            case ONLINE:
                return new EndpointStateEvent(
                        PBX1, at, sequence, s.origin(), new EndpointChange(ep, EndpointState.ONLINE, 0));
            case OFFLINE:
                return new EndpointStateEvent(
                        PBX1, at, sequence, s.origin(), new EndpointChange(ep, EndpointState.OFFLINE, 0));
            case ENDPOINT_REMOVED:
                return new EndpointStateEvent(
                        PBX1, at, sequence, s.origin(), new EndpointChange(ep, EndpointState.REMOVED));
            case IN_USE:
                return new EndpointStateEvent(PBX1, at, sequence, s.origin(), new DeviceChange(ep, DeviceState.INUSE));
            case IDLE:
                return new EndpointStateEvent(
                        PBX1, at, sequence, s.origin(), new DeviceChange(ep, DeviceState.NOT_INUSE));
            case REACHABLE:
                return new EndpointStateEvent(
                        PBX1,
                        at,
                        sequence,
                        s.origin(),
                        ContactChange.builder(ep, "sip:" + s.phone() + "@10.0.0.1:5060", ContactStatus.REACHABLE)
                                .build());
            default:
                return new EndpointStateEvent(
                        PBX1,
                        at,
                        sequence,
                        s.origin(),
                        ContactChange.builder(ep, "sip:" + s.phone() + "@10.0.0.1:5060", ContactStatus.REMOVED)
                                .build());
        }
    }

    @Property(tries = 300)
    void theStoreEndsAsIfEveryChangeHadBeenWrittenInOrder(
            @ForAll("steps") List<Step> steps, @ForAll("failures") List<Boolean> failures) throws Exception {
        List<EndpointStateEvent> changes = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            changes.add(change(steps.get(i), i + 1));
        }
        Store expected = new Store();
        changes.forEach(expected::apply);

        FlakyStore sink = new FlakyStore(failures);
        SinkWorker worker = new SinkWorker(
                sink,
                PipelineConfig.builder()
                        .batchSize(BATCH)
                        .retryInitialBackoff(Duration.ofMillis(1))
                        .retryMaxBackoff(Duration.ofMillis(2))
                        .build());
        worker.start();
        try {
            List<EndpointStateEvent> chunk = new ArrayList<>();
            for (int i = 0; i < changes.size(); i++) {
                chunk.add(changes.get(i));
                if (steps.get(i).cut() || i == changes.size() - 1) {
                    ObservationKey[] keys =
                            chunk.stream().map(EndpointStateEvent::key).toArray(ObservationKey[]::new);
                    worker.offer(List.copyOf(chunk), keys);
                    chunk.clear();
                }
            }
            assertThat(worker.awaitIdle(Duration.ofSeconds(20))).isTrue();
        } finally {
            worker.close(Duration.ofSeconds(5));
        }
        synchronized (sink) {
            assertThat(sink.violations).isEmpty();
            assertThat(sink.store.rows).isEqualTo(expected.rows);
        }
    }
}
