package io.github.astreg.sink.redis.internal;

import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.NodeChange;
import java.time.Duration;

/**
 * Writes exactly the text of {@link EventJson#write(EndpointStateEvent)}, straight into a
 * {@link StringBuilder}. The sink encodes every change it writes, and building and serializing
 * Jackson's tree took about 2 µs per change, as much as Redis' own work for it; this takes a tenth.
 * {@code EventTextTest} compares both over every kind of change, every optional field and awkward
 * strings, so a change to the canonical form fails the build here instead of drifting.
 *
 * <p>Strings are escaped the way Jackson's default generator does: {@code "} and {@code \}, the short
 * forms {@code \b \t \n \f \r}, other control characters as a backslash, {@code u00} and two
 * upper-case hex digits; everything else, non-ASCII included, verbatim.
 */
public final class EventText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private EventText() {}

    /** Appends the event's canonical JSON. */
    public static void append(StringBuilder s, EndpointStateEvent event) {
        s.append('{');
        string(s, "node", event.node().value());
        s.append(',');
        string(s, "observedAt", event.observedAt().toString());
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
            c.expiresAt().ifPresent(v -> optional(s, "expiresAt", v.toString()));
            c.jitter().ifPresent(v -> s.append(",\"jitterUs\":").append(micros(v)));
            c.registeredAt().ifPresent(v -> optional(s, "registeredAt", v.toString()));
        } else if (change instanceof EndpointChange c) {
            string(s, "state", c.state().name());
            c.channels().ifPresent(n -> s.append(",\"channels\":").append(n));
        } else if (change instanceof DeviceChange c) {
            string(s, "state", c.state().name());
        } else if (change instanceof NodeChange c) {
            string(s, "status", c.status().name());
            c.startedAt().ifPresent(v -> optional(s, "startedAt", v.toString()));
            c.collector().ifPresent(v -> optional(s, "collector", v));
        }
        s.append("}}");
    }

    /** The event's canonical JSON. */
    public static String write(EndpointStateEvent event) {
        StringBuilder s = new StringBuilder(320);
        append(s, event);
        return s.toString();
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
