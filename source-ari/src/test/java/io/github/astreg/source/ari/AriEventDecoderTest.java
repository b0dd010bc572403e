package io.github.astreg.source.ari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.source.ari.AriEventDecoder.Outcome;
import io.github.astreg.source.ari.AriEventDecoder.Result;
import io.github.astreg.source.ari.internal.AriTimestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AriEventDecoderTest {
    private final AriEventDecoder decoder = AriEventDecoder.forApiVersion("10.0.0", List.of("PJSIP", "SIP"));

    @BeforeEach
    void transcripts() {
        assumeTrue(Transcripts.available(), "transcripts not found at " + Transcripts.DIR);
    }

    @Test
    void ari10UsesTheAri8Binding() {
        assertThat(decoder.bindingVersion()).isEqualTo("8.0.0");
        assertThat(decoder.isExactBinding("10.0.0")).isFalse();
        assertThat(AriEventDecoder.forApiVersion("8.0.0", List.of("PJSIP")).isExactBinding("8.0.0"))
                .isTrue();
    }

    @Test
    void asterisk22RecordingMapsEveryEndpointEvent() {
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        List<AriEventDecoder.Observation> all = new ArrayList<>();
        for (String line : Transcripts.lines("ari-events.jsonl")) {
            Result r = decoder.decode(line);
            outcomes.merge(r.outcome(), 1, Integer::sum);
            all.addAll(r.observations());
            if (r.outcome() == Outcome.MAPPED) {
                // timestamps come from the event, in its +0000 form
                String ts = line.replaceAll(".*\"timestamp\":\"([^\"]+)\".*", "$1");
                assertThat(r.observations().get(0).timestamp()).isEqualTo(AriTimestamps.parse(ts));
            }
        }
        // 20 ContactStatusChange + 12 PeerStatusChange + 21 DeviceStateChanged, all mapped
        assertThat(outcomes.get(Outcome.MAPPED)).isEqualTo(53);
        assertThat(outcomes).doesNotContainKeys(Outcome.MALFORMED, Outcome.UNKNOWN_TYPE);
        assertThat(all.stream().filter(o -> o.change() instanceof ContactChange))
                .hasSize(20);
        assertThat(all.stream().filter(o -> o.change() instanceof EndpointChange))
                .hasSize(12);
        assertThat(all.stream().filter(o -> o.change() instanceof DeviceChange)).hasSize(21);
    }

    @Test
    void registrationBurstOf1001() {
        List<String> lines = Transcripts.lines("ari-events.jsonl");
        ContactChange nonQualified = (ContactChange)
                decoder.decode(lines.get(2)).observations().get(0).change();
        assertThat(nonQualified.endpoint()).isEqualTo(EndpointId.pjsip("1001"));
        assertThat(nonQualified.uri()).isEqualTo("sip:1001@127.0.0.1:5061");
        assertThat(nonQualified.status()).isEqualTo(ContactStatus.NON_QUALIFIED);
        assertThat(nonQualified.aor()).contains("1001");
        assertThat(nonQualified.address()).contains(new HostPort("127.0.0.1", 5061));
        assertThat(nonQualified.rtt()).isEmpty();

        Result peer = decoder.decode(lines.get(3));
        assertThat(peer.observations()).hasSize(1);
        assertThat(peer.observations().get(0).change())
                .isEqualTo(new EndpointChange(EndpointId.pjsip("1001"), EndpointState.ONLINE, 0));
        assertThat(peer.observations().get(0).timestamp()).contains(Instant.parse("2026-11-26T05:32:55.619Z"));

        ContactChange reachable = (ContactChange)
                decoder.decode(lines.get(4)).observations().get(0).change();
        assertThat(reachable.status()).isEqualTo(ContactStatus.REACHABLE);
        assertThat(reachable.rtt()).contains(Duration.ofNanos(744_000));

        DeviceChange device = (DeviceChange)
                decoder.decode(lines.get(5)).observations().get(0).change();
        assertThat(device).isEqualTo(new DeviceChange(EndpointId.pjsip("1001"), DeviceState.NOT_INUSE));
    }

    @Test
    void endpointStateChangeCountsChannels() {
        String inCall = Transcripts.lines("ari-subscription-experiment.jsonl").stream()
                .filter(l -> l.contains("\"EndpointStateChange\"") && l.contains("pbx1-1795671498.0"))
                .findFirst()
                .orElseThrow();
        Result r = decoder.decode(inCall);
        assertThat(r.outcome()).isEqualTo(Outcome.MAPPED);
        assertThat(r.observations().get(0).change())
                .isEqualTo(new EndpointChange(EndpointId.pjsip("1006"), EndpointState.ONLINE, 1));
    }

    @Test
    void chanSipPeersBecomeContactsKeyedByAddress() {
        List<ContactChange> contacts = new ArrayList<>();
        for (String line : Transcripts.lines("ast20/ari-events-ast20-endpoint-sub.jsonl")) {
            Result r = decoder.decode(line);
            assertThat(r.outcome()).isNotIn(Outcome.MALFORMED, Outcome.UNKNOWN_TYPE);
            r.observations().stream()
                    .map(AriEventDecoder.Observation::change)
                    .filter(c -> c instanceof ContactChange)
                    .map(c -> (ContactChange) c)
                    .filter(c -> c.endpoint().technology().equals("SIP"))
                    .forEach(contacts::add);
        }
        EndpointId sip2001 = new EndpointId("SIP", "2001");
        List<ContactChange> of2001 =
                contacts.stream().filter(c -> c.endpoint().equals(sip2001)).toList();
        assertThat(of2001)
                .extracting(ContactChange::status)
                .containsExactly(ContactStatus.CREATED, ContactStatus.REACHABLE, ContactStatus.REMOVED);
        assertThat(of2001).allSatisfy(c -> {
            assertThat(c.uri()).isEqualTo("sip:2001@127.0.0.1:5102");
            assertThat(c.address()).contains(new HostPort("127.0.0.1", 5102));
        });
        assertThat(of2001.get(1).rtt()).contains(Duration.ofMillis(1));

        // 2002: qualify fails with time "-1" (a string), recovers with time 2000 (a number)
        List<ContactChange> of2002 = contacts.stream()
                .filter(c -> c.endpoint().resource().equals("2002"))
                .toList();
        assertThat(of2002)
                .extracting(ContactChange::status)
                .containsExactly(
                        ContactStatus.CREATED,
                        ContactStatus.REACHABLE,
                        ContactStatus.UNREACHABLE,
                        ContactStatus.REACHABLE,
                        ContactStatus.REMOVED);
        assertThat(of2002.get(2).rtt()).isEmpty();
        assertThat(of2002.get(3).rtt()).contains(Duration.ofSeconds(2));
    }

    @Test
    void unknownTypesAreCountedNotFailed() {
        assertThat(decoder.decode("{\"type\":\"ChannelToneDetected\",\"timestamp\":\"2026-11-26T05:32:55.618+0000\"}")
                        .outcome())
                .isEqualTo(Outcome.UNKNOWN_TYPE);
        assertThat(decoder.decode("{\"asterisk_id\":\"x\",\"type\":\"SomethingNew\",\"x\":{\"y\":[1,2]}}"))
                .satisfies(r -> {
                    assertThat(r.outcome()).isEqualTo(Outcome.UNKNOWN_TYPE);
                    assertThat(r.type()).isEqualTo("SomethingNew");
                });
    }

    @Test
    void unknownFieldsAreTolerated() {
        String frame = "{\"type\":\"DeviceStateChanged\",\"application\":\"astreg\",\"timestamp\":"
                + "\"2026-11-26T05:32:55.619+0000\",\"device_state\":{\"name\":\"PJSIP/1001\",\"state\":\"INUSE\","
                + "\"future\":1},\"brand_new\":{\"a\":1},\"asterisk_id\":\"02:00:00:00:00:01\"}";
        Result r = decoder.decode(frame);
        assertThat(r.outcome()).isEqualTo(Outcome.MAPPED);
        assertThat(r.observations().get(0).change())
                .isEqualTo(new DeviceChange(EndpointId.pjsip("1001"), DeviceState.INUSE));
    }

    @Test
    void malformedFramesAreReportedNotThrown() {
        assertThat(decoder.decode("not json").outcome()).isEqualTo(Outcome.MALFORMED);
        assertThat(decoder.decode("[1,2]").outcome()).isEqualTo(Outcome.MALFORMED);
        assertThat(decoder.decode("{\"no_type\":1}").outcome()).isEqualTo(Outcome.MALFORMED);
        assertThat(decoder.decode("{\"type\":\"ContactStatusChange\",\"endpoint\":{\"technology\":\"PJSIP\","
                                + "\"resource\":\"1001\"},\"contact_info\":{\"uri\":\"sip:1001@h\","
                                + "\"contact_status\":\"Bogus\"}}")
                        .outcome())
                .isEqualTo(Outcome.MALFORMED);
        assertThat(decoder.decode("{\"type\":\"ContactStatusChange\",\"endpoint\":{\"technology\":\"PJSIP\","
                                + "\"resource\":\"1001\"}}")
                        .problem())
                .contains("contact_info");
        assertThat(decoder.decode("{\"type\":\"DeviceStateChanged\",\"device_state\":{\"name\":\"PJSIP/1\","
                                + "\"state\":\"WEIRD\"}}")
                        .outcome())
                .isEqualTo(Outcome.MALFORMED);
        assertThat(decoder.decode("{\"type\":\"EndpointStateChange\",\"endpoint\":5}")
                        .outcome())
                .isEqualTo(Outcome.MALFORMED);
    }

    @Test
    void devicesOfOtherTechnologiesAreIgnored() {
        AriEventDecoder pjsipOnly = AriEventDecoder.forApiVersion("10.0.0", List.of("PJSIP"));
        assertThat(pjsipOnly.device("Stasis:astreg-demo", "BUSY")).isEmpty();
        assertThat(pjsipOnly.device("SIP/2001", "INUSE")).isEmpty();
        assertThat(pjsipOnly.device("Local/1001@ctx", "INUSE")).isEmpty();
        assertThat(pjsipOnly.device("PJSIP/1001", "ONHOLD"))
                .contains(new DeviceChange(EndpointId.pjsip("1001"), DeviceState.ONHOLD));
        Result r = pjsipOnly.decode("{\"type\":\"DeviceStateChanged\",\"device_state\":{\"name\":\"Custom:x\","
                + "\"state\":\"BUSY\"},\"timestamp\":\"2026-11-26T05:32:55.619+0000\"}");
        assertThat(r.outcome()).isEqualTo(Outcome.IGNORED);
        assertThat(Optional.of(r.observations())).contains(List.of());
    }
}
