package io.github.astreg.source.ami;

import static io.github.astreg.source.ami.SourceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An orderly {@code close()} is quiet: asterisk-java logs no ERROR (and is not interrupted) while the
 * source logs off, and every thread the source or asterisk-java started for it ends.
 *
 * <p>What used to go wrong, each on a good share of closes (so the test closes several sources):
 * {@code close()} interrupted the source's worker, whose Logoff (or Ping) then gave up waiting
 * ({@code WARN Interrupted while waiting for result}, later {@code ERROR Response arrived after
 * Disposal}); and asterisk-java's event pump, which can take its poison item before its stop flag is
 * set, idled in a one-minute poll until the source interrupted it ({@code ERROR AsyncEventPump -
 * java.lang.InterruptedException}).
 */
class AmiCloseTest {
    private static final int CLOSES = 12;

    @Test
    void closeAfterEventsFlowedLogsNoErrorAndEndsEveryThread() {
        for (int i = 0; i < CLOSES; i++) {
            FakeAsterisk pbx = FakeAsterisk.builder("pbx1")
                    .systemName("pbx1")
                    .timestampEvents(true)
                    .build()
                    .start();
            try {
                SourceHarness h = new SourceHarness(pbx, b -> b).start().awaitConnected();
                for (int p = 1; p <= 5; p++) {
                    pbx.register("100" + p, Registration.from("127.0.0.1", 5060 + p));
                }
                pbx.call("1001", "1002");
                await("5 phones located", () -> located(h) == 5);
                assertThat(threads()).as("threads of the running source").isNotEmpty();

                String log = capturingStderr(() -> {
                    // close while the source is busy: new contacts (which start contact-list reads) and
                    // qualify results are still on their way
                    for (int p = 1; p <= 5; p++) {
                        pbx.register("100" + p, Registration.from("127.0.0.2", 5070 + p));
                        pbx.qualify("100" + p, Duration.ofNanos(300_000 + p));
                    }
                    h.source.close();
                    // close() waited for them: the worker, both readers and both pumps have ended
                    assertThat(threads())
                            .as("threads alive when close() returned")
                            .isEmpty();
                });

                assertThat(h.source.isConnected()).isFalse();
                // the capture saw asterisk-java's shutdown: both sessions' pumps (events, lists) ended
                assertThat(log.split("AsyncEventPump has exited", -1))
                        .as("pump exits in:%n%s", log)
                        .hasSize(3);
                List<String> bad = Arrays.stream(log.split("\\R"))
                        .filter(l -> l.contains(" ERROR ")
                                || l.contains("InterruptedException")
                                || l.contains("Interrupted while waiting"))
                        .collect(Collectors.toList());
                assertThat(bad).as("close #%d logged:%n%s", i + 1, log).isEmpty();
            } finally {
                pbx.close();
            }
        }
    }

    private static long located(SourceHarness h) {
        long n = 0;
        for (int p = 1; p <= 5; p++) {
            if (h.registry.locate(EndpointId.pjsip("100" + p)).isPresent()) {
                n++;
            }
        }
        return n;
    }

    private static List<String> threads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("astreg-ami") || n.startsWith("Asterisk-Java"))
                .collect(Collectors.toList());
    }

    /** Runs the action with stderr (slf4j-simple's output) copied into a buffer, and returns it. */
    private static String capturingStderr(Runnable action) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final ByteArrayOutputStream b;

        Tee(OutputStream a, ByteArrayOutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            synchronized (b) {
                a.write(c);
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            synchronized (b) {
                a.write(buf, off, len);
                b.write(buf, off, len);
            }
        }
    }
}
