package io.github.astreg.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.sink.jdbc.JdbcEndpointRegistry;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A collector running in its own JVM ({@link CollectorMain}) is killed with SIGKILL while phones
 * change on the node it watches, then started again. Meanwhile its node turns stale in the store
 * (R5), another collector's node in the same store is untouched, and after the restart the rows
 * converge: the phone that unregistered while nobody watched is gone, the one that registered is
 * there.
 */
class CollectorCrashIT {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final Duration STALE_AFTER = Duration.ofSeconds(3);

    private static Process startCollector(int amiPort, String prefix) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx128m",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CollectorMain.class.getName(),
                        Integer.toString(amiPort),
                        prefix,
                        "collector-a")
                .redirectErrorStream(true)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + WAIT.toNanos();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals("READY")) {
                break;
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("collector did not get ready");
            }
        }
        if (line == null) {
            throw new AssertionError("collector exited with " + p.waitFor());
        }
        // keep draining its output so it never blocks on a full pipe
        Thread drain = new Thread(
                () -> {
                    try {
                        while (out.readLine() != null) {
                            // discard
                        }
                    } catch (java.io.IOException e) {
                        // killed
                    }
                },
                "test-collector-drain");
        drain.setDaemon(true);
        drain.start();
        return p;
    }

    private static Optional<String> node(JdbcEndpointRegistry r, String ext) {
        return r.locate(EndpointId.pjsip(ext)).map(Location::node).map(NodeId::value);
    }

    private static boolean stale(JdbcEndpointRegistry r, String node) {
        return r.nodes().stream()
                .filter(n -> n.node().value().equals(node))
                .findFirst()
                .map(NodeRecord::stale)
                .orElse(false);
    }

    @Test
    void collectorKilledWhilePhonesChangeConvergesAfterRestart() throws Exception {
        String prefix = Services.uniquePrefix("crash");
        DataSource pg = Services.postgres(prefix);
        JdbcSinkConfig config = JdbcSinkConfig.builder()
                .tablePrefix(prefix)
                .staleAfter(STALE_AFTER)
                .build();
        JdbcEndpointRegistry reader = JdbcEndpointRegistry.builder(pg, config).build();
        Process collector = null;
        try (FakeAsterisk pbxA = FakeAsterisk.builder("crashA")
                        .systemName("crashA")
                        .timestampEvents(true)
                        .build()
                        .start();
                FakeAsterisk pbxB = FakeAsterisk.builder("crashB")
                        .systemName("crashB")
                        .timestampEvents(true)
                        .build()
                        .start()) {
            AmiEndpointSource sourceB =
                    AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", pbxB.amiUser(), "astregpass")
                            .port(pbxB.amiPort())
                            .build());
            try (Pipeline other = Pipeline.builder(InMemoryEndpointRegistry.create())
                    .config(PipelineConfig.builder()
                            .collectorId("collector-b")
                            .flushInterval(Duration.ofMillis(10))
                            .heartbeatInterval(Duration.ofMillis(500))
                            .build())
                    .source(sourceB)
                    .sink(JdbcEndpointSink.builder(pg, config).build())
                    .build()) {
                other.start();
                collector = startCollector(pbxA.amiPort(), prefix);
                pbxA.register("1001", Registration.from("127.0.0.1", 5061));
                pbxA.register("1002", Registration.from("127.0.0.1", 5062));
                pbxB.register("1003", Registration.from("127.0.0.1", 5063));
                Poll.until(
                        "1001, 1002 on crashA and 1003 on crashB in the store",
                        WAIT,
                        () -> node(reader, "1001").equals(Optional.of("crashA"))
                                && node(reader, "1002").equals(Optional.of("crashA"))
                                && node(reader, "1003").equals(Optional.of("crashB")));

                long killedAt = System.nanoTime();
                collector.destroyForcibly(); // SIGKILL: no close(), no DOWN, no goodbye
                assertThat(collector.waitFor(10, TimeUnit.SECONDS)).isTrue();
                pbxA.unregister("1001"); // nobody watches crashA now
                pbxA.register("1004", Registration.from("127.0.0.1", 5064));
                Poll.until("crashA stale in the store", WAIT, () -> stale(reader, "crashA"));
                long staleMillis = (System.nanoTime() - killedAt) / 1_000_000;
                assertThat(stale(reader, "crashB"))
                        .as("the other collector's node")
                        .isFalse();
                assertThat(node(reader, "1003")).contains("crashB");
                assertThat(node(reader, "1004")).as("nobody reported 1004 yet").isEmpty();

                long restartAt = System.nanoTime();
                collector = startCollector(pbxA.amiPort(), prefix);
                Poll.until(
                        "rows converge after the restart",
                        WAIT,
                        () -> !stale(reader, "crashA")
                                && node(reader, "1002").equals(Optional.of("crashA"))
                                && node(reader, "1004").equals(Optional.of("crashA")),
                        () -> "1002=" + node(reader, "1002") + " 1004=" + node(reader, "1004") + " nodes="
                                + reader.nodes());
                long convergeMillis = (System.nanoTime() - restartAt) / 1_000_000;
                assertThat(node(reader, "1003")).contains("crashB");
                assertThat(stale(reader, "crashB")).isFalse();
                // 1001 unregistered while no collector watched crashA. The restarted collector's registry
                // starts empty, so its snapshot (R6) removes nothing it never knew, and the store keeps
                // the old row until the registration would have expired (3600 s here).
                boolean gone = Poll.within(
                        Duration.ofSeconds(10), () -> node(reader, "1001").isEmpty());
                System.out.printf(
                        "[reliability] collector SIGKILLed: node stale in the store %d ms after the kill"
                                + " (staleAfter %d ms); after the restart (a new JVM) 1002/1004 converged in %d ms;"
                                + " other collector's node untouched (%d observations); 1001, unregistered while"
                                + " down, %s%n",
                        staleMillis,
                        STALE_AFTER.toMillis(),
                        convergeMillis,
                        other.metrics().received(),
                        gone
                                ? "is gone"
                                : "is STILL LOCATED at " + node(reader, "1001").orElse("?"));
                assertThat(gone)
                        .as("PJSIP/1001, unregistered while no collector watched, is reconciled by the restarted"
                                + " collector's first snapshot (its registry is seeded from the store)")
                        .isTrue();
            } finally {
                if (collector != null) {
                    collector.destroyForcibly();
                    collector.waitFor(10, TimeUnit.SECONDS);
                }
                Services.dropTables(pg, prefix);
            }
        }
    }
}
