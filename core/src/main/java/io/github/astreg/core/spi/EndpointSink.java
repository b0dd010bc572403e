package io.github.astreg.core.spi;

import io.github.astreg.core.model.EndpointStateEvent;
import java.util.List;
import java.util.Map;

/**
 * Makes the registry's changes durable in a store (SQL, Redis, …).
 *
 * <p>The pipeline calls {@link #write(List)} from one thread per sink ({@code astreg-sink-<name>}),
 * never concurrently, with batches that hold at most one change per
 * {@link io.github.astreg.core.model.ObservationKey}, in the order the registry made them. The
 * changes are in merged form (a contact change carries every field the registry knows, with
 * {@code jitter} and {@code registeredAt}); their versions strictly increase per key.
 *
 * <p>A write must be idempotent and guarded by version (R3): a change whose version is not newer
 * than what the store holds for its key leaves the store unchanged, so replays, retries and a
 * second collector never move the store backwards. A contact with status REMOVED and an endpoint
 * with state REMOVED are removals; the store keeps them as tombstones (or otherwise refuses older
 * writes for the key) for at least the registry's tombstone retention. Node changes carry
 * heartbeats: {@code observedAt} is the heartbeat time.
 *
 * <p>If {@code write} throws, the pipeline retries the batch (merged with newer changes) with
 * capped exponential backoff; a store should apply a batch all or nothing.
 *
 * <p>Lifecycle: {@link #start()} before the first write (create schema, check the connection);
 * {@link #close()} is idempotent.
 */
public interface EndpointSink extends AutoCloseable {

    /** A short name for logs, metrics and the thread name, such as {@code jdbc} or {@code redis}. */
    String name();

    /** Prepares the store. May throw; the pipeline retries start like a write. */
    default void start() throws Exception {}

    /** Writes one batch, all or nothing. Throwing makes the pipeline retry it later. */
    void write(List<EndpointStateEvent> batch) throws Exception;

    /**
     * The sink's own counters for metrics, values that only grow (such as a count of data losses it
     * repaired), as a snapshot. The pipeline's {@link io.github.astreg.core.pipeline.SinkMetrics}
     * carries them. Called from any thread, also while a write is in progress, so it must not wait
     * for one. Default: none.
     */
    default Map<String, Long> counters() {
        return Map.of();
    }

    /**
     * The sink's own current values for metrics, values that can go down (sizes, states), as a
     * snapshot; called like {@link #counters()}. Default: none.
     */
    default Map<String, Long> gauges() {
        return Map.of();
    }

    /** Releases the sink's connections (not a user-supplied DataSource or client); idempotent. */
    @Override
    void close();
}
