package io.github.astreg.sink.jdbc;

import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.testkit.contract.EndpointRegistryContract;
import io.github.astreg.testkit.contract.StoreUnderTest;

/** The testkit's registry contract on Postgres: sink writes, {@link JdbcEndpointRegistry} reads. */
class PostgresEndpointRegistryContractIT extends EndpointRegistryContract {
    @Override
    protected StoreUnderTest createStore(RegistryConfig config) {
        com.zaxxer.hikari.HikariDataSource ds = Databases.postgres("astreg-contract");
        return JdbcStores.store(ds, config, ds::close);
    }
}
