package io.github.astreg.source.ami;

import static io.github.astreg.source.ami.SourceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Lists are read on a second AMI session of the node, logged in with events off, so that live events
 * never wait behind a long list in the event session's stream. A {@link AmiRelay} between source and
 * FakeAsterisk shows what each session carried and cuts one of them.
 */
class AmiListSessionTest {

    private static FakeAsterisk pbx(int phones) {
        return FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .pjsipEndpoints(2001, 2000 + phones)
                .build()
                .start();
    }

    private static SourceHarness viaRelay(FakeAsterisk pbx, AmiRelay relay) {
        return new SourceHarness(pbx, b -> b.port(relay.port()));
    }

    private static boolean isContact(EndpointStateEvent e, Origin origin) {
        return e.origin() == origin && e.change() instanceof ContactChange;
    }

    /**
     * While the node answers a long contact list slowly (every list row held back by the fake), a
     * live event that happens after the list began reaches the source before the list ends: on one
     * session it would come after the list's last row.
     */
    @Test
    void aLiveEventIsNotHeldBehindALongList() {
        int phones = 300;
        FakeAsterisk pbx = pbx(phones);
        String watched = null;
        for (int i = 1; i < phones; i++) {
            String uri = pbx.register(Integer.toString(2000 + i), Registration.from("127.0.0.1", 20_000 + i));
            if (i == 1) {
                watched = uri;
            }
        }
        String uri2001 = watched;
        try (SourceHarness h = new SourceHarness(
                        pbx,
                        b -> b.actionTimeout(Duration.ofSeconds(60))
                                .readTimeout(Duration.ofSeconds(30))
                                .contactPollInterval(Duration.ofHours(1)))
                .start()
                .awaitConnected()) {
            await("2001 known", () -> h.contact("PJSIP/2001", uri2001).isPresent());
            int before = h.events.size();
            h.pbx.faults().slowResponses(Duration.ofMillis(10)); // each list row 10 ms: the list takes seconds
            // a registration the source has no details of triggers a contact-list read
            h.pbx.register(Integer.toString(2000 + phones), Registration.from("127.0.0.1", 20_000 + phones));
            await(
                    "the contact list is being read",
                    () -> since(h, before).stream().anyMatch(e -> isContact(e, Origin.POLL)));
            Instant asked = since(h, before).stream()
                    .filter(e -> isContact(e, Origin.POLL))
                    .findFirst()
                    .orElseThrow()
                    .observedAt();

            h.pbx.unreachable("2001"); // a live event while the list is answered

            await("the whole list read", () -> rows(h.events, asked) == phones);
            h.pbx.faults().reset();
            List<EndpointStateEvent> events = List.copyOf(h.events);
            int live = indexOf(
                    events,
                    before,
                    e -> isContact(e, Origin.AMI)
                            && ((ContactChange) e.change()).uri().equals(uri2001)
                            && ((ContactChange) e.change()).status() == ContactStatus.UNREACHABLE);
            int lastRow = -1;
            for (int i = before; i < events.size(); i++) {
                if (isRow(events.get(i), asked)) {
                    lastRow = i;
                }
            }
            assertThat(live).as("the live event was emitted").isGreaterThanOrEqualTo(0);
            assertThat(live)
                    .as("the live event came before the list's last row")
                    .isLessThan(lastRow);
            assertThat(h.counter("listReadFailures")).isZero();
        }
    }

    /** The events emitted after the first {@code from} (a copy: the source keeps appending). */
    private static List<EndpointStateEvent> since(SourceHarness h, int from) {
        List<EndpointStateEvent> all = List.copyOf(h.events);
        return all.subList(from, all.size());
    }

    private static boolean isRow(EndpointStateEvent e, Instant asked) {
        return isContact(e, Origin.POLL) && e.observedAt().equals(asked);
    }

    private static long rows(List<EndpointStateEvent> events, Instant asked) {
        return events.stream().filter(e -> isRow(e, asked)).count();
    }

