package io.github.astreg.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.core.registry.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link io.github.astreg.core.registry.EndpointRegistry} implementation passes,
 * like Micrometer's compatibility kit: extend it and implement {@link #createStore}.
 *
 * <p>Each test feeds the same observations to the store under test and to a reference
 * {@link InMemoryEndpointRegistry}, checks the rule it is named after, and checks that the store
 * answers exactly like the reference ({@link RegistryView}). Times are relative to the real clock
 * with margins of minutes, so stores that compute "now" themselves (SQL {@code CURRENT_TIMESTAMP},
 * Redis TTLs) pass too. Endpoint and node names are unique per test, so a shared store needs no
 * cleanup between tests.
 */
public abstract class EndpointRegistryContract {
    /** staleAfter 30 s, evictAfter 10 min: the defaults every store must honour in this suite. */
    protected static final RegistryConfig CONFIG = RegistryConfig.defaults();

    private StoreUnderTest store;
    private InMemoryEndpointRegistry reference;
    private final Observations obs = new Observations();
    private final List<EndpointId> touched = new ArrayList<>();
    private String unique;
    private Instant now;

    /** A store with the given config; called before each test. */
    protected abstract StoreUnderTest createStore(RegistryConfig config) throws Exception;

    /**
     * How long a change may take to reach a listener of {@code subscribe}. Stores whose
     * subscription polls may return more.
     */
    protected Duration subscriptionLatency() {
        return Duration.ofSeconds(10);
    }

