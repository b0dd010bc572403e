package io.github.astreg.source.ami.internal;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The headers of one AMI frame (event or list item), looked up case-insensitively. Blank values and
 * Asterisk's null spellings ({@code <unknown>}, {@code (null)}) read as absent.
 */
public final class Headers {
    private final Map<String, String> values;

    private Headers(Map<String, String> values) {
        this.values = values;
    }

    /** Copies {@code map}; {@code null} values are skipped. */
    public static Headers of(Map<String, String> map) {
        TreeMap<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        map.forEach((k, v) -> {
            if (k != null && v != null) {
                m.put(k, v);
            }
        });
        return new Headers(m);
    }

    /** Starts an empty set of headers to fill with {@link Builder#put}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The trimmed value, empty when absent, blank or an Asterisk null spelling. */
    public Optional<String> get(String name) {
        String v = values.get(name);
        if (v == null) {
            return Optional.empty();
        }
        String t = v.trim();
        if (t.isEmpty() || t.equalsIgnoreCase("<unknown>") || t.equalsIgnoreCase("(null)")) {
            return Optional.empty();
        }
        return Optional.of(t);
    }

    /** The value parsed as a long; empty when absent or not a number (for example {@code N/A}). */
    public OptionalLong getLong(String name) {
        Optional<String> v = get(name);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v.get()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The value, or a {@link MalformedFrameException} naming the missing header. */
    public String require(String name) {
        return get(name).orElseThrow(() -> new MalformedFrameException("missing header " + name));
    }

    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Collects headers; {@code null} values are skipped. */
    public static final class Builder {
        private final TreeMap<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

        private Builder() {}

        public Builder put(String name, Object value) {
            if (value != null) {
                m.put(name, value.toString());
            }
            return this;
        }

        public Headers build() {
            return new Headers(new TreeMap<>(m));
        }
    }
}
