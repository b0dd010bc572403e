package io.github.astreg.source.ari.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.DateDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Date;

/**
 * Binds ARI event frames to ari4java's models with a mapper of this module's own instead of
 * ari4java's shared one ({@code BaseAriAction.deserializeEvent}), configured like it but for two
 * things:
 *
 * <ul>
 *   <li>{@link Date} fields written the way Asterisk writes them ({@code 2026-11-26T05:32:55.618+0000})
 *       are parsed by hand; Jackson's {@code StdDateFormat}, which every other form still goes to,
 *       was about a tenth of the ARI source thread under load.
 *   <li>Unknown fields are skipped silently (counted nowhere): ari4java's lenient mode logs a WARN
 *       line for every unknown field of every frame, which a newer Asterisk would turn into a flood.
 * </ul>
 *
 * ari4java's models carry their own Jackson annotations (the {@code type} discriminator, the
 * implementation of each interface), so they bind the same with any mapper.
 */
public final class AriEventMapper {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("astreg-ari-dates").addDeserializer(Date.class, new AsteriskDate()))
            .build();

    /** What {@link #epochMillis} returns for a text that is not of the fast form. */
    static final long NOT_FAST = Long.MIN_VALUE;

    private AriEventMapper() {}

    /** Binds one frame. */
    public static <T> T read(String frame, Class<T> type) throws IOException {
        return MAPPER.readValue(frame, type);
    }

    /** Dates: the fast form by hand, everything else as Jackson's own date deserializer does it. */
    private static final class AsteriskDate extends StdScalarDeserializer<Date> {
        private static final long serialVersionUID = 1L;

        AsteriskDate() {
            super(Date.class);
        }

        @Override
        public Date deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                long ms = epochMillis(p.getText());
                if (ms != NOT_FAST) {
                    return new Date(ms);
                }
            }
            return DateDeserializers.DateDeserializer.instance.deserialize(p, ctxt);
        }
    }

    /**
     * {@code yyyy-MM-ddTHH:mm:ss.SSS} followed by {@code Z}, {@code ±hhmm} or {@code ±hh:mm}, as epoch
     * milliseconds; {@link #NOT_FAST} for any other text, for values out of range and for years before
     * 1600, which the caller leaves to {@code StdDateFormat} (lenient: it rolls February 30th over;
     * and it counts Julian days before 1582).
     */
    static long epochMillis(String t) {
        int n = t.length();
        if (n != 24 && n != 28 && n != 29) {
            return NOT_FAST;
        }
        if (t.charAt(4) != '-'
                || t.charAt(7) != '-'
                || t.charAt(10) != 'T'
                || t.charAt(13) != ':'
                || t.charAt(16) != ':'
                || t.charAt(19) != '.') {
            return NOT_FAST;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        int millis = digits(t, 20, 3);
        // before 1600 StdDateFormat's GregorianCalendar counts Julian days, which this does not
        if (year < 1600
                || month < 0
                || day < 0
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59
                || millis < 0) {
            return NOT_FAST;
        }
        int offsetSeconds;
        char sign = t.charAt(23);
        if (n == 24) {
            if (sign != 'Z') {
                return NOT_FAST;
            }
            offsetSeconds = 0;
        } else {
            if (sign != '+' && sign != '-') {
                return NOT_FAST;
            }
            int oh = digits(t, 24, 2);
            int om = n == 28 ? digits(t, 26, 2) : (t.charAt(26) == ':' ? digits(t, 27, 2) : -1);
            if (oh < 0 || oh > 18 || om < 0 || om > 59) {
                return NOT_FAST;
            }
            offsetSeconds = (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return NOT_FAST;
        }
        long seconds = epochDay * 86_400L + hour * 3_600L + minute * 60L + second - offsetSeconds;
        return seconds * 1000L + millis;
    }

    /** The non-negative number written by {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
