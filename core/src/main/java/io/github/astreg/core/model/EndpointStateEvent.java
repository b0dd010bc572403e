package io.github.astreg.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * One observation from one node about one endpoint (or about the node itself): the single type
 * every source emits and every sink receives. Immutable and validated.
 *
 * @param node the node that reported it
 * @param observedAt Asterisk's own timestamp when the event carries one, else the time it was received
 * @param sequence per source, strictly increasing; breaks ties of {@code observedAt} (R3)
 * @param origin where it came from
 * @param change what changed: exactly one contact, endpoint, device or node change
 */
public record EndpointStateEvent(NodeId node, Instant observedAt, long sequence, Origin origin, Change change) {
    public EndpointStateEvent {
        Checks.notNull("node", node);
        Checks.notNull("observedAt", observedAt);
        if (sequence < 0) {
            throw Checks.invalid("sequence", sequence, "must be >= 0");
        }
        Checks.notNull("origin", origin);
        Checks.notNull("change", change);
    }

    /** The endpoint the change is about; empty for node changes. */
    public Optional<EndpointId> endpoint() {
        if (change instanceof ContactChange c) {
            return Optional.of(c.endpoint());
        } else if (change instanceof EndpointChange c) {
            return Optional.of(c.endpoint());
        } else if (change instanceof DeviceChange c) {
            return Optional.of(c.endpoint());
        }
        return Optional.empty();
    }

    public ChangeKind kind() {
        return change.kind();
    }

    /** The order of this observation among observations of the same {@link #key()} (R3). */
    public Version version() {
        return new Version(observedAt, sequence);
    }

    /** What this observation is about: observations of the same key replace each other by version. */
    public ObservationKey key() {
        if (change instanceof ContactChange c) {
            return new ObservationKey(node, ChangeKind.CONTACT, c.endpoint().toString(), c.uri());
        }
        String endpoint = endpoint().map(EndpointId::toString).orElse("");
        return new ObservationKey(node, change.kind(), endpoint, "");
    }

    /** The same observation with another version (used by registries for what they hand to sinks). */
    public EndpointStateEvent withVersion(Version version) {
        return new EndpointStateEvent(node, version.observedAt(), version.sequence(), origin, change);
    }

    /** The same observation carrying another change of the same key. */
    public EndpointStateEvent withChange(Change newChange) {
        return new EndpointStateEvent(node, observedAt, sequence, origin, newChange);
    }
}
