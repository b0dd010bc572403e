package io.github.astreg.core;

/**
 * Root of every unchecked exception astreg throws. Catch this to handle any astreg failure;
 * catch {@link RetriableAstregException} to tell "try again later" apart from a defect or bad input.
 */
public class AstregException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AstregException(String message) {
        super(message);
    }

    public AstregException(String message, Throwable cause) {
        super(message, cause);
    }
}
