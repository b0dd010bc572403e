package io.github.astreg.core.registry;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * R2 computed the way a store does it from the newest merged change per key (the SQL view
 * astreg_location does the same in SQL): live status, not expired, not-stale nodes first, newest
 * {@code registeredAt} first, then node id, then URI.
 */
final class StoreEmulation {
    private StoreEmulation() {}

    record Row(NodeId node, ContactChange contact, boolean stale) {}

    static Optional<String> locate(
            Collection<EndpointStateEvent> rows, EndpointId endpoint, Instant now, Duration staleAfter) {
        Map<NodeId, Boolean> stale = new HashMap<>();
        for (EndpointStateEvent e : rows) {
            if (e.change() instanceof NodeChange n) {
                stale.put(
                        e.node(),
                        n.status() == NodeStatus.DOWN
                                || !e.observedAt().plus(staleAfter).isAfter(now));
            }
        }
        List<Row> live = new ArrayList<>();
        for (EndpointStateEvent e : rows) {
            if (e.change() instanceof ContactChange c
                    && c.endpoint().equals(endpoint)
                    && c.status().isLive()
                    && c.expiresAt().map(x -> x.isAfter(now)).orElse(true)) {
                live.add(new Row(e.node(), c, stale.getOrDefault(e.node(), false)));
            }
        }
        return live.stream()
                .min(Comparator.comparing(Row::stale)
                        .thenComparing(r -> r.contact().registeredAt().orElse(Instant.EPOCH), Comparator.reverseOrder())
                        .thenComparing(Row::node)
                        .thenComparing(r -> r.contact().uri()))
                .map(r -> r.node() + " " + r.contact().uri() + " " + r.contact().address() + " "
                        + r.contact().registeredAt().orElse(Instant.EPOCH));
    }
}
