package io.github.astreg.testkit.contract;

import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.spi.EndpointSink;

/** What {@link EndpointSinkContract} tests: sinks writing one store, and a registry reading it. */
public interface SinkFixture extends AutoCloseable {
    /** A new, started sink over the store; several may exist at once (two collectors). */
    EndpointSink newSink() throws Exception;

    /** A registry reading the same store. */
    EndpointRegistry registry();

    /** Closes every sink made by {@link #newSink()} and the registry. */
    @Override
    void close() throws Exception;
}
