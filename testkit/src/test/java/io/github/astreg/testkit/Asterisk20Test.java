package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Asterisk 20 flavour: AMI 9.0.0, ARI 8.0.0, chan_sip peers next to PJSIP endpoints. */
class Asterisk20Test {
    FakeAsterisk pbx;

    @BeforeEach
    void setUp() {
        pbx = FakeAsterisk.builder("pbx3")
                .version(AsteriskVersion.ASTERISK_20)
                .systemName("pbx3")
                .pjsipEndpoints("1001", "1002")
                .sipPeers("2001", "2002")
                .build()
                .start();
    }

    @AfterEach
    void tearDown() {
        pbx.close();
    }

    static List<String> describe(List<Map<String, String>> evs) {
        return evs.stream()
                .filter(m -> m.containsKey("Event"))
                .map(m -> m.get("Event")
                        + (m.containsKey("PeerStatus") ? " " + m.get("PeerStatus") : "")
                        + (m.containsKey("State") ? " " + m.get("State") : ""))
                .collect(Collectors.toList());
    }

    @Test
    void chanSipPeerLifecycleOnAmi() throws Exception {
        try (AmiTestClient c = new AmiTestClient(pbx.amiPort())) {
            assertThat(c.banner).isEqualTo("Asterisk Call Manager/9.0.0");
            c.login("astreg", "astregpass", "on");
            c.drain(Duration.ofMillis(200));
            pbx.register("SIP/2001", Registration.from("127.0.0.1", 5102));
            List<Map<String, String>> evs = c.drain(Duration.ofMillis(300));
            assertThat(describe(evs))
                    .containsExactly(
                            "ChallengeSent",
                            "PeerStatus Registered",
                            "SuccessfulAuth",
                            "ExtensionStatus",
                            "DeviceStateChange NOT_INUSE",
                            "PeerStatus Reachable");
            assertThat(evs.get(1)).containsEntry("Address", "127.0.0.1:5102").containsEntry("ChannelType", "SIP");
            assertThat(evs.get(5)).doesNotContainKey("Time");
            List<Map<String, String>> peers = c.list(c.send("SIPpeers"));
            assertThat(peers.get(1))
                    .containsEntry("Event", "PeerEntry")
                    .containsEntry("ObjectName", "2001")
                    .containsEntry("IPaddress", "127.0.0.1")
                    .containsEntry("Status", "OK (1 ms)");
            assertThat(peers.get(peers.size() - 1))
                    .containsEntry("Event", "PeerlistComplete")
                    .containsEntry("ListItems", "2");

            pbx.call("SIP/2001", "600").hold().unhold().hangup();
            assertThat(describe(c.drain(Duration.ofMillis(300))))
                    .containsExactly("ChallengeSent", "Newchannel", "Newstate", "Newstate", "Hold", "Unhold", "Hangup");
            assertThat(pbx.deviceState("SIP/2001")).isEqualTo("NOT_INUSE");

            pbx.unreachable("SIP/2001");
            List<Map<String, String>> un = c.drain(Duration.ofMillis(300));
            assertThat(describe(un))
                    .containsExactly("PeerStatus Unreachable", "ExtensionStatus", "DeviceStateChange UNAVAILABLE");
            assertThat(un.get(0)).containsEntry("Time", "-1");
            pbx.qualify("SIP/2001", Duration.ofMillis(2));
            assertThat(describe(c.drain(Duration.ofMillis(300))))
                    .containsExactly("PeerStatus Reachable", "ExtensionStatus", "DeviceStateChange NOT_INUSE");
            pbx.unregister("SIP/2001");
            List<Map<String, String>> unreg = c.drain(Duration.ofMillis(300));
            assertThat(describe(unreg))
                    .containsExactly(
                            "ChallengeSent",
                            "PeerStatus Unregistered",
                            "SuccessfulAuth",
                            "ExtensionStatus",
                            "DeviceStateChange UNAVAILABLE");
            assertThat(unreg.get(1)).containsEntry("Cause", "Expired");
        }
    }

    @Test
    void chanSipOnAri() throws Exception {
        try (AriTestClient ari = new AriTestClient(pbx)) {
            assertThat(ari.get("/ari/api-docs/resources.json")
                            .path("apiVersion")
                            .asText())
                    .isEqualTo("8.0.0");
            assertThat(ari.get("/ari/endpoints/SIP/2001").path("state").asText())
                    .isEqualTo("unknown");
            ari.connect("astreg_ep", false);
            ari.request("POST", "/ari/applications/astreg_ep/subscription?eventSource=endpoint:SIP");
            pbx.register("SIP/2001", Registration.from("127.0.0.1", 5102));
            List<JsonNode> evs = ari.drain(Duration.ofMillis(300));
            assertThat(ari.types(evs))
                    .containsExactly(
                            "EndpointStateChange", "PeerStatusChange", "EndpointStateChange", "PeerStatusChange");
            assertThat(evs.get(1).path("peer").toString())
                    .isEqualTo("{\"peer_status\":\"Registered\",\"address\":\"127.0.0.1:5102\"}");
            assertThat(evs.get(3).path("peer").toString()).isEqualTo("{\"peer_status\":\"Reachable\",\"time\":1}");
            assertThat(ari.get("/ari/endpoints/SIP/2001").path("state").asText())
                    .isEqualTo("online");
            pbx.unreachable("SIP/2001");
            evs = ari.drain(Duration.ofMillis(300));
            assertThat(evs.get(1).path("peer").toString())
                    .isEqualTo("{\"peer_status\":\"Unreachable\",\"time\":\"-1\"}");
        }
    }
}
