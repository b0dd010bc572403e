package io.github.astreg.source.ari;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waiting for tests (no Awaitility here): fails the test when the condition does not hold in time. */
final class PollUntil {
    private PollUntil() {}

    static void awaitTrue(Duration timeout, String what, BooleanSupplier condition) {
        awaitTrue(timeout, () -> what, condition);
    }

    static void awaitTrue(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }
}
