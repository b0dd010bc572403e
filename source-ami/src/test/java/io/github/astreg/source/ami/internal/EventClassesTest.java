package io.github.astreg.source.ami.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.source.ami.internal.events.AorListCompleteEvent;
import io.github.astreg.source.ami.internal.events.AorListEvent;
import io.github.astreg.source.ami.internal.events.ContactListItemEvent;
import io.github.astreg.source.ami.internal.events.DeviceStateItemEvent;
import io.github.astreg.source.ami.internal.events.DeviceStateListCompleteEvent;
import io.github.astreg.source.ami.internal.events.ExtensionStateListCompleteEvent;
import io.github.astreg.source.ami.internal.events.HeaderEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.asteriskjava.manager.event.ContactStatusEvent;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.event.ResponseEvent;
import org.asteriskjava.manager.internal.AsteriskJavaEventBuilder;
import org.junit.jupiter.api.Test;

/** What asterisk-java builds from real frames once this module's classes are registered. */
class EventClassesTest {
    private static final Transcript PJSIP = Transcript.load("ami-pjsip.txt");
    private static final Transcript AST20 = Transcript.load("ami-ast20.txt");

    private static AsteriskJavaEventBuilder builder(boolean withOurs) {
        AsteriskJavaEventBuilder b = new AsteriskJavaEventBuilder();
        if (withOurs) {
            for (Class<? extends ManagerEvent> c : List.of(
                    DeviceStateItemEvent.class,
                    DeviceStateListCompleteEvent.class,
                    ExtensionStateListCompleteEvent.class,
                    ContactListItemEvent.class,
                    AorListEvent.class,
                    AorListCompleteEvent.class)) {
                b.register(c);
            }
        }
        return b;
    }

    @Test
    void withoutOurClassesAsteriskJavaDropsListCompletions() {
        AsteriskJavaEventBuilder plain = builder(false);
        for (String type : List.of("DeviceStateListComplete", "ExtensionStateListComplete", "AorList")) {
            assertThat(plain.build(PJSIP.events(type).get(0).raw())).as(type).isNull();
        }
    }

    @Test
    void everyFrameTheSourceNeedsIsBuilt() {
        AsteriskJavaEventBuilder b = builder(true);
        for (String type : List.of(
                "DeviceStateListComplete",
                "ExtensionStateListComplete",
                "AorList",
                "AorListComplete",
                "ContactList",
                "ContactListComplete",
                "DeviceStateChange",
                "ContactStatus",
                "PeerStatus",
                "EndpointList",
                "FullyBooted",
                "Reload")) {
            List<Transcript.Frame> frames = PJSIP.events(type);
            assertThat(frames).as(type).isNotEmpty();
            for (Transcript.Frame f : frames) {
                assertThat(b.build(f.raw())).as(type).isNotNull();
            }
        }
        assertThat(b.build(AST20.events("PeerEntry").get(0).raw())).isNotNull();
    }

    @Test
    void deviceStateListItemsAreResponseEventsAndLiveOnesAreNot() {
        AsteriskJavaEventBuilder b = builder(true);
        Transcript.Frame item =
                PJSIP.select(f -> f.isEvent("DeviceStateChange") && !f.isLive()).get(0);
        Map<String, String> asSentByAsteriskJava = new LinkedHashMap<>(item.raw());
        asSentByAsteriskJava.put("ActionID", "17_0#");
        ManagerEvent e = b.build(asSentByAsteriskJava);
        assertThat(e).isInstanceOf(DeviceStateItemEvent.class);
        assertThat(((ResponseEvent) e).getInternalActionId()).isEqualTo("17_0");
        Headers h = ((HeaderEvent) e).headers();
        assertThat(h.get("Device")).contains(item.raw().get("Device"));
        assertThat(h.get("State")).contains(item.raw().get("State"));

        Transcript.Frame live =
                PJSIP.select(f -> f.isEvent("DeviceStateChange") && f.isLive()).get(0);
        ManagerEvent le = b.build(live.raw());
        assertThat(((ResponseEvent) le).getInternalActionId()).isNull();
        assertThat(AmiMapping.timestamp(EventHeaders.of(le).orElseThrow()))
                .contains(AmiMapping.parseTimestamp(live.raw().get("Timestamp")).orElseThrow());
    }

