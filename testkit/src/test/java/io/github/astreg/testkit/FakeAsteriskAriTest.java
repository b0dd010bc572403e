package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeAsteriskAriTest {
    static final Instant T0 = Instant.parse("2026-11-26T05:32:55.618Z");
    static final Duration QUIET = Duration.ofMillis(300);

    FakeAsterisk pbx;
    AriTestClient ari;

    @BeforeEach
    void setUp() {
        pbx = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .entityId("02:00:00:00:00:01")
                .staticContactEndpoint("trunk1", "sip:trunk1@127.0.0.1:5999")
                .pjsipEndpoints(1001, 1010)
                .clock(Clock.fixed(T0, ZoneOffset.UTC))
                .build()
                .start();
        ari = new AriTestClient(pbx);
    }

    @AfterEach
    void tearDown() {
        ari.close();
        pbx.close();
    }

    @Test
    void restResources() throws Exception {
        JsonNode info = ari.get("/ari/asterisk/info");
        assertThat(info.at("/system/version").asText()).isEqualTo("22.10.1");
        assertThat(info.at("/system/entity_id").asText()).isEqualTo("02:00:00:00:00:01");
        assertThat(info.at("/status/startup_time").asText()).isEqualTo("2026-11-26T05:32:55.618+0000");
        assertThat(info.at("/config/name").asText()).isEqualTo("pbx1");
        assertThat(ari.get("/ari/asterisk/ping").path("ping").asText()).isEqualTo("pong");
        JsonNode docs = ari.get("/ari/api-docs/resources.json");
        assertThat(docs.path("apiVersion").asText()).isEqualTo("10.0.0");
        assertThat(docs.path("basePath").asText()).isEqualTo("http://127.0.0.1:" + pbx.ariPort() + "/ari");

        pbx.register("1001", Registration.from("127.0.0.1", 5061));
        JsonNode eps = ari.get("/ari/endpoints");
        assertThat(eps).hasSize(11);
        assertThat(eps.get(0).path("resource").asText()).isEqualTo("trunk1");
        assertThat(eps.get(1).toString())
                .isEqualTo("{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"online\",\"channel_ids\":[]}");
        assertThat(ari.get("/ari/endpoints/PJSIP")).hasSize(11);
        assertThat(ari.get("/ari/endpoints/PJSIP/1002").path("state").asText()).isEqualTo("offline");
        assertThat(ari.request("GET", "/ari/endpoints/PJSIP/9999").statusCode()).isEqualTo(404);
        assertThat(ari.request("GET", "/ari/endpoints/SIP").statusCode()).isEqualTo(404);

        assertThat(ari.get("/ari/deviceStates")).isEmpty();
        assertThat(ari.get("/ari/deviceStates/PJSIP%2F1001").toString())
                .isEqualTo("{\"name\":\"PJSIP/1001\",\"state\":\"NOT_INUSE\"}");
        HttpResponse<String> unescaped = ari.request("GET", "/ari/deviceStates/PJSIP/1001");
        assertThat(unescaped.statusCode()).isEqualTo(404);
        assertThat(unescaped.body()).contains("Resource not found");

        Call c = pbx.call("1001", "600");
        assertThat(ari.get("/ari/endpoints/PJSIP/1001").path("channel_ids")).hasSize(1);
        assertThat(ari.get("/ari/channels").get(0).path("name").asText()).isEqualTo(c.callerChannel());
    }

    @Test
    void badHttpGetsAnErrorNotACrash() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", pbx.ariPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("THIS IS NOT HTTP\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400 ");
        }
        assertThat(ari.request("GET", "/ari/nope").statusCode()).isEqualTo(404);
        assertThat(ari.request("GET", "/nothing").statusCode()).isEqualTo(404);
        pbx.faults().failAri("/ari/endpoints", 503, "busy");
        HttpResponse<String> failed = ari.request("GET", "/ari/endpoints");
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.body()).contains("busy");
        pbx.faults().reset();
        assertThat(ari.request("GET", "/ari/endpoints").statusCode()).isEqualTo(200);
        pbx.faults().slowResponses(Duration.ofMillis(300));
        long t = System.nanoTime();
        ari.get("/ari/asterisk/info");
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void authRequired() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        HttpResponse<String> r = http.send(
                java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://127.0.0.1:" + pbx.ariPort() + "/ari/asterisk/info"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        HttpResponse<String> ok = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                "http://127.0.0.1:" + pbx.ariPort() + "/ari/asterisk/info?api_key=astreg:astregpass"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
    }

    @Test
    void subscribeAllGetsNoEndpointStateChange() throws Exception {
        ari.connect("astreg", true);
        pbx.register("1001", Registration.from("127.0.0.1", 5061).rtt(Duration.ofNanos(744_000)));
        List<JsonNode> evs = ari.drain(QUIET);
        assertThat(ari.types(evs))
                .containsExactly(
                        "ContactStatusChange", "PeerStatusChange", "ContactStatusChange", "DeviceStateChanged");
        JsonNode first = evs.get(0);
        assertThat(first.path("application").asText()).isEqualTo("astreg");
        assertThat(first.path("asterisk_id").asText()).isEqualTo("02:00:00:00:00:01");
        assertThat(first.path("timestamp").asText()).isEqualTo("2026-11-26T05:32:55.618+0000");
        assertThat(first.at("/endpoint/state").asText()).isEqualTo("offline");
        assertThat(first.at("/contact_info/contact_status").asText()).isEqualTo("NonQualified");
        assertThat(first.at("/contact_info/roundtrip_usec").asText()).isEqualTo("0");
        assertThat(evs.get(1).at("/peer/peer_status").asText()).isEqualTo("Reachable");
        assertThat(evs.get(2).at("/contact_info/roundtrip_usec").isTextual()).isTrue();
        assertThat(evs.get(2).at("/contact_info/roundtrip_usec").asText()).isEqualTo("744");
        assertThat(evs.get(3).at("/device_state/state").asText()).isEqualTo("NOT_INUSE");
    }

    @Test
    void endpointAndDeviceSubscriptions() throws Exception {
        ari.connect("astreg_ep", false);
        assertThat(ari.request("POST", "/ari/applications/astreg_ep/subscription?eventSource=endpoint:PJSIP")
                        .body())
                .contains("\"endpoint_ids\":[\"PJSIP\"]");
        pbx.register("1006", Registration.from("127.0.0.1", 5071));
        assertThat(ari.types(ari.drain(QUIET)))
                .containsExactly(
                        "ContactStatusChange", "EndpointStateChange", "PeerStatusChange", "ContactStatusChange");
        HttpResponse<String> dev =
                ari.request("POST", "/ari/applications/astreg_ep/subscription?eventSource=deviceState:");
        assertThat(dev.body()).contains("__AST_DEVICE_STATE_ALL_TOPIC");
        pbx.unreachable("1006");
        assertThat(ari.types(ari.drain(QUIET)))
                .containsExactly(
                        "EndpointStateChange", "PeerStatusChange", "ContactStatusChange", "DeviceStateChanged");
        assertThat(ari.request("DELETE", "/ari/applications/astreg_ep/subscription?eventSource=endpoint:PJSIP")
                        .body())
                .contains("\"endpoint_ids\":[]");
        pbx.unregister("1006");
        assertThat(ari.types(ari.drain(QUIET))).isEmpty();
        assertThat(ari.request("POST", "/ari/applications/nope/subscription?eventSource=endpoint:PJSIP")
                        .statusCode())
                .isEqualTo(404);
        assertThat(ari.request("POST", "/ari/applications/astreg_ep/subscription?eventSource=endpoint:PJSIP/9999")
                        .statusCode())
                .isEqualTo(422);
    }

    @Test
    void callEventsAndChannelCounts() throws Exception {
        pbx.register("1001", Registration.from("127.0.0.1", 5061));
        pbx.register("1002", Registration.from("127.0.0.1", 5062));
        ari.connect("astreg", true);
        Call call = pbx.call("1001", "1002");
        List<JsonNode> evs = ari.drain(QUIET);
        assertThat(ari.types(evs)).contains("ChannelCreated", "Dial", "DeviceStateChanged");
        assertThat(ari.get("/ari/deviceStates/PJSIP%2F1002").path("state").asText())
                .isEqualTo("RINGING");
        assertThat(ari.get("/ari/deviceStates/PJSIP%2F1001").path("state").asText())
                .isEqualTo("INUSE");
        call.answer().hold();
        ari.drain(QUIET);
        assertThat(ari.get("/ari/deviceStates/PJSIP%2F1002").path("state").asText())
                .isEqualTo("ONHOLD");
        assertThat(ari.get("/ari/deviceStates/PJSIP%2F1001").path("state").asText())
                .isEqualTo("INUSE");
        assertThat(ari.get("/ari/endpoints/PJSIP/1002").path("channel_ids")).hasSize(1);
        call.unhold().hangup();
        evs = ari.drain(QUIET);
        assertThat(ari.types(evs)).contains("ChannelDestroyed", "BridgeDestroyed");
        assertThat(ari.get("/ari/endpoints/PJSIP/1002").path("channel_ids")).isEmpty();
        assertThat(ari.get("/ari/deviceStates/PJSIP%2F1001").path("state").asText())
                .isEqualTo("NOT_INUSE");
    }

    @Test
    void dropStallAndFaults() throws Exception {
        java.net.Socket dropped = AriTestClient.rawWebsocket(pbx, "astreg");
        pbx.dropAri();
        assertThat(AriTestClient.readToEof(dropped)).isZero();
        dropped.close();

        AriTestClient second = new AriTestClient(pbx).connect("astreg", true);
        try {
            pbx.faults().ariGarbageFrame();
            assertThat(second.next().path("type").asText()).isEqualTo("UNPARSEABLE");
        } finally {
            second.close();
        }

        java.net.Socket stalled = AriTestClient.rawWebsocket(pbx, "astreg");
        pbx.stallAri();
        pbx.register("1001", Registration.from("127.0.0.1", 5061));
        stalled.setSoTimeout(500);
        assertThatThrownBy(() -> stalled.getInputStream().read()).isInstanceOf(java.net.SocketTimeoutException.class);
        stalled.close();

        java.net.Socket truncated = AriTestClient.rawWebsocket(pbx, "astreg");
        pbx.faults().ariTruncatedFrame();
        long n = AriTestClient.readToEof(truncated);
        assertThat(n).isPositive().isLessThan(40);
        truncated.close();
        // the server itself is unharmed
        assertThat(ari.get("/ari/asterisk/info").at("/system/version").asText()).isEqualTo("22.10.1");
    }

    @Test
    void restartClosesWebsocketAndBootsWithNewStartupTime() throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (FakeAsterisk node =
                FakeAsterisk.builder("pbx9").clock(clock).build().start()) {
            java.net.Socket ws = AriTestClient.rawWebsocket(node, "astreg");
            node.register("1004", Registration.from("127.0.0.1", 5068));
            int port = node.ariPort();
            clock.advance(Duration.ofSeconds(30));
            node.restart();
            // EOF must come (readToEof fails on the 5 s read timeout); queued events may be lost, as on a crash
            assertThat(AriTestClient.readToEof(ws)).isNotNegative();
            ws.close();
            assertThat(node.ariPort()).isEqualTo(port);
            AriTestClient d = new AriTestClient(node);
            assertThat(d.get("/ari/asterisk/info").at("/status/startup_time").asText())
                    .isEqualTo("2026-11-26T05:33:25.618+0000");
            assertThat(d.get("/ari/endpoints/PJSIP/1004").path("state").asText())
                    .isEqualTo("offline");
            d.connect("astreg", true);
            node.qualify("1004", Duration.ofNanos(670_000));
            assertThat(d.types(d.drain(QUIET)))
                    .containsExactly("PeerStatusChange", "ContactStatusChange", "DeviceStateChanged");
            d.close();
        }
    }
}
