package io.github.astreg.core.model;

import java.time.Instant;

/**
 * The order of observations of one key (R3): by {@code observedAt}, then by {@code sequence}. An
 * observation whose version is not newer than what is stored for the same key changes nothing.
 */
public record Version(Instant observedAt, long sequence) implements Comparable<Version> {
    /** Older than every real observation. */
    public static final Version ZERO = new Version(Instant.EPOCH, 0);

    public Version {
        Checks.notNull("observedAt", observedAt);
        if (sequence < 0) {
            throw Checks.invalid("sequence", sequence, "must be >= 0");
        }
    }

    @Override
    public int compareTo(Version o) {
        int c = observedAt.compareTo(o.observedAt);
        return c != 0 ? c : Long.compare(sequence, o.sequence);
    }

    public boolean isNewerThan(Version o) {
        return compareTo(o) > 0;
    }

    public boolean isOlderThan(Version o) {
        return compareTo(o) < 0;
    }

    /** The greater of two versions. */
    public static Version max(Version a, Version b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The smallest version newer than this one. */
    public Version next() {
        return new Version(observedAt, sequence + 1);
    }
}
