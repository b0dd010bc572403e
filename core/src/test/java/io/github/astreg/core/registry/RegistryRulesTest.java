package io.github.astreg.core.registry;

import static io.github.astreg.core.Events.t;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.Events;
import io.github.astreg.core.MutableClock;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.RttStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One or more tests per registry rule, named after it (DESIGN.md R1–R8; R9 is in RegistryConvergenceProperties). */
class RegistryRulesTest {
    private static final String P1001 = "PJSIP/1001";
    private static final EndpointId E1001 = EndpointId.parse(P1001);
    private static final NodeId PBX1 = NodeId.of("pbx1");
    private static final NodeId PBX2 = NodeId.of("pbx2");

    private final Events ev = new Events();
    private MutableClock clock;
    private InMemoryEndpointRegistry registry;

    @BeforeEach
    void setUp() {
        clock = new MutableClock(t(100));
        registry = InMemoryEndpointRegistry.builder()
                .clock(clock)
                .config(RegistryConfig.builder()
                        .staleAfter(Duration.ofSeconds(30))
                        .evictAfter(Duration.ofSeconds(120))
                        .tombstoneRetention(Duration.ofSeconds(300))
                        .build())
                .build();
        registry.apply(ev.node("pbx1", NodeStatus.UP, t(90)));
        registry.apply(ev.node("pbx2", NodeStatus.UP, t(90)));
    }

    private Location located() {
        return registry.locate(E1001).orElseThrow(() -> new AssertionError("1001 not located"));
    }

    private EndpointRecord record() {
        return registry.find(E1001).orElseThrow();
    }

    // ---------------------------------------------------------------- R1

    @Test
    void R1_eachNodeKeepsItsOwnState() {
        registry.apply(ev.registered("pbx1", P1001, "sip:1001@10.0.0.1:5060", "10.0.0.1", 5060, t(10)));
        registry.apply(ev.device("pbx1", P1001, DeviceState.INUSE, t(11)));
        registry.apply(ev.device("pbx2", P1001, DeviceState.UNAVAILABLE, t(12)));
        registry.apply(ev.endpoint("pbx2", P1001, EndpointState.OFFLINE, 0, t(12)));
        registry.apply(ev.removed("pbx2", P1001, "sip:1001@10.0.0.1:5060", t(13)));

        EndpointRecord r = record();
        assertThat(r.on(PBX1).orElseThrow().deviceState()).contains(DeviceState.INUSE);
        assertThat(r.on(PBX1).orElseThrow().contacts()).hasSize(1);
        assertThat(r.on(PBX2).orElseThrow().deviceState()).contains(DeviceState.UNAVAILABLE);
        assertThat(r.on(PBX2).orElseThrow().endpointState()).contains(EndpointState.OFFLINE);
        assertThat(located().node()).isEqualTo(PBX1);
    }

    @Test
    void R1_contactsAreKeyedByUri_replacementDoesNotLoseTheNewContact() {
        // ASTERISK-FACTS 4: new contact's NonQualified/Reachable arrive before the old one's Removed
        registry.apply(ev.registered("pbx1", P1001, "sip:1001@127.0.0.2:5063", "127.0.0.2", 5063, t(10)));
        registry.apply(ev.contact("pbx1", P1001, "sip:1001@127.0.0.1:5064", ContactStatus.NON_QUALIFIED, t(20)));
        registry.apply(ev.contact("pbx1", P1001, "sip:1001@127.0.0.1:5064", ContactStatus.REACHABLE, t(20)));
        registry.apply(ev.removed("pbx1", P1001, "sip:1001@127.0.0.2:5063", t(20)));
        assertThat(located().uri()).isEqualTo("sip:1001@127.0.0.1:5064");
        assertThat(registry.locateAll(E1001)).hasSize(1);
    }

    private io.github.astreg.core.model.EndpointStateEvent removedEv(String node, String uri, long at) {
        return ev.removed(node, P1001, uri, t(at));
    }

    // ---------------------------------------------------------------- R2

