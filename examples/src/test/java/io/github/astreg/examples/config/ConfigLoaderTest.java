package io.github.astreg.examples.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.astreg.core.model.NodeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final Map<String, String> ENV =
            Map.of("AMI_SECRET", "ami-s3cret", "ARI_PASSWORD", "ari-s3cret", "DB_PASSWORD", "db-s3cret");

    /** The example of the issue, verbatim: the shape is a contract. */
    private static final String CONTRACT = """
            nodes:
              - id: pbx1
                ami: { host: 127.0.0.1, port: 5038, username: astreg, secret: "${AMI_SECRET}" }
              - id: pbx2
                ari: { url: "http://127.0.0.1:8088/", username: astreg, password: "${ARI_PASSWORD}", app: astreg }
            sinks:
              jdbc: { url: "jdbc:postgresql://127.0.0.1:5432/astreg", username: astreg, password: "${DB_PASSWORD}" }
              redis: { uri: "redis://127.0.0.1:6379" }
            http: { bind: 127.0.0.1, port: 8080 }
            """;

    private final ConfigLoader loader = new ConfigLoader(ENV);

    private List<String> errorsOf(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader.parse(yaml, "test.yaml"));
        assertThat(e).as("expected a ConfigException").isNotNull();
        assertThat(e.getMessage()).doesNotContain("s3cret");
        return e.errors();
    }

    @Test
    void readsTheContractShapeWithEnvSubstitution() {
        RunnerConfig c = loader.parse(CONTRACT, "test.yaml");
        assertThat(c.nodes()).hasSize(2);
        NodeSettings pbx1 = c.nodes().get(0);
        assertThat(pbx1.id()).isEqualTo(NodeId.of("pbx1"));
        assertThat(pbx1.protocol()).isEqualTo(NodeSettings.Protocol.AMI);
        assertThat(pbx1.settings())
                .containsEntry("host", "127.0.0.1")
                .containsEntry("port", "5038")
                .containsEntry("username", "astreg")
                .containsEntry("secret", "ami-s3cret");
        assertThat(pbx1.blockPath()).isEqualTo("nodes[0].ami");
        NodeSettings pbx2 = c.nodes().get(1);
        assertThat(pbx2.protocol()).isEqualTo(NodeSettings.Protocol.ARI);
        assertThat(pbx2.settings())
                .containsEntry("url", "http://127.0.0.1:8088/")
                .containsEntry("password", "ari-s3cret")
                .containsEntry("app", "astreg");
        assertThat(c.jdbc().orElseThrow().get("password")).isEqualTo("db-s3cret");
        assertThat(c.jdbc().orElseThrow().get("url")).isEqualTo("jdbc:postgresql://127.0.0.1:5432/astreg");
        assertThat(c.redis().orElseThrow().get("uri")).isEqualTo("redis://127.0.0.1:6379");
        assertThat(c.http().orElseThrow().bind()).isEqualTo("127.0.0.1");
        assertThat(c.http().orElseThrow().port()).isEqualTo(8080);
        assertThat(c.http().orElseThrow().bearerToken()).isEmpty();
        assertThat(c.contactPollInterval()).isEmpty();
        assertThat(c.toString()).doesNotContain("s3cret");
    }

    @Test
    void defaultsAndTuning() {
        RunnerConfig c = loader.parse("""
                nodes:
                  - id: pbx1
                    ami: { host: pbx1.example.com, username: astreg, secret: x, options: { tls: "true", eventMask: "system,call" } }
                  - id: pbx2
                    ari: { url: "https://pbx2.example.com:8089/", username: astreg, password: y }
                sinks:
                  redis: { uri: "redis://redis:6379/0", keyPrefix: "acme:" }
                http: { bearerToken: "${AMI_SECRET}" }
                tuning: { batchSize: 100, flushInterval: 20ms, staleAfter: 15s, evictAfter: 5m, contactPollInterval: 10s, collectorId: c1 }
                """, "t");
        assertThat(c.nodes().get(0).settings()).containsEntry("port", "5038");
        assertThat(c.nodes().get(0).options()).containsEntry("tls", "true").containsEntry("eventMask", "system,call");
        assertThat(c.nodes().get(1).settings()).containsEntry("app", "astreg");
        assertThat(c.jdbc()).isEmpty();
        assertThat(c.redis().orElseThrow().get("keyPrefix")).isEqualTo("acme:");
        assertThat(c.http().orElseThrow().bind()).isEqualTo("127.0.0.1");
        assertThat(c.http().orElseThrow().port()).isEqualTo(8080);
        assertThat(c.http().orElseThrow().bearerToken()).hasValue("ami-s3cret");
        assertThat(c.http().orElseThrow().toString()).doesNotContain("s3cret");
        assertThat(c.pipeline().batchSize()).isEqualTo(100);
        assertThat(c.pipeline().flushInterval()).isEqualTo(Duration.ofMillis(20));
        assertThat(c.pipeline().collectorId()).isEqualTo("c1");
        assertThat(c.registry().staleAfter()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.registry().evictAfter()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.contactPollInterval()).hasValue(Duration.ofSeconds(10));
    }

    @Test
    void reportsEveryErrorAtOnceWithItsPath() {
        List<String> errors = errorsOf("""
                nodes:
                  - id: pbx1
                    ami: { host: 127.0.0.1, port: 5038, username: astreg, secret: "${AMI_SECRET}" }
                  - id: pbx2
                    ami: { host: 127.0.0.1, port: 70000, username: astreg, secret: "${NOT_SET}" }
                  - id: pbx1
                    ari: { url: "ftp://x/", password: p }
                  - id: "bad id"
                    ami: { host: h, username: u, secret: s }
                    ari: { url: "http://h/", username: u, password: p }
                sinks:
                  jdbc: { url: "postgres://x", tablePrefix: "1bad" }
                  redis: { uri: "http://x" }
                  mongo: { }
                http: { port: -1, bearerToken: "" }
                tuning: { batchSize: zero, staleAfter: soon, bogus: 1 }
                extra: true
                """);
        assertThat(errors)
                .contains(
                        "extra: unknown key (expected one of http, nodes, sinks, tuning)",
                        "nodes[1].ami.port: must be 1..65535, was 70000",
                        "nodes[1].ami.secret: environment variable NOT_SET is not set",
                        "nodes[2].id: duplicate node id 'pbx1'",
                        "nodes[2].ari.url: must look like http://host:8088/, was 'ftp://x/'",
                        "nodes[2].ari.username: missing",
                        "nodes[3].id: must be 1..64 characters of [A-Za-z0-9._-], was 'bad id'",
                        "nodes[3]: give exactly one of ami: or ari:",
                        "sinks.jdbc.url: must start with jdbc:, was 'postgres://x'",
                        "sinks.redis.uri: must look like redis://host:6379 or rediss://host:6380, was 'http://x'",
                        "sinks.mongo: unknown key (expected one of jdbc, redis)",
                        "http.port: must be 0..65535, was -1",
                        "http.bearerToken: must not be blank (remove the key to turn authentication off)")
                .anySatisfy(e -> assertThat(e).startsWith("tuning.batchSize: must be a number"))
                .anySatisfy(e -> assertThat(e).startsWith("tuning.staleAfter: not a duration"))
                .anySatisfy(e -> assertThat(e).startsWith("tuning.bogus: unknown key"));
    }

    @Test
    void missingPiecesAreNamed() {
        assertThat(errorsOf("")).containsExactly("the file is empty (expected nodes:, sinks:, http:)");
        assertThat(errorsOf("- a\n- b\n")).hasSize(1);
        assertThat(errorsOf("nodes: []\n"))
                .contains(
                        "nodes: must list at least one node",
                        "sinks: missing: configure sinks (jdbc:, redis:) and/or http: so the registry is published");
        assertThat(errorsOf("nodes:\n  - id: pbx1\n    ami: { host: h }\nhttp: {}\n"))
                .containsExactly("nodes[0].ami.username: missing", "nodes[0].ami.secret: missing");
        assertThat(errorsOf(
                        "nodes:\n  - id: pbx1\n    ami: { host: h, username: u, secret: s, port: abc }\nhttp: {}\n"))
                .containsExactly("nodes[0].ami.port: must be a number 1..65535, was 'abc'");
        assertThat(errorsOf("nodes:\n  - ami: { host: [a, b], username: u, secret: s }\nhttp: {}\n"))
                .containsExactly("nodes[0].id: missing", "nodes[0].ami.host: must be a single value, not a list");
    }

    @Test
    void yamlSyntaxErrorsAndDuplicateKeysGiveALine() {
        List<String> syntax = errorsOf("nodes:\n  - id: pbx1\n   ami: {\n");
        assertThat(syntax).hasSize(1);
        assertThat(syntax.get(0)).startsWith("line ").contains("not valid YAML");
        List<String> dup = errorsOf("http: {}\nhttp: {}\n");
        assertThat(dup.get(0)).contains("not valid YAML").contains("http");
    }

    @Test
    void substitutionDefaultsAndEscapes() {
        RunnerConfig c = loader.parse("""
                nodes:
                  - id: pbx1
                    ami: { host: "${AMI_HOST:-10.1.2.3}", port: "${AMI_PORT:-5039}", username: "u$${literal}", secret: "${AMI_SECRET}!" }
                http: { port: 0 }
                """, "t");
        assertThat(c.nodes().get(0).settings())
                .containsEntry("host", "10.1.2.3")
                .containsEntry("port", "5039")
                .containsEntry("username", "u${literal}")
                .containsEntry("secret", "ami-s3cret!");
        assertThat(c.http().orElseThrow().port()).isZero();
    }

    @Test
    void loadsFilesAndNamesAMissingOne(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("astreg.yaml");
        Files.writeString(f, CONTRACT);
        assertThat(loader.load(f).nodes()).hasSize(2);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader.load(dir.resolve("missing.yaml")));
        assertThat(e.getMessage()).isEqualTo("invalid config " + dir.resolve("missing.yaml") + ":\n  file not found");
    }

    @Test
    void secretsAreRedactedFromUrls() {
        assertThat(Secrets.redactUrl("redis://user:pw@host:6379")).isEqualTo("redis://***@host:6379");
        assertThat(Secrets.redactUrl("jdbc:postgresql://h/db?user=a&password=pw&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?user=a&password=***&ssl=true");
        assertThat(Secrets.isSecretKey("bearerToken")).isTrue();
        assertThat(Secrets.isSecretKey("host")).isFalse();
    }

    @Test
    void theSampleConfigsParse() throws Exception {
        Path dir = Path.of("config");
        Map<String, String> env = Map.of(
                "AMI_SECRET", "a", "ARI_PASSWORD", "b", "DB_PASSWORD", "c", "REDIS_PASSWORD", "d", "LOOKUP_TOKEN", "t");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(3);
        for (Path f : files) {
            RunnerConfig c = new ConfigLoader(env).load(f);
            assertThat(c.nodes()).as(f.toString()).isNotEmpty();
        }
    }
}
