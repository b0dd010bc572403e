package io.github.astreg.source.ami.internal;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The headers of one AMI frame (event or list item), looked up case-insensitively. Blank values and
 * Asterisk's null spellings ({@code <unknown>}, {@code (null)}) read as absent.
 *
 * <p>Held as two short arrays searched linearly: a frame has a handful to two dozen headers, and
 * every live event is turned into one of these, so this is cheaper than a sorted map (no tree nodes,
 * no copy on build). An event's {@code Timestamp} can be handed over already parsed
 * ({@link Builder#timestamp(Instant)}), which spares formatting asterisk-java's {@code Double} back
 * into text only to parse it again.
 */
public final class Headers {
    private final String[] names;
    private final String[] values;
    private final int size;
    private final Instant timestamp;

    private Headers(String[] names, String[] values, int size, Instant timestamp) {
        this.names = names;
        this.values = values;
        this.size = size;
        this.timestamp = timestamp;
    }

    /** Copies {@code map}; {@code null} keys and values are skipped. */
    public static Headers of(Map<String, String> map) {
        Builder b = new Builder(map.size());
        map.forEach((k, v) -> {
            if (k != null) {
                b.put(k, v);
            }
        });
        return b.build();
    }

    /** Starts an empty set of headers to fill with {@link Builder#put}. */
    public static Builder builder() {
        return new Builder(8);
    }

    private String raw(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return values[i];
            }
        }
        return null;
    }

    /** The trimmed value, empty when absent, blank or an Asterisk null spelling. */
    public Optional<String> get(String name) {
        return Optional.ofNullable(clean(raw(name)));
    }

    /** A header value as {@link #get} reads it: trimmed; null when null, blank or an Asterisk null spelling. */
    public static String clean(String value) {
        if (value == null) {
            return null;
        }
        String t = value.trim();
        if (t.isEmpty() || t.equalsIgnoreCase("<unknown>") || t.equalsIgnoreCase("(null)")) {
            return null;
        }
        return t;
    }

    /** The value parsed as a long; empty when absent or not a number (for example {@code N/A}). */
    public OptionalLong getLong(String name) {
        return parseLong(get(name).orElse(null));
    }

    /** A cleaned value ({@link #clean}) as a long; empty when null or not a number. */
    static OptionalLong parseLong(String value) {
        if (value == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The value, or a {@link MalformedFrameException} naming the missing header. */
    public String require(String name) {
        return get(name).orElseThrow(() -> new MalformedFrameException("missing header " + name));
    }

    /** The event time handed over already parsed, if any (else read the {@code Timestamp} header). */
    public Optional<Instant> parsedTimestamp() {
        return Optional.ofNullable(timestamp);
    }

    /** The headers as a case-insensitive map (a copy). */
    public Map<String, String> asMap() {
        TreeMap<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < size; i++) {
            m.put(names[i], values[i]);
        }
        return Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return asMap().toString();
    }

    /** Collects headers; {@code null} values are skipped, a repeated name replaces the earlier value. */
    public static final class Builder {
        private String[] names;
        private String[] values;
        private int size;
        private Instant timestamp;

        private Builder(int capacity) {
            names = new String[Math.max(4, capacity)];
            values = new String[names.length];
        }

        public Builder put(String name, Object value) {
            if (value == null) {
                return this;
            }
            String v = value.toString();
            for (int i = 0; i < size; i++) {
                if (names[i].equalsIgnoreCase(name)) {
                    values[i] = v;
                    return this;
                }
            }
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = name;
            values[size] = v;
            size++;
            return this;
        }

        /** The event's time, already parsed; {@link AmiMapping#timestamp(Headers)} prefers it. */
        public Builder timestamp(Instant value) {
            this.timestamp = value;
            return this;
        }

        public Headers build() {
            // the builder is used once: its arrays are handed over, not copied
            Headers h = new Headers(names, values, size, timestamp);
            names = new String[4];
            values = new String[4];
            size = 0;
            timestamp = null;
            return h;
        }
    }
}
