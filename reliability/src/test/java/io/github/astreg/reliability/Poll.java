package io.github.astreg.reliability;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits (there is no Awaitility here): poll a condition every 20 ms until a deadline. */
final class Poll {
    private Poll() {}

    /** Waits until {@code condition} holds, or fails with {@code what} and the current state. */
    static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        if (!within(timeout, condition)) {
            throw new AssertionError("timed out after " + timeout + " waiting for: " + what + " " + state.get());
        }
    }

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> "");
    }

    /** Whether {@code condition} held before the timeout. */
    static boolean within(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            sleep(20);
        }
        return true;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }
}
