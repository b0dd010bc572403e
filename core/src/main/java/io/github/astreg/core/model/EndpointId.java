package io.github.astreg.core.model;

import java.util.regex.Pattern;

/**
 * An endpoint as Asterisk names it: technology and resource, written {@code PJSIP/1001} or
 * {@code SIP/alice}. The technology is 1..32 characters of {@code [A-Za-z0-9_-]}; the resource is
 * 1..{@value #MAX_RESOURCE_LENGTH} printable characters (any script) except {@code /}.
 * {@link #toString()} prints the same form {@link #parse(String)} reads.
 */
public record EndpointId(String technology, String resource) implements Comparable<EndpointId> {
    /** Longest accepted resource part. */
    public static final int MAX_RESOURCE_LENGTH = 255;

    private static final Pattern TECHNOLOGY = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    public EndpointId {
        Checks.notNull("technology", technology);
        Checks.notNull("resource", resource);
        if (!TECHNOLOGY.matcher(technology).matches()) {
            throw Checks.invalid("technology", technology, "must be 1..32 characters of [A-Za-z0-9_-]");
        }
        if (resource.isEmpty()) {
            throw Checks.invalid("resource", resource, "must not be empty");
        }
        if (resource.length() > MAX_RESOURCE_LENGTH) {
            throw Checks.invalid("resource", resource, "must be at most " + MAX_RESOURCE_LENGTH + " characters");
        }
        if (resource.indexOf('/') >= 0) {
            throw Checks.invalid("resource", resource, "must not contain '/'");
        }
        if (Checks.hasControlChars(resource)) {
            throw Checks.invalid("resource", resource, "must not contain control characters");
        }
        technology = canonical(technology);
    }

    /**
     * The shared instance of a common technology name. Lookups compare endpoint ids millions of times a
     * second; with one {@code "PJSIP"} string, half of each comparison is an identity check on a string
     * that stays in the CPU cache.
     */
    private static String canonical(String technology) {
        switch (technology) {
            case "PJSIP":
                return "PJSIP";
            case "SIP":
                return "SIP";
            case "IAX2":
                return "IAX2";
            default:
                return technology;
        }
    }

    /**
     * Parses {@code TECH/resource}.
     *
     * @throws IllegalArgumentException naming the field and value when the text is not of that form
     */
    public static EndpointId parse(String text) {
        Checks.notNull("endpoint", text);
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw Checks.invalid("endpoint", text, "must be TECHNOLOGY/resource");
        }
        return new EndpointId(text.substring(0, slash), text.substring(slash + 1));
    }

    /** Shorthand for {@code new EndpointId("PJSIP", resource)}. */
    public static EndpointId pjsip(String resource) {
        return new EndpointId("PJSIP", resource);
    }

    @Override
    public int compareTo(EndpointId other) {
        int c = technology.compareTo(other.technology);
        return c != 0 ? c : resource.compareTo(other.resource);
    }

    @Override
    public String toString() {
        return technology + "/" + resource;
    }
}
