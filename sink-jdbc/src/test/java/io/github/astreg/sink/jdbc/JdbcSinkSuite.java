package io.github.astreg.sink.jdbc;

import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JDBC sink and registry against the in-memory registry, on one database. Subclasses say which
 * database ({@code *Test} for H2, {@code *IT} for the real servers).
 */
abstract class JdbcSinkSuite {
    protected DataSource dataSource;
    protected String prefix;

    /** A DataSource for the database under test (skips the test when it is unreachable). */
    protected abstract DataSource openDataSource();

    protected void closeDataSource(DataSource ds) {}

    @BeforeEach
    void setUpDatabase() {
        dataSource = openDataSource();
        prefix = Databases.uniquePrefix();
    }

    @AfterEach
    void tearDownDatabase() {
        if (dataSource != null) {
            try {
                Databases.drop(dataSource, prefix);
            } finally {
                closeDataSource(dataSource);
            }
        }
    }

    protected JdbcSinkConfig config() {
        return JdbcSinkConfig.builder().tablePrefix(prefix).history(true).build();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 2026})
    void answersLikeTheInMemoryRegistry(long seed) {
        TestClock clock = new TestClock(Scenario.START);
        InMemoryEndpointRegistry memory =
                InMemoryEndpointRegistry.builder().clock(clock).build();
        JdbcEndpointSink sink =
                JdbcEndpointSink.builder(dataSource, config()).clock(clock).build();
        sink.start();
        JdbcEndpointRegistry jdbc =
                JdbcEndpointRegistry.builder(dataSource, config()).clock(clock).build();
        Scenario.Batcher batcher = new Scenario.Batcher(seed);
        new Scenario(seed, memory, clock).run(300, changes -> {
            batcher.accept(changes);
        });
        for (List<EndpointStateEvent> batch : batcher.batches()) {
            sink.write(batch);
        }
        RegistryAssertions.assertSameAnswers(memory, jdbc, Scenario.ENDPOINTS, Scenario.NODES);
        // R4/R5 by time alone: contacts expire, heartbeats go stale
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(20));
            RegistryAssertions.assertSameAnswers(memory, jdbc, Scenario.ENDPOINTS, Scenario.NODES);
        }
        sink.close();
    }
}
