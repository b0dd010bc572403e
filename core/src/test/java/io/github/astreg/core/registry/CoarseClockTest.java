package io.github.astreg.core.registry;

import static io.github.astreg.core.Events.t;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.Events;
import io.github.astreg.core.MutableClock;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CoarseClockTest {
    private static final Instant T0 = Instant.parse("2026-11-26T05:00:00Z");

    /** Polls until the clock shows {@code expected}: the ticking thread gets there within a tick or so. */
    private static void awaitMillis(Clock clock, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (clock.millis() != expected && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(clock.millis()).isEqualTo(expected);
    }

    @Test
    void followsItsSourceOnItsOwnThread() throws InterruptedException {
        MutableClock source = new MutableClock(T0);
        try (CoarseClock clock = CoarseClock.start(source, Duration.ofMillis(1))) {
            assertThat(clock.instant()).isEqualTo(T0);
            source.set(T0.plusSeconds(90));
            awaitMillis(clock, T0.plusSeconds(90).toEpochMilli());
            assertThat(clock.instant()).isEqualTo(T0.plusSeconds(90));
            assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
        }
    }

    @Test
    void readsDoNotReadTheSource() {
        AtomicLong sourceReads = new AtomicLong();
        Clock counting = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                sourceReads.incrementAndGet();
                return T0;
            }
        };
        int reads = 1_000_000;
        long sum = 0;
        try (CoarseClock clock = CoarseClock.start(counting, Duration.ofMillis(1))) {
            long before = sourceReads.get();
            for (int i = 0; i < reads; i++) {
                sum += clock.millis();
            }
            // only the ticking thread reads the source: at most once per tick, however many reads
            assertThat(sourceReads.get() - before).isLessThan(reads / 10);
        }
        assertThat(sum).isEqualTo(reads * T0.toEpochMilli());
    }

    @Test
    void closeEndsTheThreadIsIdempotentAndLeavesACorrectClock() {
        MutableClock source = new MutableClock(T0);
        CoarseClock clock = CoarseClock.start(source, Duration.ofMillis(5));
        Thread ticker = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("astreg-coarse-clock-") && t.isAlive())
                .filter(t -> t.getState() != Thread.State.TERMINATED)
                .reduce((a, b) -> a.getId() > b.getId() ? a : b)
                .orElseThrow();
        assertThat(ticker.isDaemon()).isTrue();
        assertThat(clock.isTicking()).isTrue();

        clock.close();
        clock.close();

        assertThat(clock.isTicking()).isFalse();
        assertThat(ticker.isAlive()).isFalse();
        assertThat(clock.toString()).contains("closed");
        // closed: every read goes to the source at once
        source.set(T0.plusSeconds(7));
        assertThat(clock.instant()).isEqualTo(T0.plusSeconds(7));
    }

    @Test
    void tickOutsideOneMillisecondToOneSecondIsRefused() {
        assertThatThrownBy(() -> CoarseClock.start(Duration.ofNanos(999_999)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tick must be between 1 ms and 1 s");
        assertThatThrownBy(() -> CoarseClock.start(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT2S");
        assertThatThrownBy(() -> CoarseClock.start(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void inAnotherZoneItIsTheSameClock() throws InterruptedException {
        MutableClock source = new MutableClock(T0);
        try (CoarseClock clock = CoarseClock.start(source, Duration.ofMillis(1))) {
            ZoneId paris = ZoneId.of("Europe/Paris");
            Clock zoned = clock.withZone(paris);
            assertThat(zoned.getZone()).isEqualTo(paris);
            assertThat(clock.withZone(ZoneOffset.UTC)).isSameAs(clock);
            assertThat(zoned.withZone(ZoneOffset.UTC)).isSameAs(clock);
            source.set(T0.plusSeconds(3));
            awaitMillis(zoned, T0.plusSeconds(3).toEpochMilli());
            assertThat(zoned.instant()).isEqualTo(clock.instant());
        }
    }

    @Test
    void aRegistryOnACoarseClockExpiresContactsOnceTheClockGetsThere() throws InterruptedException {
        MutableClock source = new MutableClock(t(20));
        EndpointId phone = EndpointId.pjsip("1001");
        try (CoarseClock clock = CoarseClock.start(source, Duration.ofMillis(1))) {
            InMemoryEndpointRegistry registry =
                    InMemoryEndpointRegistry.builder().clock(clock).build();
            registry.apply(new Events()
                    .contact(
                            "pbx1",
                            "PJSIP/1001",
                            "sip:a@h:5060",
                            ContactStatus.REACHABLE,
                            t(10),
                            b -> b.expiresAt(t(30))));
            assertThat(registry.locate(phone)).isPresent();
            assertThat(registry.locate(phone)).isPresent(); // the cached answer

            source.set(t(30));
            awaitMillis(clock, t(30).toEpochMilli());
            assertThat(registry.locate(phone)).isEmpty();
        }
    }
}
