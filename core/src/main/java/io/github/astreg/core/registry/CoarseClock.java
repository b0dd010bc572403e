package io.github.astreg.core.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A millisecond clock read from memory: one thread reads the system clock once per tick and every
 * {@link #millis()} returns what it read last. Give it to a registry that answers many lookups
 * ({@link InMemoryEndpointRegistry.Builder#clock}): a cached {@code locate} answer is checked against
 * the time on every call, and reading the system clock there costs more than the rest of the lookup.
 * It is not only the ~25 ns of the call: the time stamp counter read inside it waits for earlier
 * instructions, so the cache misses of consecutive lookups no longer overlap (measured in {@code
 * benchmarks}: 133 ns per lookup with the system clock, about 50 ns with this one).
 *
 * <p>What it trades: a read lags the system clock by up to one tick plus however late the ticking
 * thread is scheduled (on a starved machine, more). The registry's rules are in seconds (contact
 * expiry, node staleness), so a lag of milliseconds moves an expiry by that much and changes nothing
 * else. Time never stands still for long, and a reader never sees it go back unless the system
 * clock does.
 *
 * <p>Threads: {@link #start()} starts one daemon thread, {@code astreg-coarse-clock-N}, owned by this
 * clock and ended by {@link #close()}. After {@code close()} the clock still answers, reading the
 * system clock on every call, so a registry that outlives it stays correct.
 */
public final class CoarseClock extends Clock implements AutoCloseable {
    /** The default tick: one millisecond, the resolution of {@link #millis()}. */
    public static final Duration DEFAULT_TICK = Duration.ofMillis(1);

    private static final Duration MAX_TICK = Duration.ofSeconds(1);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Clock source;
    private final long tickNanos;
    private final Thread ticker;
    private volatile long millis;
    private volatile boolean closed;

    private CoarseClock(Clock source, Duration tick) {
        this.source = source;
        this.tickNanos = tick.toNanos();
        this.millis = source.millis();
        this.ticker = new Thread(this::tick, "astreg-coarse-clock-" + THREADS.incrementAndGet());
        this.ticker.setDaemon(true);
    }

    /** A clock of the system's UTC time, ticking every {@link #DEFAULT_TICK}; close it when done. */
    public static CoarseClock start() {
        return start(DEFAULT_TICK);
    }

    /**
     * A clock of the system's UTC time, ticking every {@code tick}; close it when done.
     *
     * @param tick how often the system clock is read, from 1 ms to 1 s: the largest lag of a read
     *     (plus scheduling delay)
     * @throws IllegalArgumentException when {@code tick} is outside that range
     */
    public static CoarseClock start(Duration tick) {
        return start(Clock.systemUTC(), tick);
    }

    /** A clock following {@code source}, for tests; see {@link #start(Duration)}. */
    static CoarseClock start(Clock source, Duration tick) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(tick, "tick");
        if (tick.compareTo(DEFAULT_TICK) < 0 || tick.compareTo(MAX_TICK) > 0) {
            throw new IllegalArgumentException("tick must be between 1 ms and 1 s, was " + tick);
        }
        CoarseClock clock = new CoarseClock(source, tick);
        clock.ticker.start();
        return clock;
    }

    private void tick() {
        while (!closed) {
            millis = source.millis();
            LockSupport.parkNanos(this, tickNanos);
        }
    }

    /** The system time as last read by the ticking thread; read afresh once this clock is closed. */
    @Override
    public long millis() {
        return closed ? source.millis() : millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /**
     * This clock seen in another zone: same instants, same ticking thread (closing this clock ends
     * it).
     */
    @Override
    public Clock withZone(ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        return zone.equals(ZoneOffset.UTC) ? this : new Zoned(this, zone);
    }

    /** Whether the ticking thread is still running (false once closed). */
    public boolean isTicking() {
        return !closed && ticker.isAlive();
    }

    /** Stops the ticking thread and waits up to a second for it; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(ticker);
        if (Thread.currentThread() != ticker) {
            try {
                ticker.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "CoarseClock[tick=" + Duration.ofNanos(tickNanos) + (closed ? ", closed]" : "]");
    }

    /** {@link #withZone}: the same clock in another zone. */
    private static final class Zoned extends Clock {
        private final CoarseClock clock;
        private final ZoneId zone;

        Zoned(CoarseClock clock, ZoneId zone) {
            this.clock = clock;
            this.zone = zone;
        }

        @Override
        public long millis() {
            return clock.millis();
        }

        @Override
        public Instant instant() {
            return clock.instant();
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId other) {
            return clock.withZone(other);
        }
    }
}
