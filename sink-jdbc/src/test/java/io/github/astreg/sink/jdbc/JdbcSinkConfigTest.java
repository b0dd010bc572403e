package io.github.astreg.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JdbcSinkConfigTest {
    @Test
    void defaults() {
        JdbcSinkConfig c = JdbcSinkConfig.defaults();
        assertThat(c.name()).isEqualTo("jdbc");
        assertThat(c.tablePrefix()).isEqualTo("astreg_");
        assertThat(c.dialect()).isEmpty();
        assertThat(c.migrate()).isTrue();
        assertThat(c.history()).isFalse();
        assertThat(c.historyRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(c.tombstoneRetention()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.purgeInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.staleAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.queryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void everyBadFieldIsReportedAtOnce() {
        assertThatThrownBy(() -> JdbcSinkConfig.builder()
                        .name("bad name")
                        .tablePrefix("Astreg-")
                        .staleAfter(Duration.ZERO)
                        .tombstoneRetention(Duration.ofSeconds(-1))
                        .historyRetention(null)
                        .queryTimeout(Duration.ofMillis(10))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name:")
                .hasMessageContaining("tablePrefix:")
                .hasMessageContaining("'Astreg-'")
                .hasMessageContaining("staleAfter:")
                .hasMessageContaining("tombstoneRetention:")
                .hasMessageContaining("historyRetention: must be set")
                .hasMessageContaining("queryTimeout:");
    }

    @Test
    void tablePrefixIsLowerCaseIdentifierCharactersOnly() {
        for (String ok : new String[] {"astreg_", "_", "a", "pbx_eu_1_", "x".repeat(40)}) {
            assertThat(JdbcSinkConfig.builder().tablePrefix(ok).build().tablePrefix())
                    .isEqualTo(ok);
        }
        for (String bad :
                new String[] {"", "1astreg_", "astreg-", "astreg_;drop", "ASTREG_", "x y", "x".repeat(41), null}) {
            assertThatThrownBy(() -> JdbcSinkConfig.builder().tablePrefix(bad).build())
                    .as("prefix %s", bad)
                    .hasMessageContaining("tablePrefix");
        }
    }

    @Test
    void fromMapReadsEveryKeyAndIgnoresOthers() {
        JdbcSinkConfig c = JdbcSinkConfig.fromMap(Map.of(
                "name", "pg",
                "tablePrefix", "pbx_",
                "dialect", "mariadb",
                "migrate", "false",
                "history", "yes",
                "historyRetention", "2d",
                "tombstoneRetention", "15m",
                "purgeInterval", "30s",
                "staleAfter", "PT45S",
                "url", "jdbc:postgresql://db/astreg"));
        assertThat(c)
                .isEqualTo(JdbcSinkConfig.builder()
                        .name("pg")
                        .tablePrefix("pbx_")
                        .dialect(JdbcDialect.MYSQL)
                        .migrate(false)
                        .history(true)
                        .historyRetention(Duration.ofDays(2))
                        .tombstoneRetention(Duration.ofMinutes(15))
                        .purgeInterval(Duration.ofSeconds(30))
                        .staleAfter(Duration.ofSeconds(45))
                        .build());
        assertThat(JdbcSinkConfig.fromMap(Map.of("dialect", "auto")).dialect()).isEqualTo(Optional.empty());
        assertThat(JdbcSinkConfig.fromMap(Map.of())).isEqualTo(JdbcSinkConfig.defaults());
    }

    @Test
    void fromMapReportsEveryBadValue() {
        assertThatThrownBy(() -> JdbcSinkConfig.fromMap(Map.of(
                        "dialect", "oracle",
                        "history", "maybe",
                        "staleAfter", "soon",
                        "historyRetention", "xd",
                        "tablePrefix", "Bad")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dialect: unknown dialect 'oracle'")
                .hasMessageContaining("history: must be true or false")
                .hasMessageContaining("staleAfter:")
                .hasMessageContaining("historyRetention:")
                .hasMessageContaining("tablePrefix:");
    }

    @Test
    void dialectsByNameAndProduct() {
        assertThat(JdbcDialect.parse("PostgreSQL")).isEqualTo(JdbcDialect.POSTGRESQL);
        assertThat(JdbcDialect.parse("pg")).isEqualTo(JdbcDialect.POSTGRESQL);
        assertThat(JdbcDialect.parse("MariaDB")).isEqualTo(JdbcDialect.MYSQL);
        assertThat(JdbcDialect.parse("h2")).isEqualTo(JdbcDialect.H2);
        assertThat(JdbcDialect.ofProductName("PostgreSQL")).contains(JdbcDialect.POSTGRESQL);
        assertThat(JdbcDialect.ofProductName("MariaDB")).contains(JdbcDialect.MYSQL);
        assertThat(JdbcDialect.ofProductName("MySQL")).contains(JdbcDialect.MYSQL);
        assertThat(JdbcDialect.ofProductName("H2")).contains(JdbcDialect.H2);
        assertThat(JdbcDialect.ofProductName("Oracle")).isEmpty();
    }
}
