package io.github.astreg.examples.run;

import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.spi.EndpointSink;

/**
 * A store from the config, validated but not yet connected. The runner {@link #open()}s it (failing
 * fast when the store is down at start), hands {@link #sink()} to the pipeline and closes it after
 * the pipeline has flushed.
 */
public interface PreparedStore extends AutoCloseable {

    /** What the store is, for messages: kind and URL, secrets masked. */
    String describe();

    /**
     * Connects and checks the store answers (a connection from the pool, a PING).
     *
     * @throws StoreUnavailableException when it does not, with a message naming {@link #describe()}
     */
    void open();

    /** The sink writing to this store; valid after {@link #open()}. */
    EndpointSink sink();

    /** The registry reading this store (what {@code astreg locate} asks); valid after {@link #open()}. */
    EndpointRegistry registry();

    /** Releases the pool or client the runner created for this store; idempotent. */
    @Override
    void close();
}
