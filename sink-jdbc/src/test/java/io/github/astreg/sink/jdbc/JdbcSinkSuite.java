package io.github.astreg.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.RetriableAstregException;
import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JDBC sink and registry against the in-memory registry, on one database. Subclasses say which
 * database ({@code *Test} for H2, {@code *IT} for the real servers).
 */
abstract class JdbcSinkSuite {
    protected DataSource dataSource;
    protected String prefix;
    private final List<String> extraPrefixes = new ArrayList<>();

    /** A DataSource for the database under test (skips the test when it is unreachable). */
    protected abstract DataSource openDataSource();

    protected void closeDataSource(DataSource ds) {}

    @BeforeEach
    void setUpDatabase() {
        dataSource = openDataSource();
        prefix = Databases.uniquePrefix();
    }

    @AfterEach
    void tearDownDatabase() {
        if (dataSource != null) {
            try {
                Databases.drop(dataSource, prefix);
                extraPrefixes.forEach(p -> Databases.drop(dataSource, p));
            } finally {
                closeDataSource(dataSource);
            }
        }
    }

    protected String anotherPrefix() {
        String p = Databases.uniquePrefix();
        extraPrefixes.add(p);
        return p;
    }

    protected JdbcSinkConfig config() {
        return JdbcSinkConfig.builder().tablePrefix(prefix).history(true).build();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 2026})
    void answersLikeTheInMemoryRegistry(long seed) {
        TestClock clock = new TestClock(Scenario.START);
        InMemoryEndpointRegistry memory =
                InMemoryEndpointRegistry.builder().clock(clock).build();
        JdbcEndpointSink sink =
                JdbcEndpointSink.builder(dataSource, config()).clock(clock).build();
        sink.start();
        JdbcEndpointRegistry jdbc =
                JdbcEndpointRegistry.builder(dataSource, config()).clock(clock).build();
        Scenario.Batcher batcher = new Scenario.Batcher(seed);
        new Scenario(seed, memory, clock).run(300, batcher::accept);
        for (List<EndpointStateEvent> batch : batcher.batches()) {
            sink.write(batch);
        }
        RegistryAssertions.assertSameAnswers(memory, jdbc, Scenario.ENDPOINTS, Scenario.NODES);
        // R4/R5 by time alone: contacts expire, heartbeats go stale
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(20));
            RegistryAssertions.assertSameAnswers(memory, jdbc, Scenario.ENDPOINTS, Scenario.NODES);
        }
        sink.close();
    }

    @Test
    void twoSinksWritingInDifferentOrdersLeaveIdenticalRows() throws Exception {
        TestClock clock = new TestClock(Scenario.START);
        InMemoryEndpointRegistry memory =
                InMemoryEndpointRegistry.builder().clock(clock).build();
        Scenario.Batcher batcher = new Scenario.Batcher(7);
        new Scenario(7, memory, clock).run(400, batcher::accept);
        List<EndpointStateEvent> all = batcher.all();

        // reference: one sink, the registry's order, coalesced batches
        JdbcSinkConfig inOrder = JdbcSinkConfig.builder().tablePrefix(prefix).build();
        JdbcEndpointSink reference =
                JdbcEndpointSink.builder(dataSource, inOrder).clock(clock).build();
        reference.start();
        for (List<EndpointStateEvent> batch : batcher.batches()) {
            reference.write(batch);
        }

        // two collectors at once on other tables: one writes everything backwards, the other
        // shuffled, both in uncoalesced batches of random size (a key may appear twice in one batch)
        String other = anotherPrefix();
        JdbcSinkConfig concurrent = JdbcSinkConfig.builder().tablePrefix(other).build();
        List<EndpointStateEvent> backwards = new ArrayList<>(all);
        Collections.reverse(backwards);
        List<EndpointStateEvent> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(11));
        JdbcEndpointSink first = JdbcEndpointSink.builder(
                        dataSource, concurrent.toBuilder().name("first").build())
                .clock(clock)
                .build();
        JdbcEndpointSink second = JdbcEndpointSink.builder(
                        dataSource, concurrent.toBuilder().name("second").build())
                .clock(clock)
                .build();
        first.start();
        second.start();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> done =
                    pool.invokeAll(List.of(writer(first, backwards, 1), writer(second, shuffled, 2)));
            for (Future<Integer> f : done) {
                assertThat(f.get()).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(TableDump.dumpAll(dataSource, other))
                .containsExactlyElementsOf(TableDump.dumpAll(dataSource, prefix));
        assertThat(TableDump.count(dataSource, "SELECT COUNT(*) FROM " + prefix + "contact"))
                .isPositive();
    }

    private static Callable<Integer> writer(JdbcEndpointSink sink, List<EndpointStateEvent> changes, long seed) {
        return () -> {
            Random random = new Random(seed);
            int batches = 0;
            for (int i = 0; i < changes.size(); ) {
                int n = 1 + random.nextInt(40);
                sink.write(changes.subList(i, Math.min(changes.size(), i + n)));
                i += n;
                batches++;
            }
            return batches;
        };
    }

    @Test
    void aBatchIsAllOrNothing() {
        JdbcSinkConfig c = JdbcSinkConfig.builder().tablePrefix(prefix).build();
        FlakyDataSource flaky = new FlakyDataSource(dataSource);
        JdbcEndpointSink sink = JdbcEndpointSink.builder(flaky, c).build();
        sink.start();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        NodeId pbx = NodeId.of("pbx1");
        EndpointId phone = EndpointId.pjsip("1001");
        List<EndpointStateEvent> batch = List.of(
                new EndpointStateEvent(pbx, t, 1, Origin.AMI, NodeChange.up(t)),
                new EndpointStateEvent(pbx, t, 2, Origin.AMI, new EndpointChange(phone, EndpointState.ONLINE, 0)),
                new EndpointStateEvent(
                        pbx,
                        t,
                        3,
                        Origin.AMI,
                        ContactChange.builder(phone, "sip:1001@10.0.0.1:5060", ContactStatus.REACHABLE)
                                .build()));
        // nodes, endpoints, then contacts: the third statement fails after two succeeded
        flaky.failPrepareNumber = 3;
        assertThatThrownBy(() -> sink.write(batch))
                .isInstanceOf(AstregException.class)
                .hasMessageContaining("rolled back")
                .hasMessageContaining("in the middle of a batch");
        assertThat(TableDump.count(dataSource, "SELECT COUNT(*) FROM " + prefix + "node"))
                .isZero();
        assertThat(TableDump.count(dataSource, "SELECT COUNT(*) FROM " + prefix + "endpoint"))
                .isZero();
        flaky.failPrepareNumber = 0;
        sink.write(batch);
        assertThat(sink.registry().locate(phone)).map(Location::node).contains(pbx);
        assertThat(sink.counters()).containsEntry("failures", 1L).containsEntry("batches", 1L);
    }

    @Test
    void anUnreachableDatabaseIsARetriableError() {
        FlakyDataSource flaky = new FlakyDataSource(dataSource);
        flaky.down = true;
        JdbcEndpointSink sink = JdbcEndpointSink.builder(flaky, config()).build();
        assertThatThrownBy(sink::start).isInstanceOf(RetriableAstregException.class);
        Instant t = Instant.now();
        assertThatThrownBy(() -> sink.write(List.of(new EndpointStateEvent(
                        NodeId.of("pbx1"),
                        t,
                        1,
                        Origin.AMI,
                        new DeviceChange(EndpointId.pjsip("1001"), DeviceState.INUSE)))))
                .isInstanceOf(RetriableAstregException.class)
                .hasMessageContaining("08001");
        JdbcEndpointRegistry registry =
                JdbcEndpointRegistry.builder(flaky, config()).build();
        assertThatThrownBy(() -> registry.locate(EndpointId.pjsip("1001")))
                .isInstanceOf(RetriableAstregException.class);
        flaky.down = false;
        sink.start();
        assertThat(registry.locate(EndpointId.pjsip("1001"))).isEmpty();
        sink.close();
        assertThatThrownBy(() -> sink.write(List.of())).isInstanceOf(IllegalStateException.class);
        sink.close(); // idempotent
    }

    @Test
    void thePipelineRetriesThroughAnOutageAndTheTablesEqualItsRegistry() throws Exception {
        TestClock clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.MICROS));
        InMemoryEndpointRegistry memory =
                InMemoryEndpointRegistry.builder().clock(clock).build();
        FlakyDataSource flaky = new FlakyDataSource(dataSource);
        JdbcEndpointSink sink =
                JdbcEndpointSink.builder(flaky, config()).clock(clock).build();
        Pipeline pipeline = Pipeline.builder(memory)
                .config(PipelineConfig.builder()
                        .collectorId("collector-test")
                        .batchSize(50)
                        .flushInterval(Duration.ofMillis(5))
                        .retryInitialBackoff(Duration.ofMillis(10))
                        .retryMaxBackoff(Duration.ofMillis(200))
                        .heartbeatInterval(Duration.ofMillis(100))
                        .sweepInterval(Duration.ofMillis(50))
                        .build())
                .sink(sink)
                .build();
        try {
            pipeline.start();
            Scenario scenario = new Scenario(5, Scenario.Target.of(pipeline), clock).withoutEndpointRemovals();
            scenario.run(100, changes -> {});
            flaky.down = true; // the database goes away mid-stream
            scenario.run(150, changes -> {});
            assertThat(TableDump.pollUntil(Duration.ofSeconds(10), () -> flaky.refused.get() >= 3))
                    .as("the sink kept trying")
                    .isTrue();
            flaky.down = false;
            scenario.run(100, changes -> {});
            assertThat(pipeline.awaitFlushed(Duration.ofSeconds(60)))
                    .as("flushed")
                    .isTrue();
            // stop the ticker: a heartbeat between the two registries' reads would race
            pipeline.close();
            JdbcEndpointRegistry jdbc = JdbcEndpointRegistry.builder(dataSource, config())
                    .clock(clock)
                    .build();
            RegistryAssertions.assertSameAnswers(memory, jdbc, Scenario.ENDPOINTS, Scenario.NODES);
        } finally {
            pipeline.close();
        }
    }

    @Test
    void migrateIsIdempotentAndSafeWhenCollectorsStartTogether() throws Exception {
        String p = anotherPrefix();
        JdbcSinkConfig c = JdbcSinkConfig.builder()
                .tablePrefix(p)
                .staleAfter(Duration.ofSeconds(45))
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        int applied = 0;
        try {
            List<Callable<Integer>> tasks = Collections.nCopies(4, () -> JdbcSchema.migrate(dataSource, c));
            for (Future<Integer> f : pool.invokeAll(tasks)) {
                applied += f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(applied).isEqualTo(1);
        assertThat(JdbcSchema.migrate(dataSource, c)).isZero();
        assertThat(TableDump.count(dataSource, "SELECT COUNT(*) FROM " + p + "schema_version"))
                .isEqualTo(1);
        assertThat(TableDump.count(dataSource, "SELECT stale_after_ms FROM " + p + "setting WHERE id = 1"))
                .isEqualTo(45_000);
        assertThat(TableDump.count(dataSource, "SELECT COUNT(*) FROM " + p + "location"))
                .isZero();
    }

    @Test
    void tombstonesAndHistoryArePurgedAfterTheirRetention() throws Exception {
        TestClock clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.MICROS));
        JdbcSinkConfig c = JdbcSinkConfig.builder()
                .tablePrefix(prefix)
                .history(true)
                .historyRetention(Duration.ofHours(1))
                .tombstoneRetention(Duration.ofMinutes(10))
                .purgeInterval(Duration.ofMinutes(5))
                .build();
        JdbcEndpointSink sink =
                JdbcEndpointSink.builder(dataSource, c).clock(clock).build();
        sink.start();
        NodeId pbx = NodeId.of("pbx1");
        EndpointId gone = EndpointId.pjsip("gone");
        EndpointId kept = EndpointId.pjsip("kept");
        Instant t = clock.instant();
        List<EndpointStateEvent> batch = List.of(
                new EndpointStateEvent(pbx, t, 1, Origin.AMI, NodeChange.up(t)),
                new EndpointStateEvent(
                        pbx,
                        t,
                        2,
                        Origin.AMI,
                        ContactChange.builder(gone, "sip:gone@10.0.0.1", ContactStatus.REMOVED)
                                .build()),
                new EndpointStateEvent(pbx, t, 3, Origin.AMI, new EndpointChange(gone, EndpointState.REMOVED)),
                new EndpointStateEvent(
                        pbx,
                        t,
                        4,
                        Origin.AMI,
                        ContactChange.builder(kept, "sip:kept@10.0.0.1", ContactStatus.REACHABLE)
                                .registeredAt(Optional.of(t))
                                .build()));
        sink.write(batch);
        assertThat(TableDump.count(dataSource, "SELECT COUNT(*) FROM " + prefix + "event"))
                .isEqualTo(4);
        // the history holds the canonical JSON of every change
        try (Connection conn = dataSource.getConnection();
                PreparedStatement ps =
                        conn.prepareStatement("SELECT event_json FROM " + prefix + "event WHERE seq = 4");
                ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(EventJson.readEvent(rs.getString(1))).isEqualTo(batch.get(3));
        }
        clock.advance(Duration.ofMinutes(11));
        assertThat(sink.purge()).isEqualTo(2); // the contact and the endpoint tombstone
        assertThat(TableDump.count(dataSource, "SELECT COUNT(*) FROM " + prefix + "contact"))
                .isEqualTo(1);
        clock.advance(Duration.ofMinutes(50));
        // purges run after writes, at most every purgeInterval
        sink.write(List.of(new EndpointStateEvent(pbx, clock.instant(), 5, Origin.AMI, NodeChange.up(t))));
        assertThat(TableDump.count(dataSource, "SELECT COUNT(*) FROM " + prefix + "event"))
                .isEqualTo(1);
        assertThat(sink.registry().locate(kept)).isPresent();
        assertThat(sink.counters().get("purged")).isEqualTo(6);
    }

    @Test
    void awkwardNamesRoundTripExactly() {
        JdbcEndpointSink sink = JdbcEndpointSink.builder(dataSource, config()).build();
        sink.start();
        JdbcEndpointRegistry registry = sink.registry();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MICROS);
        NodeId pbx = NodeId.of("pbx.EU_1-a");
        List<EndpointStateEvent> batch = new ArrayList<>();
        List<EndpointId> endpoints = new ArrayList<>();
        String[] resources = {
            "o'brien",
            "'; DROP TABLE x; --",
            "100%_sure\\",
            "quote\"d",
            "ünïcødé-电话-\uD83D\uDCDE",
            "x".repeat(255),
            "é".repeat(255),
            "\uD83D\uDCDE".repeat(127)
        };
        batch.add(new EndpointStateEvent(pbx, t, 1, Origin.AMI, NodeChange.up(t)));
        long seq = 2;
        for (String r : resources) {
            EndpointId ep = new EndpointId("PJSIP", r);
            endpoints.add(ep);
            String uri = "sip:" + r + "@[2001:db8::1]:5061;x='%;\"";
            uri = uri.substring(0, Math.min(512, uri.length()));
            String longUri = "sip:" + "ü".repeat(500) + "@h";
            batch.add(new EndpointStateEvent(
                    pbx,
                    t,
                    seq++,
                    Origin.AMI,
                    ContactChange.builder(ep, uri, ContactStatus.REACHABLE)
                            .userAgent("UA '%;\" " + r.substring(0, Math.min(r.length(), 100)))
                            .aor(r)
                            .registeredAt(Optional.of(t))
                            .build()));
            batch.add(new EndpointStateEvent(
                    pbx,
                    t.minusSeconds(1),
                    seq++,
                    Origin.AMI,
                    ContactChange.builder(ep, longUri, ContactStatus.REACHABLE)
                            .registeredAt(Optional.of(t.minusSeconds(1)))
                            .build()));
            batch.add(new EndpointStateEvent(pbx, t, seq++, Origin.AMI, new DeviceChange(ep, DeviceState.RINGING)));
        }
        sink.write(batch);
        for (int i = 0; i < resources.length; i++) {
            EndpointId ep = endpoints.get(i);
            ContactChange written = (ContactChange) batch.get(1 + 3 * i).change();
            assertThat(registry.locate(ep)).map(Location::uri).contains(written.uri());
            assertThat(registry.locateAll(ep)).hasSize(2);
            assertThat(registry.find(ep).orElseThrow().on(pbx).orElseThrow().contacts())
                    .first()
                    .satisfies(cr -> {
                        assertThat(cr.userAgent()).isEqualTo(written.userAgent());
                        assertThat(cr.aor()).isEqualTo(written.aor());
                    });
            assertThat(registry.find(ep).orElseThrow().deviceState()).isEqualTo(DeviceState.RINGING);
        }
        assertThat(registry.endpointsOn(pbx)).containsExactlyInAnyOrderElementsOf(endpoints);
    }

    @Test
    void theLocationViewAnswersLikeTheRegistry() throws Exception {
        // times relative to the real clock: the view uses the database's clock
        Instant start = Instant.now().minusSeconds(600).truncatedTo(ChronoUnit.MICROS);
        TestClock clock = new TestClock(start);
        InMemoryEndpointRegistry memory =
                InMemoryEndpointRegistry.builder().clock(clock).build();
        JdbcEndpointSink sink =
                JdbcEndpointSink.builder(dataSource, config()).clock(clock).build();
        sink.start();
        Scenario.Batcher batcher = new Scenario.Batcher(9);
        new Scenario(9, memory, clock).run(300, batcher::accept);
        for (List<EndpointStateEvent> batch : batcher.batches()) {
            sink.write(batch);
        }
        assertThat(clock.instant()).isBefore(Instant.now());
        JdbcEndpointRegistry jdbc =
                JdbcEndpointRegistry.builder(dataSource, config()).build();
        int compared = 0;
        for (EndpointId ep : Scenario.ENDPOINTS) {
            Optional<Location> before = jdbc.locate(ep);
            List<String> rows = new ArrayList<>();
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps =
                            c.prepareStatement("SELECT node, uri FROM " + prefix + "location WHERE endpoint = ?")) {
                ps.setString(1, ep.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(rs.getString(1) + " " + rs.getString(2));
                    }
                }
            }
            Optional<Location> after = jdbc.locate(ep);
            assertThat(rows).as("one row per endpoint").hasSizeLessThanOrEqualTo(1);
            if (before.equals(after)) { // an expiry or a staleness edge between the reads is not comparable
                assertThat(rows)
                        .as("location of %s", ep)
                        .containsExactlyElementsOf(before.map(l -> l.node() + " " + l.uri()).stream()
                                .toList());
                compared++;
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(Scenario.ENDPOINTS.size() - 1);
        assertThat(TableDump.count(
                        dataSource,
                        "SELECT COUNT(*) FROM (SELECT endpoint FROM " + prefix
                                + "location GROUP BY endpoint HAVING COUNT(*) > 1) x"))
                .isZero();
    }
}
