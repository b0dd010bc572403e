package io.github.astreg.core.registry;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.model.Version;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

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
    /** {@link #liveUntilNanos()}, kept up to date whenever the expiry or the removal changes. */
    private long liveUntil = Long.MAX_VALUE;

    private final RttWindow rtt;
    /**
     * The oldest versions of non-removal observations newer than {@link #removedAt}, ascending, at most
     * {@link #REGISTRATION_CANDIDATES}; the first is when the registration began. A flat array: the
     * common refresh is newer than all of them and costs one comparison with the last.
     */
    private final Version[] registrations = new Version[REGISTRATION_CANDIDATES];

    private int registrationCount;
    /** {@code registrations[0]}'s instant, kept wrapped: every change handed to sinks carries it. */
    private Optional<Instant> registeredAt = Optional.empty();
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
                updateLiveUntil();
                dropRegistrationsUpTo(v);
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
        // statusVersion is the newest version applied; every registration candidate is one of those
        boolean newest = v.isNewerThan(statusVersion);
        if (newest) {
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
            updateLiveUntil();
        }
        if (c.rtt().isPresent()) {
            changed |= rtt.add(v, c.rtt().get());
        }
        changed |= addRegistration(v, newest);
        return changed;
    }

    /**
     * Keeps {@code v} if it is among the oldest candidates; returns whether the first one changed.
     * {@code newest}: {@code v} is newer than everything applied before, so than every candidate.
     */
    private boolean addRegistration(Version v, boolean newest) {
        int n = registrationCount;
        // only the oldest candidates matter: skip the common case of a refresh newer than all of them
        if (n == REGISTRATION_CANDIDATES && (newest || !v.isOlderThan(registrations[n - 1]))) {
            return false;
        }
        int pos = n;
        while (pos > 0 && v.isOlderThan(registrations[pos - 1])) {
            pos--;
        }
        if (pos > 0 && registrations[pos - 1].equals(v)) {
            return false; // the same observation again
        }
        int kept = Math.min(n, REGISTRATION_CANDIDATES - 1);
        System.arraycopy(registrations, pos, registrations, pos + 1, kept - pos);
        registrations[pos] = v;
        registrationCount = kept + 1;
        if (pos == 0) {
            registeredAt = Optional.of(v.observedAt());
            return true;
        }
        return false;
    }

    /** A removal at {@code v}: registrations that began at or before it are over. */
    private void dropRegistrationsUpTo(Version v) {
        int n = 0;
        while (n < registrationCount && !registrations[n].isNewerThan(v)) {
            n++;
        }
        if (n > 0) {
            System.arraycopy(registrations, n, registrations, 0, registrationCount - n);
            Arrays.fill(registrations, registrationCount - n, registrationCount, null);
            registrationCount -= n;
            registeredAt = registrationCount == 0 ? Optional.empty() : Optional.of(registrations[0].observedAt());
        }
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
        return registeredAt;
    }

    /** Live at this instant, ignoring the node (R2, R4). */
    boolean isLiveAt(long nowNanos) {
        return status.isLive() && liveUntil > nowNanos;
    }

    /** When this contact stops being live by expiry alone (R4), or {@code Long.MAX_VALUE} if never. */
    long liveUntilNanos() {
        return liveUntil;
    }

    private void updateLiveUntil() {
        liveUntil = expiresAt.isPresent() && expiresVersion.isNewerThan(removedAt)
                ? EpochNanos.of(expiresAt.get())
                : Long.MAX_VALUE;
    }

    /**
     * The earliest instant at which the registry's sweep has work on this contact: its expiry while
     * it is registered (R4), the end of its tombstone's retention once removed.
     */
    long sweepDueNanos(long retentionNanos) {
        return isRemoved() ? EpochNanos.plus(EpochNanos.of(removedAt), retentionNanos) : liveUntil;
    }

    Instant registeredAtOrEpoch() {
        return registeredAt.orElse(Instant.EPOCH);
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
