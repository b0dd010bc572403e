package io.github.astreg.sink.jdbc;

import io.github.astreg.testkit.contract.EndpointSinkContract;
import io.github.astreg.testkit.contract.SinkFixture;

/** The testkit's sink contract on Postgres. */
class PostgresEndpointSinkContractIT extends EndpointSinkContract {
    @Override
    protected SinkFixture createFixture() {
        com.zaxxer.hikari.HikariDataSource ds = Databases.postgres("astreg-contract");
        return JdbcStores.fixture(ds, ds::close);
    }
}
