package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Many endpoints and events: every event arrives, in order, nothing is lost. (No timing asserted.) */
class ThroughputTest {
    @Test
    void thousandPhonesRegisterAndEveryEventArrives() throws Exception {
        try (FakeAsterisk pbx = FakeAsterisk.builder("bulk")
                        .pjsipEndpoints(10000, 10999)
                        .build()
                        .start();
                AmiTestClient c = new AmiTestClient(pbx.amiPort())) {
            c.login("astreg", "astregpass", "system");
            c.drain(Duration.ofMillis(200));
            long t = System.nanoTime();
            for (int i = 10000; i <= 10999; i++) {
                pbx.register(Integer.toString(i), Registration.from("10.0." + (i % 250) + ".1", 5060));
            }
            long loopMs = (System.nanoTime() - t) / 1_000_000;
            PollUntil.poll(
                    () -> c.snapshot().stream()
                                    .filter(m -> "ContactStatus".equals(m.get("Event")))
                                    .count()
                            >= 2000,
                    Duration.ofSeconds(30));
            long ms = (System.nanoTime() - t) / 1_000_000;
            long cs = c.snapshot().stream()
                    .filter(m -> "ContactStatus".equals(m.get("Event")))
                    .count();
            long ps = c.snapshot().stream()
                    .filter(m -> "PeerStatus".equals(m.get("Event")))
                    .count();
            assertThat(cs).isEqualTo(2000);
            assertThat(ps).isEqualTo(1000);
            System.out.println("ThroughputTest: 3000 system events for 1000 registrations in " + ms
                    + " ms (scenario calls " + loopMs + " ms)");
        }
    }
}
