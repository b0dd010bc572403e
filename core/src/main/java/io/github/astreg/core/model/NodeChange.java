package io.github.astreg.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * The state of the reporting node's link, or a snapshot boundary (R5, R6).
 *
 * @param status UP, DOWN, SNAPSHOT_BEGIN or SNAPSHOT_END
 * @param startedAt the node's startup time (its epoch), when known: a different value means Asterisk
 *     restarted
 * @param collector the collector that watches the node (set on heartbeats made by the pipeline)
 */
public record NodeChange(NodeStatus status, Optional<Instant> startedAt, Optional<String> collector) implements Change {
    public NodeChange {
        Checks.notNull("status", status);
        Checks.notNull("startedAt", startedAt);
        Checks.notNull("collector", collector);
        collector.ifPresent(c -> Checks.text("collector", c, 128));
    }

    public static NodeChange of(NodeStatus status) {
        return new NodeChange(status, Optional.empty(), Optional.empty());
    }

    public static NodeChange up(Instant startedAt) {
        return new NodeChange(NodeStatus.UP, Optional.of(startedAt), Optional.empty());
    }

    @Override
    public ChangeKind kind() {
        return ChangeKind.NODE;
    }
}
