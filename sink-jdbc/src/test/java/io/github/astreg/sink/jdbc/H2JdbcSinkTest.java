package io.github.astreg.sink.jdbc;

import javax.sql.DataSource;

/** {@link JdbcSinkSuite} on an in-memory H2 database. */
class H2JdbcSinkTest extends JdbcSinkSuite {
    @Override
    protected DataSource openDataSource() {
        return Databases.h2();
    }
}
