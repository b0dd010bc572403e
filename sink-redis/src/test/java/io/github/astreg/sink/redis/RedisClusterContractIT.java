package io.github.astreg.sink.redis;

import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.testkit.contract.EndpointRegistryContract;
import io.github.astreg.testkit.contract.EndpointSinkContract;
import io.github.astreg.testkit.contract.SinkBackedStore;
import io.github.astreg.testkit.contract.SinkFixture;
import io.github.astreg.testkit.contract.StoreUnderTest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/** Both contract suites against a local three-master Redis Cluster (private processes). */
class RedisClusterContractIT {
    private static LocalRedisCluster cluster;
    private static Exception failed;

    static synchronized RedisSinkConfig.Builder config() throws Exception {
        if (failed != null) {
            throw new IllegalStateException("local cluster could not be started", failed);
        }
        if (cluster == null) {
            try {
                cluster = LocalRedisCluster.start();
            } catch (Exception e) {
                failed = e;
                throw e;
            }
        }
        return RedisSinkConfig.builder().clusterNodes(cluster.nodes()).keyPrefix(RedisTestSupport.uniquePrefix());
    }

    @AfterAll
    static synchronized void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    @Nested
    class Registry extends EndpointRegistryContract {
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

    @Nested
    class Sink extends EndpointSinkContract {
        @Override
        protected SinkFixture createFixture() throws Exception {
            RedisSinkConfig config = config().build();
            RedisEndpointRegistry registry =
                    RedisEndpointRegistry.builder(config).build();
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
                }
            };
        }
    }
}
