package io.github.astreg.sink.redis;

import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.testkit.contract.EndpointSinkContract;
import io.github.astreg.testkit.contract.SinkFixture;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** testkit's sink contract against the loopback Redis. */
class RedisEndpointSinkContractIT extends EndpointSinkContract {

    @Override
    protected SinkFixture createFixture() {
        RedisTestSupport.assumeRedis();
        String prefix = RedisTestSupport.uniquePrefix();
        RedisSinkConfig config = RedisTestSupport.config(prefix).build();
        RedisEndpointRegistry registry = RedisEndpointRegistry.builder(config).build();
        List<RedisEndpointSink> sinks = new CopyOnWriteArrayList<>();
        return new SinkFixture() {
            @Override
            public EndpointSink newSink() {
                RedisEndpointSink sink = RedisEndpointSink.builder(config)
                        .name("redis-" + sinks.size())
                        .build();
                sink.start();
                sinks.add(sink);
                return sink;
            }

            @Override
            public EndpointRegistry registry() {
                return registry;
            }

            @Override
            public void close() {
                sinks.forEach(RedisEndpointSink::close);
                registry.close();
                RedisTestSupport.deleteKeys(RedisTestSupport.PORT, prefix);
            }
        };
    }
}
