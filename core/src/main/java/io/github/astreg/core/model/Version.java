package io.github.astreg.core.model;

import java.time.Instant;

/**
 * The order of observations of one key (R3): by {@code observedAt}, then by {@code sequence}. An
 * observation whose version is not newer than what is stored for the same key changes nothing.
 *
 * <p>An immutable value with the accessors of a record. It is a class rather than a record so that
 * it keeps the instant as primitives: the registry compares versions several times per observation,
 * over more entries than fit in a CPU cache, and a comparison that first had to follow a pointer to an
 * {@link Instant} paid one more cache miss per version. {@link #observedAt()} builds the instant
 * when asked.
 */
public final class Version implements Comparable<Version> {
    /** Older than every real observation. */
    public static final Version ZERO = new Version(Instant.EPOCH, 0);

    private final long epochSecond;
    private final int nano;
    private final long sequence;

    /**
     * @param observedAt when the observation was made
     * @param sequence breaks ties of {@code observedAt}; at least 0
     * @throws IllegalArgumentException naming the field when one is null or negative
     */
    public Version(Instant observedAt, long sequence) {
        Checks.notNull("observedAt", observedAt);
        if (sequence < 0) {
            throw Checks.invalid("sequence", sequence, "must be >= 0");
        }
        this.epochSecond = observedAt.getEpochSecond();
        this.nano = observedAt.getNano();
        this.sequence = sequence;
    }

    private Version(long epochSecond, int nano, long sequence) {
        this.epochSecond = epochSecond;
        this.nano = nano;
        this.sequence = sequence;
    }

    public Instant observedAt() {
        return Instant.ofEpochSecond(epochSecond, nano);
    }

    /** {@code observedAt().getEpochSecond()}, without building the instant. */
    public long observedEpochSecond() {
        return epochSecond;
    }

    /** {@code observedAt().getNano()}, without building the instant. */
    public int observedNano() {
        return nano;
    }

    public long sequence() {
        return sequence;
    }

    @Override
    public int compareTo(Version o) {
        if (epochSecond != o.epochSecond) {
            return epochSecond < o.epochSecond ? -1 : 1;
        }
        if (nano != o.nano) {
            return nano < o.nano ? -1 : 1;
        }
        return Long.compare(sequence, o.sequence);
    }

    public boolean isNewerThan(Version o) {
        return compareTo(o) > 0;
    }

    public boolean isOlderThan(Version o) {
        return compareTo(o) < 0;
    }

    /** Whether this version's instant is before {@code t} (the sequence does not matter). */
    public boolean isObservedBefore(Instant t) {
        long s = t.getEpochSecond();
        return epochSecond < s || (epochSecond == s && nano < t.getNano());
    }

    /** The greater of two versions. */
    public static Version max(Version a, Version b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The smallest version newer than this one. */
    public Version next() {
        return new Version(epochSecond, nano, sequence + 1);
    }

    @Override
    public boolean equals(Object o) {
        return o == this
                || (o instanceof Version v && epochSecond == v.epochSecond && nano == v.nano && sequence == v.sequence);
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(epochSecond);
        h = 31 * h + nano;
        return 31 * h + Long.hashCode(sequence);
    }

    /** The same form a record would print: {@code Version[observedAt=…, sequence=…]}. */
    @Override
    public String toString() {
        return "Version[observedAt=" + observedAt() + ", sequence=" + sequence + "]";
    }
}
