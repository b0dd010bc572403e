package io.github.astreg.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded polling for tests (no Awaitility here). */
final class PollUntil {
    private PollUntil() {}

    static void poll(BooleanSupplier condition, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
        if (!condition.getAsBoolean()) {
            throw new AssertionError("condition not met within " + timeout);
        }
    }
}
