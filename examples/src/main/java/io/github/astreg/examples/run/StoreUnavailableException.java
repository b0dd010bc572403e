package io.github.astreg.examples.run;

import io.github.astreg.core.RetriableAstregException;

/** A store named in the config cannot be reached when the runner starts. The message holds no secret. */
public final class StoreUnavailableException extends RetriableAstregException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
