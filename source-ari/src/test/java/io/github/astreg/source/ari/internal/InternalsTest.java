package io.github.astreg.source.ari.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.loway.oss.ari4java.AriVersion;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.HostPort;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InternalsTest {

    @Test
    void ariTimestampsInEveryOffsetForm() {
        Instant expected = Instant.parse("2026-11-26T05:32:55.618Z");
        assertThat(AriTimestamps.parse("2026-11-26T05:32:55.618+0000")).contains(expected);
        assertThat(AriTimestamps.parse("2026-11-26T05:32:55.618+00:00")).contains(expected);
        assertThat(AriTimestamps.parse("2026-11-26T05:32:55.618Z")).contains(expected);
        assertThat(AriTimestamps.parse("2026-11-26T06:32:55.618+0100")).contains(expected);
        assertThat(AriTimestamps.parse("2026-11-26T05:32:55+0000")).contains(Instant.parse("2026-11-26T05:32:55Z"));
        assertThat(AriTimestamps.parse("2026-11-26T05:32:55.618123+0000"))
                .contains(Instant.parse("2026-11-26T05:32:55.618123Z"));
        assertThat(AriTimestamps.parse("yesterday")).isEmpty();
        assertThat(AriTimestamps.parse("")).isEmpty();
        assertThat(AriTimestamps.parse(null)).isEmpty();
        // why this parser exists
        assertThatThrownBy(() -> DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse("2026-11-26T05:32:55.618+0000"))
                .isInstanceOf(DateTimeParseException.class);
    }

    @Test
    void addressesFromContactUris() {
        assertThat(ContactUris.address("sip:1001@127.0.0.1:5061")).contains(new HostPort("127.0.0.1", 5061));
        assertThat(ContactUris.address("sip:1001@127.0.0.2:5063;ob")).contains(new HostPort("127.0.0.2", 5063));
        assertThat(ContactUris.address("sip:1001@10.0.0.9")).contains(new HostPort("10.0.0.9", 5060));
        assertThat(ContactUris.address("sips:1001@phone.example.com"))
                .contains(new HostPort("phone.example.com", 5061));
        assertThat(ContactUris.address("sip:1001@h;transport=TLS")).contains(new HostPort("h", 5061));
        assertThat(ContactUris.address("sip:alice@[2001:db8::1]:5080;transport=tcp"))
                .contains(new HostPort("2001:db8::1", 5080));
        assertThat(ContactUris.address("<sip:1001@192.0.2.1:5062>")).contains(new HostPort("192.0.2.1", 5062));
        assertThat(ContactUris.address("sip:1001;npdi@192.0.2.1:5062?X-Foo=bar"))
                .contains(new HostPort("192.0.2.1", 5062));
        assertThat(ContactUris.address("sip:192.0.2.7:5070")).contains(new HostPort("192.0.2.7", 5070));
        assertThat(ContactUris.address("tel:+4930123")).isEmpty();
        assertThat(ContactUris.address("sip:1001@h:99999")).isEmpty();
        assertThat(ContactUris.address("sip:1001@h:x")).isEmpty();
        assertThat(ContactUris.address("sip:1001@[::1")).isEmpty();
        assertThat(ContactUris.address("sip:1001@")).isEmpty();
        assertThat(ContactUris.address(null)).isEmpty();
        assertThat(ContactUris.peerAddress("127.0.0.1:5102", null)).contains(new HostPort("127.0.0.1", 5102));
        assertThat(ContactUris.peerAddress("127.0.0.1", "5103")).contains(new HostPort("127.0.0.1", 5103));
        assertThat(ContactUris.peerAddress("2001:db8::2", "5104")).contains(new HostPort("2001:db8::2", 5104));
        assertThat(ContactUris.peerAddress("", "5104")).isEmpty();
    }

    @Test
    void nearestAri4javaBinding() {
        assertThat(AriVersions.nearest("10.0.0")).isEqualTo(AriVersion.ARI_8_0_0);
        assertThat(AriVersions.nearest("11.0.0")).isEqualTo(AriVersion.ARI_8_0_0);
        assertThat(AriVersions.nearest("9.0.0")).isEqualTo(AriVersion.ARI_8_0_0);
        assertThat(AriVersions.nearest("8.0.0")).isEqualTo(AriVersion.ARI_8_0_0);
        assertThat(AriVersions.nearest("7.0.1")).isEqualTo(AriVersion.ARI_7_0_1);
        assertThat(AriVersions.nearest("5.1.2")).isEqualTo(AriVersion.ARI_5_1_1);
        assertThat(AriVersions.nearest("4.1")).isEqualTo(AriVersion.ARI_4_0_2);
        assertThat(AriVersions.nearest("0.0.0")).isEqualTo(AriVersion.ARI_0_0_1);
        assertThat(AriVersions.newestKnown()).isEqualTo(AriVersion.ARI_8_0_0);
        assertThat(AriVersions.isExact("8.0.0", AriVersion.ARI_8_0_0)).isTrue();
        assertThat(AriVersions.isExact("10.0.0", AriVersion.ARI_8_0_0)).isFalse();
        assertThatThrownBy(() -> AriVersions.nearest("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AriVersions.nearest("ten")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void contactMemoryReassertsWhatAnOnlineEndpointStillHas() {
        ContactMemory m = new ContactMemory();
        EndpointId ep = EndpointId.pjsip("1001");
        Instant t0 = Instant.parse("2026-11-26T05:32:55.618Z");
        m.observe(
                t0,
                ContactChange.builder(ep, "sip:1001@127.0.0.1:5061", ContactStatus.NON_QUALIFIED)
                        .aor("1001")
                        .address("127.0.0.1", 5061)
                        .build());
        m.observe(
                t0.plusMillis(1),
                ContactChange.builder(ep, "sip:1001@127.0.0.1:5061", ContactStatus.REACHABLE)
                        .rtt(Duration.ofNanos(744_000))
                        .build());
        assertThat(m.reassert(ep, EndpointState.ONLINE)).singleElement().satisfies(r -> {
            assertThat(r.observedAt()).isEqualTo(t0.plusMillis(1));
            assertThat(r.change().status()).isEqualTo(ContactStatus.REACHABLE);
            assertThat(r.change().aor()).contains("1001"); // kept from the older observation
            assertThat(r.change().address()).contains(new HostPort("127.0.0.1", 5061));
        });
        // an older observation arriving late does not replace a newer one
        m.observe(
                t0,
                ContactChange.builder(ep, "sip:1001@127.0.0.1:5061", ContactStatus.UNREACHABLE)
                        .build());
        assertThat(m.reassert(ep, EndpointState.ONLINE).get(0).change().status())
                .isEqualTo(ContactStatus.REACHABLE);
        // offline: only contacts still registered but unreachable survive
        m.observe(
                t0.plusSeconds(5),
                ContactChange.builder(ep, "sip:1001@127.0.0.2:5063", ContactStatus.UNREACHABLE)
                        .build());
        assertThat(m.reassert(ep, EndpointState.OFFLINE))
                .extracting(r -> r.change().uri())
                .containsExactly("sip:1001@127.0.0.2:5063");
        m.observe(
                t0.plusSeconds(6),
                ContactChange.builder(ep, "sip:1001@127.0.0.2:5063", ContactStatus.REMOVED)
                        .build());
        assertThat(m.reassert(ep, EndpointState.ONLINE)).isEmpty();
        assertThat(m.size()).isZero();
        m.observe(
                t0,
                ContactChange.builder(ep, "sip:1001@h", ContactStatus.REACHABLE).build());
        m.retainOnly(Set.of());
        assertThat(m.size()).isZero();
        assertThat(Optional.of(m.reassert(EndpointId.pjsip("9999"), EndpointState.ONLINE)))
                .contains(java.util.List.of());
    }
}
