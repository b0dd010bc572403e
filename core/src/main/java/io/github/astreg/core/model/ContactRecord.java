package io.github.astreg.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * The registry's merged view of one contact on one node.
 *
 * @param node the node holding the registration
 * @param uri the contact URI
 * @param status the newest status
 * @param aor address of record, when known
 * @param address source address and port, when known
 * @param userAgent User-Agent, when known
 * @param rtt RTT statistics, when at least one qualify sample was seen
 * @param expiresAt when the registration expires unless refreshed, when known
 * @param registeredAt when this registration began (first observation after the last removal)
 * @param observedAt the newest observation of this contact
 * @param live whether the contact can take a call now: live status, not expired, node not stale (R2, R4, R5)
 */
public record ContactRecord(
        NodeId node,
        String uri,
        ContactStatus status,
        Optional<String> aor,
        Optional<HostPort> address,
        Optional<String> userAgent,
        Optional<RttStats> rtt,
        Optional<Instant> expiresAt,
        Instant registeredAt,
        Instant observedAt,
        boolean live) {
    public ContactRecord {
        Checks.notNull("node", node);
        Checks.text("uri", uri, ContactChange.MAX_URI_LENGTH);
        Checks.notNull("status", status);
        Checks.notNull("aor", aor);
        Checks.notNull("address", address);
        Checks.notNull("userAgent", userAgent);
        Checks.notNull("rtt", rtt);
        Checks.notNull("expiresAt", expiresAt);
        Checks.notNull("registeredAt", registeredAt);
        Checks.notNull("observedAt", observedAt);
    }
}
