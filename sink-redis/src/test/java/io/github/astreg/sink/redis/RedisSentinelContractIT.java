package io.github.astreg.sink.redis;

import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.testkit.contract.EndpointRegistryContract;
import io.github.astreg.testkit.contract.SinkBackedStore;
import io.github.astreg.testkit.contract.StoreUnderTest;
import org.junit.jupiter.api.AfterAll;

/** The registry contract through Sentinel: a private master and one sentinel that names it. */
class RedisSentinelContractIT extends EndpointRegistryContract {
    private static RedisServerProcess master;
    private static RedisServerProcess sentinel;
    private static Exception failed;

    private static synchronized RedisSinkConfig.Builder config() throws Exception {
        if (failed != null) {
            throw new IllegalStateException("local sentinel could not be started", failed);
        }
        if (sentinel == null) {
            RedisServerProcess.assumeAvailable();
            try {
                master = RedisServerProcess.start();
                sentinel = RedisServerProcess.startSentinel("astreg-test", master.port());
            } catch (Exception e) {
                failed = e;
                throw e;
            }
        }
        return RedisSinkConfig.builder()
                .sentinels("127.0.0.1:" + sentinel.port())
                .sentinelMaster("astreg-test")
                .keyPrefix(RedisTestSupport.uniquePrefix());
    }

    @AfterAll
    static synchronized void stop() throws Exception {
        if (sentinel != null) {
            sentinel.close();
            sentinel = null;
        }
        if (master != null) {
            master.close();
            master = null;
        }
    }

    @Override
    protected StoreUnderTest createStore(RegistryConfig config) throws Exception {
        RedisSinkConfig rc = config().staleAfter(config.staleAfter())
                .tombstoneRetention(config.tombstoneRetention())
                .build();
        RedisEndpointSink sink = RedisEndpointSink.builder(rc).build();
        sink.start();
        RedisEndpointRegistry registry = RedisEndpointRegistry.builder(rc).build();
        return new SinkBackedStore(sink, registry, config, () -> {
            registry.close();
            sink.close();
        });
    }
}