    @Test
    void R2_locateReturnsTheMostRecentlyRegisteredLiveContact() {
        registry.apply(ev.registered("pbx1", P1001, "sip:1001@10.0.0.1:5060", "10.0.0.1", 5060, t(10)));
        registry.apply(ev.registered("pbx2", P1001, "sip:1001@10.0.0.2:5060", "10.0.0.2", 5060, t(20)));
        // a refresh of the older registration does not make it "newer"
        registry.apply(ev.registered("pbx1", P1001, "sip:1001@10.0.0.1:5060", "10.0.0.1", 5060, t(30)));
        Location l = located();
        assertThat(l.node()).isEqualTo(PBX2);
        assertThat(l.address()).contains(new HostPort("10.0.0.2", 5060));
        assertThat(l.registeredAt()).isEqualTo(t(20));
        assertThat(registry.locateAll(E1001)).extracting(Location::node).containsExactly(PBX2, PBX1);
    }

    @Test
    void R2_tiesBreakOnNodeId() {
        registry.apply(ev.registered("pbx2", P1001, "sip:1001@10.0.0.2:5060", "10.0.0.2", 5060, t(10)));
        registry.apply(ev.registered("pbx1", P1001, "sip:1001@10.0.0.1:5060", "10.0.0.1", 5060, t(10)));
        assertThat(located().node()).isEqualTo(PBX1);
    }

    @Test
    void R2_removedAndUnreachableContactsAreNotLocated() {
        registry.apply(ev.registered("pbx1", P1001, "sip:a@10.0.0.1:5060", "10.0.0.1", 5060, t(10)));
        registry.apply(ev.contact("pbx1", P1001, "sip:a@10.0.0.1:5060", ContactStatus.UNREACHABLE, t(11)));
        assertThat(registry.locate(E1001)).isEmpty();
        registry.apply(ev.contact("pbx1", P1001, "sip:a@10.0.0.1:5060", ContactStatus.REACHABLE, t(12)));
        assertThat(located().uri()).isEqualTo("sip:a@10.0.0.1:5060");
        registry.apply(removedEv("pbx1", "sip:a@10.0.0.1:5060", 13));
        assertThat(registry.locate(E1001)).isEmpty();
        // only a tombstone is left: nothing to report
        assertThat(registry.find(E1001)).isEmpty();
        assertThat(registry.endpoints()).isEmpty();
    }

    @Test
    void R2_nonQualifiedContactIsLive() {
        registry.apply(ev.contact("pbx1", P1001, "sip:a@10.0.0.1:5060", ContactStatus.NON_QUALIFIED, t(10)));
        assertThat(located().node()).isEqualTo(PBX1);
    }

    // ---------------------------------------------------------------- R3

