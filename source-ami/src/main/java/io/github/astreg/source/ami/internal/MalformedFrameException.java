package io.github.astreg.source.ami.internal;

/** An AMI frame that cannot be mapped: counted as malformed and logged (shortened), never fatal. */
public final class MalformedFrameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MalformedFrameException(String message) {
        super(message);
    }
}
