package io.github.astreg.core.spi;

import java.util.Map;

/**
 * Watches one Asterisk node and reports what it sees as {@link io.github.astreg.core.model.EndpointStateEvent}s.
 *
 * <p>Lifecycle: {@link #start(EventReceiver)} once; it returns promptly and the source connects in
 * the background, reconnecting with backoff for ever (also when the very first connect fails).
 * After every (re)connect it emits {@code NodeChange SNAPSHOT_BEGIN}, the node's full current state,
 * {@code SNAPSHOT_END}, then {@code UP}; on losing the link it emits {@code DOWN} (R5, R6).
 * {@link #close()} stops everything it started, is idempotent and may be called from any thread.
 *
 * <p>Threading: a source owns its connection and threads (named {@code astreg-<kind>-<node>}) and
 * documents them. It never runs receiver code on a protocol reader thread that also delivers
 * responses, and never blocks that thread.
 *
 * <p>Sequence numbers of the events a source emits strictly increase.
 */
public interface EndpointEventSource extends AutoCloseable {

    /** A short name for logs, metrics and thread names, such as {@code ami-pbx1}. */
    String name();

    /**
     * Starts watching. Events go to {@code receiver}.
     *
     * @throws IllegalStateException when called twice or after close
     */
    void start(EventReceiver receiver);

    /**
     * Counters for metrics: at least {@code events}, {@code reconnects}, {@code dropped} and
     * {@code malformed} where they apply. The map is a snapshot.
     */
    default Map<String, Long> counters() {
        return Map.of();
    }

    /** Whether the link to the node is up and resynchronised. */
    default boolean isConnected() {
        return false;
    }

    /** Stops watching and releases every thread and socket; idempotent; throws nothing. */
    @Override
    void close();
}
