package io.github.astreg.examples.run;

import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.examples.config.NodeSettings;
import io.github.astreg.examples.config.RunnerConfig;
import io.github.astreg.examples.config.StoreSettings;

/**
 * Turns config blocks into adapters. {@link Adapters} is the real one (source-ami, source-ari,
 * sink-jdbc, sink-redis); tests may pass their own. Neither method connects to anything.
 */
public interface AdapterFactory {

    /**
     * Builds the (not yet started) source watching {@code node}.
     *
     * @throws IllegalArgumentException when the adapter rejects the settings; the message is of the
     *     form {@code invalid … config: key: problem; key: problem} and names no secret
     */
    EndpointEventSource source(NodeSettings node, RunnerConfig config);

    /**
     * Validates a store block; the result is not connected yet.
     *
     * @throws IllegalArgumentException when the adapter rejects the settings (same form as above)
     */
    PreparedStore store(StoreKind kind, StoreSettings store, RunnerConfig config);
}
