package io.github.astreg.core.registry;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import java.util.Arrays;
import java.util.Optional;

/**
 * Everything the registry holds of one endpoint: its presence on each node (R1), sorted by node id,
 * and the last answer of {@code locate}.
 *
 * <p>The presence array is guarded by the registry's lock. The cached answer is written under the
 * lock and read without it: a phone is looked up far more often than it changes, and the dialplan
 * lookup should not queue behind writers.
 */
final class EndpointEntry {
    private static final PresenceEntry[] NONE = new PresenceEntry[0];

    final EndpointId id;
    /** Per node, ascending by node id; a cluster has a handful of nodes, so a linear scan wins. */
    private PresenceEntry[] presence = NONE;
    /**
     * The earliest instant at which the registry's sweep may have work on this endpoint (an expiry, a
     * tombstone or an empty presence to purge). Never later than the truth: writes only lower it, and
     * sweeping the endpoint sets it exactly. Guarded by the registry's lock.
     */
    long sweepDueNanos = Long.MAX_VALUE;

    /** The answer of {@code locate} and how long it holds; null when a write may have changed it. */
    volatile LocateAnswer answer;

    EndpointEntry(EndpointId id) {
        this.id = id;
    }

    PresenceEntry[] presence() {
        return presence;
    }

    PresenceEntry get(NodeId node) {
        for (PresenceEntry p : presence) {
            if (p.node == node || p.node.equals(node)) {
                return p;
            }
        }
        return null;
    }

    /** Adds the entry of a node not present yet, keeping the order by node id. */
    void add(PresenceEntry p) {
        int pos = 0;
        while (pos < presence.length && presence[pos].node.compareTo(p.node) < 0) {
            pos++;
        }
        PresenceEntry[] grown = new PresenceEntry[presence.length + 1];
        System.arraycopy(presence, 0, grown, 0, pos);
        grown[pos] = p;
        System.arraycopy(presence, pos, grown, pos + 1, presence.length - pos);
        presence = grown;
    }

    void remove(PresenceEntry p) {
        int pos = Arrays.asList(presence).indexOf(p);
        if (pos < 0) {
            return;
        }
        PresenceEntry[] shrunk = new PresenceEntry[presence.length - 1];
        System.arraycopy(presence, 0, shrunk, 0, pos);
        System.arraycopy(presence, pos + 1, shrunk, pos, presence.length - pos - 1);
        presence = shrunk;
    }

    /** Lowers {@link #sweepDueNanos} to {@code nanos} if that is earlier. */
    void sweepNoLaterThan(long nanos) {
        if (nanos < sweepDueNanos) {
            sweepDueNanos = nanos;
        }
    }

    boolean isEmpty() {
        return presence.length == 0;
    }

    /**
     * A computed {@code locate} answer. It holds while no write touches the endpoint (writes clear
     * it), no node changes status or comes back from stale ({@code nodeEpoch}), and the clock is in
     * [{@code fromNanos}, {@code untilNanos}): the first contact expiry or node staleness deadline
     * that could change the answer.
     */
    record LocateAnswer(Optional<Location> location, long nodeEpoch, long fromNanos, long untilNanos) {}
}
