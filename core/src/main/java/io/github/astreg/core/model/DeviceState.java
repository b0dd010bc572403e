package io.github.astreg.core.model;

import java.util.Locale;

/**
 * Asterisk's device states, with the names AMI and ARI use ({@code NOT_INUSE}, {@code ONHOLD}, …)
 * and Asterisk's own cluster-wide aggregation (R7).
 */
public enum DeviceState {
    UNKNOWN(1),
    NOT_INUSE(3),
    INUSE(6),
    BUSY(7),
    INVALID(0),
    UNAVAILABLE(2),
    RINGING(5),
    RINGINUSE(8),
    ONHOLD(4);

    /** Rank in {@code ast_devstate_aggregate_add}'s {@code state_order} table. */
    private final int rank;

    DeviceState(int rank) {
        this.rank = rank;
    }

    /**
     * Parses Asterisk's spelling ({@code NOT_INUSE}, {@code not_inuse}; also {@code Not in use}
     * style text from {@code devstate2str}).
     *
     * @throws IllegalArgumentException naming the value when it is no device state
     */
    public static DeviceState parse(String text) {
        Checks.notNull("deviceState", text);
        String t = text.trim().toUpperCase(Locale.ROOT);
        switch (t) {
            case "NOT IN USE":
                return NOT_INUSE;
            case "IN USE":
                return INUSE;
            case "RINGING":
            case "RING":
                return RINGING;
            case "RING+INUSE":
            case "RINGINUSE":
                return RINGINUSE;
            case "ON HOLD":
            case "ONHOLD":
                return ONHOLD;
            default:
                try {
                    return valueOf(t);
                } catch (IllegalArgumentException e) {
                    throw Checks.invalid("deviceState", text, "is not an Asterisk device state");
                }
        }
    }

    /** Whether the device is on a call in any form (in use, busy, on hold, ringing while in use). */
    public boolean isBusy() {
        return this == INUSE || this == BUSY || this == ONHOLD || this == RINGINUSE;
    }

    /**
     * Aggregates device states the way Asterisk's {@code ast_devstate_aggregate} does (R7): a call
     * on any node shows, RINGING together with a call is RINGINUSE, and otherwise the state with
     * the highest rank wins, so NOT_INUSE from the node that holds the registration masks
     * UNAVAILABLE from a node that does not. No input gives INVALID, as in Asterisk.
     */
    public static DeviceState aggregate(Iterable<DeviceState> states) {
        DeviceState result = INVALID;
        boolean ringing = false;
        boolean inUse = false;
        for (DeviceState state : states) {
            if (state == RINGING) {
                ringing = true;
            } else if (state == INUSE || state == ONHOLD || state == BUSY) {
                inUse = true;
            }
            if (ringing && inUse) {
                result = RINGINUSE;
            } else if (state.rank > result.rank) {
                result = state;
            }
        }
        return result;
    }
}
