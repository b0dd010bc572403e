package io.github.astreg.sink.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;

/** {@link JdbcSinkSuite} on the loopback MariaDb server. */
class MariaDbJdbcSinkIT extends JdbcSinkSuite {
    @Override
    protected DataSource openDataSource() {
        return Databases.mariadb("astreg-suite");
    }

    @Override
    protected void closeDataSource(DataSource ds) {
        ((HikariDataSource) ds).close();
    }
}
