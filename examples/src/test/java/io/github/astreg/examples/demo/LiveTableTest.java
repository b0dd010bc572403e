package io.github.astreg.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveTableTest {
    private static final Instant T0 = Instant.parse("2026-11-26T06:00:00Z");
    private static final NodeId PBX1 = NodeId.of("pbx1");
    private static final NodeId PBX2 = NodeId.of("pbx2");

    private final Clock clock = Clock.fixed(T0.plusSeconds(5), ZoneOffset.UTC);
    private final InMemoryEndpointRegistry registry =
            InMemoryEndpointRegistry.builder().clock(clock).build();
    private long seq;

    private void apply(NodeId node, Change change) {
        registry.apply(new EndpointStateEvent(node, T0, ++seq, Origin.OTHER, change));
    }

    private static ContactChange contact(String ep, String host, ContactStatus status, long rttUs) {
        return ContactChange.builder(EndpointId.pjsip(ep), "sip:" + ep + "@" + host + ":5060", status)
                .address(host, 5060)
                .rtt(Duration.ofNanos(rttUs * 1000))
                .expiresAt(T0.plusSeconds(3600))
                .build();
    }

    @Test
    void rowsShowLocationContactRttAndDevice() {
        apply(PBX1, NodeChange.up(T0));
        apply(PBX2, NodeChange.up(T0));
        apply(PBX1, contact("1001", "10.0.1.5", ContactStatus.REACHABLE, 12_345));
        apply(PBX1, new DeviceChange(EndpointId.pjsip("1001"), DeviceState.INUSE));
        apply(PBX2, contact("1002", "10.0.2.7", ContactStatus.UNREACHABLE, 800));
        LiveTable table = new LiveTable(registry, clock);

        List<LiveTable.Row> rows = table.rows();
        assertThat(rows).hasSize(2);
        LiveTable.Row r1 = rows.get(0);
        assertThat(r1.endpoint()).isEqualTo(EndpointId.pjsip("1001"));
        assertThat(r1.node()).isEqualTo("pbx1");
        assertThat(r1.address()).isEqualTo("10.0.1.5:5060");
        assertThat(r1.contact()).isEqualTo("REACHABLE");
        assertThat(r1.rtt()).isEqualTo("12.3 ms");
        assertThat(r1.jitter()).isEqualTo("-");
        assertThat(r1.device()).isEqualTo("INUSE");
        assertThat(r1.located()).isTrue();
        LiveTable.Row r2 = rows.get(1);
        assertThat(r2.node()).isEqualTo("-");
        assertThat(r2.located()).isFalse();
        assertThat(r2.contact()).isEqualTo("UNREACHABLE");
        assertThat(r2.address()).isEqualTo("10.0.2.7:5060");

        String text = table.render("title");
        assertThat(text.lines().toList())
                .startsWith("title", "2 nodes (pbx1 UP: 1, pbx2 UP: 0) | 2 endpoints, 1 located", "")
                .anySatisfy(l -> assertThat(l).startsWith("PJSIP/1001  pbx1  10.0.1.5:5060  REACHABLE"));
        assertThat(text).contains("(5s ago)");
    }

    @Test
    void jitterAppearsWithTheSecondSample() {
        apply(PBX1, NodeChange.up(T0));
        apply(PBX1, contact("1001", "10.0.1.5", ContactStatus.REACHABLE, 10_000));
        apply(PBX1, contact("1001", "10.0.1.5", ContactStatus.REACHABLE, 14_000));
        LiveTable.Row r = new LiveTable(registry, clock).rows().get(0);
        assertThat(r.rtt()).isEqualTo("14.0 ms");
        assertThat(r.jitter()).matches("\\d+\\.\\d ms").isNotEqualTo("0.0 ms");
    }

    @Test
    void frameRedrawsInPlace() {
        apply(PBX1, NodeChange.up(T0));
        apply(PBX1, contact("1001", "10.0.1.5", ContactStatus.REACHABLE, 500));
        String frame = new LiveTable(registry, clock).frame("a\nb");
        assertThat(frame).startsWith(LiveTable.HOME + "a" + LiveTable.CLEAR_LINE + "\nb" + LiveTable.CLEAR_LINE);
        assertThat(frame).endsWith(LiveTable.CLEAR_BELOW);
    }

    @Test
    void formats() {
        assertThat(LiveTable.millis(Duration.ofNanos(1_234_567))).isEqualTo("1.2 ms");
        assertThat(LiveTable.ago(Duration.ofSeconds(59))).isEqualTo("59s ago");
        assertThat(LiveTable.ago(Duration.ofSeconds(125))).isEqualTo("2m ago");
        assertThat(LiveTable.ago(Duration.ofHours(3))).isEqualTo("3h ago");
    }
}
