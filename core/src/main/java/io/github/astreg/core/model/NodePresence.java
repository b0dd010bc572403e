package io.github.astreg.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What one node knows about one endpoint (R1).
 *
 * @param node the node
 * @param endpointState the endpoint state the node reported, when it did
 * @param channels the channel count, when reported
 * @param deviceState the device state the node reported, when it did
 * @param contacts the node's contacts of the endpoint (not REMOVED), best first
 * @param lastUpdate the newest observation of this endpoint from this node
 * @param stale whether the node is DOWN or its heartbeat is older than staleAfter (R5)
 */
public record NodePresence(
        NodeId node,
        Optional<EndpointState> endpointState,
        OptionalInt channels,
        Optional<DeviceState> deviceState,
        List<ContactRecord> contacts,
        Instant lastUpdate,
        boolean stale) {
    public NodePresence {
        Checks.notNull("node", node);
        Checks.notNull("endpointState", endpointState);
        Checks.notNull("channels", channels);
        Checks.notNull("deviceState", deviceState);
        contacts = List.copyOf(Checks.notNull("contacts", contacts));
        Checks.notNull("lastUpdate", lastUpdate);
    }
}
