package io.github.astreg.core.json;

import static io.github.astreg.core.Events.t;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.Events;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventJsonTest {
    private final Events ev = new Events();

    @Test
    void everyChangeKindRoundTrips() {
        List<EndpointStateEvent> events = List.of(
                ev.contact(
                        "pbx1",
                        "PJSIP/1001",
                        "sip:1001@127.0.0.1:5061",
                        ContactStatus.REACHABLE,
                        t(1),
                        b -> b.aor("1001")
                                .address("127.0.0.1", 5061)
                                .userAgent("sipp-astreg/1001")
                                .rtt(Duration.ofNanos(744_000))
                                .expiresAt(t(3600))
                                .jitter(Optional.of(Duration.ofNanos(12_000)))
                                .registeredAt(Optional.of(t(1)))),
                ev.contact("pbx1", "PJSIP/1001", "sip:x", ContactStatus.REMOVED, t(2)),
                ev.endpoint("pbx1", "PJSIP/1001", EndpointState.ONLINE, 2, t(3)),
                ev.event(
                        "pbx1",
                        t(3),
                        new io.github.astreg.core.model.EndpointChange(
                                EndpointId.parse("SIP/alice"), EndpointState.REMOVED)),
                ev.device("pbx2", "PJSIP/1001", DeviceState.RINGINUSE, t(4)),
                ev.node("pbx2", NodeStatus.SNAPSHOT_BEGIN, t(5)),
                ev.event(
                        "pbx2", t(6), new NodeChange(NodeStatus.UP, Optional.of(t(-100)), Optional.of("collector-1"))));
        for (EndpointStateEvent e : events) {
            String json = EventJson.write(e);
            assertThat(EventJson.readEvent(json)).as(json).isEqualTo(e);
        }
    }

    @Test
    void theDocumentedFormIsStable() {
        EndpointStateEvent e = new EndpointStateEvent(
                NodeId.of("pbx1"),
                Instant.parse("2026-11-26T05:32:55.619Z"),
                7,
                Origin.AMI,
                io.github.astreg.core.model.ContactChange.builder(
                                EndpointId.parse("PJSIP/1001"), "sip:1001@127.0.0.1:5061", ContactStatus.REACHABLE)
                        .rtt(Duration.ofNanos(744_000))
                        .build());
        assertThat(EventJson.write(e))
                .isEqualTo(
                        "{\"node\":\"pbx1\",\"observedAt\":\"2026-11-26T05:32:55.619Z\",\"sequence\":7,\"origin\":\"AMI\","
                                + "\"kind\":\"contact\",\"endpoint\":\"PJSIP/1001\",\"change\":{\"uri\":\"sip:1001@127.0.0.1:5061\","
                                + "\"status\":\"REACHABLE\",\"rttUs\":744}}");
    }

    @Test
    void recordsRoundTrip() {
        InMemoryEndpointRegistry r = InMemoryEndpointRegistry.builder()
                .clock(java.time.Clock.fixed(t(100), java.time.ZoneOffset.UTC))
                .build();
        r.apply(ev.node("pbx1", NodeStatus.UP, t(90)));
        r.apply(ev.registered("pbx1", "PJSIP/1001", "sip:1001@10.0.0.1:5060", "10.0.0.1", 5060, t(10)));
        r.apply(ev.rtt("pbx1", "PJSIP/1001", "sip:1001@10.0.0.1:5060", 900, t(11)));
        r.apply(ev.rtt("pbx1", "PJSIP/1001", "sip:1001@10.0.0.1:5060", 1300, t(12)));
        r.apply(ev.device("pbx1", "PJSIP/1001", DeviceState.INUSE, t(12)));
        r.apply(ev.endpoint("pbx2", "PJSIP/1001", EndpointState.OFFLINE, 0, t(12)));
        EndpointRecord record = r.find(EndpointId.parse("PJSIP/1001")).orElseThrow();
        assertThat(EventJson.readRecord(EventJson.write(record))).isEqualTo(record);
        assertThat(EventJson.write(r.nodes().get(0)))
                .contains("\"node\":\"pbx1\"")
                .contains("\"stale\":false");
    }

    @Test
    void malformedJsonGivesAClearException() {
        assertThatThrownBy(() -> EventJson.readEvent("{not json"))
                .isInstanceOf(EventJsonException.class)
                .hasMessageContaining("malformed JSON");
        assertThatThrownBy(() -> EventJson.readEvent("[]")).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> EventJson.readEvent(null)).isInstanceOf(EventJsonException.class);
    }

    @Test
    void unknownChangeKindIsRejected() {
        String json = "{\"node\":\"pbx1\",\"observedAt\":\"2026-11-26T05:32:55Z\",\"sequence\":1,\"origin\":\"AMI\","
                + "\"kind\":\"teleport\",\"endpoint\":\"PJSIP/1\",\"change\":{}}";
        assertThatThrownBy(() -> EventJson.readEvent(json))
                .isInstanceOf(EventJsonException.class)
                .hasMessageContaining("kind")
                .hasMessageContaining("teleport");
    }

    @Test
    void invalidFieldsNameTheField() {
        String base = "{\"node\":\"%s\",\"observedAt\":\"%s\",\"sequence\":%s,\"origin\":\"AMI\",\"kind\":\"device\","
                + "\"endpoint\":\"%s\",\"change\":{\"state\":\"%s\"}}";
        assertThatThrownBy(() -> EventJson.readEvent(
                        String.format(base, "bad node!", "2026-11-26T05:32:55Z", "1", "PJSIP/1", "INUSE")))
                .hasMessageContaining("node");
        assertThatThrownBy(() -> EventJson.readEvent(String.format(base, "pbx1", "yesterday", "1", "PJSIP/1", "INUSE")))
                .hasMessageContaining("observedAt");
        assertThatThrownBy(() -> EventJson.readEvent(
                        String.format(base, "pbx1", "2026-11-26T05:32:55Z", "-1", "PJSIP/1", "INUSE")))
                .hasMessageContaining("sequence");
        assertThatThrownBy(() -> EventJson.readEvent(
                        String.format(base, "pbx1", "2026-11-26T05:32:55Z", "\"x\"", "PJSIP/1", "INUSE")))
                .hasMessageContaining("sequence");
        assertThatThrownBy(() ->
                        EventJson.readEvent(String.format(base, "pbx1", "2026-11-26T05:32:55Z", "1", "PJSIP", "INUSE")))
                .hasMessageContaining("endpoint");
        assertThatThrownBy(() -> EventJson.readEvent(
                        String.format(base, "pbx1", "2026-11-26T05:32:55Z", "1", "PJSIP/1", "DANCING")))
                .hasMessageContaining("state")
                .hasMessageContaining("DANCING");
        String noChange =
                "{\"node\":\"pbx1\",\"observedAt\":\"2026-11-26T05:32:55Z\",\"sequence\":1,\"origin\":\"AMI\",\"kind\":\"node\"}";
        assertThatThrownBy(() -> EventJson.readEvent(noChange)).hasMessageContaining("change");
        String halfAddress =
                "{\"node\":\"pbx1\",\"observedAt\":\"2026-11-26T05:32:55Z\",\"sequence\":1,\"origin\":\"AMI\","
                        + "\"kind\":\"contact\",\"endpoint\":\"PJSIP/1\",\"change\":{\"uri\":\"sip:a\",\"status\":\"REACHABLE\",\"host\":\"h\"}}";
        assertThatThrownBy(() -> EventJson.readEvent(halfAddress)).hasMessageContaining("host and port");
    }
}
