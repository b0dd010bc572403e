package io.github.astreg.core.model;

/**
 * The status of one registered contact. Real Asterisk 20/22 sends {@code NonQualified},
 * {@code Reachable}, {@code Unreachable} and {@code Removed}; the others exist in its documentation
 * and in lists.
 */
public enum ContactStatus {
    CREATED,
    REACHABLE,
    UNREACHABLE,
    UNKNOWN,
    NON_QUALIFIED,
    /** Unregistered or expired: the contact is gone. Kept by registries as a versioned tombstone (R3). */
    REMOVED;

    /** Whether a contact in this status can take a call (R2): everything but REMOVED and UNREACHABLE. */
    public boolean isLive() {
        return this != REMOVED && this != UNREACHABLE;
    }
}
