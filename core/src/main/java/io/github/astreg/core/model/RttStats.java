package io.github.astreg.core.model;

import java.time.Duration;

/**
 * Qualify round-trip statistics of one contact (R8), over its most recent samples.
 *
 * @param last the newest sample
 * @param min smallest sample in the window
 * @param max largest sample in the window
 * @param jitter RFC 3550 style smoothed variation between successive samples
 * @param samples how many samples the window holds
 */
public record RttStats(Duration last, Duration min, Duration max, Duration jitter, int samples) {
    public RttStats {
        Checks.notNull("last", last);
        Checks.notNull("min", min);
        Checks.notNull("max", max);
        Checks.notNull("jitter", jitter);
        if (samples < 1) {
            throw Checks.invalid("samples", samples, "must be >= 1");
        }
    }
}
