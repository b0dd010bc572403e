package io.github.astreg.core.registry;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeRecord;
import java.util.List;
import java.util.Optional;

/**
 * The read side: where an endpoint is registered, how to reach it and whether it is busy.
 *
 * <p>Implementations: {@link InMemoryEndpointRegistry} (core), over SQL ({@code sink-jdbc}) and over
 * Redis ({@code sink-redis}). All of them answer by the same rules, checked by the contract suite
 * in {@code astreg-testkit}:
 *
 * <ul>
 *   <li>R2: {@link #locate} returns the live contact (status not REMOVED or UNREACHABLE, not expired)
 *       that registered most recently, preferring nodes that are not stale; ties break on node id,
 *       smallest first, then on URI.
 *   <li>R4: a contact whose {@code expiresAt} passed is not live.
 *   <li>R5: a node that is DOWN or whose heartbeat is older than {@code staleAfter} is stale; a node
 *       never heard of is not.
 *   <li>R7: the aggregated device state follows Asterisk's {@code ast_devstate_aggregate} over the
 *       nodes that are not stale.
 * </ul>
 *
 * <p>All methods are thread-safe and never return {@code null}.
 */
public interface EndpointRegistry {

    /** The best live location of the endpoint (R2), or empty when no contact is live. */
    Optional<Location> locate(EndpointId endpoint);

    /** Every live location of the endpoint, best first (R2). */
    List<Location> locateAll(EndpointId endpoint);

    /** Everything known about the endpoint, or empty when no node knows it. */
    Optional<EndpointRecord> find(EndpointId endpoint);

    /** The endpoints the node knows (with any state), sorted. */
    List<EndpointId> endpointsOn(NodeId node);

    /** Every endpoint any node knows, sorted. */
    List<EndpointId> endpoints();

    /** Every node the registry has heard of, sorted by id. */
    List<NodeRecord> nodes();

    /**
     * Registers a listener for every change the registry applies. See the implementation for the
     * thread the listener runs on; a listener must be quick and must not throw (exceptions are
     * logged and swallowed).
     *
     * @return a handle whose {@code close()} stops delivery
     */
    Subscription subscribe(RegistryListener listener);
}
