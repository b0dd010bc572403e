package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScenarioAndFaultTest {
    static final Duration QUIET = Duration.ofMillis(300);
    MutableClock clock = new MutableClock(Instant.parse("2026-11-26T05:32:55Z"));
    FakeAsterisk pbx;

    @BeforeEach
    void setUp() {
        pbx = FakeAsterisk.builder("pbx7")
                .systemName("pbx7")
                .clock(clock)
                .build()
                .start();
    }

    @AfterEach
    void tearDown() {
        pbx.close();
    }

    static List<String> names(List<Map<String, String>> msgs) {
        return msgs.stream()
                .map(m -> m.getOrDefault("Event", "Response:" + m.get("Response")))
                .collect(Collectors.toList());
    }

    @Test
    void duplicateEndpointsAreAConfigurationError_evenAmongManyEndpoints() {
        assertThatThrownBy(() -> FakeAsterisk.builder("pbx8")
                        .pjsipEndpoints(1, 25_000)
                        .pjsipEndpoints("12345")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate endpoint PJSIP/12345");
        FakeAsterisk.builder("pbx8").pjsipEndpoints(1, 25_000).build();
    }

    @Test
    void expiryFollowsTheNodeClock() throws Exception {
        pbx.register("1003", Registration.from("127.0.0.1", 5065).expires(20));
        pbx.register("1004", Registration.from("127.0.0.1", 5068).expires(3600));
        try (AmiTestClient c = new AmiTestClient(pbx.amiPort())) {
            c.login("astreg", "astregpass", "on");
            c.drain(QUIET);
            clock.advance(Duration.ofSeconds(19));
            assertThat(pbx.expireDueContacts()).isZero();
            clock.advance(Duration.ofSeconds(2));
            assertThat(pbx.expireDueContacts()).isEqualTo(1);
            assertThat(names(c.drain(QUIET)))
                    .containsExactly("DeviceStateChange", "ExtensionStatus", "PeerStatus", "ContactStatus");
            assertThat(pbx.contactUris("1003")).isEmpty();
            assertThat(pbx.contactUris("1004")).containsExactly("sip:1004@127.0.0.1:5068");
        }
    }

    @Test
    void refreshSendsOnlySecurityEventsAndMovesExpiry() throws Exception {
        pbx.register("1005", Registration.from("127.0.0.1", 5069).expires(60));
        try (AmiTestClient c = new AmiTestClient(pbx.amiPort())) {
            c.login("astreg", "astregpass", "on");
            c.drain(QUIET);
            clock.advance(Duration.ofSeconds(50));
            pbx.refresh("1005");
            assertThat(names(c.drain(QUIET))).containsExactly("ChallengeSent", "SuccessfulAuth");
            clock.advance(Duration.ofSeconds(50));
            assertThat(pbx.expireDueContacts()).isZero();
        }
        assertThatThrownBy(() -> pbx.refresh("1009")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pbx.unregister("1009")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pbx.register("9999", Registration.from("127.0.0.1", 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void callDeviceStatesAndChannelCounts() throws Exception {
        pbx.register("1001", Registration.from("127.0.0.1", 5061));
        pbx.register("1002", Registration.from("127.0.0.1", 5062));
        Call echo = pbx.call("1001", "600");
        assertThat(echo.answered()).isTrue();
        assertThat(pbx.deviceState("1001")).isEqualTo("INUSE");
        echo.hold();
        assertThat(pbx.deviceState("1001")).isEqualTo("INUSE");
        echo.hangup();
        assertThat(echo.ended()).isTrue();
        assertThat(pbx.deviceState("1001")).isEqualTo("NOT_INUSE");

        Call call = pbx.call("1001", "1002");
        assertThat(call.answered()).isFalse();
        assertThat(call.calleeChannel()).contains("PJSIP/1002-00000002");
        assertThat(pbx.deviceState("1002")).isEqualTo("RINGING");
        assertThat(pbx.deviceState("1001")).isEqualTo("INUSE");
        call.answer().hold();
        assertThat(pbx.deviceState("1002")).isEqualTo("ONHOLD");
        assertThat(pbx.deviceState("1001")).isEqualTo("INUSE");
        call.unhold();
        assertThat(pbx.deviceState("1002")).isEqualTo("INUSE");
        try (AmiTestClient c = new AmiTestClient(pbx.amiPort())) {
            c.login("astreg", "astregpass", "off");
            assertThat(c.response(c.send("CoreStatus"))).containsEntry("CoreCurrentCalls", "2");
            List<Map<String, String>> eps = c.list(c.send("PJSIPShowEndpoints"));
            assertThat(eps.get(1)).containsEntry("ActiveChannels", "1").containsEntry("DeviceState", "In use");
        }
        call.hangup();
        assertThat(pbx.deviceState("1001")).isEqualTo("NOT_INUSE");
        assertThat(pbx.deviceState("1002")).isEqualTo("NOT_INUSE");

        Call cancelled = pbx.call("1001", "1002");
        cancelled.hangup();
        assertThat(pbx.deviceState("1002")).isEqualTo("NOT_INUSE");
        assertThat(cancelled.answered()).isFalse();
    }

    @Test
    void reloadSendsOnlyReload() throws Exception {
        pbx.register("1002", Registration.from("127.0.0.1", 5062));
        try (AmiTestClient c = new AmiTestClient(pbx.amiPort())) {
            c.login("astreg", "astregpass", "on");
            c.drain(QUIET);
            pbx.reloadPjsip();
            List<Map<String, String>> ev = c.drain(QUIET);
            assertThat(names(ev)).containsExactly("Reload");
            assertThat(ev.get(0)).containsEntry("Module", "res_pjsip.so").containsEntry("Status", "0");
        }
    }

    @Test
    void crashDropsSilentlyAndStartBootsAgain() throws Exception {
        pbx.register("1004", Registration.from("127.0.0.1", 5068));
        int port = pbx.amiPort();
        AmiTestClient c = new AmiTestClient(port);
        c.login("astreg", "astregpass", "on");
        c.drain(QUIET);
        pbx.crash();
        PollUntil.poll(c::eof, Duration.ofSeconds(5));
        assertThat(c.drain(QUIET)).isEmpty();
        assertThat(pbx.isUp()).isFalse();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
        clock.advance(Duration.ofMinutes(5));
        pbx.start();
        assertThat(pbx.amiPort()).isEqualTo(port);
        try (AmiTestClient d = new AmiTestClient(port)) {
            d.login("astreg", "astregpass", "on");
            assertThat(d.response(d.send("CoreStatus"))).containsEntry("CoreStartupTime", "05:37:55");
            assertThat(pbx.deviceState("1004")).isEqualTo("UNAVAILABLE");
            List<Map<String, String>> contacts = d.list(d.send("PJSIPShowContacts"));
            assertThat(contacts.get(1)).containsEntry("Status", "NonQualified").containsEntry("RoundtripUsec", "N/A");
            d.drain(QUIET);
            pbx.qualify("1004", Duration.ofNanos(670_000));
            assertThat(names(d.drain(QUIET)))
                    .containsExactly("PeerStatus", "ContactStatus", "ExtensionStatus", "DeviceStateChange");
        }
        c.close();
    }

    @Test
    void restartAnnouncesShutdownAndFullyBootedAfterReconnect() throws Exception {
        AmiTestClient c = new AmiTestClient(pbx.amiPort());
        c.login("astreg", "astregpass", "on");
        c.drain(QUIET);
        pbx.restart();
        PollUntil.poll(c::eof, Duration.ofSeconds(5));
        List<Map<String, String>> last = c.drain(QUIET);
        assertThat(names(last)).containsExactly("Shutdown");
        assertThat(last.get(0)).containsEntry("Shutdown", "Cleanly").containsEntry("Restart", "True");
        c.close();
        try (AmiTestClient d = new AmiTestClient(pbx.amiPort())) {
            d.login("astreg", "astregpass", "on");
            Map<String, String> booted = d.await(m -> "FullyBooted".equals(m.get("Event")));
            assertThat(booted).containsEntry("Uptime", "0");
        }
    }

    @Test
    void shutdownThenStart() throws Exception {
        int port = pbx.amiPort();
        AmiTestClient c = new AmiTestClient(port);
        c.login("astreg", "astregpass", "system");
        c.drain(QUIET);
        pbx.shutdown();
        PollUntil.poll(c::eof, Duration.ofSeconds(5));
        assertThat(c.drain(QUIET))
                .singleElement()
                .satisfies(m -> assertThat(m).containsEntry("Event", "Shutdown").containsEntry("Restart", "False"));
        assertThat(pbx.isUp()).isFalse();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
        pbx.start();
        try (AmiTestClient d = new AmiTestClient(port)) {
            d.login("astreg", "astregpass", "off");
            assertThat(d.response(d.send("Ping"))).containsEntry("Ping", "Pong");
        }
        c.close();
    }

    @Test
    void dropAndStallAmi() throws Exception {
        AmiTestClient c = new AmiTestClient(pbx.amiPort());
        c.login("astreg", "astregpass", "on");
        pbx.dropAmi();
        PollUntil.poll(c::eof, Duration.ofSeconds(5));
        c.close();
        AmiTestClient s = new AmiTestClient(pbx.amiPort());
        s.login("astreg", "astregpass", "on");
        s.drain(QUIET);
        pbx.stallAmi();
        pbx.register("1001", Registration.from("127.0.0.1", 5061));
        s.send("Ping");
        assertThat(s.drain(Duration.ofMillis(500))).isEmpty();
        assertThat(s.eof()).isFalse();
        try (AmiTestClient fresh = new AmiTestClient(pbx.amiPort())) {
            fresh.login("astreg", "astregpass", "off");
            assertThat(fresh.response(fresh.send("Ping"))).containsEntry("Ping", "Pong");
        }
        s.close();
    }

    @Test
    void faultsSlowFailGarbageOversizeTruncated() throws Exception {
        try (AmiTestClient c = new AmiTestClient(pbx.amiPort())) {
            c.login("astreg", "astregpass", "off");
            pbx.faults().slowResponses(Duration.ofMillis(400));
            long t = System.nanoTime();
            c.response(c.send("Ping"));
            assertThat(Duration.ofNanos(System.nanoTime() - t)).isGreaterThanOrEqualTo(Duration.ofMillis(350));
            pbx.faults().reset().failAction("PJSIPShowContacts", "Internal failure");
            assertThat(c.response(c.send("PJSIPShowContacts")))
                    .containsEntry("Response", "Error")
                    .containsEntry("Message", "Internal failure");
            pbx.faults().reset();
            assertThat(c.response(c.send("PJSIPShowContacts"))).containsEntry("Message", "No Contacts found");

            pbx.faults().amiGarbageLine();
            assertThat(c.next(Duration.ofSeconds(5))).containsKey("this is not an AMI header");
            pbx.faults().amiOversizeLine(5000);
            Map<String, String> big = c.next(Duration.ofSeconds(5));
            assertThat(big.get("URI")).hasSize(5000);
            pbx.faults().amiRaw("Event: Custom\r\nX: y\r\n\r\n");
            assertThat(c.next(Duration.ofSeconds(5))).containsEntry("Event", "Custom");
            pbx.faults().amiTruncatedFrame();
            PollUntil.poll(c::eof, Duration.ofSeconds(5));
        }
        assertThatThrownBy(() -> pbx.faults().slowResponses(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pbx.faults().amiOversizeLine(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rawEventsReachOnlyClientsThatAskedForEvents_rawFaultsReachEveryone() throws Exception {
        try (AmiTestClient events = new AmiTestClient(pbx.amiPort());
                AmiTestClient quiet = new AmiTestClient(pbx.amiPort())) {
            events.login("astreg", "astregpass", "on");
            quiet.login("astreg", "astregpass", "off");

            pbx.faults().amiRawEvents("Event: Custom\r\nX: events\r\n\r\n");
            assertThat(events.await(m -> "Custom".equals(m.get("Event")))).containsEntry("X", "events");
            // the Pong is queued after the injected text: had the quiet client received it, it came first
            String ping = quiet.send("Ping");
            List<Map<String, String>> seen = new ArrayList<>();
            Map<String, String> m;
            do {
                m = quiet.next(Duration.ofSeconds(5));
                seen.add(m);
            } while (!ping.equals(m.get("ActionID")));
            assertThat(seen).noneMatch(x -> "Custom".equals(x.get("Event")));

            pbx.faults().amiRaw("Event: Custom\r\nX: all\r\n\r\n");
            assertThat(quiet.await(x -> "Custom".equals(x.get("Event")))).containsEntry("X", "all");
        }
    }

    @Test
    void closeReleasesAmiAndAriThreads() throws Exception {
        FakeAsterisk other = FakeAsterisk.builder("leakcheck").build().start();
        AmiTestClient c = new AmiTestClient(other.amiPort());
        c.login("astreg", "astregpass", "on");
        Socket ws = AriTestClient.rawWebsocket(other, "astreg");
        new AriTestClient(other).get("/ari/asterisk/info");
        assertThat(FakeAsteriskAmiTest.threads("astreg-fake-leakcheck-"))
                .anyMatch(n -> n.contains("-ami-"))
                .anyMatch(n -> n.contains("-ari-"))
                .allMatch(n -> n.startsWith("astreg-fake-leakcheck-"));
        assertThat(Thread.getAllStackTraces().keySet().stream()
                        .filter(th -> th.getName().startsWith("astreg-fake-leakcheck-"))
                        .allMatch(Thread::isDaemon))
                .isTrue();
        other.close();
        PollUntil.poll(
                () -> FakeAsteriskAmiTest.threads("astreg-fake-leakcheck-").isEmpty(), Duration.ofSeconds(5));
        c.close();
        ws.close();
    }
}
