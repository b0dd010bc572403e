package io.github.astreg.core.model;

import java.util.regex.Pattern;

/**
 * The Asterisk server that reported an observation, for example {@code pbx-eu-1}: non-blank, at
 * most 64 characters of {@code [A-Za-z0-9._-]}. Usually Asterisk's {@code systemname} or the id
 * given in configuration.
 */
public record NodeId(String value) implements Comparable<NodeId> {
    /** Longest accepted node id. */
    public static final int MAX_LENGTH = 64;

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public NodeId {
        Checks.notNull("node", value);
        if (!VALID.matcher(value).matches()) {
            throw Checks.invalid("node", value, "must be 1..64 characters of [A-Za-z0-9._-]");
        }
    }

    /** Same as the constructor; reads better at call sites. */
    public static NodeId of(String value) {
        return new NodeId(value);
    }

    @Override
    public int compareTo(NodeId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
