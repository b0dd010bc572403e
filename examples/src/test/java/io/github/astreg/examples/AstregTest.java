package io.github.astreg.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.examples.run.Adapters;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: usage, errors (one clear message, exit status, no stack trace) and locate. */
class AstregTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        return new Astreg(out, err, env, new Adapters(), false).execute(args);
    }

    private int run(String... args) {
        return run(Map.of(), args);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private void assertNoStackTrace() {
        assertThat(err()).doesNotContain("\tat ").doesNotContain("Exception:");
    }

    @Test
    void helpAndVersion() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("astreg demo [--port N] [--once]", "astreg run --config FILE", "astreg locate");
        outBytes.reset();
        assertThat(run("--version")).isZero();
        assertThat(out()).matches("astreg \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R");
    }

    @Test
    void noCommandPrintsUsageAndFails() {
        assertThat(run()).isEqualTo(Astreg.USAGE);
        assertThat(err()).contains("Usage:");
    }

    @Test
    void unknownCommandAndOptionsAreOneClearMessage() {
        assertThat(run("frobnicate")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg: unknown command 'frobnicate' (commands: demo, run, locate)\n");
        assertNoStackTrace();
        errBytes.reset();
        assertThat(run("demo", "--prot", "1")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg demo: unknown option '--prot' (options: ");
        errBytes.reset();
        assertThat(run("--frob")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg: unknown option '--frob'");
        errBytes.reset();
        assertThat(run("demo", "--port", "http")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg demo: --port must be a number 0..65535, was 'http'");
        errBytes.reset();
        assertThat(run("demo", "--port")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg demo: --port needs a value");
        errBytes.reset();
        assertThat(run("demo", "--once=yes")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg demo: --once takes no value");
        errBytes.reset();
        assertThat(run("demo", "extra")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg demo: unexpected argument 'extra'");
        assertNoStackTrace();
    }

    @Test
    void runNeedsAConfigThatExists(@TempDir Path dir) {
        assertThat(run("run")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg run: --config FILE is required");
        errBytes.reset();
        Path missing = dir.resolve("nope.yaml");
        assertThat(run("run", "--config", missing.toString())).isEqualTo(Astreg.USAGE);
        assertThat(err()).isEqualTo("astreg: invalid config " + missing + ":\n  file not found\n");
    }

    @Test
    void anInvalidConfigListsEveryProblemWithoutSecrets(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("astreg.yaml");
        Files.writeString(f, """
                nodes:
                  - id: pbx1
                    ami: { host: 127.0.0.1, port: 99999, username: astreg, secret: "${AMI_SECRET}" }
                  - id: pbx2
                    ami: { host: 127.0.0.1, username: astreg, secret: "${AMI_SECRET}", options: { eventMsk: x } }
                sinks:
                  jdbc: { url: "jdbc:h2:mem:x", tablePrefix: "Bad-Prefix" }
                """);
        assertThat(run(Map.of("AMI_SECRET", "top-s3cret"), "run", "--config", f.toString()))
                .isEqualTo(Astreg.USAGE);
        assertThat(err())
                .startsWith("astreg: invalid config " + f + ":\n  nodes[0].ami.port: must be 1..65535, was 99999\n");
        assertThat(err()).doesNotContain("top-s3cret");
        assertNoStackTrace();

        // the shape is fine: now the adapters' own checks speak, with the same paths
        errBytes.reset();
        Files.writeString(f, Files.readString(f).replace("99999", "5038"));
        assertThat(run(Map.of("AMI_SECRET", "top-s3cret"), "run", "--config", f.toString()))
                .isEqualTo(Astreg.USAGE);
        assertThat(err())
                .contains("nodes[1].ami.eventMsk: unknown key")
                .contains("sinks.jdbc.tablePrefix: ")
                .doesNotContain("top-s3cret");
        assertNoStackTrace();
    }

    @Test
    void aStoreDownAtStartIsOneMessageAndExit3(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path f = dir.resolve("astreg.yaml");
        Files.writeString(f, """
                nodes:
                  - id: pbx1
                    ami: { host: 127.0.0.1, port: %d, username: astreg, secret: "${AMI_SECRET}" }
                sinks:
                  jdbc: { url: "jdbc:postgresql://127.0.0.1:%d/astreg?password=pw-in-url", username: astreg, password: "${DB_PASSWORD}", options: { connectTimeout: 1s } }
                """.formatted(closedPort, closedPort));
        Map<String, String> env = Map.of("AMI_SECRET", "a-s3cret", "DB_PASSWORD", "db-s3cret");
        assertThat(run(env, "run", "--config", f.toString())).isEqualTo(Astreg.FAILURE);
        assertThat(err())
                .startsWith("astreg: jdbc store jdbc:postgresql://127.0.0.1:" + closedPort
                        + "/astreg?password=*** is unreachable: ")
                .doesNotContain("s3cret")
                .doesNotContain("pw-in-url");
        assertThat(err().lines().count()).isEqualTo(1);
        assertNoStackTrace();

        errBytes.reset();
        assertThat(run(env, "--debug", "run", "--config", f.toString())).isEqualTo(Astreg.FAILURE);
        assertThat(err()).contains("\tat ");
    }

    @Test
    void anUnreachableNodeAtStartIsNotFatal(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path f = dir.resolve("astreg.yaml");
        Files.writeString(f, """
                nodes:
                  - id: pbx1
                    ami: { host: 127.0.0.1, port: %d, username: astreg, secret: x }
                sinks:
                  jdbc: { url: "jdbc:h2:mem:%s" }
                http: { port: 0 }
                """.formatted(closedPort, UUID.randomUUID()));
        // not interactive: run starts everything, then stops at once instead of waiting for Ctrl-C
        assertThat(run("run", "--config", f.toString())).isZero();
        assertThat(err()).startsWith("astreg: running 1 node(s); lookup service on http://127.0.0.1:");
    }

    @Test
    void locateAnswersFromAStore() throws Exception {
        String url = "jdbc:h2:mem:locate-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        try (Connection keepAlive = DriverManager.getConnection(url)) {
            InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
            Instant now = Instant.now();
            List<EndpointStateEvent> changes = registry.applyAll(List.of(
                    new EndpointStateEvent(NodeId.of("pbx2"), now, 1, Origin.OTHER, NodeChange.up(now)),
                    new EndpointStateEvent(
                            NodeId.of("pbx2"),
                            now,
                            2,
                            Origin.OTHER,
                            ContactChange.builder(
                                            EndpointId.pjsip("1001"), "sip:1001@10.0.0.1:5060", ContactStatus.REACHABLE)
                                    .expiresAt(now.plusSeconds(3600))
                                    .build())));
            try (JdbcEndpointSink sink =
                    JdbcEndpointSink.builder(ds, JdbcSinkConfig.defaults()).build()) {
                sink.start();
                sink.write(changes);
            }
            assertThat(run("locate", "PJSIP/1001", "--jdbc", url)).isZero();
            assertThat(out()).isEqualTo("pbx2\n");
            outBytes.reset();
            assertThat(run("locate", "PJSIP/1009", "--jdbc", url)).isEqualTo(Astreg.NOT_FOUND);
            assertThat(out()).isEmpty();
            assertThat(err()).isEqualTo("astreg: PJSIP/1009 is not registered on any node\n");
            assertThat(keepAlive.isValid(1)).isTrue();
        }
    }

    @Test
    void locateUsageErrors() {
        assertThat(run("locate", "--jdbc", "jdbc:h2:mem:x")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg locate: which endpoint?");
        errBytes.reset();
        assertThat(run("locate", "PJSIP/1001")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg locate: give exactly one of --jdbc URL or --redis URI");
        errBytes.reset();
        assertThat(run("locate", "1001", "--jdbc", "jdbc:h2:mem:x")).isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg locate: not an endpoint: ");
        errBytes.reset();
        assertThat(run("locate", "PJSIP/1001", "--redis", "redis://127.0.0.1:6379", "--password-env", "NOPE"))
                .isEqualTo(Astreg.USAGE);
        assertThat(err()).startsWith("astreg locate: --password-env: environment variable NOPE is not set");
        assertNoStackTrace();
    }
}
