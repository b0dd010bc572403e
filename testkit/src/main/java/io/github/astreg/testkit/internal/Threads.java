package io.github.astreg.testkit.internal;

/** Starts the fakes' threads: always named, always daemon. */
public final class Threads {
    private Threads() {}

    public static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Sleeps, returning false when interrupted (the interrupt flag is restored). */
    public static boolean sleep(long millis) {
        if (millis <= 0) {
            return true;
        }
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
