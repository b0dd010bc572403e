package io.github.astreg.source.ami.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Expresses local receive times on Asterisk's clock, so that observations with an AMI
 * {@code Timestamp} (Asterisk's clock) and observations without one (list items, responses: receive
 * time) are ordered correctly even when the collector's clock is off. The offset is learned from the
 * {@code Timestamp} of Ping responses (the midpoint of the round trip, NTP style); among the recent
 * samples the one with the shortest round trip wins. Before the first sample the offset is zero.
 *
 * <p>Thread-safe.
 */
public final class AsteriskClock {
    private static final int SAMPLES = 8;

    private final Clock clock;
    private final long[] offsets = new long[SAMPLES];
    private final long[] roundTrips = new long[SAMPLES];
    private int count;
    private int next;
    private volatile long offsetNanos;

    public AsteriskClock(Clock clock) {
        this.clock = clock;
    }

    /** The local clock. */
    public Instant localNow() {
        return clock.instant();
    }

    /** Now, on Asterisk's clock (estimated). */
    public Instant now() {
        return toAsterisk(clock.instant());
    }

    /** A local instant on Asterisk's clock (estimated). */
    public Instant toAsterisk(Instant local) {
        return local.minusNanos(offsetNanos);
    }

    /** The current estimate of local minus Asterisk time. */
    public Duration offset() {
        return Duration.ofNanos(offsetNanos);
    }

    /**
     * Adds one sample: a request sent at {@code sentLocal}, answered with Asterisk time
     * {@code asterisk}, received at {@code receivedLocal}.
     */
    public synchronized void sample(Instant sentLocal, Instant receivedLocal, Instant asterisk) {
        long rtt = Duration.between(sentLocal, receivedLocal).toNanos();
        if (rtt < 0) {
            return;
        }
        Instant mid = sentLocal.plusNanos(rtt / 2);
        offsets[next] = Duration.between(asterisk, mid).toNanos();
        roundTrips[next] = rtt;
        next = (next + 1) % SAMPLES;
        count = Math.min(SAMPLES, count + 1);
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (roundTrips[i] < roundTrips[best]) {
                best = i;
            }
        }
        offsetNanos = offsets[best];
    }

    /** Forgets every sample (a new connection may reach another machine). */
    public synchronized void reset() {
        count = 0;
        next = 0;
    }
}
