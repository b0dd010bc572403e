package io.github.astreg.sink.jdbc;

import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.testkit.contract.SinkBackedStore;
import io.github.astreg.testkit.contract.SinkFixture;
import io.github.astreg.testkit.contract.StoreUnderTest;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Wires the testkit's contract suites to JDBC stores: one fresh table prefix per test, dropped after. */
final class JdbcStores {
    private JdbcStores() {}

    static JdbcSinkConfig config(String prefix, RegistryConfig registryConfig) {
        return JdbcSinkConfig.builder()
                .tablePrefix(prefix)
                .staleAfter(registryConfig.staleAfter())
                .tombstoneRetention(registryConfig.tombstoneRetention())
                .history(true)
                .build();
    }

    /** A store for {@code EndpointRegistryContract}; {@code release} closes the DataSource (may be null). */
    static StoreUnderTest store(DataSource ds, RegistryConfig registryConfig, AutoCloseable release) {
        String prefix = Databases.uniquePrefix();
        JdbcSinkConfig config = config(prefix, registryConfig);
        JdbcEndpointSink sink = JdbcEndpointSink.builder(ds, config).build();
        sink.start();
        return new SinkBackedStore(sink, sink.registry(), registryConfig, () -> {
            sink.close();
            try {
                Databases.drop(ds, prefix);
            } finally {
                if (release != null) {
                    release.close();
                }
            }
        });
    }

    /** A fixture for {@code EndpointSinkContract}; {@code release} closes the DataSource (may be null). */
    static SinkFixture fixture(DataSource ds, AutoCloseable release) {
        String prefix = Databases.uniquePrefix();
        JdbcSinkConfig config = config(prefix, RegistryConfig.defaults());
        List<JdbcEndpointSink> sinks = new ArrayList<>();
        JdbcEndpointRegistry registry = JdbcEndpointRegistry.builder(ds, config).build();
        return new SinkFixture() {
            @Override
            public EndpointSink newSink() {
                JdbcEndpointSink sink = JdbcEndpointSink.builder(
                                ds,
                                config.toBuilder().name("jdbc-" + sinks.size()).build())
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
            public void close() throws Exception {
                sinks.forEach(JdbcEndpointSink::close);
                try {
                    Databases.drop(ds, prefix);
                } finally {
                    if (release != null) {
                        release.close();
                    }
                }
            }
        };
    }
}
