package io.github.astreg.testkit.contract;

import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.registry.RegistryConfig;
import java.util.List;

/** Core's reference registry passes its own contract (a check of the suite itself, too). */
class InMemoryEndpointRegistryContractTest extends EndpointRegistryContract {
    @Override
    protected StoreUnderTest createStore(RegistryConfig config) {
        InMemoryEndpointRegistry registry =
                InMemoryEndpointRegistry.builder().config(config).build();
        return new StoreUnderTest() {
            @Override
            public EndpointRegistry registry() {
                return registry;
            }

            @Override
            public void apply(List<EndpointStateEvent> observations) {
                registry.applyAll(observations);
            }
        };
    }
}
