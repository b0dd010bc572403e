package io.github.astreg.core.registry;

import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Version;

/** Mutable state of one endpoint on one node (R1). Guarded by the registry's lock. */
final class PresenceEntry {
    final EndpointEntry owner;
    final NodeId node;
    /** The node's own entry; nodes are never forgotten, so the reference stays valid. */
    final NodeEntry nodeEntry;

    EndpointState state;
    Version stateVersion = Version.ZERO;
    Integer channels;
    Version channelsVersion = Version.ZERO;
    /** An endpoint REMOVED at this version clears endpoint and device fields older than it. */
    Version removedAt = Version.ZERO;

    DeviceState device;
    Version deviceVersion = Version.ZERO;
    Version endpointEmitted = Version.ZERO;
    Version deviceEmitted = Version.ZERO;
    Version lastUpdate = Version.ZERO;
    int endpointSeenInSnapshot;
    int deviceSeenInSnapshot;
    final ContactList contacts = new ContactList();

    PresenceEntry(EndpointEntry owner, NodeId node, NodeEntry nodeEntry) {
        this.owner = owner;
        this.node = node;
        this.nodeEntry = nodeEntry;
    }

    EndpointState visibleState() {
        return state != null && stateVersion.isNewerThan(removedAt) ? state : null;
    }

    Integer visibleChannels() {
        return channels != null && channelsVersion.isNewerThan(removedAt) ? channels : null;
    }

    DeviceState visibleDevice() {
        return device != null && deviceVersion.isNewerThan(removedAt) ? device : null;
    }

    /**
     * When the sweep may purge this presence: once nothing is left of it (no contact, no visible state
     * or device state) and its last observation is older than the retention; {@code Long.MAX_VALUE}
     * while something is left (only a write or a sweep can change that, and both recompute this).
     */
    long sweepDueNanos(long retentionNanos) {
        if (visibleState() != null || visibleDevice() != null || !contacts.isEmpty()) {
            return Long.MAX_VALUE;
        }
        return EpochNanos.plus(EpochNanos.of(lastUpdate), retentionNanos);
    }

    boolean isEmpty() {
        return visibleState() == null && visibleDevice() == null && contacts.allRemoved();
    }
}
