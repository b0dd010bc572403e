package io.github.astreg.core.model;

/**
 * What an observation is about: (node, kind, endpoint, contact uri). Observations of one key replace
 * each other by {@link Version}; observations of different keys never interfere (R1). For node
 * changes {@code endpoint} and {@code uri} are empty strings; for endpoint and device changes
 * {@code uri} is.
 */
public record ObservationKey(NodeId node, ChangeKind kind, String endpoint, String uri) {
    public ObservationKey {
        Checks.notNull("node", node);
        Checks.notNull("kind", kind);
        Checks.notNull("endpoint", endpoint);
        Checks.notNull("uri", uri);
    }
}
