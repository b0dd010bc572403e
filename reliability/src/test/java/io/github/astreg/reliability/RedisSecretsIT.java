package io.github.astreg.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.pipeline.SinkMetrics;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.registry.Subscription;
import io.github.astreg.sink.redis.RedisEndpointRegistry;
import io.github.astreg.sink.redis.RedisEndpointSink;
import io.github.astreg.sink.redis.RedisSinkConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SecretsTest} against a real Redis that requires a password ({@code requirepass}, a private
 * redis-server): the right password works for the sink, the reader and the pub/sub subscriber; a
 * wrong one is refused; neither shows up in the log, in exceptions or in {@code toString()}.
 */
class RedisSecretsIT {
    private static final String PASSWORD = "redisReal-P4ss-71c2";
    private static final String WRONG = "redisWrong-P4ss-0e9d";

    @Test
    void redisPasswordRightOrWrongIsNeverShown() throws Exception {
        List<String> seen = new ArrayList<>();
        try (LogCapture log = LogCapture.start();
                Services.RedisProcess redis = Services.RedisProcess.start("--requirepass", PASSWORD)) {
            RedisSinkConfig good = RedisSinkConfig.builder()
                    .uri("redis://:" + PASSWORD + "@127.0.0.1:" + redis.port())
                    .keyPrefix("sec:")
                    .build();
            RedisSinkConfig bad = RedisSinkConfig.builder()
                    .password(WRONG)
                    .uri("redis://127.0.0.1:" + redis.port())
                    .keyPrefix("sec:")
                    .build();
            seen.add(good.toString());
            seen.add(bad.toString());

            InMemoryEndpointRegistry memory = InMemoryEndpointRegistry.create();
            try (RedisEndpointRegistry reader =
                            RedisEndpointRegistry.builder(good).build();
                    Pipeline pipeline = Pipeline.builder(memory)
                            .config(PipelineConfig.builder()
                                    .flushInterval(Duration.ofMillis(5))
                                    .build())
                            .sink(RedisEndpointSink.builder(good).build())
                            .build()) {
                List<Object> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
                Subscription sub = reader.subscribe(heard::add);
                pipeline.start();
                pipeline.receive(StoreScenario.contactUp("pbx1", "1001", 1));
                Poll.until(
                        "written with the right password",
                        Duration.ofSeconds(20),
                        () -> reader.locate(EndpointId.pjsip("1001")).isPresent());
                seen.add(reader.toString());
                seen.add(pipeline.metrics().toString());
                sub.close();
            }

            try (RedisEndpointRegistry reader =
                    RedisEndpointRegistry.builder(bad).build()) {
                try {
                    seen.add(String.valueOf(reader.locate(EndpointId.pjsip("1001"))));
                } catch (RuntimeException e) {
                    for (Throwable c = e; c != null; c = c.getCause()) {
                        seen.add(c.toString());
                    }
                }
                Subscription sub = reader.subscribe(change -> {});
                try (Pipeline pipeline = Pipeline.builder(InMemoryEndpointRegistry.create())
                        .config(PipelineConfig.builder()
                                .retryInitialBackoff(Duration.ofMillis(20))
                                .retryMaxBackoff(Duration.ofMillis(100))
                                .build())
                        .sink(RedisEndpointSink.builder(bad).build())
                        .build()) {
                    pipeline.start();
                    pipeline.receive(StoreScenario.contactUp("pbx1", "1002", 1));
                    Poll.until(
                            "refused with the wrong password",
                            Duration.ofSeconds(20),
                            () -> pipeline.metrics().sinks().get(0).failures() >= 2,
                            () -> pipeline.metrics().sinks().toString());
                    seen.add(pipeline.metrics().sinks().stream()
                            .map(SinkMetrics::toString)
                            .toList()
                            .toString());
                }
                Poll.sleep(500); // the subscriber's refused attempts get logged
                sub.close();
            }
            String all = log.text() + "\n" + String.join("\n", seen);
            assertThat(all).contains("WRONGPASS");
            assertThat(all).doesNotContain(PASSWORD).doesNotContain(WRONG);
        }
    }
}