    @BeforeEach
    void setUpContract() throws Exception {
        store = createStore(CONFIG);
        reference = InMemoryEndpointRegistry.builder().config(CONFIG).build();
        unique = UUID.randomUUID().toString().substring(0, 8);
        now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    @AfterEach
    void tearDownContract() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    /** A node id unique to this test run. */
    protected String node(String name) {
        return name + "-" + unique;
    }

    /** An endpoint unique to this test run. */
    protected String ep(String resource) {
        String e = "PJSIP/" + resource + "-" + unique;
        EndpointId id = EndpointId.parse(e);
        if (!touched.contains(id)) {
            touched.add(id);
        }
        return e;
    }

    protected Instant now() {
        return now;
    }

    /** Applies observations to the store and to the reference. */
    protected void apply(EndpointStateEvent... events) throws Exception {
        store.apply(List.of(events));
        reference.applyAll(List.of(events));
    }

    /** The store answers like the reference for every endpoint this test touched, and for every node. */
    protected void assertSameAsReference() {
        List<String> expected = filterNodes(RegistryView.of(reference, touched));
        List<String> actual = filterNodes(RegistryView.of(store.registry(), touched));
        assertThat(actual).containsExactlyElementsOf(expected);
    }

    private List<String> filterNodes(List<String> lines) {
        // a shared store holds other tests' nodes: compare only this test's
        return lines.stream()
                .filter(l -> !l.startsWith("node ") || l.contains(unique))
                .toList();
    }

    private Location located(String endpoint) {
        return store.registry()
                .locate(EndpointId.parse(endpoint))
                .orElseThrow(() -> new AssertionError(endpoint + " should be located"));
    }

    @Test
    void unknownEndpointIsNowhere() {
        EndpointId e = EndpointId.parse(ep("nobody"));
        assertThat(store.registry().locate(e)).isEmpty();
        assertThat(store.registry().locateAll(e)).isEmpty();
        assertThat(store.registry().find(e)).isEmpty();
        assertThat(store.registry().endpointsOn(NodeId.of(node("pbx1")))).isEmpty();
    }

    @Test
    void R2_locateReturnsTheNodeWithTheLiveContact() throws Exception {
        String pbx1 = node("pbx1");
        String phone = ep("1001");
        apply(obs.node(pbx1, NodeStatus.UP, now), obs.registered(pbx1, phone, "sip:1001@10.1.2.3:5061", now));
        Location l = located(phone);
        assertThat(l.node()).isEqualTo(NodeId.of(pbx1));
        assertThat(l.uri()).isEqualTo("sip:1001@10.1.2.3:5061");
        assertThat(l.address()).contains(new HostPort("10.1.2.3", 5061));
        assertThat(store.registry().endpointsOn(NodeId.of(pbx1))).contains(EndpointId.parse(phone));
        assertThat(store.registry().endpoints()).contains(EndpointId.parse(phone));
        assertSameAsReference();
    }

    @Test
    void R2_newestRegistrationWinsAndTiesBreakOnNodeId() throws Exception {
        String a = node("a");
        String b = node("b");
        String moved = ep("moved");
        String tie = ep("tie");
        apply(
                obs.node(a, NodeStatus.UP, now),
                obs.node(b, NodeStatus.UP, now),
                obs.registered(a, moved, "sip:m@10.0.0.1:5060", now.minusSeconds(60)),
                obs.registered(b, moved, "sip:m@10.0.0.2:5060", now.minusSeconds(10)),
                obs.registered(b, tie, "sip:t@10.0.0.2:5060", now.minusSeconds(5)),
                obs.registered(a, tie, "sip:t@10.0.0.1:5060", now.minusSeconds(5)));
        assertThat(located(moved).node()).isEqualTo(NodeId.of(b));
        assertThat(located(tie).node()).isEqualTo(NodeId.of(a));
        assertThat(store.registry().locateAll(EndpointId.parse(moved)))
                .extracting(Location::node)
                .containsExactly(NodeId.of(b), NodeId.of(a));
        assertSameAsReference();
    }

    @Test
    void R2_unreachableAndRemovedContactsAreNotLocated() throws Exception {
        String pbx = node("pbx1");
        String unreachable = ep("unreach");
        String removed = ep("removed");
        apply(
                obs.node(pbx, NodeStatus.UP, now),
                obs.registered(pbx, unreachable, "sip:u@10.0.0.1:5060", now.minusSeconds(30)),
                obs.status(pbx, unreachable, "sip:u@10.0.0.1:5060", ContactStatus.UNREACHABLE, now.minusSeconds(20)),
                obs.registered(pbx, removed, "sip:r@10.0.0.1:5060", now.minusSeconds(30)),
                obs.removed(pbx, removed, "sip:r@10.0.0.1:5060", now.minusSeconds(20)));
        assertThat(store.registry().locate(EndpointId.parse(unreachable))).isEmpty();
        assertThat(store.registry().locate(EndpointId.parse(removed))).isEmpty();
        assertSameAsReference();
    }

    @Test
    void R2_contactReplacementMovesTheLocationToTheNewContact() throws Exception {
        String pbx = node("pbx1");
        String phone = ep("1001");
        // ASTERISK-FACTS 4: the new contact arrives before the old one's Removed
        apply(
                obs.node(pbx, NodeStatus.UP, now),
                obs.registered(pbx, phone, "sip:1001@127.0.0.2:5063", now.minusSeconds(30)),
                obs.registered(pbx, phone, "sip:1001@127.0.0.1:5064", now.minusSeconds(10)),
                obs.removed(pbx, phone, "sip:1001@127.0.0.2:5063", now.minusSeconds(9)));
        assertThat(located(phone).uri()).isEqualTo("sip:1001@127.0.0.1:5064");
        assertThat(store.registry().locateAll(EndpointId.parse(phone))).hasSize(1);
        assertSameAsReference();
    }

    @Test
    void R3_olderObservationDoesNotMoveTheStoreBackwards() throws Exception {
        String pbx = node("pbx1");
        String phone = ep("1001");
        apply(
                obs.node(pbx, NodeStatus.UP, now),
                obs.registered(pbx, phone, "sip:1001@10.0.0.1:5060", now.minusSeconds(10)),
                obs.device(pbx, phone, DeviceState.INUSE, now.minusSeconds(5)));
        // late, older observations (a replay, a second collector)
        apply(
                obs.status(pbx, phone, "sip:1001@10.0.0.1:5060", ContactStatus.UNREACHABLE, now.minusSeconds(20)),
                obs.device(pbx, phone, DeviceState.NOT_INUSE, now.minusSeconds(20)));
        assertThat(located(phone).node()).isEqualTo(NodeId.of(pbx));
        assertThat(store.registry().find(EndpointId.parse(phone)).orElseThrow().deviceState())
                .isEqualTo(DeviceState.INUSE);
        assertSameAsReference();
    }

    @Test
    void R3_removalIsNotResurrectedByALateOlderObservation() throws Exception {
        String pbx = node("pbx1");
        String phone = ep("1001");
        apply(
                obs.node(pbx, NodeStatus.UP, now),
                obs.registered(pbx, phone, "sip:1001@10.0.0.1:5060", now.minusSeconds(30)),
                obs.removed(pbx, phone, "sip:1001@10.0.0.1:5060", now.minusSeconds(10)));
        apply(obs.registered(pbx, phone, "sip:1001@10.0.0.1:5060", now.minusSeconds(20)));
        assertThat(store.registry().locate(EndpointId.parse(phone))).isEmpty();
        assertSameAsReference();
    }

    @Test
    void R4_expiredContactIsNotLive() throws Exception {
        String pbx = node("pbx1");
        String phone = ep("1003");
        apply(
                obs.node(pbx, NodeStatus.UP, now),
                obs.contact(
                        pbx,
                        phone,
                        "sip:1003@10.0.0.3:5060",
                        ContactStatus.REACHABLE,
                        now.minusSeconds(120),
                        b -> b.address("10.0.0.3", 5060).expiresAt(now.minusSeconds(60))));
        assertThat(store.registry().locate(EndpointId.parse(phone))).isEmpty();
        assertSameAsReference();
    }

    @Test
    void R5_staleNodeLosesAgainstALiveNode() throws Exception {
        String old = node("old");
        String fresh = node("fresh");
        String phone = ep("1002");
        apply(
                obs.node(old, NodeStatus.UP, now.minus(Duration.ofMinutes(5))),
                obs.node(fresh, NodeStatus.UP, now),
                obs.registered(fresh, phone, "sip:1002@10.0.0.2:5060", now.minus(Duration.ofMinutes(7))),
                // newer registration, but on a node whose heartbeat is 5 minutes old
                obs.registered(old, phone, "sip:1002@10.0.0.1:5060", now.minus(Duration.ofMinutes(6))));
        assertThat(located(phone).node()).isEqualTo(NodeId.of(fresh));
        assertThat(store.registry().nodes())
                .filteredOn(n -> n.node().equals(NodeId.of(old)))
                .extracting(NodeRecord::stale)
                .containsExactly(true);
        assertSameAsReference();
    }

    @Test
    void R5_downNodeLosesAgainstALiveNodeButIsKept() throws Exception {
        String down = node("down");
        String up = node("up");
        String phone = ep("1002");
        String only = ep("only");
        apply(
                obs.node(up, NodeStatus.UP, now),
                obs.node(down, NodeStatus.UP, now.minusSeconds(20)),
                obs.registered(up, phone, "sip:1002@10.0.0.2:5060", now.minusSeconds(60)),
                obs.registered(down, phone, "sip:1002@10.0.0.1:5060", now.minusSeconds(30)),
                obs.registered(down, only, "sip:only@10.0.0.1:5060", now.minusSeconds(30)),
                obs.node(down, NodeStatus.DOWN, now.minusSeconds(10)));
        assertThat(located(phone).node()).isEqualTo(NodeId.of(up));
        // no live alternative: the stale node's contact is still the best answer until eviction
        assertThat(located(only).node()).isEqualTo(NodeId.of(down));
        assertSameAsReference();
    }

    @Test
    void R6_snapshotRemovesWhatItDidNotMention() throws Exception {
        String pbx = node("pbx1");
        String kept = ep("kept");
        String gone = ep("gone");
        apply(
                obs.node(pbx, NodeStatus.UP, now.minusSeconds(60)),
                obs.registered(pbx, kept, "sip:k@10.0.0.1:5060", now.minusSeconds(50)),
                obs.registered(pbx, gone, "sip:g@10.0.0.1:5060", now.minusSeconds(50)),
                obs.device(pbx, gone, DeviceState.NOT_INUSE, now.minusSeconds(50)));
        apply(
                obs.node(pbx, NodeStatus.SNAPSHOT_BEGIN, now.minusSeconds(5)),
                obs.registered(pbx, kept, "sip:k@10.0.0.1:5060", now.minusSeconds(4)),
                obs.node(pbx, NodeStatus.SNAPSHOT_END, now.minusSeconds(3)),
                obs.node(pbx, NodeStatus.UP, now.minusSeconds(2)));
        assertThat(located(kept).node()).isEqualTo(NodeId.of(pbx));
        assertThat(store.registry().locate(EndpointId.parse(gone))).isEmpty();
        assertThat(store.registry().endpointsOn(NodeId.of(pbx))).doesNotContain(EndpointId.parse(gone));
        assertSameAsReference();
    }

    @Test
    void R7_deviceStateAggregatesLikeAsterisk() throws Exception {
        String a = node("a");
        String b = node("b");
        String phone = ep("1001");
        apply(
                obs.node(a, NodeStatus.UP, now),
                obs.node(b, NodeStatus.UP, now),
                obs.device(a, phone, DeviceState.UNAVAILABLE, now.minusSeconds(10)),
                obs.registered(b, phone, "sip:1001@10.0.0.2:5060", now.minusSeconds(10)),
                obs.device(b, phone, DeviceState.NOT_INUSE, now.minusSeconds(10)));
        assertThat(deviceState(phone)).isEqualTo(DeviceState.NOT_INUSE);
        assertSameAsReference();
        apply(obs.device(b, phone, DeviceState.INUSE, now.minusSeconds(5)));
        assertThat(deviceState(phone)).isEqualTo(DeviceState.INUSE);
        apply(obs.device(a, phone, DeviceState.RINGING, now.minusSeconds(4)));
        assertThat(deviceState(phone)).isEqualTo(DeviceState.RINGINUSE);
        apply(
                obs.device(b, phone, DeviceState.ONHOLD, now.minusSeconds(3)),
                obs.device(a, phone, DeviceState.NOT_INUSE, now.minusSeconds(3)));
        assertThat(deviceState(phone)).isEqualTo(DeviceState.ONHOLD);
        assertSameAsReference();
    }

    private DeviceState deviceState(String endpoint) {
        return store.registry().find(EndpointId.parse(endpoint)).orElseThrow().deviceState();
    }

    @Test
    void R8_rttAndJitterOfTheLocation() throws Exception {
        String pbx = node("pbx1");
        String phone = ep("1001");
        String uri = "sip:1001@10.0.0.1:5060";
        apply(obs.node(pbx, NodeStatus.UP, now), obs.registered(pbx, phone, uri, now.minusSeconds(40)));
        long[] rttMicros = {800, 1200, 900, 1500};
        for (int i = 0; i < rttMicros.length; i++) {
            long us = rttMicros[i];
            apply(obs.contact(
                    pbx,
                    phone,
                    uri,
                    ContactStatus.REACHABLE,
                    now.minusSeconds(30 - i),
                    b -> b.rtt(Duration.ofNanos(us * 1000))));
        }
        var record = store.registry().find(EndpointId.parse(phone)).orElseThrow();
        assertThat(record.rtt()).isPresent();
        assertThat(record.rtt().get().last()).isEqualTo(Duration.ofNanos(1_500_000));
        assertThat(record.rtt().get().jitter()).isPositive();
        assertThat(located(phone).rtt()).contains(Duration.ofNanos(1_500_000));
        assertSameAsReference();
    }

    @Test
    void R1_nodesDoNotOverwriteEachOther() throws Exception {
        String a = node("a");
        String b = node("b");
        String phone = ep("1002");
        apply(
                obs.node(a, NodeStatus.UP, now),
                obs.node(b, NodeStatus.UP, now),
                obs.registered(a, phone, "sip:1002@10.0.0.1:5060", now.minusSeconds(20)),
                obs.endpoint(a, phone, EndpointState.ONLINE, 1, now.minusSeconds(20)),
                obs.registered(b, phone, "sip:1002@10.0.0.2:5060", now.minusSeconds(10)),
                obs.endpoint(b, phone, EndpointState.ONLINE, 0, now.minusSeconds(10)),
                obs.removed(b, phone, "sip:1002@10.0.0.2:5060", now.minusSeconds(5)));
        assertThat(located(phone).node()).isEqualTo(NodeId.of(a));
        var record = store.registry().find(EndpointId.parse(phone)).orElseThrow();
        assertThat(record.on(NodeId.of(a)).orElseThrow().channels()).hasValue(1);
        assertThat(record.on(NodeId.of(b)).orElseThrow().channels()).hasValue(0);
        assertSameAsReference();
    }

    @Test
    void namesWithAwkwardCharactersRoundTrip() throws Exception {
        String pbx = node("pbx.eu_1");
        List<String> resources = List.of(
                "o'brien",
                "semi;colon",
                "per%cent_",
                "sp ace",
                "br{ace}s:colon",
                "quote\"d",
                "ünïcødé-电话",
                "x".repeat(200));
        for (String r : resources) {
            String phone = ep(r);
            apply(
                    obs.node(pbx, NodeStatus.UP, now),
                    obs.registered(pbx, phone, "sip:" + r.replace(' ', '_') + "@10.9.8.7:5060", now.minusSeconds(5)));
            assertThat(located(phone).node()).isEqualTo(NodeId.of(pbx));
        }
        assertSameAsReference();
    }

    @Test
    void nodesReportStatusAndStaleness() throws Exception {
        String up = node("up");
        String down = node("down");
        apply(
                obs.node(up, NodeStatus.UP, now),
                obs.node(down, NodeStatus.UP, now.minusSeconds(5)),
                obs.node(down, NodeStatus.DOWN, now));
        List<NodeRecord> mine = store.registry().nodes().stream()
                .filter(n -> n.node().value().endsWith(unique))
                .toList();
        assertThat(mine)
                .extracting(n -> n.node().value() + " " + n.status() + " " + n.stale())
                .containsExactly(down + " DOWN true", up + " UP false");
        assertSameAsReference();
    }

    @Test
    void subscribersSeeChanges() throws Exception {
        String pbx = node("pbx1");
        String phone = ep("1001");
        List<EndpointStateEvent> seen = new CopyOnWriteArrayList<>();
        try (Subscription s = store.registry().subscribe(seen::add)) {
            apply(obs.node(pbx, NodeStatus.UP, now), obs.registered(pbx, phone, "sip:1001@10.0.0.1:5060", now));
            long deadline = System.nanoTime() + subscriptionLatency().toNanos();
            while (seen.stream()
                            .noneMatch(e -> e.endpoint()
                                    .map(EndpointId.parse(phone)::equals)
                                    .orElse(false))
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(seen)
                    .anyMatch(e ->
                            e.endpoint().map(EndpointId.parse(phone)::equals).orElse(false));
        }
    }
}
