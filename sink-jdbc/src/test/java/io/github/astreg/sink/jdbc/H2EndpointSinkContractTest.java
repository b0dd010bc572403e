package io.github.astreg.sink.jdbc;

import io.github.astreg.testkit.contract.EndpointSinkContract;
import io.github.astreg.testkit.contract.SinkFixture;

/** The testkit's sink contract on H2. */
class H2EndpointSinkContractTest extends EndpointSinkContract {
    @Override
    protected SinkFixture createFixture() {
        javax.sql.DataSource ds = Databases.h2();
        return JdbcStores.fixture(ds, null);
    }
}
