package io.github.astreg.core.spi;

import io.github.astreg.core.model.EndpointStateEvent;

/**
 * Where a source hands its observations: usually the pipeline. Thread-safe; may be called from any
 * thread; returns quickly (it never waits for a store), so a source may call it from its own
 * dispatch thread. A source must not call it from a protocol library's reader thread if that
 * library also delivers action responses on it.
 */
@FunctionalInterface
public interface EventReceiver {
    void receive(EndpointStateEvent event);
}
