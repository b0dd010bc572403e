package io.github.astreg.source.ami;

import static io.github.astreg.source.ami.SourceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A list action Asterisk keeps refusing (here: an AMI user without the permission for
 * PJSIPShowContacts) is counted and logged at WARN with Asterisk's message, once per failing streak:
 * again only after the list was read or the source reconnected.
 */
class AmiListFailureTest {
    private static final String ACTION_FAILED = "PJSIPShowContacts failed: 'Permission denied'";

    @Test
    void aRefusedListIsCountedAndWarnedOncePerStreak() {
        FakeAsterisk pbx = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .pjsipEndpoints("1001")
                .build()
                .start();
        pbx.register("1001", Registration.from("127.0.0.1", 5061)); // a list that is not empty
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try (SourceHarness h = new SourceHarness(
                        pbx,
                        b -> b.contactPollInterval(Duration.ofMillis(100))
                                .contactPollDelay(Duration.ofMillis(10))
                                .pollSpacing(Duration.ZERO))
                .start()
                .awaitConnected()) {
            // Asterisk 22 has no chan_sip: its SIPpeers answer (unknown command) is no failure
            long polls = h.counter("polls");
            await("two more reads", () -> h.counter("polls") >= polls + 2);
            assertThat(h.counter("listReadFailures")).isZero();
            assertThat(warnings(captured)).isZero();

            pbx.faults().failAction("PJSIPShowContacts", "Permission denied");
            await("three refused reads", () -> h.counter("listReadFailures") >= 3);
            assertThat(warnings(captured))
                    .as("WARN lines for a refused list, not one per read")
                    .isEqualTo(1);

            // the list is read again: its next failure warns again
            pbx.faults().reset();
            long failures = h.counter("listReadFailures");
            long before = h.counter("polls");
            // the second read after the reset started only once the first, asked after the reset, ended
            await("a read after the reset", () -> h.counter("polls") >= before + 2);
            assertThat(h.counter("listReadFailures")).isLessThanOrEqualTo(failures + 1); // one sent before the reset
            pbx.faults().failAction("PJSIPShowContacts", "Permission denied");
            long failing = h.counter("listReadFailures");
            await("refused again", () -> h.counter("listReadFailures") >= failing + 3);
            assertThat(warnings(captured)).isEqualTo(2);

            // a new connection: the snapshot's read is refused and warned about
            long reconnects = h.counter("reconnects");
            pbx.dropAmi();
            await("reconnected", () -> h.counter("reconnects") > reconnects && h.source.isConnected());
            await("third WARN", () -> warnings(captured) == 3);
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log)
                .contains("check the AMI user's read and write permissions")
                .doesNotContain("astregpass");
    }

    private static long warnings(ByteArrayOutputStream captured) {
        return captured.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.contains("WARN") && l.contains(ACTION_FAILED))
                .count();
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
