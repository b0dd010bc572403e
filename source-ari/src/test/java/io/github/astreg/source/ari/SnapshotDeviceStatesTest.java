package io.github.astreg.source.ari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which device states a snapshot takes from the endpoint list, and that real Asterisk agrees. */
class SnapshotDeviceStatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ARI_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx");

    private static Optional<String> derive(String json) throws Exception {
        return SnapshotDeviceStates.derive(JSON.readTree(json));
    }

    @Test
    void pjsipWithoutChannelsFollowsTheEndpointStateAsChanPjsipDoes() throws Exception {
        assertThat(derive("{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"online\",\"channel_ids\":[]}"))
                .contains("NOT_INUSE");
        assertThat(derive("{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"offline\",\"channel_ids\":[]}"))
                .contains("UNAVAILABLE");
    }

    @Test
    void everythingElseIsAsked() throws Exception {
        // unknown: chan_pjsip answers UNKNOWN and Asterisk falls back to its cache and channel names
        assertThat(derive("{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"unknown\",\"channel_ids\":[]}"))
                .isEmpty();
        // channels decide (ringing, in use, on hold, device_state_busy_at)
        assertThat(derive("{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"online\","
                        + "\"channel_ids\":[\"pbx1-1795671221.0\"]}"))
                .isEmpty();
        assertThat(
                        derive(
                                "{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"offline\",\"channel_ids\":[\"x\"]}"))
                .isEmpty();
        // chan_sip's device state follows address, qualify and call-limit, not the endpoint state
        assertThat(derive("{\"technology\":\"SIP\",\"resource\":\"2001\",\"state\":\"online\",\"channel_ids\":[]}"))
                .isEmpty();
        // not what Asterisk sends: ask rather than guess
        assertThat(derive("{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"online\"}"))
                .isEmpty();
        assertThat(derive("{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"Online\",\"channel_ids\":[]}"))
                .isEmpty();
        assertThat(derive("{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"channel_ids\":[]}"))
                .isEmpty();
        assertThat(derive("{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"online\",\"channel_ids\":{}}"))
                .isEmpty();
        assertThat(derive("{\"resource\":\"1001\",\"state\":\"online\",\"channel_ids\":[]}"))
                .isEmpty();
    }

    @Test
    void theRestCapturesOfRealAsteriskAgree() throws Exception {
        assumeTrue(Transcripts.available(), "recordings not available");
        // after the final cleanup every endpoint of pbx1 is offline without channels ...
        JsonNode finalList = JSON.readTree(Transcripts.text("ari-rest/pbx1-16-final-endpoints.json"))
                .path("body");
        for (JsonNode ep : finalList) {
            assertThat(SnapshotDeviceStates.derive(ep)).contains("UNAVAILABLE");
        }
        // ... and Asterisk answered UNAVAILABLE when asked for PJSIP/1001 afterwards
        JsonNode asked = JSON.readTree(Transcripts.text("ari-rest/pbx1-extra-deviceStates_PJSIP%2F1001.json"));
        assertThat(asked.path("body").path("state").asText()).isEqualTo("UNAVAILABLE");
        // an endpoint in a call is asked
        JsonNode inCall = JSON.readTree(Transcripts.text("ari-rest/pbx1-04a-in-call-endpoints_PJSIP_1001.json"))
                .path("body");
        assertThat(SnapshotDeviceStates.derive(inCall)).isEmpty();
        // GET /ari/deviceStates (the list) only ever holds Stasis: devices, never PJSIP ones
        JsonNode list = JSON.readTree(Transcripts.text("ari-rest/pbx1-02-registered-deviceStates.json"));
        assertThat(list.path("body").size()).isZero();
    }

    /**
     * In the recordings every PeerStatusChange (which embeds the endpoint with its channel ids) comes
     * in one burst with the DeviceStateChanged Asterisk computed for it: the derived state is that one.
     */
    @Test
    void theLiveRecordingsAgreeWithTheDerivation() throws Exception {
        assumeTrue(Transcripts.available(), "recordings not available");
        int compared = 0;
        for (String file : List.of("ari-events.jsonl", "ari-events-pbx2.jsonl", "ari-events-restart.jsonl")) {
            List<JsonNode> events = new ArrayList<>();
            for (String line : Transcripts.lines(file)) {
                events.add(JSON.readTree(line));
            }
            for (JsonNode peer : events) {
                if (!peer.path("type").asText().equals("PeerStatusChange")) {
                    continue;
                }
                JsonNode ep = peer.path("endpoint");
                String device = ep.path("technology").asText() + "/"
                        + ep.path("resource").asText();
                Instant at = time(peer);
                Optional<JsonNode> change = events.stream()
                        .filter(e -> e.path("type").asText().equals("DeviceStateChanged"))
                        .filter(e ->
                                e.path("device_state").path("name").asText().equals(device))
                        .filter(e -> Math.abs(time(e).toEpochMilli() - at.toEpochMilli()) <= 5)
                        .findFirst();
                if (change.isPresent()) {
                    assertThat(SnapshotDeviceStates.derive(ep))
                            .as("%s at %s", device, at)
                            .contains(change.get()
                                    .path("device_state")
                                    .path("state")
                                    .asText());
                    compared++;
                }
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(10);
    }

    private static Instant time(JsonNode event) {
        return ARI_TIME.parse(event.path("timestamp").asText(), Instant::from);
    }
}
