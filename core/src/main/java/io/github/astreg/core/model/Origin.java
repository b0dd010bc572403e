package io.github.astreg.core.model;

/** Where an observation came from. */
public enum Origin {
    /** A live AMI event. */
    AMI,
    /** A live ARI event. */
    ARI,
    /** An item of a resync snapshot (R6). */
    SNAPSHOT,
    /** A periodic poll, such as the AMI contact list read for address, expiry and fresh RTT. */
    POLL,
    /** Made by astreg itself: heartbeats, expiry, eviction, snapshot reconciliation. */
    REGISTRY,
    /** Anything else: tests, replays, other integrations. */
    OTHER
}
