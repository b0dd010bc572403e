package io.github.astreg.core.registry;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.model.Version;
import java.time.Instant;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Mutable state of one contact on one node, merged field by field: each field keeps the version
 * that set it, a removal clears every field older than itself. The visible state is therefore a
 * function of the set of observations, whatever order they arrived in (R3, R9). Guarded by the
 * registry's lock.
 */
final class ContactEntry {
    /** How many registration-start candidates are kept (see {@link #registeredAt()}). */
    private static final int REGISTRATION_CANDIDATES = 8;

    final String uri;
    ContactStatus status = ContactStatus.REMOVED;
    Version statusVersion = Version.ZERO;
    Version removedAt = Version.ZERO;
    // fields hold the Optional of the observation that set them: no allocation per apply or read
    private Optional<String> aor = Optional.empty();
    private Version aorVersion = Version.ZERO;
    private Optional<HostPort> address = Optional.empty();
    private Version addressVersion = Version.ZERO;
    private Optional<String> userAgent = Optional.empty();
    private Version userAgentVersion = Version.ZERO;
    private Optional<Instant> expiresAt = Optional.empty();
    private Version expiresVersion = Version.ZERO;
    private final RttWindow rtt;
    /** Versions of non-removal observations newer than {@link #removedAt}; the smallest is when the registration began. */
    private final TreeSet<Version> registrations = new TreeSet<>();
    /** The newest version of anything applied, used to order the changes handed to sinks. */
    Version emitted = Version.ZERO;
    /** Snapshot generation of the node in which this contact was last seen (R6). */
    int seenInSnapshot;

    ContactEntry(String uri, int rttWindow) {
        this.uri = uri;
        this.rtt = new RttWindow(rttWindow);
    }

    /** Applies one observation; returns whether the visible state changed. */
    boolean apply(ContactChange c, Version v) {
        boolean changed = false;
        if (c.status() == ContactStatus.REMOVED) {
            if (v.isNewerThan(removedAt)) {
                boolean wasVisible = status != ContactStatus.REMOVED || hasFields();
                removedAt = v;
                registrations.headSet(v, true).clear();
                rtt.dropUpTo(v);
                changed = wasVisible;
            }
            if (v.isNewerThan(statusVersion)) {
                changed |= status != ContactStatus.REMOVED;
                status = ContactStatus.REMOVED;
                statusVersion = v;
            }
            return changed;
        }
        if (v.isNewerThan(statusVersion)) {
            changed |= status != c.status();
            status = c.status();
            statusVersion = v;
        }
        if (!v.isNewerThan(removedAt)) {
            return changed; // older than the removal: its fields are gone with it
        }
        if (c.aor().isPresent() && v.isNewerThan(aorVersion)) {
            changed |= !c.aor().equals(aor());
            aor = c.aor();
            aorVersion = v;
        }
        if (c.address().isPresent() && v.isNewerThan(addressVersion)) {
            changed |= !c.address().equals(address());
            address = c.address();
            addressVersion = v;
        }
        if (c.userAgent().isPresent() && v.isNewerThan(userAgentVersion)) {
            changed |= !c.userAgent().equals(userAgent());
            userAgent = c.userAgent();
            userAgentVersion = v;
        }
        if (c.expiresAt().isPresent() && v.isNewerThan(expiresVersion)) {
            changed |= !c.expiresAt().equals(expiresAt());
            expiresAt = c.expiresAt();
            expiresVersion = v;
        }
        if (c.rtt().isPresent()) {
            changed |= rtt.add(v, c.rtt().get());
        }
        // only the oldest candidates matter: skip the common case of a refresh newer than all of them
        if (registrations.size() < REGISTRATION_CANDIDATES || v.isOlderThan(registrations.last())) {
            Version before = registrations.isEmpty() ? null : registrations.first();
            registrations.add(v);
            if (registrations.size() > REGISTRATION_CANDIDATES) {
                registrations.pollLast();
            }
            changed |= !registrations.first().equals(before);
        }
        return changed;
    }

    private <T> Optional<T> visible(Optional<T> value, Version setAt) {
        return setAt.isNewerThan(removedAt) ? value : Optional.empty();
    }

    private boolean hasFields() {
        return aorVersion.isNewerThan(removedAt)
                || addressVersion.isNewerThan(removedAt)
                || userAgentVersion.isNewerThan(removedAt)
                || expiresVersion.isNewerThan(removedAt)
                || !rtt.isEmpty();
    }

    Optional<String> aor() {
        return visible(aor, aorVersion);
    }

    Optional<HostPort> address() {
        return visible(address, addressVersion);
    }

    Optional<String> userAgent() {
        return visible(userAgent, userAgentVersion);
    }

    Optional<Instant> expiresAt() {
        return visible(expiresAt, expiresVersion);
    }

    Optional<RttStats> rttStats() {
        return rtt.stats();
    }

    /** When the current registration began: the oldest observation since the last removal. */
    Optional<Instant> registeredAt() {
        return registrations.isEmpty()
                ? Optional.empty()
                : Optional.of(registrations.first().observedAt());
    }

    /** Live at this instant, ignoring the node (R2, R4). */
    boolean isLiveAt(long nowNanos) {
        if (!status.isLive()) {
            return false;
        }
        if (expiresAt.isEmpty() || !expiresVersion.isNewerThan(removedAt)) {
            return true;
        }
        Instant x = expiresAt.get();
        return x.getEpochSecond() * 1_000_000_000L + x.getNano() > nowNanos;
    }

    Instant registeredAtOrEpoch() {
        return registrations.isEmpty() ? Instant.EPOCH : registrations.first().observedAt();
    }

    Optional<java.time.Duration> lastRtt() {
        return rtt.last();
    }

    Version newest() {
        return Version.max(statusVersion, removedAt);
    }

    boolean isRemoved() {
        return status == ContactStatus.REMOVED;
    }

    /** The merged state as a change, the form sinks and listeners receive. */
    ContactChange toChange(EndpointId endpoint) {
        return new ContactChange(
                endpoint,
                uri,
                status,
                aor(),
                address(),
                userAgent(),
                rtt.last(),
                expiresAt(),
                rtt.jitter(),
                status == ContactStatus.REMOVED ? Optional.empty() : registeredAt());
    }
}
