package io.github.astreg.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * What the registry knows about one node (R5).
 *
 * @param node the node
 * @param status UP or DOWN
 * @param startedAt the node's startup time (epoch), when known
 * @param heartbeatAt the newest status or heartbeat observation
 * @param collector the collector watching it, when known
 * @param stale DOWN, or heartbeat older than staleAfter
 */
public record NodeRecord(
        NodeId node,
        NodeStatus status,
        Optional<Instant> startedAt,
        Instant heartbeatAt,
        Optional<String> collector,
        boolean stale) {
    public NodeRecord {
        Checks.notNull("node", node);
        Checks.notNull("status", status);
        Checks.notNull("startedAt", startedAt);
        Checks.notNull("heartbeatAt", heartbeatAt);
        Checks.notNull("collector", collector);
    }
}
