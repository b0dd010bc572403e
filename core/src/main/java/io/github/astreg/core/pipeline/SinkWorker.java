package io.github.astreg.core.pipeline;

import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.ObservationKey;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.spi.EndpointSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers changes to one sink from its own thread ({@code astreg-sink-<name>}), owned by the
 * {@link Pipeline}. Pending changes are coalesced to the newest per key, so while a store is down
 * memory is bounded by the number of keys, never by time; {@link #offer} never waits for the store.
 */
final class SinkWorker {
    private static final Logger log = LoggerFactory.getLogger(SinkWorker.class);

    private final EndpointSink sink;
    private final PipelineConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /**
     * Pending changes, newest per key, in two lanes. Changes from list reads and snapshots ({@link
     * Origin#POLL}, {@link Origin#SNAPSHOT}) come in bursts of thousands; live ones (a phone's new
     * state, heartbeats) are taken first so that they do not wait behind a burst, and the bulk lane
     * always gets a quarter of a batch so that it is never starved. A key is in one lane only; it
     * keeps its place while newer changes replace its value, so no key waits behind its own updates.
     */
    private final LinkedHashMap<ObservationKey, EndpointStateEvent> live = new LinkedHashMap<>();

    private final LinkedHashMap<ObservationKey, EndpointStateEvent> bulk = new LinkedHashMap<>();
    /**
     * A newer change of a key whose pending change is an endpoint removal: it waits here until the
     * removal is taken, and goes into a later batch. Coalescing the two would lose what the removal
     * does in a store besides its own row: it clears the node's older device state, which the newer
     * endpoint state says nothing of (the registry shows no device state for that node then). Keys
     * here are always pending (in a lane) with a removal.
     */
    private final Map<ObservationKey, EndpointStateEvent> afterRemoval = new HashMap<>();

    private final Thread thread;
    private boolean closing;
    private boolean inFlight;
    /** The worker waits for changes (idle, or lingering for a batch): only then does {@link #offer} wake it. */
    private boolean waitingForChanges;

    private long batchesWritten;
    private long changesWritten;
    private long failures;
    private long consecutiveFailures;
    private Instant lastSuccessAt;
    private String lastError;

    SinkWorker(EndpointSink sink, PipelineConfig config) {
        this.sink = sink;
        this.config = config;
        this.thread = new Thread(this::run, "astreg-sink-" + sink.name());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Queues changes, keeping only the newest per key. Never blocks on the store.
     *
     * @param keys {@code keys[i]} is {@code changes.get(i).key()}, computed once for every sink
     */
    void offer(List<EndpointStateEvent> changes, ObservationKey[] keys) {
        if (changes.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            for (int i = 0; i < keys.length; i++) {
                merge(keys[i], changes.get(i));
            }
            if (waitingForChanges) {
                // a wake-up per offer would cost a context switch per observation at high rates
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void merge(ObservationKey key, EndpointStateEvent e) {
        LinkedHashMap<ObservationKey, EndpointStateEvent> lane = live;
        EndpointStateEvent old = live.get(key);
        if (old == null) {
            old = bulk.get(key);
            lane = bulk;
        }
        if (old != null && isEndpointRemoval(old) && !isEndpointRemoval(e) && isNewer(e, old)) {
            EndpointStateEvent waiting = afterRemoval.get(key);
            if (waiting == null || isNewer(e, waiting)) {
                afterRemoval.put(key, e);
            }
            return;
        }
        if (old == null) {
            laneOf(e).put(key, e);
        } else if (isNewer(e, old)) {
            if (lane == bulk && !isBulk(e)) {
                // a live change of a key waiting in the bulk lane is live from now on
                bulk.remove(key);
                live.put(key, e);
            } else {
                lane.put(key, e);
            }
            // a newer removal replaced the pending one: what waited behind it is obsolete unless newer still
            EndpointStateEvent waiting = afterRemoval.get(key);
            if (waiting != null && !isNewer(waiting, e)) {
                afterRemoval.remove(key);
            }
        }
    }

    private LinkedHashMap<ObservationKey, EndpointStateEvent> laneOf(EndpointStateEvent e) {
        return isBulk(e) ? bulk : live;
    }

    private static boolean isBulk(EndpointStateEvent e) {
        return e.origin() == Origin.POLL || e.origin() == Origin.SNAPSHOT;
    }

    private int pendingSize() {
        return live.size() + bulk.size();
    }

    private static boolean isEndpointRemoval(EndpointStateEvent e) {
        return e.change() instanceof EndpointChange c && c.state() == EndpointState.REMOVED;
    }

    /** {@code e.version().isNewerThan(old.version())} without building two versions per change. */
    private static boolean isNewer(EndpointStateEvent e, EndpointStateEvent old) {
        int c = e.observedAt().compareTo(old.observedAt());
        return c != 0 ? c > 0 : e.sequence() > old.sequence();
    }

    /** Waits until everything offered so far is written, or the timeout passes. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (pendingSize() > 0 || inFlight) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        Duration backoff = config.retryInitialBackoff();
        boolean started = false;
        while (true) {
            if (!started) {
                try {
                    sink.start();
                    started = true;
                } catch (Exception | LinkageError | AssertionError e) {
                    if (isClosing()) {
                        return;
                    }
                    recordFailure("start", e);
                    sleep(backoff);
                    backoff = next(backoff);
                    continue;
                }
            }
            List<EndpointStateEvent> batch = take();
            if (batch == null) {
                return;
            }
            try {
                sink.write(batch);
                recordSuccess(batch.size());
                backoff = config.retryInitialBackoff();
            } catch (Exception | LinkageError | AssertionError e) {
                // a sink's defect (even a NoClassDefFoundError) must not kill the thread: it would
                // leave the sink silently stalled for ever; retried like any failure
                recordFailure("write of " + batch.size() + " changes", e);
                requeue(batch);
                if (isClosing()) {
                    return;
                }
                sleep(backoff);
                backoff = next(backoff);
            } catch (Error e) {
                requeue(batch);
                throw e;
            }
        }
    }

    /** The next batch, or null when closing and nothing is left. */
    private List<EndpointStateEvent> take() {
        lock.lock();
        try {
            inFlight = false;
            changed.signalAll();
            waitingForChanges = true;
            while (pendingSize() == 0) {
                if (closing) {
                    waitingForChanges = false;
                    return null;
                }
                changed.awaitUninterruptibly();
            }
            // linger for a fuller batch when configured, unless it is full already or we are closing
            long deadline = System.nanoTime() + config.flushInterval().toNanos();
            while (pendingSize() < config.batchSize() && !closing) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            waitingForChanges = false;
            int size = config.batchSize();
            List<EndpointStateEvent> batch = new ArrayList<>(Math.min(pendingSize(), size));
            List<EndpointStateEvent> released = new ArrayList<>(0);
            int bulkShare = Math.min(bulk.size(), Math.max(1, size / 4));
            drain(live, size - bulkShare, batch, released);
            drain(bulk, size, batch, released);
            // after the removal's batch (one change per key in a batch); a failed write re-defers them
            for (EndpointStateEvent e : released) {
                laneOf(e).put(e.key(), e);
            }
            inFlight = true;
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Moves the oldest changes of {@code lane} into {@code batch} until it holds {@code limit}. */
    private void drain(
            LinkedHashMap<ObservationKey, EndpointStateEvent> lane,
            int limit,
            List<EndpointStateEvent> batch,
            List<EndpointStateEvent> released) {
        Iterator<Map.Entry<ObservationKey, EndpointStateEvent>> it =
                lane.entrySet().iterator();
        while (it.hasNext() && batch.size() < limit) {
            Map.Entry<ObservationKey, EndpointStateEvent> next = it.next();
            batch.add(next.getValue());
            it.remove();
            EndpointStateEvent waiting = afterRemoval.isEmpty() ? null : afterRemoval.remove(next.getKey());
            if (waiting != null) {
                released.add(waiting);
            }
        }
    }

    private void requeue(List<EndpointStateEvent> batch) {
        lock.lock();
        try {
            // older than what arrived meanwhile? merge keeps the newer one
            LinkedHashMap<ObservationKey, EndpointStateEvent> newer = new LinkedHashMap<>(live);
            newer.putAll(bulk);
            live.clear();
            bulk.clear();
            for (EndpointStateEvent e : batch) {
                laneOf(e).put(e.key(), e);
            }
            for (Map.Entry<ObservationKey, EndpointStateEvent> e : newer.entrySet()) {
                merge(e.getKey(), e.getValue());
            }
            inFlight = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void recordSuccess(int n) {
        lock.lock();
        try {
            batchesWritten++;
            changesWritten += n;
            if (consecutiveFailures > 0) {
                log.info("sink {} recovered after {} failed attempts", sink.name(), consecutiveFailures);
            }
            consecutiveFailures = 0;
            lastSuccessAt = Instant.now();
        } finally {
            lock.unlock();
        }
    }

    private void recordFailure(String what, Throwable e) {
        lock.lock();
        try {
            failures++;
            consecutiveFailures++;
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (consecutiveFailures == 1) {
                log.warn("sink {}: {} failed, retrying with backoff: {}", sink.name(), what, lastError);
            } else {
                log.debug("sink {}: {} failed again ({}): {}", sink.name(), what, consecutiveFailures, lastError);
            }
        } finally {
            lock.unlock();
        }
    }

    private Duration next(Duration backoff) {
        Duration d = backoff.multipliedBy(2);
        return d.compareTo(config.retryMaxBackoff()) > 0 ? config.retryMaxBackoff() : d;
    }

    /**
     * Waits out a backoff. New changes signal the same condition; they must not cut the wait short,
     * or a steady stream during an outage turns the backoff into one failed write per burst.
     * Only close() ends it early.
     */
    private void sleep(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        lock.lock();
        try {
            long left;
            while (!closing && (left = deadline - System.nanoTime()) > 0) {
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private boolean isClosing() {
        lock.lock();
        try {
            return closing;
        } finally {
            lock.unlock();
        }
    }

    /** Flushes what is pending (up to the timeout), stops the thread and closes the sink. */
    void close(Duration timeout) {
        try {
            if (thread.isAlive() && !awaitIdle(timeout)) {
                log.warn("sink {}: {} changes not written before close timeout", sink.name(), pendingKeys());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
        try {
            sink.close();
        } catch (RuntimeException e) {
            log.warn("sink {}: close failed: {}", sink.name(), e.toString());
        }
    }

    int pendingKeys() {
        lock.lock();
        try {
            return pendingSize() + afterRemoval.size();
        } finally {
            lock.unlock();
        }
    }

    SinkMetrics metrics() {
        // outside the worker's lock: a sink's own counters may take the sink's locks
        Map<String, Long> counters = own("counters", sink::counters);
        Map<String, Long> gauges = own("gauges", sink::gauges);
        lock.lock();
        try {
            return new SinkMetrics(
                    sink.name(),
                    pendingSize() + afterRemoval.size(),
                    batchesWritten,
                    changesWritten,
                    failures,
                    consecutiveFailures,
                    Optional.ofNullable(lastSuccessAt),
                    Optional.ofNullable(lastError),
                    counters,
                    gauges);
        } finally {
            lock.unlock();
        }
    }

    /** A sink's own metrics; a sink whose metrics fail must not fail the pipeline's. */
    private Map<String, Long> own(String what, Supplier<Map<String, Long>> read) {
        try {
            Map<String, Long> m = read.get();
            if (m == null) {
                return Map.of();
            }
            Map<String, Long> out = new TreeMap<>();
            m.forEach((k, v) -> {
                if (k != null && v != null) {
                    out.put(k, v);
                }
            });
            return out;
        } catch (RuntimeException e) {
            log.debug("sink {}: reading its {} failed: {}", sink.name(), what, e.toString());
            return Map.of();
        }
    }
}
