package io.github.astreg.source.ami;

import static io.github.astreg.source.ami.SourceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Links that drop, stall or refuse, Asterisk restarts, and what the registry holds afterwards. */
class AmiReconnectTest {

    private static FakeAsterisk pbx() {
        return FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .build()
                .start();
    }

    @Test
    void linkDroppedWhilePhoneUnregistersContactIsGoneAfterReconnect() {
        try (SourceHarness h = new SourceHarness(pbx(), b -> b).start().awaitConnected()) {
            String uri = h.pbx.register("1001", Registration.from("127.0.0.1", 5061));
            await(
                    "1001 located",
                    () -> h.registry.locate(EndpointId.pjsip("1001")).isPresent());
            long ups = h.nodeChanges(NodeStatus.UP);

            h.pbx.dropAmi();
            h.pbx.unregister("1001"); // nobody hears it

            await("reconnected and resynced", () -> h.nodeChanges(NodeStatus.UP) > ups && h.source.isConnected());
            assertThat(h.nodeChanges(NodeStatus.DOWN)).isGreaterThanOrEqualTo(1);
            await("contact gone", () -> h.contact("PJSIP/1001", uri).isEmpty());
            assertThat(h.registry.locate(EndpointId.pjsip("1001"))).isEmpty();
            assertThat(h.presence("PJSIP/1001").flatMap(NodePresence::deviceState))
                    .contains(DeviceState.UNAVAILABLE);
            assertThat(h.counter("reconnects")).isGreaterThanOrEqualTo(1);
            assertThat(h.counter("snapshots")).isGreaterThanOrEqualTo(2);
            assertThat(h.registry.nodes().get(0).status()).isEqualTo(NodeStatus.UP);
        }
    }

    @Test
    void asteriskRestartIsANewEpochWithAFullResync() {
        // CoreStartupTime has one-second resolution: let the fake's clock run ahead for the reboot
        SteppingClock clock = new SteppingClock();
        FakeAsterisk pbx = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .clock(clock)
                .build()
                .start();
        try (SourceHarness h = new SourceHarness(pbx, b -> b).start().awaitConnected()) {
            String uri = h.pbx.register("1004", Registration.from("127.0.0.1", 5068));
            await(
                    "1004 reachable",
                    () -> h.contact("PJSIP/1004", uri)
                            .map(c -> c.status() == ContactStatus.REACHABLE)
                            .orElse(false));
            Instant epoch = h.source.epoch().orElseThrow();
            long snapshots = h.counter("snapshots");

            clock.step(Duration.ofSeconds(3));
            h.pbx.restart();

            await(
                    "new epoch",
                    () -> h.source.epoch().map(e -> !e.equals(epoch)).orElse(false) && h.source.isConnected());
            assertThat(h.counter("restarts")).isEqualTo(1);
            assertThat(h.counter("snapshots")).isGreaterThan(snapshots);
            NodeRecord node = h.registry.nodes().get(0);
            assertThat(node.status()).isEqualTo(NodeStatus.UP);
            assertThat(node.startedAt()).isEqualTo(h.source.epoch());
            // registrations come back from AstDB, unqualified and UNAVAILABLE until the first qualify
            await(
                    "1004 listed unqualified",
                    () -> h.contact("PJSIP/1004", uri)
                            .map(c -> c.status() == ContactStatus.NON_QUALIFIED)
                            .orElse(false),
                    () -> String.valueOf(h.contacts("PJSIP/1004")));
            assertThat(h.presence("PJSIP/1004").flatMap(NodePresence::deviceState))
                    .contains(DeviceState.UNAVAILABLE);

            h.pbx.qualify("1004", Duration.ofNanos(670_000));
            await(
                    "1004 reachable again",
                    () -> h.contact("PJSIP/1004", uri)
                            .map(c -> c.status() == ContactStatus.REACHABLE)
                            .orElse(false));
            await(
                    "1004 not in use",
                    () -> h.presence("PJSIP/1004")
                            .flatMap(NodePresence::deviceState)
                            .equals(Optional.of(DeviceState.NOT_INUSE)));
            assertThat(h.registry.locate(EndpointId.pjsip("1004"))).isPresent();
        }
    }

    @Test
    void halfOpenLinkIsDetectedByTheKeepalive() {
        try (SourceHarness h = new SourceHarness(pbx(), b -> b).start().awaitConnected()) {
            long ups = h.nodeChanges(NodeStatus.UP);
            h.pbx.stallAmi(); // the connection stays open but goes silent
            await("DOWN reported", () -> h.nodeChanges(NodeStatus.DOWN) >= 1);
            await("up again on a new connection", () -> h.nodeChanges(NodeStatus.UP) > ups && h.source.isConnected());
            String uri = h.pbx.register("1001", Registration.from("127.0.0.1", 5061));
            await(
                    "events flow on the new connection",
                    () -> h.contact("PJSIP/1001", uri).isPresent());
        }
    }

