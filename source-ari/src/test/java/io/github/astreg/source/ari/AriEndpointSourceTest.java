package io.github.astreg.source.ari;

import static io.github.astreg.source.ari.PollUntil.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The connection machinery against a minimal ARI server: probe, subscription, snapshot, live frames, reconnects, threads. */
class AriEndpointSourceTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final EndpointId P1001 = EndpointId.pjsip("1001");
    private static final EndpointId P1002 = EndpointId.pjsip("1002");

    private final List<EndpointStateEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> receiverThreads = new CopyOnWriteArrayList<>();
    private final InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
    private MiniAri ari;
    private AriEndpointSource source;

    @BeforeEach
    void startServer() throws Exception {
        ari = new MiniAri().start();
        ari.endpoints.put("PJSIP/1001", new String[] {"online", "0"});
        ari.endpoints.put("PJSIP/1002", new String[] {"offline", "0"});
        ari.devices.put("PJSIP/1001", "NOT_INUSE");
        ari.devices.put("PJSIP/1002", "UNAVAILABLE");
    }

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        ari.close();
    }

    private AriSourceConfig.Builder config() {
        return AriSourceConfig.builder(ari.url(), ari.user, ari.password)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200));
    }

    private AriEndpointSource start(AriSourceConfig config) {
        source = AriEndpointSource.builder(config).build();
        source.start(e -> {
            receiverThreads.add(Thread.currentThread().getName());
            events.add(e);
            registry.apply(e);
        });
        return source;
    }

    private List<NodeStatus> nodeStatuses() {
        return events.stream()
                .filter(e -> e.change() instanceof NodeChange)
                .map(e -> ((NodeChange) e.change()).status())
                .collect(Collectors.toList());
    }

    private long count(NodeStatus status) {
        return nodeStatuses().stream().filter(s -> s == status).count();
    }

    @Test
    void subscribesThenSendsASnapshotThenUp() {
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());

        assertThat(nodeStatuses()).containsExactly(NodeStatus.SNAPSHOT_BEGIN, NodeStatus.SNAPSHOT_END, NodeStatus.UP);
        assertThat(ari.subscriptions()).containsExactly("endpoint:PJSIP", "deviceState:");
        assertThat(ari.requests).noneMatch(r -> r.contains("subscribeAll=true"));
        assertThat(events).allSatisfy(e -> assertThat(e.node()).isEqualTo(NodeId.of("pbx1")));
        assertThat(events.get(0).change())
                .isEqualTo(new NodeChange(NodeStatus.SNAPSHOT_BEGIN, Optional.of(ari.startup), Optional.empty()));
        assertThat(events.stream().map(EndpointStateEvent::change))
                .contains(
                        new EndpointChange(P1001, EndpointState.ONLINE, 0),
                        new EndpointChange(P1002, EndpointState.OFFLINE, 0),
                        new DeviceChange(P1001, DeviceState.NOT_INUSE),
                        new DeviceChange(P1002, DeviceState.UNAVAILABLE));
        assertThat(events.stream().filter(e -> !(e.change() instanceof NodeChange)))
                .allSatisfy(e -> assertThat(e.origin()).isEqualTo(Origin.SNAPSHOT));
        // both device states follow from the endpoint list: nothing was asked
        assertThat(ari.requests).noneMatch(r -> r.startsWith("GET /ari/deviceStates"));
        assertThat(source.counters()).containsEntry("deviceStatesDerived", 2L).containsEntry("deviceStatesFetched", 0L);
        // sequences strictly increase
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).sequence()).isGreaterThan(events.get(i - 1).sequence());
        }
        assertThat(source.counters()).containsEntry("snapshots", 1L).containsEntry("dropped", 0L);
        assertThat(source.name()).isEqualTo("ari-127.0.0.1-" + ari.port());
        // the receiver runs on the source's own thread (renamed after the node), never on netty's
        assertThat(receiverThreads).allMatch(n -> n.equals("astreg-ari-pbx1"));
        assertThat(sourceThreads()).anyMatch(n -> n.startsWith("astreg-ari-io-pbx1"));
    }

    @Test
    void theSnapshotAsksOnlyDevicesWhoseStateTheEndpointListDoesNotDetermine() {
        ari.endpoints.put("PJSIP/1003", new String[] {"online", "1"}); // in a call
        ari.devices.put("PJSIP/1003", "INUSE");
        ari.endpoints.put("PJSIP/1004", new String[] {"unknown", "0"});
        ari.devices.put("PJSIP/1004", "UNKNOWN");
        ari.endpoints.put("PJSIP/1005", new String[] {"offline", "2"}); // channels: asked, whatever the state
        ari.devices.put("PJSIP/1005", "RINGING");
        ari.endpoints.put("SIP/2001", new String[] {"online", "0"}); // chan_sip: asked
        ari.devices.put("SIP/2001", "NOT_INUSE");
        start(config().technologies("PJSIP", "SIP").build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());

        List<String> asked = ari.requests.stream()
                .filter(r -> r.startsWith("GET /ari/deviceStates"))
                .collect(Collectors.toList());
        // escaped names, as Asterisk requires (the unescaped form is a 404)
        assertThat(asked)
                .containsExactlyInAnyOrder(
                        "GET /ari/deviceStates/PJSIP%2F1003",
                        "GET /ari/deviceStates/PJSIP%2F1004",
                        "GET /ari/deviceStates/PJSIP%2F1005",
                        "GET /ari/deviceStates/SIP%2F2001");
        assertThat(events.stream().map(EndpointStateEvent::change).filter(c -> c instanceof DeviceChange))
                .containsExactlyInAnyOrder(
                        new DeviceChange(P1001, DeviceState.NOT_INUSE),
                        new DeviceChange(P1002, DeviceState.UNAVAILABLE),
                        new DeviceChange(EndpointId.pjsip("1003"), DeviceState.INUSE),
                        new DeviceChange(EndpointId.pjsip("1004"), DeviceState.UNKNOWN),
                        new DeviceChange(EndpointId.pjsip("1005"), DeviceState.RINGING),
                        new DeviceChange(EndpointId.parse("SIP/2001"), DeviceState.NOT_INUSE));
        assertThat(source.counters()).containsEntry("deviceStatesDerived", 2L).containsEntry("deviceStatesFetched", 4L);
        // every device state lies between SNAPSHOT_BEGIN and SNAPSHOT_END
        int begin = indexOf(NodeStatus.SNAPSHOT_BEGIN);
        int end = indexOf(NodeStatus.SNAPSHOT_END);
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).change() instanceof DeviceChange) {
                assertThat(i).isBetween(begin, end);
            }
        }
    }

    @Test
    void deviceRequestsStayWithinTheConfiguredConcurrency() {
        inCalls(30);
        ari.deviceDelayMs = 100; // one connection alone would need 3 s: the others are surely in flight too
        start(config().snapshotConcurrency(3).build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        assertThat(ari.maxDevicesInFlight.get()).isEqualTo(3);
        assertThat(source.counters()).containsEntry("deviceStatesFetched", 30L);
        for (int i = 0; i < 30; i++) {
            assertThat(registry.find(EndpointId.pjsip("3" + (100 + i)))
                            .orElseThrow()
                            .deviceState())
                    .isEqualTo(DeviceState.INUSE);
        }
    }

    @Test
    void concurrencyOneAsksOneDeviceAfterTheOther() {
        inCalls(10);
        ari.deviceDelayMs = 20;
        start(config().snapshotConcurrency(1).build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        assertThat(ari.maxDevicesInFlight.get()).isEqualTo(1);
        assertThat(source.counters()).containsEntry("deviceStatesFetched", 10L);
    }

    @Test
    void aFailedDeviceRequestAbandonsTheSnapshotAndReconnectsAsBefore() {
        inCalls(8);
        ari.deviceFailStatus = 500;
        start(config().build());
        awaitTrue(WAIT, "reconnecting", () -> source.counters().get("reconnects") >= 2);
        assertThat(source.isConnected()).isFalse();
        assertThat(count(NodeStatus.SNAPSHOT_END)).isZero(); // R6 never completes on a partial snapshot
        assertThat(count(NodeStatus.UP)).isZero();
        ari.deviceFailStatus = 0;
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        assertThat(registry.find(EndpointId.pjsip("3100")).orElseThrow().deviceState())
                .isEqualTo(DeviceState.INUSE);
    }

    @Test
    void aDeviceRequestWithoutAnswerTimesOutAndReconnects() {
        inCalls(4);
        ari.deviceDelayMs = 5_000;
        start(config().requestTimeout(Duration.ofMillis(500)).build());
        awaitTrue(WAIT, "reconnecting", () -> source.counters().get("reconnects") >= 1);
        assertThat(count(NodeStatus.SNAPSHOT_END)).isZero();
        ari.deviceDelayMs = 0;
        awaitTrue(WAIT, "UP", () -> source.isConnected());
    }

    /**
     * close() while every device request of a snapshot waits for its answer: it returns at once (it does
     * not wait for the request timeout), the snapshot is not completed, and every connection the source
     * opened, the snapshot's extra ones included, is closed.
     */
    @Test
    void closeDuringASnapshotReturnsPromptlyAndClosesEveryConnection() {
        inCalls(8);
        ari.deviceDelayMs = 60_000;
        start(config().snapshotConcurrency(4)
                .requestTimeout(Duration.ofSeconds(30))
                .build());
        awaitTrue(WAIT, "4 device requests waiting", () -> ari.devicesInFlight.get() == 4);
        assertThat(ari.openConnections.get())
                .as("websocket, REST and 4 snapshot connections")
                .isEqualTo(6);
        long t0 = System.nanoTime();
        source.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        awaitTrue(
                WAIT,
                () -> "connections left open: " + ari.openConnections.get(),
                () -> ari.openConnections.get() == 0);
        assertThat(count(NodeStatus.SNAPSHOT_END)).isZero();
    }

    /**
     * The websocket drops while every device request of the first snapshot waits for its answer: the
     * snapshot stops at once (no SNAPSHOT_END, no UP for the dead link, its extra connections closed),
     * DOWN follows, and the reconnect with a fresh, complete snapshot does not wait for the held answers
     * nor for the request timeout.
     */
    @Test
    void aWebsocketDropDuringASnapshotStopsItAndReconnectsPromptly() throws Exception {
        inCalls(8);
        CountDownLatch asked = new CountDownLatch(4);
        ari.holdDevices = asked;
        start(config().snapshotConcurrency(4)
                .requestTimeout(Duration.ofSeconds(60))
                .build());
        assertThat(asked.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("4 device requests held")
                .isTrue();
        assertThat(ari.openConnections.get())
                .as("websocket, REST and 4 snapshot connections")
                .isEqualTo(6);
        int atDrop = events.size();
        ari.holdDevices = null; // the next snapshot is answered; the 4 held answers stay held
        ari.closeSockets();

        awaitTrue(WAIT, "DOWN after the drop", () -> count(NodeStatus.DOWN) == 1);
        assertThat(events.subList(atDrop, indexOf(NodeStatus.DOWN) + 1))
                .as("nothing of the dead link's snapshot between the drop and DOWN")
                .hasSize(1);
        awaitTrue(WAIT, "UP after a fresh snapshot, the held answers still held", () -> source.isConnected());
        assertThat(ari.wsConnects).isEqualTo(2);
        assertThat(nodeStatuses())
                .containsExactly(
                        NodeStatus.SNAPSHOT_BEGIN,
                        NodeStatus.DOWN,
                        NodeStatus.SNAPSHOT_BEGIN,
                        NodeStatus.SNAPSHOT_END,
                        NodeStatus.UP);
        for (int i = 0; i < 8; i++) {
            assertThat(registry.find(EndpointId.pjsip("3" + (100 + i)))
                            .orElseThrow()
                            .deviceState())
                    .isEqualTo(DeviceState.INUSE);
        }
        assertThat(source.counters()).containsEntry("deviceStatesFetched", 8L);
        // the dead snapshot's 4 connections (their answers never sent) and the new snapshot's are closed
        awaitTrue(
                WAIT,
                () -> "only the websocket and REST left open; open: " + ari.openConnections.get(),
                () -> ari.openConnections.get() == 2);
        ari.releaseDevices();
    }

    /** A device-state answer whose body cannot be read counts as malformed, not as fetched. */
    @Test
    void aMalformedDeviceAnswerCountsOnlyAsMalformed() {
        inCalls(3);
        ari.deviceBodies.put("PJSIP/3101", "{not json");
        ari.deviceBodies.put("PJSIP/3102", "{\"name\":\"PJSIP/3102\"}");
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        assertThat(source.counters()).containsEntry("deviceStatesFetched", 1L).containsEntry("malformed", 2L);
    }

    @Test
    void aResyncReconcilesWhatChangedWhileTheLinkWasDown() {
        ari.endpoints.put("PJSIP/1003", new String[] {"online", "1"});
        ari.devices.put("PJSIP/1003", "INUSE");
        ari.endpoints.put("PJSIP/1004", new String[] {"online", "0"});
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        EndpointId p1003 = EndpointId.pjsip("1003");
        EndpointId p1004 = EndpointId.pjsip("1004");
        assertThat(registry.find(p1003).orElseThrow().deviceState()).isEqualTo(DeviceState.INUSE);
        assertThat(registry.find(p1004).orElseThrow().deviceState()).isEqualTo(DeviceState.NOT_INUSE);

        ari.endpoints.put("PJSIP/1003", new String[] {"online", "0"}); // the call ended meanwhile
        ari.devices.put("PJSIP/1003", "NOT_INUSE");
        ari.endpoints.remove("PJSIP/1004"); // and 1004 was deleted from pjsip.conf
        ari.endpoints.put("PJSIP/1001", new String[] {"online", "1"}); // while 1001 took a call
        ari.devices.put("PJSIP/1001", "INUSE");
        ari.closeSockets();
        awaitTrue(WAIT, "second UP", () -> count(NodeStatus.UP) == 2);
        assertThat(registry.find(p1003).orElseThrow().deviceState()).isEqualTo(DeviceState.NOT_INUSE);
        assertThat(registry.find(p1004)).isEmpty();
        assertThat(registry.find(P1001).orElseThrow().deviceState()).isEqualTo(DeviceState.INUSE);
        assertThat(registry.find(P1002).orElseThrow().deviceState()).isEqualTo(DeviceState.UNAVAILABLE);
    }

    /** {@code n} more endpoints, 3100…, each with a channel (so their device states are asked). */
    private void inCalls(int n) {
        for (int i = 0; i < n; i++) {
            ari.endpoints.put("PJSIP/3" + (100 + i), new String[] {"online", "1"});
            ari.devices.put("PJSIP/3" + (100 + i), "INUSE");
        }
    }

    private int indexOf(NodeStatus status) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).change() instanceof NodeChange
                    && ((NodeChange) events.get(i).change()).status() == status) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void liveEventsReachTheRegistryWithAsteriskTimestamps() {
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        List<String> lines = Transcripts.lines("ari-events.jsonl");
        for (int i = 0; i < 6; i++) { // LabStep user events and the registration burst of 1001
            ari.send(lines.get(i));
        }
        awaitTrue(
                WAIT,
                "1001 reachable",
                () -> registry.find(P1001)
                        .flatMap(r -> r.on(NodeId.of("pbx1")))
                        .map(p ->
                                p.contacts().size() == 1 && p.contacts().get(0).status() == ContactStatus.REACHABLE)
                        .orElse(false));
        EndpointRecord r = registry.find(P1001).orElseThrow();
        assertThat(r.location().orElseThrow().node()).isEqualTo(NodeId.of("pbx1"));
        assertThat(r.on(NodeId.of("pbx1")).orElseThrow().contacts())
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.uri()).isEqualTo("sip:1001@127.0.0.1:5061");
                    assertThat(c.status()).isEqualTo(ContactStatus.REACHABLE);
                    assertThat(c.address()).contains(new HostPort("127.0.0.1", 5061));
                });
        assertThat(events.stream().filter(e -> e.origin() == Origin.ARI && !(e.change() instanceof NodeChange)))
                .first()
                .satisfies(e -> assertThat(e.observedAt()).isEqualTo(Instant.parse("2026-11-26T05:32:55.618Z")));
        awaitTrue(WAIT, "user events counted", () -> source.counters().get("ignored") >= 2);
    }

    @Test
    void unknownAndMalformedFramesAreCountedAndTheLinkSurvives() {
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        ari.send("{\"type\":\"ChannelToneDetected\",\"timestamp\":\"2026-11-26T05:32:55.618+0000\"}");
        ari.send("{\"type\":\"BrandNewEvent\"}");
        ari.send("{garbage");
        ari.send("{\"type\":\"ContactStatusChange\",\"endpoint\":{\"technology\":\"PJSIP\",\"resource\":\"1001\"}}");
        ari.send(Transcripts.lines("ari-events.jsonl").get(5)); // DeviceStateChanged NOT_INUSE
        awaitTrue(
                WAIT,
                "counted",
                () -> source.counters().get("unknownEvents") == 2
                        && source.counters().get("malformed") == 2);
        awaitTrue(
                WAIT,
                "device after the junk",
                () -> events.stream().anyMatch(e -> e.origin() == Origin.ARI && e.change() instanceof DeviceChange));
        assertThat(source.isConnected()).isTrue();
        assertThat(count(NodeStatus.DOWN)).isZero();
    }

    @Test
    void aSlowReceiverOverflowsTheBoundedQueueWhichIsRepairedByAResync() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        source = AriEndpointSource.builder(config().eventQueueCapacity(16).build())
                .build();
        source.start(e -> {
            events.add(e);
            if (e.origin() == Origin.ARI && e.change() instanceof DeviceChange) {
                try {
                    release.await(); // a stuck receiver: the event loop must keep reading regardless
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        String device = Transcripts.lines("ari-events.jsonl").get(5);
        for (int i = 0; i < 200; i++) {
            ari.send(device);
        }
        awaitTrue(
                WAIT,
                "frames read while the receiver is stuck",
                () -> source.counters().get("frames") == 200);
        assertThat(source.counters().get("dropped")).isGreaterThan(0);
        assertThat(source.isConnected()).isTrue();
        release.countDown();
        awaitTrue(
                WAIT,
                () -> "resync after the queue drained; counters " + source.counters(),
                () -> count(NodeStatus.SNAPSHOT_END) == 2);
        assertThat(source.counters().get("snapshots")).isEqualTo(2L);
        assertThat(count(NodeStatus.DOWN)).isZero();
    }

    @Test
    void aLostLinkSendsDownThenResubscribesAndResyncsKeepingKnownContacts() {
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        List<String> lines = Transcripts.lines("ari-events.jsonl");
        for (int i = 2; i < 6; i++) {
            ari.send(lines.get(i));
        }
        awaitTrue(WAIT, "1001 located", () -> registry.locate(P1001).isPresent());

        ari.closeSockets(); // close frame + TCP close: one reconnect, one resubscription
        awaitTrue(WAIT, "second UP", () -> count(NodeStatus.UP) == 2);
        assertThat(nodeStatuses())
                .containsExactly(
                        NodeStatus.SNAPSHOT_BEGIN,
                        NodeStatus.SNAPSHOT_END,
                        NodeStatus.UP,
                        NodeStatus.DOWN,
                        NodeStatus.SNAPSHOT_BEGIN,
                        NodeStatus.SNAPSHOT_END,
                        NodeStatus.UP);
        assertThat(ari.subscriptions())
                .containsExactly("endpoint:PJSIP", "deviceState:", "endpoint:PJSIP", "deviceState:");
        assertThat(ari.wsConnects).isEqualTo(2);
        // the contact ARI cannot list was re-asserted in the snapshot, so R6 did not remove it
        assertThat(registry.locate(P1001)).isPresent();
        assertThat(source.counters().get("reconnects")).isEqualTo(1L);

        // a contact of an endpoint that went offline meanwhile is dropped at SNAPSHOT_END
        ari.endpoints.put("PJSIP/1001", new String[] {"offline", "0"});
        ari.devices.put("PJSIP/1001", "UNAVAILABLE");
        ari.closeSockets();
        awaitTrue(WAIT, "third UP", () -> count(NodeStatus.UP) == 3);
        assertThat(registry.locate(P1001)).isEmpty();
        assertThat(registry.find(P1001).orElseThrow().deviceState()).isEqualTo(DeviceState.UNAVAILABLE);
    }

    @Test
    void keepsRetryingWhileAsteriskIsDownThenConnects() throws Exception {
        int port = ari.port();
        ari.crash();
        start(config().nodeId("pbx-a").build());
        awaitTrue(WAIT, "several attempts", () -> source.counters().get("reconnects") >= 3);
        assertThat(nodeStatuses()).containsExactly(NodeStatus.DOWN); // said once, not per attempt
        MiniAri again = new MiniAri();
        again.endpoints.putAll(ari.endpoints);
        again.devices.putAll(ari.devices);
        ari = again;
        setPort(again, port);
        again.start();
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        assertThat(events.get(events.size() - 1).node()).isEqualTo(NodeId.of("pbx-a"));
    }

    @Test
    void wrongCredentialsAreRetriedNotFatal() {
        start(AriSourceConfig.builder(ari.url(), ari.user, "wrong-password")
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(50))
                .build());
        awaitTrue(WAIT, "retries", () -> source.counters().get("reconnects") >= 3);
        assertThat(source.isConnected()).isFalse();
        assertThat(events).isEmpty(); // node unknown: nothing can be said
    }

    @Test
    void aSubscriptionRacingTheApplicationRegistrationIsRetried() {
        ari.subscriptionsNotFound.set(3);
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        assertThat(ari.subscriptions()).hasSize(5).endsWith("endpoint:PJSIP", "deviceState:");
        assertThat(ari.wsConnects).isEqualTo(1);
    }

    @Test
    void asterisk23AndAri11AreReadWithTheNearestKnownModels() {
        ari.apiVersion = "11.0.0";
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        ari.send(Transcripts.lines("ari-events.jsonl").get(5));
        awaitTrue(
                WAIT,
                "live device state",
                () -> events.stream().anyMatch(e -> e.origin() == Origin.ARI && e.change() instanceof DeviceChange));
        assertThat(source.counters().get("malformed")).isZero();
    }

    @Test
    void nodeIdentityFallsBackToTheEntityId() {
        ari.systemName = "";
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        assertThat(events.get(0).node()).isEqualTo(NodeId.of("02-00-00-00-00-01"));
    }

    @Test
    void withoutPingTheSnapshotUsesTheLocalClock() {
        ari.pingSupported = false;
        Instant before = Instant.now();
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        assertThat(events.get(0).observedAt()).isAfterOrEqualTo(before.minusMillis(1));
    }

    @Test
    void aHalfOpenLinkIsNoticedByTheReadTimeout() {
        ari.answerPings = false;
        start(config().pingInterval(Duration.ofMillis(100))
                .readTimeout(Duration.ofMillis(400))
                .build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        awaitTrue(WAIT, "DOWN after silence", () -> count(NodeStatus.DOWN) >= 1);
    }

    @Test
    void startTwiceOrAfterCloseIsRefusedAndCloseIsIdempotent() {
        AriEndpointSource s = AriEndpointSource.builder(config().build()).build();
        s.start(e -> {});
        assertThatThrownBy(() -> s.start(e -> {})).isInstanceOf(IllegalStateException.class);
        s.close();
        s.close();
        assertThatThrownBy(() -> s.start(e -> {})).isInstanceOf(IllegalStateException.class);
        AriEndpointSource never = AriEndpointSource.builder(config().build()).build();
        never.close();
    }

    @Test
    void closeReleasesEveryThreadEvenWhenAsteriskIsGone() {
        start(config().build());
        awaitTrue(WAIT, "UP", () -> source.isConnected());
        ari.crash();
        awaitTrue(WAIT, "DOWN", () -> count(NodeStatus.DOWN) == 1);
        source.close();
        awaitTrue(
                WAIT,
                () -> "threads left: " + sourceThreads(),
                () -> sourceThreads().isEmpty());
    }

    @Test
    void closeFromInsideTheReceiverDoesNotDeadlock() {
        AriEndpointSource[] self = new AriEndpointSource[1];
        self[0] = AriEndpointSource.builder(config().build()).build();
        source = self[0];
        self[0].start(e -> {
            events.add(e);
            if (e.change() instanceof NodeChange && ((NodeChange) e.change()).status() == NodeStatus.UP) {
                self[0].close();
            }
        });
        awaitTrue(WAIT, "UP seen", () -> count(NodeStatus.UP) == 1);
        awaitTrue(
                WAIT,
                () -> "threads left: " + sourceThreads(),
                () -> sourceThreads().isEmpty());
        assertThat(self[0].isConnected()).isFalse();
    }

    @Test
    void closeCutsAHangingRequestShort() throws Exception {
        ari.crash();
        try (java.net.ServerSocket silent =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> accepted = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // never answers
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            start(AriSourceConfig.builder("http://127.0.0.1:" + silent.getLocalPort(), "u", "p")
                    .requestTimeout(Duration.ofSeconds(60))
                    .build());
            awaitTrue(WAIT, "request hanging", () -> !accepted.isEmpty());
            long t0 = System.nanoTime();
            source.close();
            // well under the 60 s request timeout; not a speed check (this machine may be loaded)
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
            awaitTrue(
                    WAIT,
                    () -> "threads left: " + sourceThreads(),
                    () -> sourceThreads().isEmpty());
            for (java.net.Socket s : accepted) {
                s.close();
            }
        }
    }

    static List<String> sourceThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (t.isAlive() && (n.startsWith("astreg-ari") || n.startsWith("nioEventLoopGroup"))) {
                names.add(n);
            }
        }
        return names;
    }

    private static void setPort(MiniAri ari, int port) throws Exception {
        java.lang.reflect.Field f = MiniAri.class.getDeclaredField("port");
        f.setAccessible(true);
        f.setInt(ari, port);
    }
}