    private static int indexOf(
            List<EndpointStateEvent> events, int from, java.util.function.Predicate<EndpointStateEvent> p) {
        for (int i = from; i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void theListSessionLogsInWithEventsOffAndCarriesTheListsOnly() throws Exception {
        FakeAsterisk pbx = pbx(2);
        try (AmiRelay relay = new AmiRelay(pbx.amiPort());
                SourceHarness h = viaRelay(pbx, relay).start().awaitConnected()) {
            String uri =
                    h.pbx.register("2001", Registration.from("127.0.0.1", 5061).userAgent("ua-2001"));
            await(
                    "address and user agent from the contact list",
                    () -> h.contact("PJSIP/2001", uri)
                            .map(c -> c.userAgent().isPresent())
                            .orElse(false));
            h.pbx.call("2001", "600").hangup();
            await("events of the call", () -> h.counter("events") > 3);

            assertThat(relay.links()).hasSize(2);
            assertThat(h.pbx.amiConnections()).isEqualTo(2);
            AmiRelay.Link lists = relay.openListSession();
            AmiRelay.Link events =
                    relay.open().stream().filter(l -> l != lists).findFirst().orElseThrow();
            assertThat(events.eventsOff()).isFalse();
            assertThat(events.sent().toLowerCase(java.util.Locale.ROOT)).contains("events: system,call");

            // Events: off honoured: the list session got the lists and no live event
            assertThat(lists.liveEvents()).isEmpty();
            assertThat(lists.received()).anyMatch(f -> "ContactList".equals(f.get("event")));
            assertThat(events.liveEvents())
                    .anyMatch(f -> "ContactStatus".equals(f.get("event")))
                    .anyMatch(f -> "DeviceStateChange".equals(f.get("event")));
            // every list was asked for on the list session, never on the event session
            List<String> listActions = List.of("pjsipshowcontacts", "pjsipshowendpoints", "devicestatelist");
            assertThat(lists.actions()).containsAll(listActions);
            assertThat(events.actions()).doesNotContainAnyElementsOf(listActions);
            assertThat(events.received()).noneMatch(f -> "ContactList".equals(f.get("event")));
        }
    }

    @Test
    void closeEndsBothSessions() {
        SourceHarness h = new SourceHarness(pbx(1), b -> b).start().awaitConnected();
        try {
            assertThat(h.pbx.amiConnections()).isEqualTo(2);
            assertThat(h.pbx.amiLogins()).isEqualTo(2);
            h.source.close();
            await("the node sees no AMI session", () -> h.pbx.amiConnections() == 0);
            h.source.close();
            assertThat(h.source.isConnected()).isFalse();
        } finally {
            h.close();
        }
    }

    @Test
    void aDroppedListSessionIsALinkDropAndBothSessionsAreResynced() throws Exception {
        FakeAsterisk pbx = pbx(2);
        try (AmiRelay relay = new AmiRelay(pbx.amiPort());
                SourceHarness h = viaRelay(pbx, relay).start().awaitConnected()) {
            String uri = h.pbx.register("2001", Registration.from("127.0.0.1", 5061));
            await(
                    "2001 located",
                    () -> h.registry.locate(EndpointId.pjsip("2001")).isPresent());
            long snapshots = h.counter("snapshots");
            long ups = h.nodeChanges(NodeStatus.UP);
            List<AmiRelay.Link> first = relay.open();
            assertThat(first).hasSize(2);

            relay.openListSession().cut();

            await("DOWN", () -> h.nodeChanges(NodeStatus.DOWN) >= 1);
            await("up again", () -> h.nodeChanges(NodeStatus.UP) > ups && h.source.isConnected());
            assertThat(h.counter("snapshots")).isGreaterThan(snapshots);
            assertThat(h.counter("reconnects")).isGreaterThanOrEqualTo(1);
            // the event session was closed too, and both were opened again
            await("the first event session closed", () -> first.stream().allMatch(AmiRelay.Link::isClosed));
            assertThat(relay.open()).hasSize(2);
            relay.openListSession();
            assertThat(h.contact("PJSIP/2001", uri)).isPresent();
            // the DOWN came after the old session's UP and before the new SNAPSHOT_BEGIN
            List<NodeStatus> statuses = h.events.stream()
                    .filter(e -> e.change() instanceof io.github.astreg.core.model.NodeChange)
                    .map(e -> ((io.github.astreg.core.model.NodeChange) e.change()).status())
                    .toList();
            assertThat(statuses)
                    .containsSubsequence(
                            NodeStatus.UP,
                            NodeStatus.DOWN,
                            NodeStatus.SNAPSHOT_BEGIN,
                            NodeStatus.SNAPSHOT_END,
                            NodeStatus.UP);
        }
    }

    /**
     * Between reads the list session carries nothing; it is pinged, or asterisk-java's socket read
     * timeout would end it and with it the link.
     */
    @Test
    void anIdleListSessionIsKeptAliveAndASilentOneIsALostLink() throws Exception {
        FakeAsterisk pbx = pbx(1);
        try (AmiRelay relay = new AmiRelay(pbx.amiPort());
                SourceHarness h = new SourceHarness(
                                pbx,
                                b -> b.port(relay.port())
                                        .keepaliveInterval(Duration.ofMillis(200))
                                        .readTimeout(Duration.ofMillis(800))
                                        .contactPollInterval(Duration.ofHours(1)))
                        .start()
                        .awaitConnected()) {
            AmiRelay.Link lists = relay.openListSession();
            // more Pings than fit in one read timeout: unpinged, the idle session would have timed out
            await(
                    "the idle list session pinged",
                    () -> lists.actions().stream().filter("ping"::equals).count() >= 6);
            assertThat(lists.isClosed()).isFalse();
            assertThat(h.nodeChanges(NodeStatus.DOWN)).isZero();
            assertThat(h.counter("reconnects")).isZero();

            long ups = h.nodeChanges(NodeStatus.UP);
            lists.mute(); // half-open: the Pings go unanswered
            await("DOWN", () -> h.nodeChanges(NodeStatus.DOWN) == 1);
            await("up again", () -> h.nodeChanges(NodeStatus.UP) > ups && h.source.isConnected());
            assertThat(relay.open()).hasSize(2).doesNotContain(lists);
        }
    }

    /**
     * A snapshot longer than the read timeout on a quiet node: the snapshot's lists keep the list
     * session busy, while the event session carries nothing (no call, no registration) unless it is
     * pinged. Unpinged, asterisk-java's socket read timeout ended the event session in the middle of
     * the snapshot, and the resync that followed took as long again: on a node with tens of thousands
     * of phones and a busy host the source never came up.
     */
    @Test
    void aSnapshotLongerThanTheReadTimeoutKeepsTheQuietEventSessionAlive() throws Exception {
        int phones = 120;
        FakeAsterisk pbx = pbx(phones);
        for (int i = 1; i <= phones; i++) {
            pbx.register(Integer.toString(2000 + i), Registration.from("127.0.0.1", 20_000 + i));
        }
        // every answer and list row 10 ms late: each list of 120 rows takes over a second, the snapshot
        // (contacts, endpoints, device states) several times the read timeout
        pbx.faults().slowResponses(Duration.ofMillis(10));
        try (AmiRelay relay = new AmiRelay(pbx.amiPort());
                SourceHarness h = new SourceHarness(
                                pbx,
                                b -> b.port(relay.port())
                                        .keepaliveInterval(Duration.ofMillis(200))
                                        .readTimeout(Duration.ofMillis(800))
                                        .actionTimeout(Duration.ofSeconds(30))
                                        .contactPollInterval(Duration.ofHours(1)))
                        .start()) {
            long started = System.nanoTime();
            h.awaitConnected();
            long snapshotMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(snapshotMillis)
                    .as("the snapshot outlasted the read timeout several times")
                    .isGreaterThan(2_400);
            assertThat(h.counter("reconnects")).isZero();
            assertThat(h.nodeChanges(NodeStatus.DOWN)).isZero();
            assertThat(h.nodeChanges(NodeStatus.UP)).isEqualTo(1);
            AmiRelay.Link events = relay.links().stream()
                    .filter(l -> !l.eventsOff())
                    .findFirst()
                    .orElseThrow();
            assertThat(events.isClosed()).isFalse();
            assertThat(events.actions()).contains("ping");
        }
    }

    @Test
    void withoutAListConnectionOneSessionCarriesEventsAndLists() throws Exception {
        FakeAsterisk pbx = pbx(2);
        try (AmiRelay relay = new AmiRelay(pbx.amiPort());
                SourceHarness h = new SourceHarness(
                                pbx, b -> b.port(relay.port()).listConnection(false))
                        .start()
                        .awaitConnected()) {
            String uri =
                    h.pbx.register("2001", Registration.from("127.0.0.1", 5061).userAgent("ua-2001"));
            await(
                    "user agent from the contact list",
                    () -> h.contact("PJSIP/2001", uri)
                            .map(c -> c.userAgent().isPresent())
                            .orElse(false));
            assertThat(relay.links()).hasSize(1);
            assertThat(h.pbx.amiConnections()).isEqualTo(1);
            AmiRelay.Link only = relay.links().get(0);
            assertThat(only.eventsOff()).isFalse();
            assertThat(only.actions()).contains("pjsipshowcontacts");
            assertThat(only.liveEvents()).anyMatch(f -> "ContactStatus".equals(f.get("event")));
        }
    }

    /**
     * A list session whose login is refused ends the attempt as one auth failure (not one per
     * session), and the event session that had logged in is closed with it.
     */
    @Test
    void aRefusedListLoginIsOneAuthFailureAndClosesTheEventSession() throws Exception {
        Pattern key = Pattern.compile("(?i)(Key: )[0-9a-f]+");
        FakeAsterisk pbx = pbx(1);
        // spoils the digest of the login that asks for no events, so only the list session is refused
        try (AmiRelay relay = new AmiRelay(pbx.amiPort(), chunk -> {
                    if (!chunk.toLowerCase(java.util.Locale.ROOT).contains("events: off")) {
                        return chunk;
                    }
                    Matcher m = key.matcher(chunk);
                    return m.replaceAll("$10123456789abcdef0123456789abcdef");
                });
                SourceHarness h = new SourceHarness(
                                pbx,
                                b -> b.port(relay.port())
                                        .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(200)))
                        .start()) {
            await("three refused attempts", () -> h.counter("authFailures") >= 3);
            h.source.close();
            long refusedLists =
                    relay.links().stream().filter(AmiRelay.Link::eventsOff).count();
            long refused = h.counter("authFailures");
            // close() may end an attempt whose list login was sent but not answered yet
            assertThat(refused).isBetween(refusedLists - 1, refusedLists);
            assertThat(h.counter("connectFailures")).isEqualTo(refused);
            assertThat(h.events).isEmpty();
            assertThat(h.source.isConnected()).isFalse();
            await("no session left open", () -> h.pbx.amiConnections() == 0);
            Map<Boolean, Long> byKind = new java.util.HashMap<>();
            relay.links().forEach(l -> byKind.merge(l.eventsOff(), 1L, Long::sum));
            assertThat(byKind.get(false)).isGreaterThanOrEqualTo(refusedLists);
        }
    }
}
