package io.github.astreg.core.json;

import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.NodeChange;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes an event's canonical JSON (the form of {@link EventJson#toTree(EndpointStateEvent)})
 * straight into a {@link StringBuilder}. Sinks encode every change they write, and building and
 * serializing Jackson's tree took about 2 µs per change (as much as Redis' own work for it); this
 * takes a tenth. {@code EventWriterTest} compares both over every kind of change, every optional
 * field and awkward strings, so the two forms cannot drift apart.
 *
 * <p>Strings are escaped the way Jackson's default generator does: {@code "} and {@code \}, the short
 * forms {@code \b \t \n \f \r}, other control characters as a backslash, {@code u00} and two
 * upper-case hex digits; everything else, non-ASCII included, verbatim.
 */
final class EventWriter {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** Epoch second of 10000-01-01T00:00:00Z, from where {@link Instant#toString()} adds a sign. */
    private static final long YEAR_10000 = 253_402_300_800L;

    private EventWriter() {}

    /** Appends the event's canonical JSON. */
    static void append(StringBuilder s, EndpointStateEvent event) {
        s.append('{');
        string(s, "node", event.node().value());
        s.append(',');
        instant(s, "observedAt", event.observedAt());
        s.append(",\"sequence\":").append(event.sequence()).append(',');
        string(s, "origin", event.origin().name());
        s.append(',');
        string(s, "kind", event.kind().jsonName());
        event.endpoint().ifPresent(ep -> {
            s.append(',');
            string(s, "endpoint", ep.toString());
        });
        s.append(",\"change\":{");
        Change change = event.change();
        if (change instanceof ContactChange c) {
            string(s, "uri", c.uri());
            s.append(',');
            string(s, "status", c.status().name());
            c.aor().ifPresent(v -> optional(s, "aor", v));
            if (c.address().isPresent()) {
                HostPort a = c.address().get();
                optional(s, "host", a.host());
                s.append(",\"port\":").append(a.port());
            }
            c.userAgent().ifPresent(v -> optional(s, "userAgent", v));
            c.rtt().ifPresent(v -> s.append(",\"rttUs\":").append(micros(v)));
            c.expiresAt().ifPresent(v -> {
                s.append(',');
                instant(s, "expiresAt", v);
            });
            c.jitter().ifPresent(v -> s.append(",\"jitterUs\":").append(micros(v)));
            c.registeredAt().ifPresent(v -> {
                s.append(',');
                instant(s, "registeredAt", v);
            });
        } else if (change instanceof EndpointChange c) {
            string(s, "state", c.state().name());
            c.channels().ifPresent(n -> s.append(",\"channels\":").append(n));
        } else if (change instanceof DeviceChange c) {
            string(s, "state", c.state().name());
        } else if (change instanceof NodeChange c) {
            string(s, "status", c.status().name());
            c.startedAt().ifPresent(v -> {
                s.append(',');
                instant(s, "startedAt", v);
            });
            c.collector().ifPresent(v -> optional(s, "collector", v));
        }
        s.append("}}");
    }

    /** The event's canonical JSON. */
    static String write(EndpointStateEvent event) {
        StringBuilder s = new StringBuilder(320);
        append(s, event);
        return s.toString();
    }

    private static void instant(StringBuilder s, String name, Instant value) {
        s.append('"').append(name).append("\":\"");
        instant(s, value);
        s.append('"');
    }

    /**
     * Appends what {@link Instant#toString()} returns (ISO-8601, fraction in groups of three digits,
     * as many as needed), without its formatter, which cost more than the rest of an event; years
     * outside 1970..9999 take the JDK's path.
     */
    static void instant(StringBuilder s, Instant t) {
        long sec = t.getEpochSecond();
        if (sec < 0 || sec >= YEAR_10000) {
            s.append(t);
            return;
        }
        long days = sec / 86_400;
        int secOfDay = (int) (sec - days * 86_400);
        LocalDate d = LocalDate.ofEpochDay(days);
        int year = d.getYear();
        two(s, year / 100);
        two(s, year % 100);
        s.append('-');
        two(s, d.getMonthValue());
        s.append('-');
        two(s, d.getDayOfMonth());
        s.append('T');
        two(s, secOfDay / 3600);
        s.append(':');
        two(s, secOfDay / 60 % 60);
        s.append(':');
        two(s, secOfDay % 60);
        int nano = t.getNano();
        if (nano > 0) {
            s.append('.');
            if (nano % 1_000_000 == 0) {
                digits(s, nano / 1_000_000, 3);
            } else if (nano % 1000 == 0) {
                digits(s, nano / 1000, 6);
            } else {
                digits(s, nano, 9);
            }
        }
        s.append('Z');
    }

    /** {@code value} (0..99) as two digits. */
    private static void two(StringBuilder s, int value) {
        s.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }

    /** {@code value} (0 .. 10^width - 1) with leading zeros to {@code width} digits. */
    private static void digits(StringBuilder s, int value, int width) {
        for (int p = 10, i = 1; i < width; i++, p *= 10) {
            if (value < p) {
                s.append('0');
            }
        }
        s.append(value);
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }

    private static void optional(StringBuilder s, String name, String value) {
        s.append(',');
        string(s, name, value);
    }

    private static void string(StringBuilder s, String name, String value) {
        s.append('"').append(name).append("\":\"");
        escaped(s, value);
        s.append('"');
    }

    /** Appends {@code value} escaped as Jackson's default generator escapes a JSON string. */
    static void escaped(StringBuilder s, String value) {
        int from = 0;
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            s.append(value, from, i);
            from = i + 1;
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\b' -> s.append("\\b");
                case '\t' -> s.append("\\t");
                case '\n' -> s.append("\\n");
                case '\f' -> s.append("\\f");
                case '\r' -> s.append("\\r");
                default -> s.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        s.append(value, from, n);
    }
}
