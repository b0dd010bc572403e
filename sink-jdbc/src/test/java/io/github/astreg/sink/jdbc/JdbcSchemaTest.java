package io.github.astreg.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.AstregException;
import io.github.astreg.sink.jdbc.internal.Scripts;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdbcSchemaTest {
    /** Flyway's default naming: V<version>__<description>.sql. */
    private static final Pattern FLYWAY = Pattern.compile("V\\d+__[a-z0-9_]+\\.sql");

    @ParameterizedTest
    @EnumSource(JdbcDialect.class)
    void everyDialectShipsTheSameObjectsUnderFlywayNames(JdbcDialect dialect) {
        String resource = "db/astreg/" + dialect.folder() + "/V1__astreg_schema.sql";
        assertThat(getClass().getClassLoader().getResource(resource))
                .as(resource)
                .isNotNull();
        assertThat(resource.substring(resource.lastIndexOf('/') + 1)).matches(FLYWAY);
        String script = JdbcSchema.script(dialect, 1, "pbx_");
        assertThat(script).doesNotContain("${prefix}");
        for (String object : List.of(
                "TABLE IF NOT EXISTS pbx_node",
                "TABLE IF NOT EXISTS pbx_contact",
                "TABLE IF NOT EXISTS pbx_endpoint",
                "TABLE IF NOT EXISTS pbx_event",
                "TABLE IF NOT EXISTS pbx_setting",
                "CREATE OR REPLACE VIEW pbx_location")) {
            assertThat(script).as(dialect + " " + object).contains(object);
        }
        List<String> statements = Scripts.statements(script);
        assertThat(statements)
                .allSatisfy(s -> assertThat(s).doesNotStartWith("--").doesNotEndWith(";"));
        assertThat(statements.get(statements.size() - 1)).startsWith("CREATE OR REPLACE VIEW pbx_location");
    }

    @Test
    void statementsAreSplitAtLineEndingSemicolonsAndCommentsDropped() {
        assertThat(Scripts.statements(
                        "-- head\nCREATE TABLE a (\n  x INT -- inline\n);\n\n-- c\nINSERT INTO a VALUES (1);\n"))
                .containsExactly("CREATE TABLE a (\n  x INT -- inline\n)", "INSERT INTO a VALUES (1)");
    }

    @Test
    void scriptRejectsABadPrefixAndAnUnknownVersion() {
        assertThatThrownBy(() -> JdbcSchema.script(JdbcDialect.H2, 1, "x; DROP TABLE y; --"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tablePrefix");
        assertThatThrownBy(() -> JdbcSchema.script(JdbcDialect.H2, 99, "astreg_"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void migrateWithTheDefaultsCreatesAstregTablesOnce() throws SQLException {
        DataSource ds = Databases.h2();
        assertThat(JdbcSchema.migrate(ds)).isEqualTo(1);
        assertThat(JdbcSchema.migrate(ds)).isZero();
        assertThat(TableDump.count(ds, "SELECT COUNT(*) FROM astreg_location")).isZero();
        assertThat(TableDump.count(ds, "SELECT stale_after_ms FROM astreg_setting"))
                .isEqualTo(30_000);
    }

    @Test
    void aSchemaMadeByFlywayIsAdoptedWithoutHarm() throws SQLException {
        // Flyway ran the script (with its own history table): migrate() runs it again, idempotently
        DataSource ds = Databases.h2();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            for (String statement : Scripts.statements(JdbcSchema.script(JdbcDialect.H2, 1, "astreg_"))) {
                s.execute(statement);
            }
            s.execute(
                    "INSERT INTO astreg_node VALUES ('pbx1', 'UP', NULL, CURRENT_TIMESTAMP, 1, NULL, CURRENT_TIMESTAMP)");
        }
        assertThat(JdbcSchema.migrate(ds)).isEqualTo(1);
        assertThat(TableDump.count(ds, "SELECT COUNT(*) FROM astreg_node")).isEqualTo(1);
    }

    @Test
    void aBrokenDatabaseGivesAClearError() {
        DataSource ds = Databases.h2();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            // a table in the way with the wrong shape
            s.execute("CREATE TABLE astreg_setting (something INT)");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        assertThatThrownBy(() -> JdbcSchema.migrate(ds))
                .isInstanceOf(AstregException.class)
                .hasMessageContaining("V1__astreg_schema.sql failed at")
                .hasMessageContaining("astreg_setting");
    }
}
