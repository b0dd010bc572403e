package io.github.astreg.testkit.contract;

import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.ObservationKey;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.core.spi.EndpointSink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link StoreUnderTest} for a store written by an {@link EndpointSink} and read by an
 * {@link EndpointRegistry} over the same store: observations go through a private
 * {@link InMemoryEndpointRegistry} (as in the pipeline), and its merged changes, coalesced to the
 * newest per key like the pipeline does, are written with {@code sink.write}.
 */
public final class SinkBackedStore implements StoreUnderTest {
    private final EndpointSink sink;
    private final EndpointRegistry reader;
    private final InMemoryEndpointRegistry upstream;
    private final AutoCloseable onClose;

    /**
     * @param sink the sink under test, already started
     * @param reader a registry reading the same store
     * @param config the registry config the store was set up with
     * @param onClose closes the sink, the reader and anything else the store needs (may be null)
     */
    public SinkBackedStore(EndpointSink sink, EndpointRegistry reader, RegistryConfig config, AutoCloseable onClose) {
        this.sink = sink;
        this.reader = reader;
        this.upstream = InMemoryEndpointRegistry.builder().config(config).build();
        this.onClose = onClose;
    }

    @Override
    public EndpointRegistry registry() {
        return reader;
    }

    @Override
    public void apply(List<EndpointStateEvent> observations) throws Exception {
        Map<ObservationKey, EndpointStateEvent> coalesced = new LinkedHashMap<>();
        for (EndpointStateEvent o : observations) {
            for (EndpointStateEvent change : upstream.apply(o)) {
                coalesced.remove(change.key());
                coalesced.put(change.key(), change);
            }
        }
        if (!coalesced.isEmpty()) {
            sink.write(new ArrayList<>(coalesced.values()));
        }
    }

    @Override
    public void close() throws Exception {
        if (onClose != null) {
            onClose.close();
        }
    }
}
