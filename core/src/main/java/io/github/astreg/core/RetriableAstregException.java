package io.github.astreg.core;

/**
 * A failure that may go away on its own: a store that is down, a connection that was lost. The
 * pipeline retries sink batches that fail with it (and with any other exception) using capped
 * exponential backoff; callers may do the same.
 */
public class RetriableAstregException extends AstregException {
    private static final long serialVersionUID = 1L;

    public RetriableAstregException(String message) {
        super(message);
    }

    public RetriableAstregException(String message, Throwable cause) {
        super(message, cause);
    }
}
