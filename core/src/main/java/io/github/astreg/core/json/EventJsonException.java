package io.github.astreg.core.json;

import io.github.astreg.core.AstregException;

/** Malformed or invalid JSON given to {@link EventJson}; the message says which field and why. */
public class EventJsonException extends AstregException {
    private static final long serialVersionUID = 1L;

    public EventJsonException(String message) {
        super(message);
    }

    public EventJsonException(String message, Throwable cause) {
        super(message, cause);
    }
}
