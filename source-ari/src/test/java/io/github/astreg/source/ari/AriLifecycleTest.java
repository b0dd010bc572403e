package io.github.astreg.source.ari;

import static io.github.astreg.source.ari.PollUntil.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.AsteriskVersion;
import io.github.astreg.testkit.Call;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lifecycle of the real recordings (steps.log of Asterisk 22 and of Asterisk 20), replayed through
 * the test kit's FakeAsterisk in ARI mode, the source and core's Pipeline: after each step the registry
 * holds what the recording implies.
 */
class AriLifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final NodeId PBX1 = NodeId.of("pbx1");

    private final InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
    private FakeAsterisk pbx;
    private AriEndpointSource source;
    private Pipeline pipeline;

    @AfterEach
    void tearDown() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (source != null) {
            source.close();
        }
        if (pbx != null) {
            pbx.close();
        }
    }

    private void startAll(AsteriskVersion version) {
        FakeAsterisk.Builder b = FakeAsterisk.builder("pbx1").version(version).systemName("pbx1");
        if (version == AsteriskVersion.ASTERISK_20) {
            b.pjsipEndpoints(1001, 1010).sipPeers("2001", "2002");
        }
        pbx = b.build().start();
        List<String> techs = version == AsteriskVersion.ASTERISK_20 ? List.of("PJSIP", "SIP") : List.of("PJSIP");
        source = AriEndpointSource.builder(AriSourceConfig.builder(pbx.ariUrl(), pbx.ariUser(), "astregpass")
                        .technologies(techs)
                        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500))
                        .build())
                .build();
        pipeline = Pipeline.builder(registry).source(source).build();
        pipeline.start();
        awaitTrue(WAIT, "connected", () -> source.isConnected());
    }

    private Optional<NodePresence> on(EndpointId id) {
        return registry.find(id).flatMap(r -> r.on(PBX1));
    }

    private void await(String what, EndpointId id, Predicate<NodePresence> p) {
        awaitTrue(
                WAIT,
                () -> what + "; registry has " + registry.find(id),
                () -> on(id).map(p::test).orElse(false));
    }

    private static Predicate<NodePresence> device(DeviceState s) {
        return p -> p.deviceState().equals(Optional.of(s));
    }

    private static Predicate<NodePresence> state(EndpointState s) {
        return p -> p.endpointState().equals(Optional.of(s));
    }

    private static Predicate<NodePresence> onlyContact(String uri, ContactStatus status) {
        return p -> p.contacts().size() == 1
                && p.contacts().get(0).uri().equals(uri)
                && p.contacts().get(0).status() == status;
    }

    private Location located(EndpointId id) {
        awaitTrue(
                WAIT,
                () -> id + " located; registry has " + registry.find(id),
                () -> registry.locate(id).isPresent());
        return registry.locate(id).orElseThrow();
    }

    private void notLocated(EndpointId id) {
        awaitTrue(
                WAIT,
                () -> id + " not located; registry has " + registry.find(id),
                () -> registry.locate(id).isEmpty());
    }

    @ParameterizedTest
    @EnumSource(AsteriskVersion.class)
    void registrationsCallsHoldMovesAndRemovals(AsteriskVersion version) {
        startAll(version);
        EndpointId p1001 = EndpointId.pjsip("1001");
        EndpointId p1002 = EndpointId.pjsip("1002");

        // 00 baseline: every endpoint known, offline, nothing located
        await("1001 offline in the snapshot", p1001, state(EndpointState.OFFLINE));
        assertThat(registry.locate(p1001)).isEmpty();
        assertThat(registry.nodes())
                .extracting(NodeRecord::node, NodeRecord::status)
                .contains(org.assertj.core.groups.Tuple.tuple(PBX1, NodeStatus.UP));

        // 01 register 1001 from 127.0.0.1:5061, answers OPTIONS
        pbx.register("1001", Registration.from("127.0.0.1", 5061).rtt(Duration.ofNanos(744_000)));
        await("1001 reachable", p1001, onlyContact("sip:1001@127.0.0.1:5061", ContactStatus.REACHABLE));
        await("1001 online, NOT_INUSE", p1001, state(EndpointState.ONLINE).and(device(DeviceState.NOT_INUSE)));
        Location l = located(p1001);
        assertThat(l.node()).isEqualTo(PBX1);
        assertThat(l.address()).contains(new HostPort("127.0.0.1", 5061));
        assertThat(l.rtt()).contains(Duration.ofNanos(744_000));

        // 03 register 1002 from 127.0.0.1:5062
        pbx.register("1002", Registration.from("127.0.0.1", 5062));
        assertThat(located(p1002).address()).contains(new HostPort("127.0.0.1", 5062));

        // 04 call 1001 -> echo: INUSE with one channel, hold keeps the holder INUSE, hangup -> NOT_INUSE
        Call echo = pbx.call("1001", "600");
        await("1001 INUSE", p1001, device(DeviceState.INUSE));
        await("1001 one channel", p1001, p -> p.channels().equals(java.util.OptionalInt.of(1)));
        echo.hold();
        await("1001 holding stays INUSE", p1001, device(DeviceState.INUSE));
        echo.unhold();
        echo.hangup();
        await("1001 NOT_INUSE after hangup", p1001, device(DeviceState.NOT_INUSE));
        await("1001 no channel", p1001, p -> p.channels().equals(java.util.OptionalInt.of(0)));

        // 05 call 1001 -> 1002: 1002 rings, answers, is held (ONHOLD), resumed, hung up
        Call call = pbx.call("1001", "1002");
        await("1002 RINGING", p1002, device(DeviceState.RINGING));
        call.answer();
        await("1002 INUSE", p1002, device(DeviceState.INUSE));
        call.hold();
        await("1002 ONHOLD", p1002, device(DeviceState.ONHOLD));
        await("1001 INUSE while holding", p1001, device(DeviceState.INUSE));
        call.unhold();
        await("1002 INUSE again", p1002, device(DeviceState.INUSE));
        call.hangup();
        await("1002 NOT_INUSE", p1002, device(DeviceState.NOT_INUSE));
        await("1001 NOT_INUSE", p1001, device(DeviceState.NOT_INUSE));

        // 06 unregister 1001: contact removed, device UNAVAILABLE, endpoint offline
        pbx.unregister("1001");
        notLocated(p1001);
        await(
                "1001 gone",
                p1001,
                p -> p.contacts().isEmpty()
                        && p.deviceState().equals(Optional.of(DeviceState.UNAVAILABLE))
                        && p.endpointState().equals(Optional.of(EndpointState.OFFLINE)));

        // 07 re-register from 127.0.0.2:5063
        pbx.register("1001", Registration.from("127.0.0.2", 5063));
        assertThat(located(p1001).address()).contains(new HostPort("127.0.0.2", 5063));

        // 08 register from 127.0.0.1:5064 while 5063 is registered (max_contacts=1): replaced
        pbx.register("1001", Registration.from("127.0.0.1", 5064));
        await("only 5064", p1001, onlyContact("sip:1001@127.0.0.1:5064", ContactStatus.REACHABLE));
        assertThat(located(p1001).uri()).isEqualTo("sip:1001@127.0.0.1:5064");

        // 09 qualify fails: still registered, unreachable, not located
        pbx.unreachable("1001");
        await("1001 unreachable", p1001, onlyContact("sip:1001@127.0.0.1:5064", ContactStatus.UNREACHABLE));
        notLocated(p1001);
        await("1001 UNAVAILABLE", p1001, device(DeviceState.UNAVAILABLE).and(state(EndpointState.OFFLINE)));

        // 10 qualify recovers
        pbx.qualify("1001", Duration.ofNanos(456_000));
        await("1001 reachable again", p1001, onlyContact("sip:1001@127.0.0.1:5064", ContactStatus.REACHABLE));
        assertThat(located(p1001).node()).isEqualTo(PBX1);

        // 10a unregister from 5064
        pbx.unregister("1001");
        notLocated(p1001);

        // 11 1003 registers with Expires 20 and never refreshes: expires
        EndpointId p1003 = EndpointId.pjsip("1003");
        pbx.register("1003", Registration.from("127.0.0.1", 5065).expires(20));
        located(p1003);
        pbx.expire("1003");
        notLocated(p1003);
        await("1003 removed", p1003, p -> p.contacts().isEmpty());

        // 14 res_pjsip reload: nothing changes
        pbx.reloadPjsip();
        assertThat(located(p1002).address()).contains(new HostPort("127.0.0.1", 5062));

        // 15 cleanup
        pbx.unregister("1002");
        notLocated(p1002);
        assertThat(source.counters().get("malformed")).isZero();
        assertThat(source.counters().get("unknownEvents")).isZero();
    }

    @ParameterizedTest
    @EnumSource(AsteriskVersion.class)
    void aDroppedWebsocketResyncsWithoutLosingRegistrations(AsteriskVersion version) {
        startAll(version);
        EndpointId p1002 = EndpointId.pjsip("1002");
        pbx.register("1002", Registration.from("127.0.0.1", 5062));
        located(p1002);
        long snapshots = source.counters().get("snapshots");

        pbx.dropAri();
        awaitTrue(WAIT, "resynchronised", () -> source.counters().get("snapshots") > snapshots && source.isConnected());
        assertThat(located(p1002).address()).contains(new HostPort("127.0.0.1", 5062));

        // a registration that happened while the link was down: endpoint and device arrive by snapshot
        pbx.dropAri();
        pbx.register("1001", Registration.from("127.0.0.1", 5061));
        awaitTrue(
                WAIT,
                "resynchronised again",
                () -> source.counters().get("snapshots") > snapshots + 1 && source.isConnected());
        await(
                "1001 online from the snapshot",
                EndpointId.pjsip("1001"),
                state(EndpointState.ONLINE).and(device(DeviceState.NOT_INUSE)));
    }

    @ParameterizedTest
    @EnumSource(AsteriskVersion.class)
    void aRestartedNodeIsANewEpochAndComesBackAfterQualify(AsteriskVersion version) {
        startAll(version);
        EndpointId p1004 = EndpointId.pjsip("1004");
        pbx.register("1004", Registration.from("127.0.0.1", 5068));
        located(p1004);
        Optional<Instant> epoch = registry.nodes().stream()
                .filter(n -> n.node().equals(PBX1))
                .findFirst()
                .orElseThrow()
                .startedAt();
        assertThat(epoch).isPresent();

        pbx.restart();
        awaitTrue(
                WAIT,
                "new epoch",
                () -> registry.nodes().stream()
                        .anyMatch(n -> n.node().equals(PBX1)
                                && n.status() == NodeStatus.UP
                                && !n.startedAt().equals(epoch)));
        pbx.qualify("1004", Duration.ofMillis(1));
        assertThat(located(p1004).address()).contains(new HostPort("127.0.0.1", 5068));
        await("1004 NOT_INUSE", p1004, device(DeviceState.NOT_INUSE));
    }

    @Test
    void chanSipPeersOnAsterisk20AreLocatedByTheirRegisteredAddress() {
        startAll(AsteriskVersion.ASTERISK_20);
        EndpointId sip2001 = new EndpointId("SIP", "2001");
        // a chan_sip peer that never registered is "unknown" (ast20/ari-rest/pbx3-00-baseline-endpoints_SIP_2001)
        await("SIP/2001 unknown in the snapshot", sip2001, state(EndpointState.UNKNOWN));
        pbx.register("SIP/2001", Registration.from("127.0.0.1", 5102));
        Location l = located(sip2001);
        assertThat(l.address()).contains(new HostPort("127.0.0.1", 5102));
        assertThat(l.uri()).isEqualTo("sip:2001@127.0.0.1:5102");
        await("SIP/2001 online", sip2001, state(EndpointState.ONLINE));
        pbx.unregister("SIP/2001");
        notLocated(sip2001);
        // the recording says offline (ast20 step 06: EndpointStateChange offline, PeerStatus Unregistered);
        // the test kit's fake says unknown: either way the peer is no longer online and has no contact
        await(
                "SIP/2001 not online, no contact",
                sip2001,
                p -> p.contacts().isEmpty()
                        && p.endpointState().isPresent()
                        && (p.endpointState().get() == EndpointState.OFFLINE
                                || p.endpointState().get() == EndpointState.UNKNOWN));
        await("SIP/2001 UNAVAILABLE", sip2001, device(DeviceState.UNAVAILABLE));
    }

    @Test
    void chanSipQualifyFailureRecoveryAndExpiryOnAsterisk20() {
        // ast20 steps 08, 08a and 10: Unreachable with time "-1", Reachable with time 2000, Unregistered/Expired
        startAll(AsteriskVersion.ASTERISK_20);
        EndpointId sip2002 = new EndpointId("SIP", "2002");
        pbx.register("SIP/2002", Registration.from("127.0.0.1", 5103));
        located(sip2002);
        pbx.unreachable("SIP/2002");
        await("SIP/2002 unreachable", sip2002, onlyContact("sip:2002@127.0.0.1:5103", ContactStatus.UNREACHABLE));
        notLocated(sip2002);
        pbx.qualify("SIP/2002", Duration.ofSeconds(2));
        await("SIP/2002 reachable", sip2002, onlyContact("sip:2002@127.0.0.1:5103", ContactStatus.REACHABLE));
        assertThat(located(sip2002).address()).contains(new HostPort("127.0.0.1", 5103));
        pbx.expire("SIP/2002");
        notLocated(sip2002);
        await("SIP/2002 expired", sip2002, p -> p.contacts().isEmpty());
        assertThat(source.counters().get("malformed")).isZero();
    }

    /**
     * A cold start over many phones, some in calls: the snapshot asks only the devices with channels, and
     * every device state in the registry is what the fake node (computing device states as chan_pjsip
     * does) reports.
     */
    @Test
    void aColdStartSnapshotHasEveryDeviceStateOfTheNodeAskingOnlyPhonesInCalls() {
        pbx = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .pjsipEndpoints(4001, 4200)
                .build()
                .start();
        for (int i = 4001; i <= 4150; i++) {
            pbx.register(Integer.toString(i), Registration.from("127.0.0.1", 20000 + i));
        }
        pbx.unreachable("4140");
        pbx.unregister("4141");
        pbx.call("4001", "4002"); // 4002 rings
        pbx.call("4003", "4004").answer().hold(); // 4004 held
        pbx.call("4005", "600"); // echo test
        pbx.call("4007", "4008").answer();
        source = AriEndpointSource.builder(AriSourceConfig.builder(pbx.ariUrl(), pbx.ariUser(), "astregpass")
                        .snapshotConcurrency(2)
                        .build())
                .build();
        pipeline = Pipeline.builder(registry).source(source).build();
        pipeline.start();
        awaitTrue(WAIT, "connected", () -> source.isConnected());
        awaitTrue(
                WAIT,
                () -> "every endpoint in the registry; counters " + source.counters(),
                () -> registry.find(EndpointId.pjsip("4200")).isPresent()
                        && registry.find(EndpointId.pjsip("4008"))
                                .flatMap(r -> r.on(PBX1))
                                .flatMap(NodePresence::deviceState)
                                .isPresent());
        for (int i = 4001; i <= 4200; i++) {
            String name = Integer.toString(i);
            assertThat(on(EndpointId.pjsip(name)).flatMap(NodePresence::deviceState))
                    .as(name)
                    .contains(DeviceState.parse(pbx.deviceState(name)));
        }
        assertThat(pbx.deviceState("4002")).isEqualTo("RINGING");
        assertThat(pbx.deviceState("4004")).isEqualTo("ONHOLD");
        assertThat(pbx.deviceState("4140")).isEqualTo("UNAVAILABLE");
        // 4001-4005, 4007 and 4008 have channels; the other 193 follow from the endpoint list
        assertThat(source.counters())
                .containsEntry("deviceStatesFetched", 7L)
                .containsEntry("deviceStatesDerived", 193L);
    }

    @Test
    void killingTheFakeThenClosingLeavesNoThread() {
        startAll(AsteriskVersion.ASTERISK_22);
        pbx.crash();
        awaitTrue(WAIT, "DOWN", () -> !source.isConnected());
        pipeline.close();
        source.close();
        // nothing of the source, the pipeline, ari4java or netty is left (the crashed fake's own threads
        // aside); netty's global executor, which completes termination futures, ends itself after 1 s idle
        awaitTrue(WAIT, () -> "threads left: " + leftovers(), () -> leftovers().isEmpty());
    }

    private static List<String> leftovers() {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (t.isAlive()
                    && ((n.startsWith("astreg-") && !n.startsWith("astreg-fake-"))
                            || n.startsWith("nioEventLoopGroup")
                            || n.startsWith("globalEventExecutor"))) {
                out.add(n);
            }
        }
        return out;
    }

    static ContactRecord contact(EndpointRecord r) {
        return r.on(PBX1).orElseThrow().contacts().get(0);
    }
}
