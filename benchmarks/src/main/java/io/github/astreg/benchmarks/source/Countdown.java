package io.github.astreg.benchmarks.source;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts events on the thread that delivers them and wakes one waiting thread once a target is
 * reached, without spinning (a spinning waiter would steal a core from the threads it waits for on
 * a 2-core machine).
 */
final class Countdown {
    private final AtomicLong count = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;

    /** Called by the delivering thread for every counted event. */
    void increment() {
        if (count.incrementAndGet() >= target) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    long count() {
        return count.get();
    }

    /**
     * The count to wait for once {@code n} more events arrived; take it BEFORE triggering them, or
     * events that arrive before the wait starts are counted twice.
     */
    long goalAfter(long n) {
        return count.get() + n;
    }

    /** Waits until the count reaches {@code goal} (see {@link #goalAfter}). */
    void await(long goal, Duration timeout) throws TimeoutException {
        waiter = Thread.currentThread();
        target = goal;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (count.get() < goal) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException(
                            "counted " + count.get() + " events, waited for " + goal + " within " + timeout);
                }
                LockSupport.parkNanos(this, Math.min(left, 5_000_000L));
            }
        } finally {
            target = Long.MAX_VALUE;
            waiter = null;
        }
    }
}
