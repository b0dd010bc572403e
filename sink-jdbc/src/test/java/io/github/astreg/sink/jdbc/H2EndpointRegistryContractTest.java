package io.github.astreg.sink.jdbc;

import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.testkit.contract.EndpointRegistryContract;
import io.github.astreg.testkit.contract.StoreUnderTest;

/** The testkit's registry contract on H2: sink writes, {@link JdbcEndpointRegistry} reads. */
class H2EndpointRegistryContractTest extends EndpointRegistryContract {
    @Override
    protected StoreUnderTest createStore(RegistryConfig config) {
        javax.sql.DataSource ds = Databases.h2();
        return JdbcStores.store(ds, config, null);
    }
}
