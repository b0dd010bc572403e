package io.github.astreg.source.ami.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.HostPort;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class AmiMappingTest {
    private static final Transcript PJSIP = Transcript.load("ami-pjsip.txt");
    private static final Transcript AST20 = Transcript.load("ami-ast20.txt");
    private static final Transcript RESTART = Transcript.load("ami-pjsip-restart.txt");
    private static final EndpointId P1001 = EndpointId.pjsip("1001");

    @Test
    void everyRecordedContactStatusMaps() {
        List<Transcript.Frame> frames = PJSIP.events("ContactStatus");
        frames.addAll(AST20.events("ContactStatus"));
        frames.addAll(RESTART.events("ContactStatus"));
        assertThat(frames).hasSizeGreaterThan(20);
        for (Transcript.Frame f : frames) {
            ContactChange c = AmiMapping.contactStatus(f.headers()).orElseThrow();
            assertThat(c.uri()).isEqualTo(f.raw().get("URI"));
            assertThat(c.endpoint()).isEqualTo(EndpointId.pjsip(f.raw().get("EndpointName")));
            assertThat(c.aor()).contains(f.raw().get("AOR"));
            assertThat(c.address()).isEmpty();
            assertThat(c.userAgent()).isEmpty();
            assertThat(c.expiresAt()).isEmpty();
            assertThat(AmiMapping.timestamp(f.headers())).isPresent();
        }
    }

    @Test
    void registrationBurstOfStep01() {
        List<Transcript.Frame> cs = PJSIP.inStep("01-register-1001", "ContactStatus");
        assertThat(cs).hasSize(2);
        ContactChange first = AmiMapping.contactStatus(cs.get(0).headers()).orElseThrow();
        assertThat(first.status()).isEqualTo(ContactStatus.NON_QUALIFIED);
        assertThat(first.rtt()).as("RoundtripUsec 0 is no sample").isEmpty();
        ContactChange second = AmiMapping.contactStatus(cs.get(1).headers()).orElseThrow();
        assertThat(second.status()).isEqualTo(ContactStatus.REACHABLE);
        assertThat(second.rtt()).contains(Duration.ofNanos(744_000));
        assertThat(second.endpoint()).isEqualTo(P1001);
        assertThat(second.uri()).isEqualTo("sip:1001@127.0.0.1:5061");
        assertThat(AmiMapping.timestamp(cs.get(1).headers()))
                .contains(Instant.ofEpochSecond(1795671175L, 619_495_000L));

        List<Change> peer = AmiMapping.peerStatus(
                PJSIP.inStep("01-register-1001", "PeerStatus").get(0).headers(), Optional.empty());
        assertThat(peer).containsExactly(new EndpointChange(P1001, EndpointState.ONLINE));

        AmiMapping.DeviceResult dev = AmiMapping.deviceState(
                PJSIP.inStep("01-register-1001", "DeviceStateChange").get(0).headers());
        assertThat(dev.change()).contains(new DeviceChange(P1001, DeviceState.NOT_INUSE));
    }

    @Test
    void unregisterAndQualifyFailureTellApartOnlyByContactStatus() {
        ContactChange removed = AmiMapping.contactStatus(PJSIP.inStep("06-unregister-1001", "ContactStatus")
                        .get(0)
                        .headers())
                .orElseThrow();
        assertThat(removed.status()).isEqualTo(ContactStatus.REMOVED);
        ContactChange unreachable = AmiMapping.contactStatus(
                        PJSIP.inStep("09-qualify-fail", "ContactStatus").get(0).headers())
                .orElseThrow();
        assertThat(unreachable.status()).isEqualTo(ContactStatus.UNREACHABLE);
        assertThat(unreachable.rtt()).isEmpty();
        for (String step : List.of("06-unregister-1001", "09-qualify-fail")) {
            assertThat(AmiMapping.peerStatus(
                            PJSIP.inStep(step, "PeerStatus").get(0).headers(), Optional.empty()))
                    .containsExactly(new EndpointChange(P1001, EndpointState.OFFLINE));
        }
    }

    @Test
    void contactReplacementKeysByUri() {
        List<Transcript.Frame> cs = PJSIP.inStep("08-register-1001", "ContactStatus");
        assertThat(cs)
                .extracting(f -> AmiMapping.contactStatus(f.headers()).orElseThrow())
                .extracting(ContactChange::uri, ContactChange::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("sip:1001@127.0.0.1:5064", ContactStatus.NON_QUALIFIED),
                        org.assertj.core.groups.Tuple.tuple("sip:1001@127.0.0.1:5064", ContactStatus.REACHABLE),
                        org.assertj.core.groups.Tuple.tuple("sip:1001@127.0.0.2:5063", ContactStatus.REMOVED));
    }

    @Test
    void contactListItemsCarryAddressUserAgentExpiryAndRtt() {
        Transcript.Frame item = PJSIP.inStep("02-snapshot", "ContactList").get(0);
        ContactChange c = AmiMapping.contactListItem(item.headers());
        assertThat(c.endpoint()).isEqualTo(P1001);
        assertThat(c.uri()).isEqualTo("sip:1001@127.0.0.1:5061");
        assertThat(c.status()).isEqualTo(ContactStatus.REACHABLE);
        assertThat(c.aor()).contains("1001");
        assertThat(c.address()).contains(new HostPort("127.0.0.1", 5061));
        assertThat(c.userAgent()).contains("sipp-astreg/1001");
        assertThat(c.expiresAt()).contains(Instant.ofEpochSecond(1795674775L));
        assertThat(c.rtt()).contains(Duration.ofNanos(469_000));

        Transcript.Frame moved = PJSIP.inStep("07-reregister", "ContactList").get(0);
        assertThat(AmiMapping.contactListItem(moved.headers()).address()).contains(new HostPort("127.0.0.2", 5063));

        Transcript.Frame na = PJSIP.inStep("09a-snapshot", "ContactList").get(0);
        ContactChange unreachable = AmiMapping.contactListItem(na.headers());
        assertThat(unreachable.status()).isEqualTo(ContactStatus.UNREACHABLE);
        assertThat(unreachable.rtt()).as("N/A").isEmpty();

        Transcript.Frame afterRestart = RESTART.events("ContactList").get(0);
        ContactChange nq = AmiMapping.contactListItem(afterRestart.headers());
        assertThat(nq.status()).isEqualTo(ContactStatus.NON_QUALIFIED);
        assertThat(nq.rtt()).isEmpty();
        assertThat(nq.endpoint()).isEqualTo(EndpointId.pjsip("1004"));
    }

    @Test
    void contactListFallsBackToUriAddressAndKnowsRemoved() {
        ContactChange c = AmiMapping.contactListItem(Headers.of(Map.of(
                "ObjectName", "1001;@abc",
                "Uri", "sip:1001@[2001:db8::1]:5070;transport=tcp",
                "Status", "Removed",
                "RoundtripUsec", "N/A")));
        assertThat(c.status()).isEqualTo(ContactStatus.REMOVED);
        assertThat(c.endpoint()).as("endpoint from the AOR").isEqualTo(P1001);
        assertThat(c.address()).contains(new HostPort("2001:db8::1", 5070));
        assertThat(AmiMapping.uriAddress("sips:alice@example.com")).contains(new HostPort("example.com", 5061));
        assertThat(AmiMapping.uriAddress("sip:10.0.0.1")).contains(new HostPort("10.0.0.1", 5060));
    }

    @Test
    void endpointListGivesStateAndChannels() {
        List<Transcript.Frame> items = PJSIP.inStep("02-snapshot", "EndpointList");
        AmiMapping.EndpointItem e1001 = AmiMapping.endpointListItem(items.get(0).headers());
        assertThat(e1001.endpoint()).isEqualTo(new EndpointChange(P1001, EndpointState.ONLINE, 0));
        assertThat(e1001.device()).contains(new DeviceChange(P1001, DeviceState.NOT_INUSE));
        AmiMapping.EndpointItem e1002 = AmiMapping.endpointListItem(items.get(1).headers());
        assertThat(e1002.endpoint())
                .isEqualTo(new EndpointChange(EndpointId.pjsip("1002"), EndpointState.OFFLINE, OptionalInt.of(0)));
        AmiMapping.EndpointItem inCall = AmiMapping.endpointListItem(
                Headers.of(Map.of("ObjectName", "1001", "DeviceState", "In use", "ActiveChannels", "2")));
        assertThat(inCall.endpoint()).isEqualTo(new EndpointChange(P1001, EndpointState.ONLINE, 2));
        assertThat(inCall.device()).contains(new DeviceChange(P1001, DeviceState.INUSE));
    }

    @Test
    void deviceStateListItemsAndNonEndpointDevices() {
        List<Transcript.Frame> items = PJSIP.select(f -> f.isEvent("DeviceStateChange") && !f.isLive());
        assertThat(items).hasSizeGreaterThan(20);
        for (Transcript.Frame f : items) {
            assertThat(AmiMapping.deviceState(f.headers()).change()).isPresent();
        }
        for (String device : List.of("Queue:support_avail", "Custom:lamp1", "Park:701@parkedcalls", "nodevice")) {
            AmiMapping.DeviceResult r = AmiMapping.deviceState(Headers.of(Map.of("Device", device, "State", "INUSE")));
            assertThat(r.change()).as(device).isEmpty();
            assertThat(r.skipped()).as(device).isPresent();
        }
        assertThatThrownBy(() -> AmiMapping.deviceState(Headers.of(Map.of("Device", "PJSIP/1001", "State", "SLEEPY"))))
                .isInstanceOf(MalformedFrameException.class);
    }

    @Test
    void chanSipPeerLifecycle() {
        EndpointId sip2001 = new EndpointId("SIP", "2001");
        List<Transcript.Frame> reg = AST20.inStep("02-register-chan_sip-2001", "PeerStatus");
        List<Change> registered = AmiMapping.peerStatus(reg.get(0).headers(), Optional.empty());
        String uri = "sip:2001@127.0.0.1:5102";
        assertThat(registered)
                .containsExactly(
                        new EndpointChange(sip2001, EndpointState.ONLINE),
                        ContactChange.builder(sip2001, uri, ContactStatus.NON_QUALIFIED)
                                .address("127.0.0.1", 5102)
                                .build());
        List<Change> reachable = AmiMapping.peerStatus(reg.get(1).headers(), Optional.of(uri));
        assertThat(reachable)
                .containsExactly(
                        new EndpointChange(sip2001, EndpointState.ONLINE),
                        ContactChange.builder(sip2001, uri, ContactStatus.REACHABLE)
                                .build());
        List<Change> unregistered = AmiMapping.peerStatus(
                AST20.inStep("06-unregister-chan_sip-2001", "PeerStatus").get(0).headers(), Optional.of(uri));
        assertThat(unregistered)
                .containsExactly(
                        new EndpointChange(sip2001, EndpointState.OFFLINE),
                        ContactChange.builder(sip2001, uri, ContactStatus.REMOVED)
                                .build());
        List<Change> unreachable = AmiMapping.peerStatus(
                AST20.select(f -> f.isEvent("PeerStatus") && "-1".equals(f.raw().get("Time")))
                        .get(0)
                        .headers(),
                Optional.of("sip:2002@127.0.0.1:5103"));
        assertThat(unreachable).hasSize(2);
        assertThat(((ContactChange) unreachable.get(1)).rtt()).isEmpty();
        // a re-registration from elsewhere replaces the old contact
        List<Change> moved = AmiMapping.peerStatus(reg.get(0).headers(), Optional.of("sip:2001@10.0.0.9:5060"));
        assertThat(moved)
                .contains(ContactChange.builder(sip2001, "sip:2001@10.0.0.9:5060", ContactStatus.REMOVED)
                        .build());
    }

    @Test
    void sipPeersSnapshot() {
        List<Transcript.Frame> peers =
                AST20.select(f -> f.isEvent("PeerEntry") && f.step().startsWith("03-"));
        assertThat(peers).isNotEmpty();
        List<Change> p2001 = AmiMapping.peerEntry(peers.get(0).headers());
        EndpointId sip2001 = new EndpointId("SIP", "2001");
        assertThat(p2001)
                .containsExactly(
                        new EndpointChange(sip2001, EndpointState.ONLINE),
                        ContactChange.builder(sip2001, "sip:2001@127.0.0.1:5102", ContactStatus.REACHABLE)
                                .address("127.0.0.1", 5102)
                                .rtt(Duration.ofMillis(1))
                                .build());
        List<Change> p2002 = AmiMapping.peerEntry(peers.get(1).headers());
        assertThat(p2002).containsExactly(new EndpointChange(new EndpointId("SIP", "2002"), EndpointState.OFFLINE));
    }

    @Test
    void timestampsAndEpoch() {
        assertThat(AmiMapping.parseTimestamp("1795671175.618230"))
                .contains(Instant.ofEpochSecond(1795671175L, 618_230_000L));
        assertThat(AmiMapping.parseTimestamp("garbage")).isEmpty();
        assertThat(AmiMapping.parseTimestamp("-1")).isEmpty();
        assertThat(AmiMapping.startedAt("2026-11-26", "05:32:37", ZoneOffset.UTC))
                .contains(Instant.parse("2026-11-26T05:32:37Z"));
        assertThat(AmiMapping.startedAt("2026-11-26", "05:32:37", ZoneOffset.ofHours(1)))
                .contains(Instant.parse("2026-11-26T04:32:37Z"));
        assertThat(AmiMapping.startedAt(null, "05:32:37", ZoneOffset.UTC)).isEmpty();
        assertThatThrownBy(() -> AmiMapping.startedAt("yesterday", "noon", ZoneOffset.UTC))
                .isInstanceOf(MalformedFrameException.class);
    }

    @Test
    void malformedFramesAreRejectedWithAReason() {
        assertThatThrownBy(() -> AmiMapping.contactStatus(Headers.of(Map.of("ContactStatus", "Reachable"))))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("URI");
        assertThatThrownBy(() -> AmiMapping.contactStatus(
                        Headers.of(Map.of("URI", "sip:x@h", "ContactStatus", "Dancing", "EndpointName", "1001"))))
                .isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining("Dancing");
        assertThatThrownBy(() -> AmiMapping.peerStatus(
                        Headers.of(Map.of("Peer", "nobody", "PeerStatus", "Reachable")), Optional.empty()))
                .isInstanceOf(MalformedFrameException.class);
        assertThat(AmiMapping.contactStatus(
                        Headers.of(Map.of("URI", "sip:x@h", "ContactStatus", "Updated", "EndpointName", "1001"))))
                .as("Updated says nothing about the status")
                .isEmpty();
    }

    @Test
    void asteriskJavasDoubleTimestampReadsAsTheHeaderText() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 200_000; i++) {
            // 2000-01-01 .. 2100-01-01, every microsecond digit pattern
            long seconds = 946_684_800L + (long) (random.nextDouble() * 3_155_760_000L);
            String text = seconds + "." + String.format("%06d", random.nextInt(1_000_000));
            Double asParsedByAsteriskJava = Double.valueOf(text);
            assertThat(AmiMapping.timestamp(asParsedByAsteriskJava))
                    .as(text)
                    .isEqualTo(AmiMapping.parseTimestamp(text));
        }
        assertThat(AmiMapping.timestamp((Double) null)).isEmpty();
        assertThat(AmiMapping.timestamp(0.0)).isEmpty();
        assertThat(AmiMapping.timestamp(Double.NaN)).isEmpty();
        assertThat(AmiMapping.timestamp(Double.POSITIVE_INFINITY)).isEmpty();
        assertThat(AmiMapping.timestamp(1.0e10)).isEqualTo(AmiMapping.parseTimestamp("10000000000"));
    }

    @Test
    void headersLookUpCaseInsensitivelyAndTheLastValueWins() {
        Headers h = Headers.builder()
                .put("URI", "sip:a@h")
                .put("uri", "sip:b@h")
                .put("Blank", "  ")
                .put("Unknown", "<unknown>")
                .put("Skipped", null)
                .build();
        assertThat(h.get("Uri")).contains("sip:b@h");
        assertThat(h.get("blank")).isEmpty();
        assertThat(h.get("UNKNOWN")).isEmpty();
        assertThat(h.get("Skipped")).isEmpty();
        assertThat(h.asMap()).hasSize(3);
        Headers many = Headers.of(java.util.stream.IntStream.range(0, 40)
                .boxed()
                .collect(java.util.stream.Collectors.toMap(i -> "H" + i, i -> "v" + i)));
        assertThat(many.get("h39")).contains("v39");
        assertThat(many.get("H0")).contains("v0");
    }
}
