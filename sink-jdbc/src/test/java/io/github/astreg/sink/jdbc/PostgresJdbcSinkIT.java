package io.github.astreg.sink.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;

/** {@link JdbcSinkSuite} on the loopback Postgres server. */
class PostgresJdbcSinkIT extends JdbcSinkSuite {
    @Override
    protected DataSource openDataSource() {
        return Databases.postgres("astreg-suite");
    }

    @Override
    protected void closeDataSource(DataSource ds) {
        ((HikariDataSource) ds).close();
    }
}
