package io.github.astreg.testkit.contract;

import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.registry.EndpointRegistry;
import java.util.List;

/**
 * What {@link EndpointRegistryContract} tests: a registry, and a way to get observations into the
 * store it reads. For a store written by a sink, use {@link SinkBackedStore}.
 */
public interface StoreUnderTest extends AutoCloseable {
    /** The registry under test. */
    EndpointRegistry registry();

    /** Makes the store reflect these observations (in this order) before returning. */
    void apply(List<EndpointStateEvent> observations) throws Exception;

    @Override
    default void close() throws Exception {}
}
