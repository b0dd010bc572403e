package io.github.astreg.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelValidationTest {

    @Test
    void nodeIdAcceptsAsteriskSystemNames() {
        assertThat(NodeId.of("pbx-eu-1").value()).isEqualTo("pbx-eu-1");
        assertThat(NodeId.of("a.b_c-D9").toString()).isEqualTo("a.b_c-D9");
        assertThat(NodeId.of("x".repeat(64)).value()).hasSize(64);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "pbx 1", "pbx/1", "pbx:1", "ünï"})
    void nodeIdRejectsInvalidValuesNamingFieldAndValue(String bad) {
        assertThatThrownBy(() -> NodeId.of(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("node ")
                .hasMessageContaining("\"" + bad + "\"");
    }

    @Test
    void nodeIdRejectsNullAndTooLong() {
        assertThatThrownBy(() -> NodeId.of(null)).hasMessageContaining("node must not be null");
        assertThatThrownBy(() -> NodeId.of("x".repeat(65))).hasMessageContaining("node");
    }

    @Test
    void endpointIdParsesAndPrintsAsteriskForm() {
        EndpointId id = EndpointId.parse("PJSIP/1001");
        assertThat(id.technology()).isEqualTo("PJSIP");
        assertThat(id.resource()).isEqualTo("1001");
        assertThat(id.toString()).isEqualTo("PJSIP/1001");
        assertThat(EndpointId.parse("SIP/alice smith").resource()).isEqualTo("alice smith");
        assertThat(EndpointId.parse("PJSIP/ünïcødé-电话").toString()).isEqualTo("PJSIP/ünïcødé-电话");
        assertThat(EndpointId.parse("PJSIP/o'brien;x=%41").resource()).isEqualTo("o'brien;x=%41");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PJSIP", "/1001", "PJSIP/", "PJSIP/10/01", "PJ SIP/1", "PJSIP/a\nb", "PJSIP/a\u0000"})
    void endpointIdRejectsInvalidValues(String bad) {
        assertThatThrownBy(() -> EndpointId.parse(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("(?s)(endpoint|technology|resource) .*");
    }

    @Test
    void endpointIdErrorsShowTheValueShortenedAndEscaped() {
        String huge = "PJSIP/" + "y".repeat(300);
        assertThatThrownBy(() -> EndpointId.parse(huge))
                .hasMessageContaining("resource")
                .hasMessageContaining("...(300 chars)");
        assertThatThrownBy(() -> EndpointId.parse("PJSIP/a\nb")).hasMessageContaining("\\u000a");
    }

    @Test
    void eventRejectsMissingAndNegativeFields() {
        Change c = new DeviceChange(EndpointId.parse("PJSIP/1"), DeviceState.INUSE);
        Instant t = Instant.parse("2026-11-26T05:00:00Z");
        assertThatThrownBy(() -> new EndpointStateEvent(null, t, 1, Origin.AMI, c))
                .hasMessageContaining("node");
        assertThatThrownBy(() -> new EndpointStateEvent(NodeId.of("a"), null, 1, Origin.AMI, c))
                .hasMessageContaining("observedAt");
        assertThatThrownBy(() -> new EndpointStateEvent(NodeId.of("a"), t, -1, Origin.AMI, c))
                .hasMessageContaining("sequence")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> new EndpointStateEvent(NodeId.of("a"), t, 1, null, c))
                .hasMessageContaining("origin");
        assertThatThrownBy(() -> new EndpointStateEvent(NodeId.of("a"), t, 1, Origin.AMI, null))
                .hasMessageContaining("change");
    }

    @Test
    void changesValidateTheirFields() {
        EndpointId ep = EndpointId.parse("PJSIP/1");
        assertThatThrownBy(() ->
                        ContactChange.builder(ep, " ", ContactStatus.REACHABLE).build())
                .hasMessageContaining("uri");
        assertThatThrownBy(() -> ContactChange.builder(ep, "sip:a", ContactStatus.REACHABLE)
                        .rtt(Duration.ofMillis(-1))
                        .build())
                .hasMessageContaining("rtt");
        // bounded, so that no store's microseconds overflow (a sink would retry such a batch for ever)
        assertThatThrownBy(() -> ContactChange.builder(ep, "sip:a", ContactStatus.REACHABLE)
                        .rtt(Duration.ofHours(1).plusNanos(1))
                        .build())
                .hasMessageContaining("rtt");
        assertThatThrownBy(() -> ContactChange.builder(ep, "sip:a", ContactStatus.REACHABLE)
                        .jitter(Optional.of(Duration.ofDays(365 * 300)))
                        .build())
                .hasMessageContaining("jitter");
        assertThat(ContactChange.builder(ep, "sip:a", ContactStatus.REACHABLE)
                        .rtt(ContactChange.MAX_RTT)
                        .build()
                        .rtt())
                .contains(ContactChange.MAX_RTT);
        assertThatThrownBy(() -> ContactChange.builder(ep, "sip:a", ContactStatus.REACHABLE)
                        .address("h", 0)
                        .build())
                .hasMessageContaining("port");
        assertThatThrownBy(() -> new EndpointChange(ep, EndpointState.ONLINE, OptionalInt.of(-2)))
                .hasMessageContaining("channels");
        assertThatThrownBy(() -> new NodeChange(NodeStatus.UP, Optional.empty(), Optional.of(" ")))
                .hasMessageContaining("collector");
        assertThatThrownBy(() -> new HostPort("", 5060)).hasMessageContaining("host");
    }

    @Test
    void deviceStateParsesAsteriskSpellings() {
        assertThat(DeviceState.parse("NOT_INUSE")).isEqualTo(DeviceState.NOT_INUSE);
        assertThat(DeviceState.parse("not_inuse")).isEqualTo(DeviceState.NOT_INUSE);
        assertThat(DeviceState.parse("Not in use")).isEqualTo(DeviceState.NOT_INUSE);
        assertThat(DeviceState.parse("On Hold")).isEqualTo(DeviceState.ONHOLD);
        assertThat(DeviceState.parse("Ring+Inuse")).isEqualTo(DeviceState.RINGINUSE);
        assertThatThrownBy(() -> DeviceState.parse("SLEEPY"))
                .hasMessageContaining("deviceState")
                .hasMessageContaining("SLEEPY");
    }

    @Test
    void versionOrdersByTimeThenSequence() {
        Instant t = Instant.parse("2026-11-26T05:00:00Z");
        assertThat(new Version(t, 2).isNewerThan(new Version(t, 1))).isTrue();
        assertThat(new Version(t.plusNanos(1), 0).isNewerThan(new Version(t, 99)))
                .isTrue();
        assertThat(new Version(t, 1).next()).isEqualTo(new Version(t, 2));
    }
}
