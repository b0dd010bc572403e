package io.github.astreg.sink.jdbc;

import io.github.astreg.testkit.contract.EndpointSinkContract;
import io.github.astreg.testkit.contract.SinkFixture;

/** The testkit's sink contract on MariaDb. */
class MariaDbEndpointSinkContractIT extends EndpointSinkContract {
    @Override
    protected SinkFixture createFixture() {
        com.zaxxer.hikari.HikariDataSource ds = Databases.mariadb("astreg-contract");
        return JdbcStores.fixture(ds, ds::close);
    }
}
