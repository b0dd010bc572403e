package io.github.astreg.core.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Where an endpoint can be reached: the answer of {@code locate} (R2).
 *
 * @param node the node holding the live registration
 * @param uri the contact URI on that node
 * @param address the phone's source address, when known
 * @param rtt the newest qualify RTT, when known
 * @param registeredAt when that registration began; the newest registration wins, ties by node id
 */
public record Location(
        NodeId node, String uri, Optional<HostPort> address, Optional<Duration> rtt, Instant registeredAt) {
    public Location {
        Checks.notNull("node", node);
        Checks.text("uri", uri, ContactChange.MAX_URI_LENGTH);
        Checks.notNull("address", address);
        Checks.notNull("rtt", rtt);
        Checks.notNull("registeredAt", registeredAt);
    }
}
