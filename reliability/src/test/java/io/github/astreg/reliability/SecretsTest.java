package io.github.astreg.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.sink.jdbc.JdbcEndpointRegistry;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import io.github.astreg.sink.redis.RedisEndpointRegistry;
import io.github.astreg.sink.redis.RedisEndpointSink;
import io.github.astreg.sink.redis.RedisSinkConfig;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.source.ari.AriEndpointSource;
import io.github.astreg.source.ari.AriSourceConfig;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * Every component runs with known secrets — right and wrong ones — and neither the log (every
 * logger, at DEBUG for astreg), nor any exception message or stack trace, nor any {@code toString()}
 * or counter map shows them. Hermetic: fake Asterisk nodes, in-memory H2, and a fake Redis that
 * refuses the password.
 */
class SecretsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String AMI_SECRET = "amiS3cret-7f3a9c";
    private static final String AMI_WRONG = "amiWr0ng-d41e2b";
    private static final String ARI_PASSWORD = "ariP4ss-90b1e7";
    private static final String ARI_WRONG = "ariWr0ng-c77a10";
    private static final String TRUST_PASSWORD = "trustP4ss-3c8e55";
    private static final String DB_PASSWORD = "dbP4ss-5e6f71";
    private static final String DB_WRONG = "dbWr0ng-8a2c33";
    private static final String REDIS_PASSWORD = "redisP4ss-1b9d04";
    private static final String SENTINEL_PASSWORD = "sentP4ss-6d0e42";

    /** Messages, stack traces and toString() results collected while the components ran. */
    private final List<String> seen = new ArrayList<>();

    private static List<String> forbidden(String user, String... secrets) {
        List<String> out = new ArrayList<>();
        for (String s : secrets) {
            out.add(s);
            // HTTP basic auth would carry it base64-encoded
            out.add(Base64.getEncoder().encodeToString((user + ":" + s).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private void assertNoSecret(LogCapture log, List<String> secrets) {
        String text = log.text() + "\n" + String.join("\n", seen);
        for (String s : secrets) {
            assertThat(text).as("output must not contain the secret %s", s).doesNotContain(s);
        }
    }

    private void collect(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        seen.add(w.toString());
        for (Throwable c = t; c != null; c = c.getCause()) {
            seen.add(String.valueOf(c.getMessage()));
            seen.add(c.toString());
        }
    }

    private void attempt(Supplier<?> call) {
        try {
            seen.add(String.valueOf(call.get()));
        } catch (RuntimeException e) {
            collect(e);
        }
    }

    private static AmiSourceConfig.Builder ami(FakeAsterisk pbx, String secret) {
        return AmiSourceConfig.builder("127.0.0.1", pbx.amiUser(), secret)
                .port(pbx.amiPort())
                .connectTimeout(Duration.ofSeconds(2))
                .actionTimeout(Duration.ofSeconds(5))
                .keepaliveInterval(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(3))
                .contactPollDelay(Duration.ofMillis(50))
                .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(400));
    }

    private static AriSourceConfig.Builder ari(FakeAsterisk pbx, String password) {
        return AriSourceConfig.builder(pbx.ariUrl(), pbx.ariUser(), password)
                .application("secrets")
                .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(400));
    }

    @Test
    void amiSecretRightOrWrongIsNeverShown() {
        try (LogCapture log = LogCapture.start();
                FakeAsterisk pbx = FakeAsterisk.builder("pbx1")
                        .systemName("pbx1")
                        .amiCredentials("astreg", AMI_SECRET)
                        .build()
                        .start()) {
            AmiSourceConfig good = ami(pbx, AMI_SECRET).build();
            InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
            AmiEndpointSource source = AmiEndpointSource.create(good);
            try (Pipeline pipeline = Pipeline.builder(registry).source(source).build()) {
                pipeline.start();
                Poll.until("AMI source connected", WAIT, source::isConnected);
                pbx.register("1001", Registration.from("127.0.0.1", 5061));
                Poll.until(
                        "1001 located",
                        WAIT,
                        () -> registry.locate(EndpointId.pjsip("1001")).isPresent());
                seen.add(good.toString());
                seen.add(source.toString());
                seen.add(pipeline.metrics().toString());
            }

            AmiEndpointSource wrong =
                    AmiEndpointSource.create(ami(pbx, AMI_WRONG).build());
            try (wrong) {
                wrong.start(e -> {});
                Poll.until(
                        "two refused logins",
                        WAIT,
                        () -> wrong.counters().getOrDefault("authFailures", 0L) >= 2,
                        () -> wrong.counters().toString());
                seen.add(wrong.toString());
                seen.add(wrong.config().toString());
                seen.add(wrong.counters().toString());
            }

            Map<String, String> bad = new LinkedHashMap<>();
            bad.put("host", "127.0.0.1");
            bad.put("username", "astreg");
            bad.put("secret", AMI_SECRET);
            bad.put("port", "not-a-port");
            bad.put("readTimeout", "soon");
            bad.put("typo", AMI_SECRET);
            attempt(() -> AmiSourceConfig.fromMap(bad));
            attempt(() -> AmiSourceConfig.builder("bad host!", "astreg", AMI_SECRET + "\r\nAction: Logoff")
                    .build());
            attempt(() -> AmiSourceConfig.builder("127.0.0.1", "astreg", AMI_SECRET).port(0).build().toBuilder());

            // the capture works: the refused login was logged, so this test can fail
            assertThat(log.text()).contains("refused");
            assertThat(String.join("\n", seen)).contains("secret=****");
            assertNoSecret(log, forbidden("astreg", AMI_SECRET, AMI_WRONG));
        }
    }

    @Test
    void ariPasswordRightOrWrongIsNeverShown() {
        try (LogCapture log = LogCapture.start();
                FakeAsterisk pbx = FakeAsterisk.builder("pbx2")
                        .systemName("pbx2")
                        .ariCredentials("astreg", ARI_PASSWORD)
                        .build()
                        .start()) {
            AriSourceConfig good = ari(pbx, ARI_PASSWORD).build();
            InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
            AriEndpointSource source = AriEndpointSource.builder(good).build();
            try (Pipeline pipeline = Pipeline.builder(registry).source(source).build()) {
                pipeline.start();
                Poll.until("ARI source connected", WAIT, source::isConnected);
                pbx.register("1002", Registration.from("127.0.0.1", 5062));
                Poll.until(
                        "1002 located",
                        WAIT,
                        () -> registry.locate(EndpointId.pjsip("1002")).isPresent());
                seen.add(good.toString());
                seen.add(source.toString());
                seen.add(pipeline.metrics().toString());
            }

            AriEndpointSource wrong =
                    AriEndpointSource.builder(ari(pbx, ARI_WRONG).build()).build();
            try (wrong) {
                wrong.start(e -> {});
                Poll.until(
                        "two refused attempts",
                        WAIT,
                        () -> wrong.counters().getOrDefault("reconnects", 0L) >= 2
                                && log.text().contains("401"),
                        () -> wrong.counters().toString());
                assertThat(wrong.isConnected()).isFalse();
                seen.add(wrong.toString());
                seen.add(wrong.counters().toString());
            }

            Map<String, String> bad = new LinkedHashMap<>();
            bad.put("url", pbx.ariUrl());
            bad.put("username", "astreg");
            bad.put("password", ARI_PASSWORD);
            bad.put("trustStorePassword", TRUST_PASSWORD);
            bad.put("connectTimeout", "-1s");
            bad.put("typo", "x");
            attempt(() -> AriSourceConfig.fromMap(bad));
            attempt(() -> AriSourceConfig.builder(
                            "http://astreg:" + ARI_PASSWORD + "@127.0.0.1:8088", "astreg", ARI_PASSWORD)
                    .build());
            attempt(() -> AriSourceConfig.builder("http://127.0.0.1:8088", "astreg", ARI_PASSWORD)
                    .trustStore(Path.of("/nonexistent/astreg-truststore.p12"), TRUST_PASSWORD, "PKCS12")
                    .build()
                    .toString());

            assertThat(log.text()).contains("401");
            assertThat(String.join("\n", seen)).contains("password=****");
            assertNoSecret(log, forbidden("astreg", ARI_PASSWORD, ARI_WRONG, TRUST_PASSWORD));
        }
    }

    /**
     * An ARI URL that carries credentials is refused; the refusal must not echo them whatever else is
     * wrong with the URL (another scheme, a character URIs do not allow).
     */
    @Test
    void ariUrlWithCredentialsIsRefusedWithoutEchoingThem() {
        try (LogCapture log = LogCapture.start()) {
            attempt(() -> AriSourceConfig.builder("ws://astreg:" + ARI_PASSWORD + "@127.0.0.1:8088/ari", "astreg", "x")
                    .build());
            attempt(() -> AriSourceConfig.builder(
                            "http://astreg:" + ARI_PASSWORD + "@127.0.0.1:8088/ari events", "astreg", "x")
                    .build());
            assertThat(seen).anyMatch(s -> s.contains("url:"));
            assertNoSecret(log, List.of(ARI_PASSWORD));
        }
    }

    @Test
    void databasePasswordRightOrWrongIsNeverShown() throws Exception {
        String db = "secrets_" + UUID.randomUUID().toString().replace("-", "");
        JdbcDataSource right = new JdbcDataSource();
        right.setURL("jdbc:h2:mem:" + db + ";DB_CLOSE_DELAY=-1");
        right.setUser("astreg");
        right.setPassword(DB_PASSWORD);
        JdbcDataSource wrongDs = new JdbcDataSource();
        wrongDs.setURL("jdbc:h2:mem:" + db + ";DB_CLOSE_DELAY=-1");
        wrongDs.setUser("astreg");
        wrongDs.setPassword(DB_WRONG);
        try (LogCapture log = LogCapture.start();
                var keep = right.getConnection()) { // creates the database with this password, keeps it
            JdbcSinkConfig config = JdbcSinkConfig.builder().tablePrefix("sec_").build();
            InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
            JdbcEndpointSink sink = JdbcEndpointSink.builder(right, config).build();
            try (Pipeline pipeline = Pipeline.builder(registry)
                    .config(PipelineConfig.builder()
                            .flushInterval(Duration.ofMillis(5))
                            .build())
                    .sink(sink)
                    .build()) {
                pipeline.start();
                pipeline.receive(StoreScenario.contactUp("pbx1", "1001", 1));
                assertThat(pipeline.awaitFlushed(WAIT)).isTrue();
                assertThat(sink.registry().locate(EndpointId.pjsip("1001"))).isPresent();
                seen.add(sink.toString());
                seen.add(sink.registry().toString());
                seen.add(config.toString());
                seen.add(sink.counters().toString());
            }

            JdbcEndpointSink refused = JdbcEndpointSink.builder(wrongDs, config).build();
            try {
                refused.start();
                seen.add("started?!");
            } catch (Exception e) {
                collect(e);
            }
            JdbcEndpointRegistry reader =
                    JdbcEndpointRegistry.builder(wrongDs, config).build();
            attempt(() -> reader.locate(EndpointId.pjsip("1001")));
            attempt(reader::nodes);
            InMemoryEndpointRegistry r2 = InMemoryEndpointRegistry.create();
            try (Pipeline pipeline = Pipeline.builder(r2)
                    .config(PipelineConfig.builder()
                            .retryInitialBackoff(Duration.ofMillis(20))
                            .retryMaxBackoff(Duration.ofMillis(50))
                            .build())
                    .sink(JdbcEndpointSink.builder(wrongDs, config).build())
                    .build()) {
                pipeline.start();
                pipeline.receive(StoreScenario.contactUp("pbx1", "1001", 1));
                Poll.until(
                        "failed writes",
                        WAIT,
                        () -> pipeline.metrics().sinks().get(0).failures() >= 3);
                seen.add(pipeline.metrics().toString());
                assertThat(pipeline.metrics().sinks().get(0).lastError()).isPresent();
            }
            assertThat(String.join("\n", seen)).contains("Wrong user name or password");
            assertNoSecret(log, List.of(DB_PASSWORD, DB_WRONG));
        }
    }

    @Test
    void redisPasswordIsNeverShown() throws Exception {
        try (LogCapture log = LogCapture.start();
                RefusingRedis redis = new RefusingRedis()) {
            RedisSinkConfig config = RedisSinkConfig.builder()
                    .uri("redis://astreg:" + REDIS_PASSWORD + "@127.0.0.1:" + redis.port())
                    .connectTimeout(Duration.ofSeconds(1))
                    .socketTimeout(Duration.ofSeconds(1))
                    .keyPrefix("sec:")
                    .build();
            seen.add(config.toString());
            assertThat(config.toString()).contains("password=****");
            RedisEndpointSink sink = RedisEndpointSink.builder(config).build();
            try {
                sink.start();
                seen.add("started?!");
            } catch (Exception e) {
                collect(e);
            }
            seen.add(sink.toString());
            sink.close();
            try (RedisEndpointRegistry registry =
                    RedisEndpointRegistry.builder(config).build()) {
                attempt(() -> registry.locate(EndpointId.pjsip("1001")));
                attempt(registry::nodes);
                seen.add(registry.toString());
            }
            InMemoryEndpointRegistry memory = InMemoryEndpointRegistry.create();
            try (Pipeline pipeline = Pipeline.builder(memory)
                    .config(PipelineConfig.builder()
                            .retryInitialBackoff(Duration.ofMillis(20))
                            .retryMaxBackoff(Duration.ofMillis(100))
                            .build())
                    .sink(RedisEndpointSink.builder(config).build())
                    .build()) {
                pipeline.start();
                pipeline.receive(StoreScenario.contactUp("pbx1", "1001", 1));
                Poll.until(
                        "failed writes",
                        WAIT,
                        () -> pipeline.metrics().sinks().get(0).failures() >= 2);
                seen.add(pipeline.metrics().toString());
            }
            Map<String, String> bad = new LinkedHashMap<>();
            bad.put("uri", "redis://astreg:" + REDIS_PASSWORD + "@127.0.0.1:notaport");
            bad.put("sentinelPassword", SENTINEL_PASSWORD);
            bad.put("poolSize", "0");
            attempt(() -> RedisSinkConfig.fromMap(bad));
            attempt(() -> RedisSinkConfig.builder()
                    .uri("redis://astreg:" + REDIS_PASSWORD + "@127.0.0.1:6379/x")
                    .build());
            attempt(() -> RedisSinkConfig.builder()
                    .sentinels("127.0.0.1:26379")
                    .sentinelMaster("mymaster")
                    .password(REDIS_PASSWORD)
                    .sentinelPassword(SENTINEL_PASSWORD)
                    .build());

            assertThat(redis.connections()).as("the fake saw the client").isPositive();
            assertThat(String.join("\n", seen)).contains("WRONGPASS");
            assertNoSecret(log, List.of(REDIS_PASSWORD, SENTINEL_PASSWORD));
        }
    }

    /** A TCP server that answers every request as Redis does to a bad AUTH, then hangs up. */
    private static final class RefusingRedis implements AutoCloseable {
        private final ServerSocket server;
        private final Thread acceptor;
        private volatile int connections;

        RefusingRedis() throws Exception {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::serve, "test-refusing-redis");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return connections;
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    connections++;
                    s.setSoTimeout(2000);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[4096];
                    if (in.read(buf) > 0) {
                        out.write("-WRONGPASS invalid username-password pair or user is disabled.\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (Exception e) {
                    // closed, or a client that went away: next one
                }
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            acceptor.join(5000);
        }
    }
}
