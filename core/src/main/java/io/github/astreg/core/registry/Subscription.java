package io.github.astreg.core.registry;

/** A registered listener; {@link #close()} stops delivery, is idempotent and throws nothing. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
