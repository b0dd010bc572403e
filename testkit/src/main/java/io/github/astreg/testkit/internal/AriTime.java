package io.github.astreg.testkit.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Time formats as Asterisk writes them. */
public final class AriTime {
    private static final DateTimeFormatter ARI =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);

    private AriTime() {}

    /** ARI / AMI EventTV form: {@code 2026-11-26T05:32:55.618+0000}. */
    public static String format(Instant t) {
        return ARI.format(t);
    }

    /** AMI {@code Timestamp:} form: seconds, a dot, six digits of microseconds. */
    public static String amiTimestamp(Instant t) {
        return t.getEpochSecond() + "." + String.format("%06d", t.getNano() / 1000);
    }
}