    @Test
    void R3_olderObservationIsIgnored() {
        registry.apply(ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(20)));
        registry.apply(ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.UNREACHABLE, t(10)));
        // the status stays; the late observation only proves the registration existed earlier
        assertThat(located().uri()).isEqualTo("sip:a@h:5060");
        assertThat(record().on(PBX1).orElseThrow().contacts().get(0).status()).isEqualTo(ContactStatus.REACHABLE);
        assertThat(located().registeredAt()).isEqualTo(t(10));

        registry.apply(ev.device("pbx1", P1001, DeviceState.INUSE, t(20)));
        assertThat(registry.apply(ev.device("pbx1", P1001, DeviceState.NOT_INUSE, t(19))))
                .isEmpty();
        assertThat(record().deviceState()).isEqualTo(DeviceState.INUSE);
    }

    @Test
    void R3_sameTimeIsOrderedBySequence() {
        EndpointStateEvent first = ev.device("pbx1", P1001, DeviceState.RINGING, t(20));
        EndpointStateEvent second = ev.device("pbx1", P1001, DeviceState.INUSE, t(20));
        registry.apply(second);
        registry.apply(first);
        assertThat(record().deviceState()).isEqualTo(DeviceState.INUSE);
    }

    @Test
    void R3_duplicatesAndReplaysChangeNothing() {
        EndpointStateEvent e = ev.registered("pbx1", P1001, "sip:a@h:5060", "h", 5060, t(10));
        assertThat(registry.apply(e)).hasSize(1);
        assertThat(registry.apply(e)).isEmpty();
        assertThat(registry.apply(e)).isEmpty();
    }

    @Test
    void R3_removalIsATombstoneThatALateOlderObservationCannotResurrect() {
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h:5060", "h", 5060, t(10)));
        registry.apply(removedEv("pbx1", "sip:a@h:5060", 30));
        assertThat(registry.apply(ev.registered("pbx1", P1001, "sip:a@h:5060", "h", 5060, t(20))))
                .isEmpty();
        assertThat(registry.locate(E1001)).isEmpty();
        // a newer registration does come back
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h:5060", "h", 5060, t(40)));
        assertThat(located().registeredAt()).isEqualTo(t(40));
    }

    @Test
    void R3_tombstonesArePurgedAfterTheRetention() {
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h:5060", "h", 5060, t(10)));
        registry.apply(removedEv("pbx1", "sip:a@h:5060", 30));
        clock.set(t(30 + 301));
        registry.apply(ev.node("pbx1", NodeStatus.UP, t(331)));
        registry.sweep();
        // forgotten: the registry no longer knows the endpoint at all
        assertThat(registry.find(E1001)).isEmpty();
        assertThat(registry.size()).isZero();
    }

    @Test
    void R3_fieldsMergeByVersion_pollAddressSurvivesALiveStatusWithoutOne() {
        // live AMI ContactStatus carries no address; the contact list poll does
        registry.apply(ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.NON_QUALIFIED, t(10)));
        registry.apply(ev.contact(
                "pbx1",
                P1001,
                "sip:a@h:5060",
                ContactStatus.REACHABLE,
                t(11),
                b -> b.address("192.0.2.7", 5071).userAgent("Yealink").expiresAt(t(3611))));
        registry.apply(ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(12)));
        // an older poll arriving late does not overwrite the newer address
        registry.apply(ev.contact(
                "pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(5), b -> b.address("198.51.100.1", 1)));
        var c = record().on(PBX1).orElseThrow().contacts().get(0);
        assertThat(c.address()).contains(new HostPort("192.0.2.7", 5071));
        assertThat(c.userAgent()).contains("Yealink");
        assertThat(c.expiresAt()).contains(t(3611));
        assertThat(c.status()).isEqualTo(ContactStatus.REACHABLE);
    }

    @Test
    void R3_mergedChangesHaveStrictlyIncreasingVersionsPerKey() {
        List<EndpointStateEvent> out = new ArrayList<>();
        out.addAll(registry.apply(ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(20))));
        // older, but it adds a field: the merged change must still be newer than the last one
        out.addAll(registry.apply(
                ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(10), b -> b.userAgent("late"))));
        assertThat(out).hasSize(2);
        assertThat(out.get(1).version().isNewerThan(out.get(0).version())).isTrue();
        assertThat(((ContactChange) out.get(1).change()).userAgent()).contains("late");
    }

    // ---------------------------------------------------------------- R4

    @Test
    void R4_contactWhoseExpiryPassedIsDeadWithoutAnyEvent() {
        registry.apply(
                ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(10), b -> b.expiresAt(t(30))));
        clock.set(t(29));
        assertThat(registry.locate(E1001)).isPresent();
        clock.set(t(30));
        assertThat(registry.locate(E1001)).isEmpty();
    }

    @Test
    void R4_sweepRemovesTheExpiredContactAndTellsTheSinks() {
        registry.apply(
                ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(10), b -> b.expiresAt(t(30))));
        clock.set(t(31));
        registry.apply(ev.node("pbx1", NodeStatus.UP, t(31)));
        List<EndpointStateEvent> removals = registry.sweep();
        assertThat(removals).hasSize(1);
        assertThat(((ContactChange) removals.get(0).change()).status()).isEqualTo(ContactStatus.REMOVED);
        assertThat(registry.sweep()).isEmpty();
    }

    @Test
    void R4_refreshExtendsTheRegistration() {
        registry.apply(
                ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(10), b -> b.expiresAt(t(30))));
        registry.apply(
                ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(25), b -> b.expiresAt(t(85))));
        clock.set(t(60));
        assertThat(located().registeredAt()).isEqualTo(t(10));
    }

    // ---------------------------------------------------------------- R5

    @Test
    void R5_nodeWithAnOldHeartbeatLosesAgainstALiveNode() {
        registry.apply(ev.registered("pbx2", P1001, "sip:b@h2:5060", "h2", 5060, t(10)));
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(20)));
        assertThat(located().node()).isEqualTo(PBX1);
        clock.set(t(150)); // both heartbeats at t(90) are now 60 s old: both stale
        registry.heartbeat(PBX2, "collector-b");
        assertThat(located().node()).isEqualTo(PBX2);
        assertThat(registry.nodes())
                .extracting(NodeRecord::node, NodeRecord::stale)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(PBX1, true),
                        org.assertj.core.groups.Tuple.tuple(PBX2, false));
        assertThat(record().on(PBX1).orElseThrow().stale()).isTrue();
    }

    /**
     * A node whose source has not reported a status yet (an AMI node in its first snapshot) is not
     * stale, and its heartbeat writes nothing: written, its default status would tell every store
     * it is DOWN, ranking its contacts last there until its first UP.
     */
    @Test
    void R5_aHeartbeatOfANodeWithoutStatusWritesNothing() {
        NodeId pbx3 = NodeId.of("pbx3");
        List<EndpointStateEvent> written = new ArrayList<>();
        registry.subscribe(written::add);
        registry.apply(ev.registered("pbx3", P1001, "sip:c@h3:5060", "h3", 5060, t(95)));
        written.clear();

        assertThat(registry.heartbeat(pbx3, "collector-c")).isEmpty();
        assertThat(written).isEmpty();
        assertThat(registry.nodes()).extracting(NodeRecord::node).doesNotContain(pbx3);
        assertThat(record().on(pbx3).orElseThrow().stale()).isFalse();

        registry.apply(ev.node("pbx3", NodeStatus.UP, t(96)));
        assertThat(registry.heartbeat(pbx3, "collector-c"))
                .singleElement()
                .satisfies(e -> assertThat(((NodeChange) e.change()).status()).isEqualTo(NodeStatus.UP));
    }

    @Test
    void readsRejectANullEndpointByName() {
        org.assertj.core.api.Assertions.assertThatNullPointerException()
                .isThrownBy(() -> registry.locate(null))
                .withMessage("endpoint");
        org.assertj.core.api.Assertions.assertThatNullPointerException()
                .isThrownBy(() -> registry.locateAll(null))
                .withMessage("endpoint");
        org.assertj.core.api.Assertions.assertThatNullPointerException()
                .isThrownBy(() -> registry.find(null))
                .withMessage("endpoint");
    }

    @Test
    void R5_aStaleNodeThatHeartbeatsAgainWinsTheVeryNextLookup() {
        registry.apply(ev.registered("pbx2", P1001, "sip:b@h2:5060", "h2", 5060, t(10)));
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(20)));
        clock.set(t(150)); // both stale: the newest registration wins among stale nodes
        assertThat(located().node()).isEqualTo(PBX1);
        assertThat(located().node()).isEqualTo(PBX1); // answered from the cache
        registry.heartbeat(PBX2, "collector-b");
        assertThat(located().node()).isEqualTo(PBX2);
        registry.apply(ev.node("pbx2", NodeStatus.DOWN, t(151)));
        assertThat(located().node()).isEqualTo(PBX1);
    }

    @Test
    void R4_sweepExpiresEveryContactAcrossManyLockChunks_andPurgesTheirTombstonesLater() {
        int phones = 3_000; // several of the sweep's chunks
        for (int i = 0; i < phones; i++) {
            String ep = "PJSIP/" + (2000 + i);
            boolean expiring = i % 3 != 0;
            registry.apply(ev.contact(
                    "pbx1",
                    ep,
                    "sip:" + i + "@h:5060",
                    ContactStatus.REACHABLE,
                    t(95),
                    b -> b.expiresAt(expiring ? t(110) : t(10_000))));
        }
        clock.set(t(110));
        List<EndpointStateEvent> removals = registry.sweep();
        assertThat(removals).hasSize(phones - phones / 3);
        assertThat(removals)
                .allSatisfy(e -> assertThat(((io.github.astreg.core.model.ContactChange) e.change()).status())
                        .isEqualTo(ContactStatus.REMOVED));
        assertThat(registry.locate(EndpointId.parse("PJSIP/2001"))).isEmpty();
        assertThat(registry.locate(EndpointId.parse("PJSIP/2000"))).isPresent();
        assertThat(registry.sweep()).isEmpty();
        // after the tombstone retention (300 s) the removed contacts and their endpoints are forgotten
        clock.set(t(110 + 301));
        registry.heartbeat(PBX1, "c1"); // still watched: no eviction (R5), only the purge
        assertThat(registry.sweep()).isEmpty();
        assertThat(registry.size()).isEqualTo(phones / 3);
        assertThat(registry.endpoints()).hasSize(phones / 3);
    }

    @Test
    void R4_aCachedLocationEndsWhenTheContactExpires() {
        registry.apply(
                ev.contact("pbx1", P1001, "sip:a@h:5060", ContactStatus.REACHABLE, t(95), b -> b.expiresAt(t(105))));
        registry.apply(
                ev.contact("pbx2", P1001, "sip:b@h:5060", ContactStatus.REACHABLE, t(90), b -> b.expiresAt(t(200))));
        assertThat(located().node()).isEqualTo(PBX1);
        clock.set(t(105).minusNanos(1));
        assertThat(located().node()).isEqualTo(PBX1);
        clock.set(t(105));
        assertThat(located().node()).isEqualTo(PBX2);
    }

    @Test
    void R5_downNodeIsStaleButItsContactsAreKept() {
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(20)));
        registry.apply(ev.node("pbx1", NodeStatus.DOWN, t(95)));
        // no live alternative: still the best answer, but marked stale
        assertThat(located().node()).isEqualTo(PBX1);
        assertThat(record().on(PBX1).orElseThrow().contacts().get(0).live()).isFalse();
        registry.apply(ev.registered("pbx2", P1001, "sip:b@h2:5060", "h2", 5060, t(10)));
        assertThat(located().node()).isEqualTo(PBX2);
    }

    @Test
    void R5_staleNodeIsEvictedAfterEvictAfter() {
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(20)));
        registry.apply(ev.device("pbx1", P1001, DeviceState.NOT_INUSE, t(20)));
        registry.apply(ev.node("pbx1", NodeStatus.DOWN, t(95)));
        clock.set(t(95 + 119));
        assertThat(registry.sweep()).isEmpty();
        clock.set(t(95 + 120));
        List<EndpointStateEvent> removals = registry.sweep();
        assertThat(removals).hasSize(2); // the contact and the endpoint presence
        assertThat(registry.locate(E1001)).isEmpty();
        assertThat(registry.endpointsOn(PBX1)).isEmpty();
        assertThat(registry.sweep()).isEmpty();
    }

    @Test
    void R5_heartbeatsKeepANodeFresh() {
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(20)));
        for (int s = 100; s <= 400; s += 10) {
            clock.set(t(s));
            registry.heartbeat(PBX1, "c1");
            assertThat(registry.sweep()).isEmpty();
        }
        assertThat(record().on(PBX1).orElseThrow().stale()).isFalse();
        assertThat(registry.nodes().get(0).collector()).contains("c1");
    }

    @Test
    void R5_nodeThatNeverReportedAStatusIsNotStale() {
        registry.apply(ev.registered("pbx9", P1001, "sip:a@h9:5060", "h9", 5060, t(20)));
        clock.set(t(3_000));
        assertThat(located().node()).isEqualTo(NodeId.of("pbx9"));
    }

    // ---------------------------------------------------------------- R6

    @Test
    void R6_snapshotEndRemovesEverythingOfTheNodeNotSeenInTheSnapshot() {
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(10)));
        registry.apply(ev.registered("pbx1", "PJSIP/1002", "sip:b@h1:5062", "h1", 5062, t(10)));
        registry.apply(ev.device("pbx1", "PJSIP/1003", DeviceState.NOT_INUSE, t(10)));
        registry.apply(ev.registered("pbx2", "PJSIP/1002", "sip:b@h2:5062", "h2", 5062, t(5)));
        // link down while 1002 unregistered on pbx1; reconnect and resync
        registry.apply(ev.node("pbx1", NodeStatus.SNAPSHOT_BEGIN, t(50)));
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(51)));
        List<EndpointStateEvent> removals = registry.apply(ev.node("pbx1", NodeStatus.SNAPSHOT_END, t(52)));
        assertThat(removals).hasSize(2);
        assertThat(located().node()).isEqualTo(PBX1);
        assertThat(registry.locate(EndpointId.parse("PJSIP/1002")).orElseThrow().node())
                .isEqualTo(PBX2);
        assertThat(registry.endpointsOn(PBX1)).containsExactly(E1001);
        // the snapshot did not disturb the registration's start
        assertThat(located().registeredAt()).isEqualTo(t(10));
    }

    @Test
    void R6_aRestartedCollectorSeededFromTheStoreReconcilesWhatAnEarlierRunWrote() {
        // the store, as an earlier run of this collector left it
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(10)));
        registry.apply(ev.registered("pbx1", "PJSIP/1002", "sip:b@h1:5062", "h1", 5062, t(11)));
        registry.apply(ev.device("pbx1", "PJSIP/1002", DeviceState.INUSE, t(12)));
        InMemoryEndpointRegistry restarted =
                InMemoryEndpointRegistry.builder().clock(clock).build();
        assertThat(restarted.seedFrom(registry)).isEqualTo(2);
        assertThat(restarted.locate(E1001).orElseThrow().registeredAt()).isEqualTo(t(10));
        assertThat(restarted.find(EndpointId.parse("PJSIP/1002")).orElseThrow().deviceState())
                .isEqualTo(DeviceState.INUSE);
        // 1001 unregistered while no collector watched: the first snapshot does not mention it
        restarted.apply(ev.node("pbx1", NodeStatus.SNAPSHOT_BEGIN, t(50)));
        restarted.apply(ev.registered("pbx1", "PJSIP/1002", "sip:b@h1:5062", "h1", 5062, t(51)));
        restarted.apply(ev.device("pbx1", "PJSIP/1002", DeviceState.INUSE, t(51)));
        List<EndpointStateEvent> removals = restarted.apply(ev.node("pbx1", NodeStatus.SNAPSHOT_END, t(52)));
        assertThat(removals)
                .extracting(e -> e.endpoint().orElseThrow().toString() + " " + e.kind())
                .containsExactly(P1001 + " CONTACT");
        assertThat(restarted.locate(E1001)).isEmpty();
        assertThat(restarted
                        .locate(EndpointId.parse("PJSIP/1002"))
                        .orElseThrow()
                        .registeredAt())
                .isEqualTo(t(11));
    }

    @Test
    void R6_liveEventsDuringTheSnapshotCountAsSeen() {
        registry.apply(ev.node("pbx1", NodeStatus.SNAPSHOT_BEGIN, t(50)));
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(51)));
        assertThat(registry.apply(ev.node("pbx1", NodeStatus.SNAPSHOT_END, t(52))))
                .isEmpty();
        assertThat(located().node()).isEqualTo(PBX1);
    }

    @Test
    void R6_snapshotEndWithoutBeginIsIgnored() {
        registry.apply(ev.registered("pbx1", P1001, "sip:a@h1:5060", "h1", 5060, t(10)));
        assertThat(registry.apply(ev.node("pbx1", NodeStatus.SNAPSHOT_END, t(52))))
                .isEmpty();
        assertThat(located().node()).isEqualTo(PBX1);
    }

    // ---------------------------------------------------------------- R7

    @Test
    void R7_unavailableFromANodeWithoutTheRegistrationDoesNotMaskNotInUse() {
        registry.apply(ev.device("pbx1", P1001, DeviceState.UNAVAILABLE, t(10)));
        registry.apply(ev.registered("pbx2", P1001, "sip:b@h2:5060", "h2", 5060, t(10)));
        registry.apply(ev.device("pbx2", P1001, DeviceState.NOT_INUSE, t(10)));
        assertThat(record().deviceState()).isEqualTo(DeviceState.NOT_INUSE);
    }

    @Test
    void R7_aCallOnAnyNodeShows_andRingingWithACallIsRingInUse() {
        registry.apply(ev.device("pbx1", P1001, DeviceState.NOT_INUSE, t(10)));
        registry.apply(ev.device("pbx2", P1001, DeviceState.INUSE, t(10)));
        assertThat(record().deviceState()).isEqualTo(DeviceState.INUSE);
        registry.apply(ev.device("pbx1", P1001, DeviceState.RINGING, t(11)));
        assertThat(record().deviceState()).isEqualTo(DeviceState.RINGINUSE);
        registry.apply(ev.device("pbx2", P1001, DeviceState.ONHOLD, t(12)));
        assertThat(record().deviceState()).isEqualTo(DeviceState.RINGINUSE);
        registry.apply(ev.device("pbx1", P1001, DeviceState.NOT_INUSE, t(13)));
        assertThat(record().deviceState()).isEqualTo(DeviceState.ONHOLD);
    }

    @Test
    void R7_staleNodesDoNotCount() {
        registry.apply(ev.device("pbx1", P1001, DeviceState.INUSE, t(10)));
        registry.apply(ev.device("pbx2", P1001, DeviceState.NOT_INUSE, t(10)));
        registry.apply(ev.node("pbx1", NodeStatus.DOWN, t(95)));
        assertThat(record().deviceState()).isEqualTo(DeviceState.NOT_INUSE);
        registry.apply(ev.node("pbx2", NodeStatus.DOWN, t(96)));
        assertThat(record().deviceState()).isEqualTo(DeviceState.UNAVAILABLE);
    }

    @Test
    void R7_aggregateFollowsAsteriskOrder() {
        assertThat(DeviceState.aggregate(List.of())).isEqualTo(DeviceState.INVALID);
        assertThat(DeviceState.aggregate(List.of(DeviceState.UNKNOWN, DeviceState.UNAVAILABLE)))
                .isEqualTo(DeviceState.UNAVAILABLE);
        assertThat(DeviceState.aggregate(List.of(DeviceState.UNAVAILABLE, DeviceState.NOT_INUSE)))
                .isEqualTo(DeviceState.NOT_INUSE);
        assertThat(DeviceState.aggregate(List.of(DeviceState.NOT_INUSE, DeviceState.ONHOLD)))
                .isEqualTo(DeviceState.ONHOLD);
        assertThat(DeviceState.aggregate(List.of(DeviceState.ONHOLD, DeviceState.RINGING)))
                .isEqualTo(DeviceState.RINGINUSE);
        assertThat(DeviceState.aggregate(List.of(DeviceState.RINGING, DeviceState.NOT_INUSE)))
                .isEqualTo(DeviceState.RINGING);
        assertThat(DeviceState.aggregate(List.of(DeviceState.INUSE, DeviceState.BUSY)))
                .isEqualTo(DeviceState.BUSY);
        assertThat(DeviceState.aggregate(List.of(DeviceState.BUSY, DeviceState.RINGINUSE)))
                .isEqualTo(DeviceState.RINGINUSE);
        assertThat(DeviceState.aggregate(List.of(DeviceState.INVALID, DeviceState.UNKNOWN)))
                .isEqualTo(DeviceState.UNKNOWN);
    }

    // ---------------------------------------------------------------- R8

    @Test
    void R8_rttLastMinMaxAndSmoothedJitter() {
        String uri = "sip:a@h:5060";
        long[] samples = {1000, 1400, 900, 1100};
        for (int i = 0; i < samples.length; i++) {
            registry.apply(ev.rtt("pbx1", P1001, uri, samples[i], t(10 + i)));
        }
        RttStats s = record().rtt().orElseThrow();
        assertThat(s.last()).isEqualTo(Duration.ofNanos(1_100_000));
        assertThat(s.min()).isEqualTo(Duration.ofNanos(900_000));
        assertThat(s.max()).isEqualTo(Duration.ofNanos(1_400_000));
        assertThat(s.samples()).isEqualTo(4);
        // J1 = |1400-1000| = 400; J2 = 400 + (500-400)/16 = 406.25; J3 = 406.25 + (200-406.25)/16 = 393.36
        assertThat(s.jitter().toNanos()).isEqualTo(393_359);
    }

    @Test
    void R8_lateSamplesGiveTheSameStatisticsAsInOrderOnes() {
        String uri = "sip:a@h:5060";
        InMemoryEndpointRegistry other =
                InMemoryEndpointRegistry.builder().clock(clock).build();
        List<EndpointStateEvent> samples = new ArrayList<>();
        long[] rtt = {700, 2100, 650, 900, 1800};
        for (int i = 0; i < rtt.length; i++) {
            samples.add(ev.rtt("pbx1", P1001, uri, rtt[i], t(10 + i)));
        }
        samples.forEach(registry::apply);
        for (int i = samples.size() - 1; i >= 0; i--) {
            other.apply(samples.get(i));
        }
        assertThat(other.find(E1001).orElseThrow().rtt()).isEqualTo(record().rtt());
    }

    @Test
    void R8_windowKeepsOnlyTheNewestSamples() {
        String uri = "sip:a@h:5060";
        for (int i = 0; i < 40; i++) {
            registry.apply(ev.rtt("pbx1", P1001, uri, i < 20 ? 100_000 : 1_000, t(i)));
        }
        RttStats s = record().rtt().orElseThrow();
        assertThat(s.samples()).isEqualTo(16);
        assertThat(s.max()).isEqualTo(Duration.ofNanos(1_000_000));
        assertThat(s.jitter()).isZero();
    }
}
