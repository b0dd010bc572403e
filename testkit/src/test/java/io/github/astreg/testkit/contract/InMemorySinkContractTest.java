package io.github.astreg.testkit.contract;

import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.spi.EndpointSink;
import java.util.List;

/**
 * The sink contract against the simplest possible store: merged changes applied to an
 * {@link InMemoryEndpointRegistry}. It checks that the suite holds for a correct store, and that
 * the registry's merged changes are themselves idempotent, version-guarded observations.
 */
class InMemorySinkContractTest extends EndpointSinkContract {
    @Override
    protected SinkFixture createFixture() {
        InMemoryEndpointRegistry store = InMemoryEndpointRegistry.create();
        return new SinkFixture() {
            @Override
            public EndpointSink newSink() {
                return new EndpointSink() {
                    @Override
                    public String name() {
                        return "memory";
                    }

                    @Override
                    public void write(List<EndpointStateEvent> batch) {
                        synchronized (store) {
                            store.applyAll(batch);
                        }
                    }

                    @Override
                    public void close() {}
                };
            }

            @Override
            public EndpointRegistry registry() {
                return store;
            }

            @Override
            public void close() {}
        };
    }
}
