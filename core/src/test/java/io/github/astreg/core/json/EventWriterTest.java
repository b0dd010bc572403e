package io.github.astreg.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written event writer must produce exactly the text of the Jackson tree form. */
class EventWriterTest {
    private static final String[] AWKWARD = {
        "1001",
        "a b",
        "quote\"d",
        "back\\slash",
        "{brace}",
        "co:lon",
        "Ünïcødé ☎",
        "emoji \uD83D\uDCDE",
        "sl/ash",
        "\u2028line sep",
        "tab-free <>&'"
    };

    private static List<EndpointStateEvent> events() {
        List<EndpointStateEvent> out = new ArrayList<>();
        Instant at = Instant.parse("2026-11-26T09:00:00.123456789Z");
        long seq = 0;
        for (String s : AWKWARD) {
            EndpointId ep = new EndpointId("PJSIP", s.replace('/', '_'));
            List<Change> changes = new ArrayList<>();
            for (ContactStatus status : ContactStatus.values()) {
                changes.add(ContactChange.builder(ep, "sip:" + s + "@10.0.0.1:5060", status)
                        .build());
                changes.add(ContactChange.builder(ep, "sip:" + s + "@[2001:db8::1]:5061", status)
                        .aor(s)
                        .address("2001:db8::1", 5061)
                        .userAgent(s)
                        .rtt(Duration.ofNanos(1_234_567))
                        .expiresAt(at.plusSeconds(3600))
                        .jitter(Optional.of(Duration.ofNanos(999)))
                        .registeredAt(Optional.of(Instant.EPOCH))
                        .build());
            }
            for (EndpointState state : EndpointState.values()) {
                changes.add(new EndpointChange(ep, state));
                changes.add(new EndpointChange(ep, state, 3));
            }
            for (DeviceState state : DeviceState.values()) {
                changes.add(new DeviceChange(ep, state));
            }
            for (NodeStatus status : NodeStatus.values()) {
                changes.add(NodeChange.of(status));
                changes.add(new NodeChange(status, Optional.of(at.minusSeconds(60)), Optional.of(s)));
            }
            for (Change c : changes) {
                for (Origin origin : Origin.values()) {
                    out.add(new EndpointStateEvent(NodeId.of("pbx-eu.1"), at, seq++, origin, c));
                }
            }
        }
        out.add(new EndpointStateEvent(
                NodeId.of("n"), Instant.ofEpochSecond(-5), Long.MAX_VALUE, Origin.AMI, NodeChange.of(NodeStatus.UP)));
        return out;
    }

    @Test
    void sameTextAsTheTreeForm() {
        List<EndpointStateEvent> events = events();
        assertThat(events).hasSizeGreaterThan(500);
        for (EndpointStateEvent e : events) {
            assertThat(EventWriter.write(e)).isEqualTo(EventJson.toJson(EventJson.toTree(e)));
        }
    }

    @Test
    void instantsLikeInstantToString() {
        Random rnd = new Random(7);
        List<Instant> instants = new ArrayList<>(List.of(
                Instant.EPOCH,
                Instant.ofEpochSecond(-1, 999_999_999),
                Instant.ofEpochSecond(253_402_300_799L, 999_999_999),
                Instant.ofEpochSecond(253_402_300_800L),
                Instant.MIN,
                Instant.MAX,
                Instant.parse("2026-11-26T09:00:00Z"),
                Instant.parse("2028-02-29T23:59:59.100Z"),
                Instant.parse("2026-11-26T09:00:00.000001Z"),
                Instant.parse("2026-11-26T09:00:00.000000001Z")));
        int[] nanos = {0, 1, 1_000, 1_000_000, 100_000_000, 120_000_000, 123_456_000, 123_456_789, 999_999_999};
        for (int i = 0; i < 20_000; i++) {
            long sec = rnd.nextInt(3) == 0
                    ? rnd.nextLong(-5_000_000_000L, 300_000_000_000L)
                    : rnd.nextLong(1_700_000_000L, 1_900_000_000L);
            instants.add(Instant.ofEpochSecond(sec, nanos[rnd.nextInt(nanos.length)]));
        }
        for (Instant t : instants) {
            StringBuilder s = new StringBuilder();
            EventWriter.instant(s, t);
            assertThat(s.toString()).isEqualTo(t.toString());
        }
    }

    @Test
    void escapesEveryCharacterLikeJackson() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        for (int c = 0; c <= 0xFFFF; c++) {
            String value = "a" + (char) c + "b";
            StringBuilder s = new StringBuilder("\"");
            EventWriter.escaped(s, value);
            s.append('"');
            assertThat(s.toString()).as("U+%04X", c).isEqualTo(mapper.writeValueAsString(value));
        }
    }
}
