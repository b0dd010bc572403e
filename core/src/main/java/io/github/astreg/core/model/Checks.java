package io.github.astreg.core.model;

import java.util.Objects;

/** Shared argument checks for the model's compact constructors; messages name field and value. */
final class Checks {
    private static final int SHOWN = 80;

    private Checks() {}

    static <T> T notNull(String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        return value;
    }

    static IllegalArgumentException invalid(String field, Object value, String rule) {
        return new IllegalArgumentException(field + " " + rule + ": " + shown(value));
    }

    /** Quotes and shortens a value for an error message, escaping control characters. */
    static String shown(Object value) {
        String s = Objects.toString(value);
        StringBuilder out = new StringBuilder(Math.min(s.length(), SHOWN) + 8).append('"');
        for (int i = 0; i < s.length() && i < SHOWN; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (s.length() > SHOWN) {
            out.append("...(").append(s.length()).append(" chars)");
        }
        return out.append('"').toString();
    }

    static boolean hasControlChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    static String text(String field, String value, int maxLength) {
        notNull(field, value);
        if (value.isBlank()) {
            throw invalid(field, value, "must not be blank");
        }
        if (value.length() > maxLength) {
            throw invalid(field, value, "must be at most " + maxLength + " characters");
        }
        if (hasControlChars(value)) {
            throw invalid(field, value, "must not contain control characters");
        }
        return value;
    }
}
