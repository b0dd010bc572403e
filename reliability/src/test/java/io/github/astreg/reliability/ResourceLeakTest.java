package io.github.astreg.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.registry.Subscription;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.source.ari.AriEndpointSource;
import io.github.astreg.source.ari.AriSourceConfig;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every component started, used, and closed — after its Asterisk died, or while its links hang —
 * leaves no thread (astreg-*, asterisk-java's reader and event pump, netty event loops, the fakes'
 * own threads) and no socket behind. Sockets are compared by inode through {@code /proc/self/fd}.
 */
class ResourceLeakTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration SETTLE = Duration.ofSeconds(15);

    /** A fake node, both sources watching it, and a pipeline writing to H2. */
    private static final class Stack {
        final FakeAsterisk pbx;
        final AmiEndpointSource ami;
        final AriEndpointSource ari;
        final JdbcEndpointSink sink;
        final Pipeline pipeline;
        final Subscription subscription;
        final AtomicLong committed = new AtomicLong();
        /** Holds the in-memory database open (DB_CLOSE_DELAY=0: it goes when this closes). */
        final Connection keep;

        Stack() {
            pbx = FakeAsterisk.builder("leak1").systemName("leak1").build().start();
            ami = AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", pbx.amiUser(), "astregpass")
                    .port(pbx.amiPort())
                    .nodeId("leak1")
                    .connectTimeout(Duration.ofSeconds(2))
                    .actionTimeout(Duration.ofSeconds(3))
                    .keepaliveInterval(Duration.ofMillis(500))
                    .readTimeout(Duration.ofSeconds(2))
                    .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(500))
                    .build());
            ari = AriEndpointSource.builder(AriSourceConfig.builder(pbx.ariUrl(), pbx.ariUser(), "astregpass")
                            .nodeId("leak1")
                            .application("leaks")
                            .requestTimeout(Duration.ofSeconds(3))
                            .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(500))
                            .build())
                    .build();
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL("jdbc:h2:mem:leak_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=0");
            ds.setUser("sa");
            try {
                keep = ds.getConnection();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            sink = JdbcEndpointSink.builder(
                            ds, JdbcSinkConfig.builder().tablePrefix("leak_").build())
                    .build();
            subscription = sink.registry().subscribe(change -> committed.incrementAndGet());
            pipeline = Pipeline.builder(InMemoryEndpointRegistry.create())
                    .config(PipelineConfig.builder()
                            .flushInterval(Duration.ofMillis(5))
                            .heartbeatInterval(Duration.ofMillis(200))
                            .closeTimeout(Duration.ofSeconds(3))
                            .build())
                    .source(ami)
                    .source(ari)
                    .sink(sink)
                    .build();
        }

        void closeDatabase() {
            try {
                keep.close();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        Stack startAndUse() {
            pipeline.start();
            Poll.until(
                    "both sources connected",
                    WAIT,
                    () -> ami.isConnected() && ari.isConnected(),
                    () -> ami.counters() + " " + ari.counters());
            pbx.register("1001", Registration.from("127.0.0.1", 5061));
            Poll.until(
                    "1001 located in the store",
                    WAIT,
                    () -> sink.registry().locate(EndpointId.pjsip("1001")).isPresent());
            return this;
        }
    }

    /**
     * The first AMI session of a JVM opens one unix socket that lives as long as the JVM (something
     * process-wide in the JDK or asterisk-java, opened once: a second session adds none), so one
     * session is run before any baseline is taken.
     */
    @BeforeAll
    static void warmUp() {
        try (FakeAsterisk pbx =
                        FakeAsterisk.builder("warm").systemName("warm").build().start();
                AmiEndpointSource ami =
                        AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", pbx.amiUser(), "astregpass")
                                .port(pbx.amiPort())
                                .build())) {
            ami.start(e -> {});
            Poll.until("warm-up session", WAIT, ami::isConnected);
        }
    }

    private static void assertNothingLeft(Leaks baseline, String scenario) {
        boolean clean = Poll.within(
                SETTLE,
                () -> baseline.newThreads().isEmpty() && baseline.newSockets().isEmpty());
        List<String> threads = baseline.newThreads();
        Set<String> sockets = baseline.newSockets();
        System.out.printf(
                "[reliability] %s: threads left %d, sockets left %d (clean=%s)%n",
                scenario, threads.size(), sockets.size(), clean);
        assertThat(threads)
                .as("threads left after close (%s)%s", scenario, Leaks.dump(threads))
                .isEmpty();
        assertThat(sockets)
                .as("sockets left after close (%s): %s", scenario, Leaks.describe(sockets))
                .isEmpty();
    }

    @Test
    void closingEverythingAfterAsteriskDiedLeavesNoThreadOrSocket() {
        Leaks baseline = Leaks.baseline();
        Stack s = new Stack().startAndUse();
        int during = Leaks.socketInodes().size();
        assertThat(baseline.newThreads()).as("the stack runs threads").isNotEmpty();
        if (Leaks.socketsVisible()) {
            assertThat(baseline.newSockets()).as("the stack holds sockets").isNotEmpty();
        }

        s.pbx.crash(); // connections dropped, ports refuse: both sources are now reconnecting
        Poll.until("both sources noticed", WAIT, () -> !s.ami.isConnected() && !s.ari.isConnected());
        Poll.until(
                "reconnect attempts",
                WAIT,
                () -> s.ami.counters().getOrDefault("connectFailures", 0L) >= 1
                        && s.ari.counters().getOrDefault("reconnects", 0L) >= 2,
                () -> s.ami.counters() + " " + s.ari.counters());
        s.subscription.close();
        s.pipeline.close();
        s.pipeline.close();
        s.pbx.close();
        s.closeDatabase();
        System.out.printf("[reliability] sockets open while running: %d%n", during);
        assertNothingLeft(baseline, "Asterisk died, then close");
    }

    @Test
    void closingWhileBothLinksHangLeavesNoThreadOrSocket() {
        Leaks baseline = Leaks.baseline();
        Stack s = new Stack().startAndUse();
        s.pbx.stallAmi();
        s.pbx.stallAri();
        long t0 = System.nanoTime();
        s.pipeline.close(); // must not wait for the silent links beyond their timeouts
        long closeMillis = (System.nanoTime() - t0) / 1_000_000;
        s.pbx.close();
        s.closeDatabase();
        System.out.printf("[reliability] close() with hanging links took %d ms%n", closeMillis);
        assertThat(s.ami.isConnected()).isFalse();
        assertThat(s.ari.isConnected()).isFalse();
        assertNothingLeft(baseline, "links hang, then close");
    }
}
