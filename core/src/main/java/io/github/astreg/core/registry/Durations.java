package io.github.astreg.core.registry;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parses durations in config maps: ISO-8601 ({@code PT30S}), {@code 500ms}, {@code 30s}, {@code 5m} or plain seconds. */
public final class Durations {
    private Durations() {}

    /**
     * Parses one duration.
     *
     * @throws IllegalArgumentException with the offending text when it is no duration
     */
    public static Duration parse(String text) {
        String t = text.trim();
        try {
            if (t.startsWith("P") || t.startsWith("p")) {
                return Duration.parse(t);
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(
                        Long.parseLong(t.substring(0, t.length() - 2).trim()));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(
                        Long.parseLong(t.substring(0, t.length() - 1).trim()));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(
                        Long.parseLong(t.substring(0, t.length() - 1).trim()));
            }
            if (t.endsWith("h")) {
                return Duration.ofHours(
                        Long.parseLong(t.substring(0, t.length() - 1).trim()));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration (use 30s, 500ms, 5m or PT30S): '" + text + "'");
        }
    }

    /** Reads {@code key} from {@code map}; a bad value is added to {@code errors} as "key: message". */
    public static Optional<Duration> read(Map<String, String> map, String key, List<String> errors) {
        String v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(v));
        } catch (IllegalArgumentException e) {
            errors.add(key + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
