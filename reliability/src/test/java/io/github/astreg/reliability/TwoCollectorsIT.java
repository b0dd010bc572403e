package io.github.astreg.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.testkit.FakeAsterisk;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Two collectors (each its own AMI source and pipeline) watch the same fake node and write the same
 * PostgreSQL tables, while phones keep changing and the node drops every AMI link once (both resync).
 * R3: no row ever moves to an older version — a sampler reads every contact and endpoint row's version
 * every 50 ms — and at the end the tables equal both collectors' registries.
 */
class TwoCollectorsIT {
    private static final Duration STREAM = Duration.ofSeconds(12);

    /** A row's version as stored: microsecond time, then sequence. */
    private record Stored(Instant at, long seq) implements Comparable<Stored> {
        @Override
        public int compareTo(Stored o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private static AmiEndpointSource source(FakeAsterisk pbx) {
        return AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", pbx.amiUser(), "astregpass")
                .port(pbx.amiPort())
                .contactPollInterval(Duration.ofSeconds(2))
                .reconnectDelay(Duration.ofMillis(100), Duration.ofSeconds(1))
                .build());
    }

    private static Pipeline pipeline(
            String collector, InMemoryEndpointRegistry registry, AmiEndpointSource source, JdbcEndpointSink sink) {
        return Pipeline.builder(registry)
                .config(PipelineConfig.builder()
                        .collectorId(collector)
                        .batchSize(50)
                        .flushInterval(Duration.ofMillis(10))
                        .heartbeatInterval(Duration.ofSeconds(1))
                        .build())
                .source(source)
                .sink(sink)
                .build();
    }

    /** Reads every row's version; adds a line to {@code violations} for each one older than before. */
    private static void sample(DataSource ds, String prefix, Map<String, Stored> last, List<String> violations)
            throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            try (ResultSet rs =
                    s.executeQuery("SELECT node, endpoint, uri, status, observed_at, seq FROM " + prefix + "contact")) {
                while (rs.next()) {
                    check(
                            "contact " + rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3),
                            new Stored(rs.getTimestamp(5).toInstant(), rs.getLong(6)),
                            rs.getString(4),
                            last,
                            violations);
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT node, endpoint, endpoint_state, observed_at, seq, device_state,"
                    + " device_observed_at, device_seq FROM " + prefix + "endpoint")) {
                while (rs.next()) {
                    String key = rs.getString(1) + " " + rs.getString(2);
                    check(
                            "endpoint " + key,
                            new Stored(rs.getTimestamp(4).toInstant(), rs.getLong(5)),
                            rs.getString(3),
                            last,
                            violations);
                    check(
                            "device " + key,
                            new Stored(rs.getTimestamp(7).toInstant(), rs.getLong(8)),
                            rs.getString(6),
                            last,
                            violations);
                }
            }
        }
    }

    private static void check(String key, Stored now, String value, Map<String, Stored> last, List<String> violations) {
        Stored before = last.put(key, now);
        if (before != null && now.compareTo(before) < 0) {
            violations.add(key + " went back from " + before + " to " + now + " (" + value + ")");
        }
    }

    @Test
    void twoCollectorsOfOneNodeNeverMoveTheStoreBackwards() throws Exception {
        String prefix = Services.uniquePrefix("two");
        DataSource pg = Services.postgres(prefix);
        JdbcSinkConfig config = JdbcSinkConfig.builder().tablePrefix(prefix).build();
        InMemoryEndpointRegistry registryA = InMemoryEndpointRegistry.create();
        InMemoryEndpointRegistry registryB = InMemoryEndpointRegistry.create();
        List<String> violations = new CopyOnWriteArrayList<>();
        Map<String, Stored> last = new HashMap<>();
        AtomicLong samples = new AtomicLong();
        AtomicReference<Exception> samplerError = new AtomicReference<>();
        try (FakeAsterisk pbx = FakeAsterisk.builder("two1")
                .systemName("two1")
                .timestampEvents(true)
                .build()
                .start()) {
            AmiEndpointSource sourceA = source(pbx);
            AmiEndpointSource sourceB = source(pbx);
            JdbcEndpointSink sinkA = JdbcEndpointSink.builder(pg, config).build();
            JdbcEndpointSink sinkB = JdbcEndpointSink.builder(pg, config).build();
            Thread sampler = new Thread(
                    () -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            try {
                                sample(pg, prefix, last, violations);
                                samples.incrementAndGet();
                            } catch (SQLException e) {
                                // tables not created yet, or a hiccup: next round
                                samplerError.set(e);
                            }
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "test-sampler");
            sampler.setDaemon(true);
            try (Pipeline a = pipeline("collector-a", registryA, sourceA, sinkA);
                    Pipeline b = pipeline("collector-b", registryB, sourceB, sinkB)) {
                a.start();
                b.start();
                Poll.until(
                        "both collectors connected",
                        Duration.ofSeconds(20),
                        () -> sourceA.isConnected() && sourceB.isConnected());
                sampler.start();
                long steps;
                try (PhoneStream phones = new PhoneStream(pbx, 7, 10)) {
                    Poll.sleep(STREAM.toMillis() / 2);
                    pbx.dropAmi(); // both collectors reconnect and resync while phones keep changing
                    Poll.sleep(STREAM.toMillis() / 2);
                    steps = phones.steps();
                }
                Poll.until(
                        "both reconnected",
                        Duration.ofSeconds(20),
                        () -> sourceA.isConnected() && sourceB.isConnected());
                List<EndpointId> endpoints = PhoneStream.endpoints();
                long t0 = System.nanoTime();
                boolean converged = Poll.within(Duration.ofSeconds(30), () -> {
                    Map<String, String> store = Views.of(sinkA.registry(), endpoints);
                    return store.equals(Views.of(registryA, endpoints)) && store.equals(Views.of(registryB, endpoints));
                });
                long convergeMillis = (System.nanoTime() - t0) / 1_000_000;
                sampler.interrupt();
                sampler.join(5_000);
                sample(pg, prefix, last, violations);
                System.out.printf(
                        "[reliability] two collectors, one node: %d phone steps, observations A/B %d/%d,"
                                + " written A/B %d/%d, reconnects A/B %d/%d, %d samples of %d row versions,"
                                + " %d went backwards, converged=%s in %d ms after the stream%n",
                        steps,
                        a.metrics().received(),
                        b.metrics().received(),
                        a.metrics().sinks().get(0).changesWritten(),
                        b.metrics().sinks().get(0).changesWritten(),
                        sourceA.counters().getOrDefault("reconnects", 0L),
                        sourceB.counters().getOrDefault("reconnects", 0L),
                        samples.get(),
                        last.size(),
                        violations.size(),
                        converged,
                        convergeMillis);
                assertThat(samples.get())
                        .as("samples taken (last error: %s)", samplerError.get())
                        .isGreaterThan(10);
                assertThat(last).as("row versions tracked").isNotEmpty();
                assertThat(violations).as("rows that moved backwards (R3)").isEmpty();
                assertThat(Views.of(sinkA.registry(), endpoints))
                        .as("store equals collector A")
                        .isEqualTo(Views.of(registryA, endpoints));
                assertThat(Views.of(sinkB.registry(), endpoints))
                        .as("store equals collector B")
                        .isEqualTo(Views.of(registryB, endpoints));
            } finally {
                sampler.interrupt();
                Services.dropTables(pg, prefix);
            }
        }
    }
}
