package io.github.astreg.sink.redis.internal;

import io.github.astreg.core.model.Version;
import java.time.Instant;

/**
 * Fixed-width digit strings for instants and versions, so that the Lua script orders them byte by
 * byte exactly like {@link Version#compareTo} and {@link Instant#compareTo}.
 *
 * <p>Instant: a sign digit ({@code 1} for epoch seconds &gt;= 0, else {@code 0} with the seconds
 * offset by 10^17), 17 digits of seconds, 9 digits of nanos: 27 characters. Version: instant plus 19
 * digits of sequence: 46 characters.
 */
public final class Ordering {
    /** Length of an instant string. */
    public static final int INSTANT_LENGTH = 27;

    private static final long OFFSET = 100_000_000_000_000_000L;

    private Ordering() {}

    public static String instant(Instant t) {
        StringBuilder s = new StringBuilder(46);
        appendInstant(s, t);
        return s.toString();
    }

    public static String version(Version v) {
        StringBuilder s = new StringBuilder(46);
        appendVersion(s, v);
        return s.toString();
    }

    /** Appends {@link #version(Version)} without making a string of it. */
    public static void appendVersion(StringBuilder s, Version v) {
        appendInstant(s, v.observedAt());
        pad(s, v.sequence(), 19);
    }

    public static String version(Instant observedAt, long sequence) {
        return version(new Version(observedAt, sequence));
    }

    /** Appends {@link #instant(Instant)} without making a string of it. */
    public static void appendInstant(StringBuilder s, Instant t) {
        long sec = t.getEpochSecond();
        if (sec >= 0) {
            s.append('1');
            pad(s, sec, 17);
        } else {
            s.append('0');
            pad(s, sec + OFFSET, 17);
        }
        pad(s, t.getNano(), 9);
    }

    /** {@code value} (not negative) with leading zeros to {@code width} digits. */
    private static void pad(StringBuilder s, long value, int width) {
        long p = 10;
        for (int i = 1; i < width; i++, p *= 10) {
            if (value < p) {
                s.append('0');
            }
        }
        s.append(value);
    }
}
