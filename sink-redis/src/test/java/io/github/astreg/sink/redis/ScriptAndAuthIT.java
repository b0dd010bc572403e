package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.contract.Observations;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** The script is found again after SCRIPT FLUSH; AUTH and ACL users work; secrets never show. */
class ScriptAndAuthIT {
    private static final String SECRET = "s3cr3t-Pa55-7f1e";
    private final Observations obs = new Observations();

    @BeforeAll
    static void needRedisServer() {
        RedisServerProcess.assumeAvailable();
    }

    @Test
    void relocationsAfterANodeTurnedStaleFallBackToEvalToo() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
                RedisClient raw = RedisClient.create("127.0.0.1", server.port())) {
            RedisSinkConfig config = RedisTestSupport.config(server.port(), "astreg:")
                    .heartbeatTtl(Duration.ofMinutes(5))
                    .build();
            InMemoryEndpointRegistry upstream = InMemoryEndpointRegistry.create();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            MutableClock clock = new MutableClock(now);
            EndpointId phone = EndpointId.parse("PJSIP/1001");
            try (RedisEndpointSink sink =
                    RedisEndpointSink.builder(config).clock(clock).build()) {
                sink.start();
                List<EndpointStateEvent> batch = new ArrayList<>();
                batch.addAll(upstream.apply(obs.node("pbx1", NodeStatus.UP, now)));
                batch.addAll(upstream.apply(obs.node("pbx2", NodeStatus.UP, now)));
                batch.addAll(upstream.apply(obs.registered("pbx2", "PJSIP/1001", "sip:1001@10.0.0.2:5060", now)));
                batch.addAll(upstream.apply(
                        obs.registered("pbx1", "PJSIP/1001", "sip:1001@10.0.0.1:5060", now.plusSeconds(1))));
                sink.write(batch);
                RedisKeys keys = sink.keys();
                assertThat(raw.get(keys.location(phone))).isEqualTo("pbx1");

                // pbx1's heartbeat key is gone and the server forgot the script: the sink's next check,
                // before its next batch, recomputes the location by EVALSHA, then by EVAL
                raw.del(keys.node(NodeId.of("pbx1")));
                raw.scriptFlush();
                clock.advance(Duration.ofSeconds(2));
                sink.write(upstream.apply(obs.device("pbx2", "PJSIP/1001", DeviceState.NOT_INUSE, now.plusSeconds(2))));

                assertThat(raw.get(keys.location(phone))).isEqualTo("pbx2");
                assertThat(sink.counters()).containsEntry("relocations", 1L).containsEntry("noscript", 1L);
            }
        }
    }

    @Test
    void evalshaFallsBackToEvalAfterScriptFlush() throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
                RedisClient raw = RedisClient.create("127.0.0.1", server.port())) {
            RedisSinkConfig config =
                    RedisTestSupport.config(server.port(), "astreg:").build();
            InMemoryEndpointRegistry upstream = InMemoryEndpointRegistry.create();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            try (RedisEndpointSink sink = RedisEndpointSink.builder(config).build();
                    RedisEndpointRegistry registry =
                            RedisEndpointRegistry.builder(config).build()) {
                sink.start();
                sink.write(upstream.apply(obs.node("pbx1", NodeStatus.UP, now)));
                assertThat(sink.counters().get("noscript")).isZero();
                raw.scriptFlush();
                sink.write(upstream.apply(obs.registered("pbx1", "PJSIP/1001", "sip:1001@10.0.0.1:5060", now)));
                assertThat(sink.counters().get("noscript")).isEqualTo(1L);
                assertThat(registry.locate(EndpointId.parse("PJSIP/1001")).map(Location::node))
                        .contains(NodeId.of("pbx1"));
                // EVAL cached it again: the next batch goes by SHA
                sink.write(upstream.apply(obs.registered("pbx1", "PJSIP/1002", "sip:1002@10.0.0.1:5060", now)));
                assertThat(sink.counters().get("noscript")).isEqualTo(1L);
                assertThat(sink.counters().get("applied")).isEqualTo(4L);
            }
        }
    }

    @Test
    void passwordAndAclUserWorkAndNeverShow() throws Exception {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (RedisServerProcess server = RedisServerProcess.start("--requirepass", SECRET)) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try (RedisClient admin = RedisClient.create("127.0.0.1", server.port(), "default", SECRET)) {
                admin.sendCommand(
                        redis.clients.jedis.Protocol.Command.ACL,
                        "SETUSER",
                        "astreg-app",
                        "on",
                        ">" + SECRET + "-app",
                        "~astreg:*",
                        "&astreg:*",
                        // the minimal rights documented in README.md
                        "+@read",
                        "+@write",
                        "+@scripting",
                        "+@pubsub",
                        "+@connection");
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            // password in the URI (moved out of it), and an ACL user with its own password
            RedisSinkConfig viaUri = RedisSinkConfig.builder()
                    .uri("redis://:" + SECRET + "@127.0.0.1:" + server.port())
                    .build();
            RedisSinkConfig viaAcl = RedisSinkConfig.builder()
                    .uri("redis://127.0.0.1:" + server.port())
                    .user("astreg-app")
                    .password(SECRET + "-app")
                    .build();
            for (RedisSinkConfig config : List.of(viaUri, viaAcl)) {
                assertThat(config.toString()).doesNotContain(SECRET).contains("password=****");
                try (RedisEndpointSink sink = RedisEndpointSink.builder(config).build();
                        RedisEndpointRegistry registry =
                                RedisEndpointRegistry.builder(config).build()) {
                    sink.start();
                    List<io.github.astreg.core.model.EndpointStateEvent> seen =
                            new java.util.concurrent.CopyOnWriteArrayList<>();
                    registry.subscribe(seen::add);
                    sink.write(List.of(obs.registered("pbx1", "PJSIP/1001", "sip:1001@10.0.0.1:5060", now)));
                    assertThat(registry.locate(EndpointId.parse("PJSIP/1001"))).isPresent();
                    assertThat(RedisTestSupport.await(java.time.Duration.ofSeconds(5), () -> !seen.isEmpty()))
                            .as("subscription works with these rights")
                            .isTrue();
                    now = now.plusSeconds(1);
                    assertThat(sink.toString()).doesNotContain(SECRET);
                    assertThat(registry.toString()).doesNotContain(SECRET);
                }
            }
            // wrong password: a clear error without the password in it
            RedisSinkConfig wrong = RedisSinkConfig.builder()
                    .uri("redis://127.0.0.1:" + server.port())
                    .password(SECRET + "-wrong")
                    .build();
            try (RedisEndpointSink sink = RedisEndpointSink.builder(wrong).build()) {
                assertThatThrownBy(sink::start)
                        .isInstanceOf(AstregException.class)
                        .satisfies(e -> assertThat(stackText(e)).doesNotContain(SECRET));
            }
            // the ACL user may not touch keys outside astreg:*: a data error, not retriable
            RedisSinkConfig outside = RedisSinkConfig.builder()
                    .uri("redis://127.0.0.1:" + server.port())
                    .user("astreg-app")
                    .password(SECRET + "-app")
                    .keyPrefix("other:")
                    .build();
            try (RedisEndpointSink sink = RedisEndpointSink.builder(outside).build()) {
                assertThatThrownBy(sink::start)
                        .isInstanceOf(AstregException.class)
                        .hasMessageContaining("NOPERM")
                        .satisfies(e -> assertThat(stackText(e)).doesNotContain(SECRET));
            }
        } finally {
            System.setErr(originalErr);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertThat(logs).contains("sink redis started"); // the logs were captured at all
        assertThat(logs).doesNotContain(SECRET);
    }

    private static String stackText(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}
