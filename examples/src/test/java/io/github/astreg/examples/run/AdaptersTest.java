package io.github.astreg.examples.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.examples.config.ConfigLoader;
import io.github.astreg.examples.config.RunnerConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AdaptersTest {

    /**
     * The pipeline seeds its registry from the first store before any sink starts; on a first run the
     * tables must already be there, or seeding fails on a missing table and logs a WARN.
     */
    @Test
    void aJdbcStoreOnAFreshDatabaseHasItsTablesOnceOpen() throws Exception {
        String url = "jdbc:h2:mem:fresh-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        try (Connection keepAlive = DriverManager.getConnection(url)) {
            RunnerConfig config = new ConfigLoader(Map.of()).parse("""
                            nodes:
                              - id: pbx1
                                ami: { host: 127.0.0.1, port: 5038, username: astreg, secret: x }
                            sinks:
                              jdbc: { url: "%s" }
                            """.formatted(url), "test.yaml");
            PreparedStore store =
                    new Adapters().store(StoreKind.JDBC, config.jdbc().orElseThrow(), config);
            try {
                store.open();
                assertThat(store.registry().endpoints()).isEmpty();
            } finally {
                store.close();
            }
            try (ResultSet tables = keepAlive.getMetaData().getTables(null, null, "ASTREG_CONTACT", null)) {
                assertThat(tables.next()).isTrue();
            }
        }
    }
}
