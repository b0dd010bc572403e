package io.github.astreg.core.registry;

import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Version;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/** Mutable state of one node (R5, R6). Guarded by the registry's lock. */
final class NodeEntry {
    NodeStatus status = NodeStatus.DOWN;
    Version statusVersion = Version.ZERO;
    Instant startedAt;
    Version startedVersion = Version.ZERO;
    String collector;
    Instant heartbeatAt = Instant.EPOCH;
    Version emitted = Version.ZERO;
    int snapshotGeneration;
    boolean snapshotOpen;
    /** Set once the node's state was evicted (R5), cleared by the next UP. */
    boolean evicted;

    final Set<io.github.astreg.core.model.EndpointId> endpoints = new HashSet<>();
}
