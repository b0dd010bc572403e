package io.github.astreg.core.model;

/** What an {@link EndpointStateEvent} says changed: exactly one of the four kinds. */
public sealed interface Change permits ContactChange, EndpointChange, DeviceChange, NodeChange {
    ChangeKind kind();
}
