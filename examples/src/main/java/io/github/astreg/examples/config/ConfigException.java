package io.github.astreg.examples.config;

import io.github.astreg.core.AstregException;
import java.util.List;

/**
 * A runner configuration that cannot be used. Carries every problem found, each prefixed with its
 * path ({@code nodes[1].ami.port: must be 1..65535}); never a secret value.
 */
public final class ConfigException extends AstregException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final List<String> errors;

    public ConfigException(String source, List<String> errors) {
        super(format(source, errors));
        this.source = source;
        this.errors = List.copyOf(errors);
    }

    /** Where the configuration came from (a file name). */
    public String source() {
        return source;
    }

    /** Every problem, one per entry, in document order. */
    public List<String> errors() {
        return errors;
    }

    private static String format(String source, List<String> errors) {
        StringBuilder b = new StringBuilder("invalid config ").append(source).append(':');
        for (String e : errors) {
            b.append("\n  ").append(e);
        }
        return b.toString();
    }
}