    @Test
    void valuesAsteriskJavaWouldNullArePreserved() {
        AsteriskJavaEventBuilder b = builder(true);
        ManagerEvent e = b.build(Map.of("Event", "DeviceStateChange", "Device", "PJSIP/1001", "State", "UNKNOWN"));
        assertThat(AmiMapping.deviceState(((HeaderEvent) e).headers())
                        .change()
                        .orElseThrow()
                        .state())
                .isEqualTo(io.github.astreg.core.model.DeviceState.UNKNOWN);
        Transcript.Frame item = PJSIP.inStep("09a-snapshot", "ContactList").get(0);
        assertThat(((HeaderEvent) b.build(item.raw())).headers().get("RoundtripUsec"))
                .contains("N/A");
    }

    @Test
    void contactListKeepsEveryFieldAndARemovedStatus() {
        AsteriskJavaEventBuilder b = builder(true);
        Transcript.Frame item = PJSIP.inStep("02-snapshot", "ContactList").get(0);
        ContactChange c =
                AmiMapping.contactListItem(EventHeaders.of(b.build(item.raw())).orElseThrow());
        assertThat(c).isEqualTo(AmiMapping.contactListItem(item.headers()));
        assertThat(c.address()).contains(new HostPort("127.0.0.1", 5061));
        assertThat(c.expiresAt()).contains(Instant.ofEpochSecond(1795674775L));

        Map<String, String> removed = new LinkedHashMap<>(item.raw());
        removed.put("Status", "Removed");
        ContactChange r =
                AmiMapping.contactListItem(EventHeaders.of(b.build(removed)).orElseThrow());
        assertThat(r.status()).isEqualTo(ContactStatus.REMOVED);
    }

    @Test
    void liveEventsMapTheSameThroughAsteriskJava() {
        AsteriskJavaEventBuilder b = builder(true);
        for (Transcript.Frame f : PJSIP.events("ContactStatus")) {
            ManagerEvent event = b.build(f.raw());
            Headers viaAj = EventHeaders.of(event).orElseThrow();
            assertThat(AmiMapping.contactStatus(viaAj)).isEqualTo(AmiMapping.contactStatus(f.headers()));
            assertThat(AmiMapping.timestamp(viaAj)).isEqualTo(AmiMapping.timestamp(f.headers()));
            // the source's hot path reads the event directly
            assertThat(AmiMapping.contactStatus((ContactStatusEvent) event))
                    .isEqualTo(AmiMapping.contactStatus(f.headers()));
            assertThat(AmiMapping.timestamp(event.getTimestamp())).isEqualTo(AmiMapping.timestamp(f.headers()));
        }
        // values asterisk-java leaves as Asterisk sent them: blank, null spellings, N/A, Unknown
        Map<String, String> odd =
                new LinkedHashMap<>(PJSIP.events("ContactStatus").get(0).raw());
        odd.put("AOR", " ");
        odd.put("RoundtripUsec", "N/A");
        odd.put("ContactStatus", "Unknown");
        ManagerEvent oddEvent = b.build(odd);
        assertThat(AmiMapping.contactStatus((ContactStatusEvent) oddEvent))
                .isEqualTo(AmiMapping.contactStatus(EventHeaders.of(oddEvent).orElseThrow()))
                .isEqualTo(AmiMapping.contactStatus(Headers.of(odd)));
        for (Transcript.Frame f : AST20.events("PeerStatus")) {
            Headers viaAj = EventHeaders.of(b.build(f.raw())).orElseThrow();
            assertThat(AmiMapping.peerStatus(viaAj, java.util.Optional.of("sip:x@127.0.0.1:5060")))
                    .isEqualTo(AmiMapping.peerStatus(f.headers(), java.util.Optional.of("sip:x@127.0.0.1:5060")));
        }
        for (Transcript.Frame f : AST20.events("PeerEntry")) {
            Headers viaAj = EventHeaders.of(b.build(f.raw())).orElseThrow();
            assertThat(AmiMapping.peerEntry(viaAj)).isEqualTo(AmiMapping.peerEntry(f.headers()));
        }
    }
}