    @Test
    void firstConnectFailureIsRetriedUntilAsteriskComesUp() {
        FakeAsterisk pbx = pbx();
        pbx.crash(); // port refuses
        try (SourceHarness h = new SourceHarness(pbx, b -> b).start()) {
            await("failed attempts", () -> h.counter("connectFailures") >= 2);
            assertThat(h.source.isConnected()).isFalse();
            assertThat(h.events).isEmpty();
            pbx.start();
            h.awaitConnected();
            assertThat(h.nodeChanges(NodeStatus.UP)).isEqualTo(1);
        }
    }

    @Test
    void wrongPasswordIsAClearErrorRetriedWithBackoffAndTheSecretNeverLogged() {
        String secret = "wrong-Secret-4711";
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8));
        try (SourceHarness h = new SourceHarness(
                        pbx(), b -> b.secret(secret).reconnectDelay(Duration.ofMillis(200), Duration.ofSeconds(2)))
                .start()) {
            await("three refused logins", () -> h.counter("authFailures") >= 3);
            long firstThree = h.counter("authFailures");
            assertThat(h.source.isConnected()).isFalse();
            assertThat(h.events).isEmpty();
            assertThat(h.pbx.amiLogins()).isZero();
            // with backoff 200 ms doubling, three attempts take at least 200 + 400 ms
            assertThat(firstThree).isLessThan(10);
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("was refused").contains("check username and secret");
        assertThat(log).doesNotContain(secret);
    }

    @Test
    void closeLeavesNoThreadBehindAndIsIdempotent() {
        SourceHarness h = new SourceHarness(pbx(), b -> b).start().awaitConnected();
        h.pbx.register("1001", Registration.from("127.0.0.1", 5061));
        await("1001 located", () -> h.registry.locate(EndpointId.pjsip("1001")).isPresent());
        assertThat(threads()).isNotEmpty();
        h.source.close();
        h.source.close();
        await("no astreg-ami or asterisk-java thread alive", () -> threads().isEmpty(), AmiReconnectTest::dump);
        assertThat(h.source.isConnected()).isFalse();
        assertThat(h.events.get(h.events.size() - 1).change())
                .isEqualTo(io.github.astreg.core.model.NodeChange.of(NodeStatus.DOWN));
        assertThatThrownBy(() -> h.source.start(e -> {})).isInstanceOf(IllegalStateException.class);
        h.pbx.close();
    }

    @Test
    void nodeIdFromConfigWhenAsteriskHasNoSystemName() {
        FakeAsterisk noName = FakeAsterisk.builder("pbx9").build().start();
        try (SourceHarness without = new SourceHarness(noName, b -> b).start()) {
            await("refused for lack of a node id", () -> without.counter("connectFailures") >= 1);
            assertThat(without.source.isConnected()).isFalse();
            assertThat(without.events).isEmpty();
        }
        FakeAsterisk noName2 = FakeAsterisk.builder("pbx9").build().start();
        try (SourceHarness with =
                new SourceHarness(noName2, b -> b.nodeId("pbx-eu-9")).start().awaitConnected()) {
            String uri = with.pbx.register("1001", Registration.from("127.0.0.1", 5061));
            await("1001 on pbx-eu-9", () -> with.contact("PJSIP/1001", uri).isPresent());
            assertThat(with.events).allMatch(e -> e.node().equals(NodeId.of("pbx-eu-9")));
            // without timestampevents the receive time is used, still strictly ordered
            assertThat(with.events).extracting(e -> e.sequence()).isSorted().doesNotHaveDuplicates();
        }
    }

    private static List<String> threads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("astreg-ami") || n.startsWith("Asterisk-Java"))
                .collect(Collectors.toList());
    }

    private static String dump() {
        StringBuilder sb = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, st) -> {
            if (t.getName().startsWith("astreg-ami") || t.getName().startsWith("Asterisk-Java")) {
                sb.append("\n").append(t.getName()).append(" ").append(t.getState());
                for (int i = 0; i < Math.min(12, st.length); i++) {
                    sb.append("\n    at ").append(st[i]);
                }
            }
        });
        return sb.toString();
    }

    /** The system clock plus an offset that only grows. */
    private static final class SteppingClock extends java.time.Clock {
        private volatile Duration offset = Duration.ZERO;

        void step(Duration d) {
            offset = offset.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }

    /** Copies everything written to stderr into a buffer. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }

    @SuppressWarnings("unused")
    private static Optional<ContactRecord> none() {
        return Optional.empty();
    }
}
