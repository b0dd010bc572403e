package io.github.astreg.sink.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.RedisClient;

/**
 * Per test, on the loopback Redis: a unique key prefix and its {@link RedisKeys}, a raw client to
 * read what a sink wrote, and whatever the test hands to {@link #closeAfter}. Skips the test when
 * Redis is absent (fails it under {@code ASTREG_REQUIRE_SERVICES}); afterwards closes what it was
 * given, in order, and deletes every key under the prefix.
 *
 * <pre>
 * {@literal @}RegisterExtension final RedisScratch redis = new RedisScratch();
 * </pre>
 */
final class RedisScratch implements BeforeEachCallback, AfterEachCallback {
    private final List<AutoCloseable> closing = new ArrayList<>();
    private String prefix;
    private RedisKeys keys;
    private RedisClient raw;

    @Override
    public void beforeEach(ExtensionContext context) {
        RedisTestSupport.assumeRedis();
        prefix = RedisTestSupport.uniquePrefix();
        keys = RedisKeys.withPrefix(prefix);
        raw = RedisClient.create(RedisTestSupport.HOST, RedisTestSupport.PORT);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            for (AutoCloseable c : closing) {
                c.close();
            }
        } finally {
            closing.clear();
            if (raw != null) {
                RedisTestSupport.deleteKeys(RedisTestSupport.PORT, prefix);
                raw.close();
                raw = null;
            }
        }
    }

    String prefix() {
        return prefix;
    }

    RedisKeys keys() {
        return keys;
    }

    RedisClient raw() {
        return raw;
    }

    /**
     * A started sink on this test's prefix, closed after the test. Its heartbeat TTL is five
     * minutes: heartbeats of changes dated in the past must not be deleted as soon as written.
     */
    RedisEndpointSink sink() {
        return sink(b -> {});
    }

    /** {@link #sink()} with the config changed by {@code settings} before it is built. */
    RedisEndpointSink sink(Consumer<RedisSinkConfig.Builder> settings) {
        RedisSinkConfig.Builder config = RedisTestSupport.config(prefix).heartbeatTtl(Duration.ofMinutes(5));
        settings.accept(config);
        RedisEndpointSink s = RedisEndpointSink.builder(config.build()).build();
        s.start();
        return closeAfter(s);
    }

    /** Closes {@code c} after the test, after what was handed over before it. */
    <T extends AutoCloseable> T closeAfter(T c) {
        closing.add(c);
        return c;
    }
}
