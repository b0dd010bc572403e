package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.testkit.contract.EndpointRegistryContract;
import io.github.astreg.testkit.contract.EndpointSinkContract;
import io.github.astreg.testkit.contract.Observations;
import io.github.astreg.testkit.contract.SinkBackedStore;
import io.github.astreg.testkit.contract.SinkFixture;
import io.github.astreg.testkit.contract.StoreUnderTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

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

    /** The last-writer fast path with one stamp per node and slot (see apply.lua). */
    @Nested
    class LastWriter {
        private final Observations obs = new Observations();

        @Test
        void aSinkWritesItsOwnFieldsFastInEverySlotAndYieldsToAnotherWriter() throws Exception {
            RedisSinkConfig config =
                    config().heartbeatTtl(Duration.ofMinutes(5)).build();
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            List<String> phones = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                phones.add("PJSIP/" + (2000 + i));
            }
            try (RedisEndpointSink a =
                            RedisEndpointSink.builder(config).name("a").build();
                    RedisEndpointSink b =
                            RedisEndpointSink.builder(config).name("b").build();
                    RedisEndpointRegistry registry =
                            RedisEndpointRegistry.builder(config).build()) {
                a.start();
                b.start();
                for (int round = 1; round <= 3; round++) {
                    a.write(refreshes(phones, t0, round));
                }
                // the first round claims each slot's stamp (and proves what it wrote): the next ones are fast
                assertThat(a.counters()).containsEntry("fastWrites", 2L * phones.size());

                b.write(refreshes(phones.subList(0, 1), t0, 100));
                a.write(refreshes(phones, t0, 50));
                assertThat(a.counters())
                        // b took one slot's stamp only
                        .containsEntry("fastWrites", 3L * phones.size() - 1)
                        .containsEntry("ignored", 1L);
                // b's newer change stayed
                assertThat(registry.find(EndpointId.parse(phones.get(0)))
                                .orElseThrow()
                                .presence()
                                .get(0)
                                .contacts()
                                .get(0)
                                .observedAt())
                        .isEqualTo(t0.plusMillis(100));
            }
        }

        private List<EndpointStateEvent> refreshes(List<String> phones, Instant t0, int ms) {
            List<EndpointStateEvent> out = new ArrayList<>();
            for (String phone : phones) {
                String uri = "sip:" + phone.substring(6) + "@10.0.0.1:5060";
                out.add(obs.contact(
                        "pbx-a",
                        phone,
                        uri,
                        ContactStatus.REACHABLE,
                        t0.plusMillis(ms),
                        c -> c.rtt(Duration.ofMillis(ms))
                                .registeredAt(Optional.of(t0))
                                .expiresAt(t0.plusSeconds(3600))));
            }
            return out;
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
