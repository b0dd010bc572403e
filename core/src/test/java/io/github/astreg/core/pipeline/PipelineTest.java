package io.github.astreg.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.Events;
import io.github.astreg.core.model.ChangeKind;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.ObservationKey;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.core.spi.EventReceiver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PipelineTest {
    private final Events ev = new Events();
    private final List<Pipeline> pipelines = new ArrayList<>();

    @AfterEach
    void closeAll() {
        pipelines.forEach(Pipeline::close);
    }

    private static final PipelineConfig FAST = PipelineConfig.builder()
            .batchSize(50)
            .flushInterval(Duration.ofMillis(5))
            .retryInitialBackoff(Duration.ofMillis(5))
            .retryMaxBackoff(Duration.ofMillis(40))
            .heartbeatInterval(Duration.ofMillis(50))
            .sweepInterval(Duration.ofMillis(50))
            .closeTimeout(Duration.ofSeconds(5))
            .build();

    private Pipeline pipeline(InMemoryEndpointRegistry registry, PipelineConfig config, EndpointSink... sinks) {
        Pipeline.Builder b = Pipeline.builder(registry).config(config);
        for (EndpointSink s : sinks) {
            b.sink(s);
        }
        Pipeline p = b.build();
        pipelines.add(p);
        return p;
    }

    /** A store: newest change per key wins, like a version-guarded table. */
    static class RecordingSink implements EndpointSink {
        final String name;
        final Map<ObservationKey, EndpointStateEvent> rows = new LinkedHashMap<>();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger maxBatch = new AtomicInteger();
        volatile boolean closed;

        RecordingSink(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public synchronized void write(List<EndpointStateEvent> batch) throws Exception {
            writes.incrementAndGet();
            maxBatch.accumulateAndGet(batch.size(), Math::max);
            Set<ObservationKey> keys = new java.util.HashSet<>();
            for (EndpointStateEvent e : batch) {
                assertThat(keys.add(e.key()))
                        .as("one change per key in a batch")
                        .isTrue();
                EndpointStateEvent old = rows.get(e.key());
                if (old == null || e.version().isNewerThan(old.version())) {
                    rows.put(e.key(), e);
                }
            }
        }

        synchronized Map<ObservationKey, EndpointStateEvent> snapshot() {
            return new LinkedHashMap<>(rows);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Fails while {@code down} is set, like a database that is unreachable. */
    static class FlakySink extends RecordingSink {
        final AtomicBoolean down = new AtomicBoolean(true);
        final AtomicInteger failures = new AtomicInteger();

        FlakySink(String name) {
            super(name);
        }

        @Override
        public synchronized void write(List<EndpointStateEvent> batch) throws Exception {
            if (down.get()) {
                failures.incrementAndGet();
                throw new java.sql.SQLException("connection refused");
            }
            super.write(batch);
        }
    }

    /** Blocks every write until released, like a store that hangs. */
    static class StuckSink extends RecordingSink {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);

        StuckSink(String name) {
            super(name);
        }

        @Override
        public void write(List<EndpointStateEvent> batch) throws Exception {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            super.write(batch);
        }
    }

    private List<EndpointStateEvent> traffic(int phones, int rounds, Instant start) {
        List<EndpointStateEvent> out = new ArrayList<>();
        out.add(ev.node("pbx1", NodeStatus.UP, start));
        for (int r = 0; r < rounds; r++) {
            for (int p = 0; p < phones; p++) {
                Instant at = start.plusMillis(r * 1000L + p);
                out.add(ev.rtt(
                        "pbx1", "PJSIP/" + (1000 + p), "sip:" + p + "@10.0.0.1:5060", 500 + (r * 37 + p) % 900, at));
                out.add(ev.device(
                        "pbx1", "PJSIP/" + (1000 + p), r % 2 == 0 ? DeviceState.INUSE : DeviceState.NOT_INUSE, at));
            }
        }
        return out;
    }

    private static void assertStoreEqualsRegistry(RecordingSink sink, InMemoryEndpointRegistry registry, int phones) {
        Map<ObservationKey, EndpointStateEvent> rows = sink.snapshot();
        for (int p = 0; p < phones; p++) {
            var id = io.github.astreg.core.model.EndpointId.parse("PJSIP/" + (1000 + p));
            var record = registry.find(id).orElseThrow();
            EndpointStateEvent device = rows.get(new ObservationKey(
                    io.github.astreg.core.model.NodeId.of("pbx1"),
                    io.github.astreg.core.model.ChangeKind.DEVICE,
                    id.toString(),
                    ""));
            assertThat(device).as("device row of " + id).isNotNull();
            assertThat(((io.github.astreg.core.model.DeviceChange) device.change()).state())
                    .isEqualTo(record.deviceState());
            EndpointStateEvent contact = rows.get(new ObservationKey(
                    io.github.astreg.core.model.NodeId.of("pbx1"),
                    io.github.astreg.core.model.ChangeKind.CONTACT,
                    id.toString(),
                    "sip:" + p + "@10.0.0.1:5060"));
            assertThat(((io.github.astreg.core.model.ContactChange) contact.change()).rtt())
                    .isEqualTo(record.rtt().map(s -> s.last()));
        }
    }

    @Test
    void changesReachEverySinkCoalescedAndBatched() throws Exception {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        RecordingSink a = new RecordingSink("a");
        RecordingSink b = new RecordingSink("b");
        Pipeline p = pipeline(registry, FAST, a, b);
        p.start();
        traffic(30, 20, Instant.now()).forEach(p::receive);
        assertThat(p.awaitFlushed(Duration.ofSeconds(10))).isTrue();
        assertStoreEqualsRegistry(a, registry, 30);
        assertStoreEqualsRegistry(b, registry, 30);
        assertThat(a.maxBatch.get()).isLessThanOrEqualTo(50);
        PipelineMetrics m = p.metrics();
        assertThat(m.received()).isEqualTo(1 + 30 * 20 * 2);
        assertThat(m.receivedByNodeAndKind()).containsEntry("pbx1/device", 600L);
        assertThat(m.sinks()).extracting(SinkMetrics::failures).containsOnly(0L);
    }

    @Test
    void sinkMetricsCarryEachSinksOwnCountersAndASinkWhoseCountersFailDoesNotFailTheMetrics() {
        RecordingSink counting = new RecordingSink("counting") {
            @Override
            public Map<String, Long> counters() {
                return Map.of("writes", (long) writes.get());
            }

            @Override
            public Map<String, Long> gauges() {
                return Map.of("rows", 7L);
            }
        };
        RecordingSink broken = new RecordingSink("broken") {
            @Override
            public Map<String, Long> counters() {
                throw new IllegalStateException("no counters today");
            }
        };
        Pipeline p = pipeline(InMemoryEndpointRegistry.create(), FAST, counting, broken);

        List<SinkMetrics> sinks = p.metrics().sinks();

        assertThat(sinks.get(0).counters()).containsExactly(Map.entry("writes", 0L));
        assertThat(sinks.get(0).gauges()).containsExactly(Map.entry("rows", 7L));
        assertThat(sinks.get(1).counters()).isEmpty();
        assertThat(sinks.get(1).gauges()).isEmpty();
    }

    /**
     * A store as the real ones behave on an endpoint removal: it also clears the node's device state
     * when older (sink-jdbc's row, sink-redis's script), which the removal's own row does not show.
     */
    static class RemovalClearsDeviceSink extends FlakySink {
        RemovalClearsDeviceSink(String name) {
            super(name);
        }

        @Override
        public synchronized void write(List<EndpointStateEvent> batch) throws Exception {
            super.write(batch);
            for (EndpointStateEvent e : batch) {
                if (e.change() instanceof EndpointChange c
                        && c.state() == EndpointState.REMOVED
                        && rows.get(e.key()) == e) {
                    ObservationKey device = new ObservationKey(
                            e.node(), ChangeKind.DEVICE, e.key().endpoint(), "");
                    EndpointStateEvent d = rows.get(device);
                    if (d != null && e.version().isNewerThan(d.version())) {
                        rows.remove(device);
                    }
                }
            }
        }
    }

    @Test
    void anEndpointRemovedAndBackWhileTheStoreIsDownStillClearsTheDeviceStateInTheStore() throws Exception {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        RemovalClearsDeviceSink store = new RemovalClearsDeviceSink("store");
        store.down.set(false);
        Pipeline p = pipeline(registry, FAST, store);
        p.start();
        Instant t = Instant.now();
        p.receive(ev.node("pbx1", NodeStatus.UP, t));
        p.receive(ev.endpoint("pbx1", "PJSIP/1001", EndpointState.ONLINE, 1, t.plusMillis(1)));
        p.receive(ev.device("pbx1", "PJSIP/1001", DeviceState.INUSE, t.plusMillis(2)));
        assertThat(p.awaitFlushed(Duration.ofSeconds(10))).isTrue();
        ObservationKey device = new ObservationKey(NodeId.of("pbx1"), ChangeKind.DEVICE, "PJSIP/1001", "");
        assertThat(store.snapshot()).containsKey(device);

        // the store is down while the endpoint is removed (a snapshot that no longer lists it) and
        // comes back: both changes wait for the store under one key
        store.down.set(true);
        p.receive(
                ev.event("pbx1", t.plusMillis(3), new EndpointChange(EndpointId.pjsip("1001"), EndpointState.REMOVED)));
        p.receive(ev.endpoint("pbx1", "PJSIP/1001", EndpointState.ONLINE, 0, t.plusMillis(4)));
        assertThat(awaitCondition(() -> store.failures.get() > 0)).isTrue();
        store.down.set(false);
        assertThat(p.awaitFlushed(Duration.ofSeconds(10))).isTrue();

        NodePresence inRegistry = registry.find(EndpointId.pjsip("1001"))
                .orElseThrow()
                .on(NodeId.of("pbx1"))
                .orElseThrow();
        assertThat(inRegistry.deviceState()).isEmpty();
        assertThat(inRegistry.endpointState()).contains(EndpointState.ONLINE);
        Map<ObservationKey, EndpointStateEvent> rows = store.snapshot();
        assertThat(rows).doesNotContainKey(device);
        EndpointStateEvent endpoint =
                rows.get(new ObservationKey(NodeId.of("pbx1"), ChangeKind.ENDPOINT, "PJSIP/1001", ""));
        assertThat(((EndpointChange) endpoint.change()).state()).isEqualTo(EndpointState.ONLINE);
    }

    @Test
    void aFailingSinkLosesNothingOnceItRecovers_andMemoryIsBoundedByKeys() throws Exception {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        FlakySink flaky = new FlakySink("flaky");
        RecordingSink healthy = new RecordingSink("healthy");
        Pipeline p = pipeline(registry, FAST, flaky, healthy);
        p.start();
        int phones = 40;
        traffic(phones, 50, Instant.now()).forEach(p::receive);
        // the healthy sink is not held back by the failing one
        assertThat(awaitCondition(() -> healthy.snapshot().size() >= phones * 2 + 1))
                .isTrue();
        assertThat(flaky.failures.get()).isPositive();
        // while down: pending is bounded by keys (40 contacts + 40 devices + 1 node), not by 4000 events
        SinkMetrics pending = p.metrics().sinks().get(0);
        assertThat(pending.pendingKeys()).isLessThanOrEqualTo(phones * 2 + 1);
        assertThat(pending.consecutiveFailures()).isPositive();
        assertThat(pending.lastError()).hasValueSatisfying(e -> assertThat(e).contains("connection refused"));

        flaky.down.set(false);
        assertThat(p.awaitFlushed(Duration.ofSeconds(10))).isTrue();
        assertStoreEqualsRegistry(flaky, registry, phones);
        assertThat(p.metrics().sinks().get(0).consecutiveFailures()).isZero();
    }

    @Test
    void byDefaultAnIdleSinkWritesAtOnce_andChangesArrivingDuringAWriteFormTheNextBatch() throws Exception {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        StuckSink sink = new StuckSink("natural");
        Pipeline p = pipeline(
                registry,
                PipelineConfig.builder()
                        .heartbeatInterval(Duration.ofHours(1))
                        .sweepInterval(Duration.ofHours(1))
                        .build(),
                sink);
        assertThat(PipelineConfig.builder().build().flushInterval()).isZero();
        p.start();
        Instant start = Instant.now();
        // the first change is written on its own, without waiting for company
        p.receive(ev.device("pbx1", "PJSIP/1000", DeviceState.INUSE, start));
        assertThat(sink.entered.await(10, TimeUnit.SECONDS)).isTrue();
        // while that write hangs, 30 more changes arrive: they are written together next
        for (int i = 1; i <= 30; i++) {
            p.receive(ev.device("pbx1", "PJSIP/" + (1000 + i), DeviceState.INUSE, start.plusMillis(i)));
        }
        sink.release.countDown();
        assertThat(p.awaitFlushed(Duration.ofSeconds(10))).isTrue();
        assertThat(sink.writes.get()).isEqualTo(2);
        assertThat(sink.maxBatch.get()).isEqualTo(30);
        assertThat(sink.snapshot()).hasSize(31);
    }

    @Test
    void aStuckSinkNeverBlocksSources() throws Exception {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        StuckSink stuck = new StuckSink("stuck");
        RecordingSink healthy = new RecordingSink("healthy");
        Pipeline p = pipeline(registry, FAST, stuck, healthy);
        p.start();
        List<EndpointStateEvent> events = traffic(20, 100, Instant.now());
        Thread source = new Thread(() -> events.forEach(p::receive), "test-source");
        source.start();
        assertThat(stuck.entered.await(10, TimeUnit.SECONDS)).isTrue();
        source.join(10_000);
        assertThat(source.isAlive()).as("source finished while the sink hangs").isFalse();
        assertThat(awaitCondition(() -> healthy.snapshot().size() >= 41)).isTrue();
        assertThat(p.metrics().sinks().get(0).pendingKeys()).isLessThanOrEqualTo(41);
        stuck.release.countDown();
        assertThat(p.awaitFlushed(Duration.ofSeconds(10))).isTrue();
        assertStoreEqualsRegistry(stuck, registry, 20);
    }

    @Test
    void heartbeatsAreWrittenForWatchedNodes() throws Exception {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        RecordingSink sink = new RecordingSink("s");
        Pipeline p = pipeline(
                registry,
                PipelineConfig.builder()
                        .collectorId("c-7")
                        .heartbeatInterval(Duration.ofMillis(20))
                        .flushInterval(Duration.ofMillis(2))
                        .build(),
                sink);
        p.start();
        Instant upAt = Instant.now().minusSeconds(5);
        p.receive(ev.node("pbx1", NodeStatus.UP, upAt));
        assertThat(awaitCondition(() -> sink.snapshot().values().stream()
                        .anyMatch(e -> e.change() instanceof NodeChange n
                                && n.collector().equals(java.util.Optional.of("c-7"))
                                && e.observedAt().isAfter(upAt))))
                .isTrue();
        assertThat(registry.nodes().get(0).collector()).contains("c-7");
    }

    @Test
    void sweepRemovalsReachSinks() throws Exception {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        RecordingSink sink = new RecordingSink("s");
        Pipeline p = pipeline(registry, FAST, sink);
        p.start();
        Instant now = Instant.now();
        p.receive(ev.contact(
                "pbx1",
                "PJSIP/1003",
                "sip:1003@h:5060",
                ContactStatus.REACHABLE,
                now.minusSeconds(30),
                b -> b.expiresAt(now.plusMillis(100))));
        assertThat(awaitCondition(() -> sink.snapshot().values().stream()
                        .anyMatch(e -> e.change() instanceof io.github.astreg.core.model.ContactChange c
                                && c.status() == ContactStatus.REMOVED)))
                .isTrue();
    }

    @Test
    void sourcesAreStartedAndClosedWithThePipeline_closeIsIdempotent() throws Exception {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        AtomicInteger closes = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        EndpointEventSource source = new EndpointEventSource() {
            @Override
            public String name() {
                return "fake";
            }

            @Override
            public void start(EventReceiver receiver) {
                receiver.receive(ev.node("pbx1", NodeStatus.UP, Instant.now()));
                started.countDown();
            }

            @Override
            public void close() {
                closes.incrementAndGet();
            }
        };
        RecordingSink sink = new RecordingSink("s");
        Pipeline p = Pipeline.builder(registry)
                .config(FAST)
                .source(source)
                .sink(sink)
                .build();
        p.start();
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(p::start).isInstanceOf(IllegalStateException.class);
        p.close();
        p.close();
        assertThat(closes.get()).isEqualTo(1);
        assertThat(sink.closed).isTrue();
        assertThat(sink.snapshot()).isNotEmpty();
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("astreg-sink-s") && t.isAlive());
    }

    @Test
    void duplicateSinkNamesAreRejected() {
        assertThatThrownBy(() -> Pipeline.builder(InMemoryEndpointRegistry.create())
                        .sink(new RecordingSink("x"))
                        .sink(new RecordingSink("x"))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unique");
    }

    @Test
    void configReportsEveryBadFieldAtOnce() {
        assertThatThrownBy(() -> PipelineConfig.builder()
                        .batchSize(0)
                        .flushInterval(Duration.ofMillis(-1))
                        .collectorId("bad id")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchSize")
                .hasMessageContaining("flushInterval")
                .hasMessageContaining("collectorId");
        assertThat(PipelineConfig.fromMap(Map.of("batchSize", "10", "flushInterval", "20ms"))
                        .flushInterval())
                .isEqualTo(Duration.ofMillis(20));
        assertThatThrownBy(() -> PipelineConfig.fromMap(Map.of("batchSize", "ten", "sweepInterval", "soon")))
                .hasMessageContaining("batchSize")
                .hasMessageContaining("sweepInterval");
    }

    private static boolean awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return condition.getAsBoolean();
    }
}
