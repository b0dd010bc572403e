package io.github.astreg.sink.redis;

import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.testkit.contract.EndpointRegistryContract;
import io.github.astreg.testkit.contract.SinkBackedStore;
import io.github.astreg.testkit.contract.StoreUnderTest;

/** testkit's registry contract against the loopback Redis, written by the sink, read by the registry. */
class RedisEndpointRegistryContractIT extends EndpointRegistryContract {

    @Override
    protected StoreUnderTest createStore(RegistryConfig config) {
        RedisTestSupport.assumeRedis();
        String prefix = RedisTestSupport.uniquePrefix();
        RedisSinkConfig rc = RedisTestSupport.config(prefix)
                .staleAfter(config.staleAfter())
                .tombstoneRetention(config.tombstoneRetention())
                .build();
        RedisEndpointSink sink = RedisEndpointSink.builder(rc).build();
        sink.start();
        RedisEndpointRegistry registry = RedisEndpointRegistry.builder(rc).build();
        return new SinkBackedStore(sink, registry, config, () -> {
            registry.close();
            sink.close();
            RedisTestSupport.deleteKeys(RedisTestSupport.PORT, prefix);
        });
    }
}
