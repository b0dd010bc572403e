package io.github.astreg.examples.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): one {@code # HELP} and
 * {@code # TYPE} line per family, then its samples. Families are written in the order they are first
 * used; label values are escaped. Not thread-safe; one instance per scrape.
 */
public final class PrometheusText {
    /** The Content-Type of this format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern INVALID_NAME_CHARS = Pattern.compile("[^a-zA-Z0-9_:]");

    private final Map<String, Family> families = new LinkedHashMap<>();

    private record Family(String type, String help, StringBuilder samples) {}

    /** Adds a counter sample; {@code labels} alternate name and value. */
    public PrometheusText counter(String name, String help, double value, String... labels) {
        return sample(name, "counter", help, value, labels);
    }

    /** Adds a gauge sample; {@code labels} alternate name and value. */
    public PrometheusText gauge(String name, String help, double value, String... labels) {
        return sample(name, "gauge", help, value, labels);
    }

    private PrometheusText sample(String name, String type, String help, double value, String... labels) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name: " + name);
        }
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels must come in name/value pairs");
        }
        Family f = families.computeIfAbsent(name, n -> new Family(type, help, new StringBuilder()));
        if (!f.type().equals(type)) {
            throw new IllegalArgumentException(name + " is a " + f.type() + ", not a " + type);
        }
        StringBuilder s = f.samples();
        s.append(name);
        if (labels.length > 0) {
            s.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) {
                    s.append(',');
                }
                s.append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
            }
            s.append('}');
        }
        s.append(' ').append(format(value)).append('\n');
        return this;
    }

    /** Turns any text into a valid metric name part ({@code dropped-events} → {@code dropped_events}). */
    public static String sanitize(String text) {
        String s = INVALID_NAME_CHARS.matcher(text).replaceAll("_");
        return s.isEmpty() || Character.isDigit(s.charAt(0)) ? "_" + s : s;
    }

    private static String escape(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\':
                    b.append("\\\\");
                    break;
                case '"':
                    b.append("\\\"");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                default:
                    b.append(c);
            }
        }
        return b.toString();
    }

    private static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** The whole exposition. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        families.forEach((name, f) -> {
            out.append("# HELP ").append(name).append(' ').append(f.help()).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(f.type()).append('\n');
            out.append(f.samples());
        });
        return out.toString();
    }
}
