package io.github.astreg.core.model;

import java.util.List;
import java.util.Optional;

/**
 * The registry's answer for one endpoint.
 *
 * @param endpoint the endpoint
 * @param presence per node, ordered by node id (R1)
 * @param location the cluster-wide location (R2), empty when no contact is live
 * @param deviceState the aggregated device state over nodes that are not stale (R7)
 * @param rtt RTT statistics of the location's contact (R8), when known
 */
public record EndpointRecord(
        EndpointId endpoint,
        List<NodePresence> presence,
        Optional<Location> location,
        DeviceState deviceState,
        Optional<RttStats> rtt) {
    public EndpointRecord {
        Checks.notNull("endpoint", endpoint);
        presence = List.copyOf(Checks.notNull("presence", presence));
        Checks.notNull("location", location);
        Checks.notNull("deviceState", deviceState);
        Checks.notNull("rtt", rtt);
    }

    /** The presence of one node, if it knows the endpoint. */
    public Optional<NodePresence> on(NodeId node) {
        return presence.stream().filter(p -> p.node().equals(node)).findFirst();
    }
}
