package io.github.astreg.source.ami;

import static io.github.astreg.source.ami.SourceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.testkit.Call;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle steps of the real recording (ami-pjsip.txt, steps.log), replayed by FakeAsterisk and
 * read back from the registry the source feeds: after each step the registry holds what a person
 * reading the recording would write down.
 */
class AmiLifecycleTest {
    private SourceHarness h;

    @BeforeEach
    void start() {
        FakeAsterisk pbx = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .build()
                .start();
        h = new SourceHarness(pbx, b -> b).start().awaitConnected();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private NodePresence presence(String endpoint) {
        return h.presence(endpoint).orElseThrow(() -> new AssertionError("pbx1 does not know " + endpoint));
    }

    private void awaitDevice(String endpoint, DeviceState state) {
        await(
                endpoint + " " + state,
                () -> h.presence(endpoint).flatMap(NodePresence::deviceState).equals(Optional.of(state)),
                () -> String.valueOf(h.presence(endpoint)));
    }

    private void awaitChannels(String endpoint, int channels) {
        await(
                endpoint + " channels " + channels,
                () -> h.presence(endpoint).map(NodePresence::channels).equals(Optional.of(OptionalInt.of(channels))),
                () -> String.valueOf(h.presence(endpoint)));
    }

    private ContactRecord awaitContact(String endpoint, String uri, ContactStatus status) {
        await(
                endpoint + " contact " + uri + " " + status,
                () -> h.contact(endpoint, uri).map(c -> c.status() == status).orElse(false),
                () -> String.valueOf(h.contacts(endpoint)));
        return h.contact(endpoint, uri).orElseThrow();
    }

    @Test
    void baselineNodeIsUpAndEveryEndpointIsKnownOffline() {
        assertThat(h.node()).isEqualTo(NodeId.of("pbx1"));
        NodeRecord node = h.registry.nodes().get(0);
        assertThat(node.node()).isEqualTo(NodeId.of("pbx1"));
        assertThat(node.status()).isEqualTo(NodeStatus.UP);
        assertThat(node.startedAt()).isPresent().isEqualTo(h.source.epoch());
        assertThat(h.registry.endpointsOn(h.node())).contains(EndpointId.pjsip("1001"), EndpointId.pjsip("1010"));
        NodePresence p = presence("PJSIP/1001");
        assertThat(p.endpointState()).contains(EndpointState.OFFLINE);
        assertThat(p.deviceState()).contains(DeviceState.UNAVAILABLE);
        assertThat(p.channels()).isEqualTo(OptionalInt.of(0));
        assertThat(p.contacts()).isEmpty();
        assertThat(h.registry.locate(EndpointId.pjsip("1001"))).isEmpty();
        assertThat(h.counter("snapshots")).isEqualTo(1);
        assertThat(h.counter("malformed")).isZero();
    }

    @Test
    void registerCallHoldUnregisterAsRecorded() {
        // 01 register 1001 (127.0.0.1:5061, Expires 3600, answers OPTIONS)
        Instant before = Instant.now();
        String uri = h.pbx.register(
                "1001",
                Registration.from("127.0.0.1", 5061)
                        .userAgent("sipp-astreg/1001")
                        .expires(3600)
                        .rtt(Duration.ofNanos(744_000)));
        ContactRecord c = awaitContact("PJSIP/1001", uri, ContactStatus.REACHABLE);
        await(
                "address, user agent and expiry from the contact list",
                () -> h.contact("PJSIP/1001", uri)
                        .map(x -> x.address().isPresent()
                                && x.userAgent().isPresent()
                                && x.expiresAt().isPresent())
                        .orElse(false));
        c = h.contact("PJSIP/1001", uri).orElseThrow();
        assertThat(c.address()).contains(new HostPort("127.0.0.1", 5061));
        assertThat(c.userAgent()).contains("sipp-astreg/1001");
        assertThat(c.aor()).contains("1001");
        assertThat(c.expiresAt().orElseThrow())
                .isAfter(before.plusSeconds(3500))
                .isBefore(Instant.now().plusSeconds(3700));
        assertThat(c.rtt().map(RttStats::last)).contains(Duration.ofNanos(744_000));
        Location loc = h.registry.locate(EndpointId.pjsip("1001")).orElseThrow();
        assertThat(loc.node()).isEqualTo(NodeId.of("pbx1"));
        assertThat(loc.uri()).isEqualTo(uri);
        assertThat(loc.address()).contains(new HostPort("127.0.0.1", 5061));
        awaitDevice("PJSIP/1001", DeviceState.NOT_INUSE);
        assertThat(presence("PJSIP/1001").endpointState()).contains(EndpointState.ONLINE);

        // 03 register 1002
        String uri2 =
                h.pbx.register("1002", Registration.from("127.0.0.1", 5062).userAgent("sipp-astreg/1002"));
        awaitContact("PJSIP/1002", uri2, ContactStatus.REACHABLE);
        awaitDevice("PJSIP/1002", DeviceState.NOT_INUSE);

        // 04 call 1001 -> 600 (echo): INUSE, one channel; hold keeps the caller INUSE; hangup
        Call echo = h.pbx.call("1001", "600");
        awaitDevice("PJSIP/1001", DeviceState.INUSE);
        awaitChannels("PJSIP/1001", 1);
        echo.hold();
        awaitDevice("PJSIP/1001", DeviceState.INUSE);
        echo.unhold();
        echo.hangup();
        awaitDevice("PJSIP/1001", DeviceState.NOT_INUSE);
        awaitChannels("PJSIP/1001", 0);

        // 05 call 1001 -> 1002: 1002 rings, answers; 1001 holds: 1002 ONHOLD, 1001 INUSE; BYE
        Call call = h.pbx.call("1001", "1002");
        awaitDevice("PJSIP/1002", DeviceState.RINGING);
        awaitDevice("PJSIP/1001", DeviceState.INUSE);
        call.answer();
        awaitDevice("PJSIP/1002", DeviceState.INUSE);
        awaitChannels("PJSIP/1002", 1);
        call.hold();
        awaitDevice("PJSIP/1002", DeviceState.ONHOLD);
        assertThat(presence("PJSIP/1001").deviceState()).contains(DeviceState.INUSE);
        call.unhold();
        awaitDevice("PJSIP/1002", DeviceState.INUSE);
        call.hangup();
        awaitDevice("PJSIP/1001", DeviceState.NOT_INUSE);
        awaitDevice("PJSIP/1002", DeviceState.NOT_INUSE);
        awaitChannels("PJSIP/1002", 0);

        // 06 unregister 1001: contact gone, endpoint offline, device unavailable
        h.pbx.unregister("1001");
        await("1001 has no contact", () -> h.contacts("PJSIP/1001").isEmpty());
        awaitDevice("PJSIP/1001", DeviceState.UNAVAILABLE);
        assertThat(presence("PJSIP/1001").endpointState()).contains(EndpointState.OFFLINE);
        assertThat(h.registry.locate(EndpointId.pjsip("1001"))).isEmpty();
        assertThat(h.registry.locate(EndpointId.pjsip("1002"))).isPresent();
        assertThat(h.counter("malformed")).isZero();
    }

    @Test
    void contactReplacementQualifyFailureAndRecovery() {
        // 07 register from 127.0.0.2:5063
        String first = h.pbx.register("1001", Registration.from("127.0.0.2", 5063));
        awaitContact("PJSIP/1001", first, ContactStatus.REACHABLE);
        // 08 same AOR from 127.0.0.1:5064 (max_contacts=1, remove_existing): new contact before old Removed
        String second =
                h.pbx.register("1001", Registration.from("127.0.0.1", 5064).rtt(Duration.ofNanos(1_504_000)));
        awaitContact("PJSIP/1001", second, ContactStatus.REACHABLE);
        await("the replaced contact is gone", () -> h.contacts("PJSIP/1001").size() == 1);
        await(
                "address of the new contact",
                () -> h.contact("PJSIP/1001", second)
                        .flatMap(ContactRecord::address)
                        .equals(Optional.of(new HostPort("127.0.0.1", 5064))));
        assertThat(h.registry.locate(EndpointId.pjsip("1001")).orElseThrow().uri())
                .isEqualTo(second);
        awaitDevice("PJSIP/1001", DeviceState.NOT_INUSE);
        assertThat(presence("PJSIP/1001").endpointState()).contains(EndpointState.ONLINE);

        // 09 qualify fails: still registered, Unreachable, not a location, device unavailable
        h.pbx.unreachable("1001");
        awaitContact("PJSIP/1001", second, ContactStatus.UNREACHABLE);
        awaitDevice("PJSIP/1001", DeviceState.UNAVAILABLE);
        assertThat(presence("PJSIP/1001").endpointState()).contains(EndpointState.OFFLINE);
        assertThat(h.registry.locate(EndpointId.pjsip("1001"))).isEmpty();

        // 10 qualify recovers with a new RTT sample
        h.pbx.qualify("1001", Duration.ofNanos(456_000));
        awaitContact("PJSIP/1001", second, ContactStatus.REACHABLE);
        awaitDevice("PJSIP/1001", DeviceState.NOT_INUSE);
        await(
                "RTT 456 us",
                () -> h.contact("PJSIP/1001", second)
                        .flatMap(ContactRecord::rtt)
                        .map(r -> r.last().equals(Duration.ofNanos(456_000)))
                        .orElse(false));
        assertThat(h.registry.locate(EndpointId.pjsip("1001"))).isPresent();
    }

    @Test
    void expiryAndPjsipReload() {
        // 11 register 1003 with Expires 20, never refreshed: the contact expires
        String uri = h.pbx.register("1003", Registration.from("127.0.0.1", 5065).expires(20));
        awaitContact("PJSIP/1003", uri, ContactStatus.REACHABLE);
        h.pbx.expire("1003");
        await("1003 expired", () -> h.contacts("PJSIP/1003").isEmpty());
        awaitDevice("PJSIP/1003", DeviceState.UNAVAILABLE);

        // 14 module reload res_pjsip: only a Reload event; the source resyncs, the state stays
        String uri2 = h.pbx.register("1002", Registration.from("127.0.0.1", 5062));
        awaitContact("PJSIP/1002", uri2, ContactStatus.REACHABLE);
        long snapshots = h.counter("snapshots");
        h.pbx.reloadPjsip();
        await("resync after Reload", () -> h.counter("snapshots") > snapshots);
        await("connected again", h.source::isConnected);
        assertThat(h.contact("PJSIP/1002", uri2).map(ContactRecord::status)).contains(ContactStatus.REACHABLE);
        assertThat(h.registry.locate(EndpointId.pjsip("1002"))).isPresent();
    }
}
