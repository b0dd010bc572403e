package io.github.astreg.core.registry;

import io.github.astreg.core.model.EndpointStateEvent;

/** Receives each change a registry applied, in the merged form sinks also receive. */
@FunctionalInterface
public interface RegistryListener {
    void onChange(EndpointStateEvent change);
}
