package io.github.astreg.sink.jdbc;

import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.testkit.contract.EndpointRegistryContract;
import io.github.astreg.testkit.contract.StoreUnderTest;

/** The testkit's registry contract on MariaDb: sink writes, {@link JdbcEndpointRegistry} reads. */
class MariaDbEndpointRegistryContractIT extends EndpointRegistryContract {
    @Override
    protected StoreUnderTest createStore(RegistryConfig config) {
        com.zaxxer.hikari.HikariDataSource ds = Databases.mariadb("astreg-contract");
        return JdbcStores.store(ds, config, ds::close);
    }
}
