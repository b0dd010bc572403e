package io.github.astreg.examples.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Options of {@code astreg demo}.
 *
 * @param port the lookup service's port on 127.0.0.1 (default 8080; 0 = any free port)
 * @param once wait for the first full picture, print one table and return
 * @param phones how many phones the scenario drives (default 20), split over pbx1 and pbx2
 * @param seed the scenario's random seed (default 42): the same seed plays the same story
 * @param timeout how long {@code once} waits for every phone to be located (default 60 s)
 * @param ansi redraw the table in place (a terminal); else print a new table every 10 seconds
 * @param refresh how often the live table is redrawn (default 500 ms)
 * @param step the pause between two scenario steps (default 700 ms)
 */
public record DemoOptions(
        int port,
        boolean once,
        int phones,
        long seed,
        Duration timeout,
        boolean ansi,
        Duration refresh,
        Duration step) {

    public DemoOptions {
        List<String> errors = new ArrayList<>();
        if (port < 0 || port > 65535) {
            errors.add("port: must be 0..65535, was " + port);
        }
        if (phones < 2 || phones > 500) {
            errors.add("phones: must be 2..500, was " + phones);
        }
        positive(errors, "timeout", timeout);
        positive(errors, "refresh", refresh);
        positive(errors, "step", step);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid demo options: " + String.join("; ", errors));
        }
    }

    private static void positive(List<String> errors, String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            errors.add(name + ": must be positive, was " + d);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the defaults listed on {@link DemoOptions}. */
    public static final class Builder {
        private int port = 8080;
        private boolean once;
        private int phones = 20;
        private long seed = 42;
        private Duration timeout = Duration.ofSeconds(60);
        private boolean ansi;
        private Duration refresh = Duration.ofMillis(500);
        private Duration step = Duration.ofMillis(700);

        private Builder() {}

        public Builder port(int v) {
            this.port = v;
            return this;
        }

        public Builder once(boolean v) {
            this.once = v;
            return this;
        }

        public Builder phones(int v) {
            this.phones = v;
            return this;
        }

        public Builder seed(long v) {
            this.seed = v;
            return this;
        }

        public Builder timeout(Duration v) {
            this.timeout = Objects.requireNonNull(v, "timeout");
            return this;
        }

        public Builder ansi(boolean v) {
            this.ansi = v;
            return this;
        }

        public Builder refresh(Duration v) {
            this.refresh = Objects.requireNonNull(v, "refresh");
            return this;
        }

        public Builder step(Duration v) {
            this.step = Objects.requireNonNull(v, "step");
            return this;
        }

        /** @throws IllegalArgumentException listing every invalid field */
        public DemoOptions build() {
            return new DemoOptions(port, once, phones, seed, timeout, ansi, refresh, step);
        }
    }
}
