package io.github.astreg.core.model;

/** Endpoint-level state on one node, as PeerStatus / EndpointStateChange report it. */
public enum EndpointState {
    ONLINE,
    OFFLINE,
    UNKNOWN,
    /**
     * The endpoint no longer exists on that node (it was absent from a resync snapshot, or its node
     * was evicted). Registries drop the node's presence for the endpoint.
     */
    REMOVED
}
