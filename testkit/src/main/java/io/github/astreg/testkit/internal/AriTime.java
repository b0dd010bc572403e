package io.github.astreg.testkit.internal;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Time formats as Asterisk writes them. Written by hand for the years 1–9999 (a formatter for the
 * rest): every event a fake sends carries one, and {@code DateTimeFormatter} was a quarter of the
 * bytes the load harness' traffic thread allocated.
 */
public final class AriTime {
    private static final DateTimeFormatter ARI =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);

    /** 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the years written by hand. */
    private static final long FIRST_SECOND = -62_135_596_800L;

    private static final long END_SECOND = 253_402_300_800L;

    private AriTime() {}

    /** ARI / AMI EventTV form: {@code 2026-11-26T05:32:55.618+0000}. */
    public static String format(Instant t) {
        long second = t.getEpochSecond();
        if (second < FIRST_SECOND || second >= END_SECOND) {
            return ARI.format(t);
        }
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(second, 86_400L));
        int inDay = (int) Math.floorMod(second, 86_400L);
        char[] s = new char[28];
        digits(s, 0, day.getYear(), 4);
        s[4] = '-';
        digits(s, 5, day.getMonthValue(), 2);
        s[7] = '-';
        digits(s, 8, day.getDayOfMonth(), 2);
        s[10] = 'T';
        digits(s, 11, inDay / 3600, 2);
        s[13] = ':';
        digits(s, 14, inDay / 60 % 60, 2);
        s[16] = ':';
        digits(s, 17, inDay % 60, 2);
        s[19] = '.';
        digits(s, 20, t.getNano() / 1_000_000, 3);
        s[23] = '+';
        digits(s, 24, 0, 4);
        return new String(s);
    }

    /** AMI {@code Timestamp:} form: seconds, a dot, six digits of microseconds. */
    public static String amiTimestamp(Instant t) {
        char[] micros = new char[6];
        digits(micros, 0, t.getNano() / 1000, 6);
        return new StringBuilder(26)
                .append(t.getEpochSecond())
                .append('.')
                .append(micros)
                .toString();
    }

    /** Writes {@code value} (not negative) as exactly {@code width} decimal digits at {@code at}. */
    private static void digits(char[] s, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            s[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
