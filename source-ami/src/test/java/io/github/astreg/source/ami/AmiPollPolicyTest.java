package io.github.astreg.source.ami;

import static io.github.astreg.source.ami.SourceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * When the contact list is read, and that live events do not wait for a read: only contacts the
 * source has no details of trigger a read, triggers are coalesced, reads are spaced by
 * {@code pollSpacing}, and a list in flight does not hold up the events behind it.
 */
class AmiPollPolicyTest {
    private static FakeAsterisk pbx() {
        return FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .pjsipEndpoints("1001", "1002", "1003", "1004", "1005", "1006")
                .build()
                .start();
    }

    private static boolean hasAddress(SourceHarness h, String endpoint, String uri) {
        return h.contact(endpoint, uri).map(c -> c.address().isPresent()).orElse(false);
    }

    private static boolean isContact(EndpointStateEvent e, String uri, Origin origin) {
        return e.origin() == origin
                && e.change() instanceof ContactChange
                && ((ContactChange) e.change()).uri().equals(uri);
    }

    @Test
    void aListRowRepeatingTheLastQualifyRttIsNoNewSample() throws InterruptedException {
        FakeAsterisk pbx = pbx();
        String uri = pbx.register("1001", Registration.from("127.0.0.1", 5061).rtt(Duration.ofNanos(700_000)));
        try (SourceHarness h = new SourceHarness(
                        pbx, b -> b.contactPollInterval(Duration.ofMillis(100)).pollSpacing(Duration.ZERO))
                .start()
                .awaitConnected()) {
            long polls = h.counter("polls");
            await("four periodic reads", () -> h.counter("polls") >= polls + 4);
            // every read lists the same qualify RTT: still the snapshot's one sample, and no row
            // after the snapshot's carried it
            RttStats stats =
                    h.contact("PJSIP/1001", uri).flatMap(ContactRecord::rtt).orElseThrow();
            assertThat(stats.samples()).isEqualTo(1);
            assertThat(h.events.stream()
                            .filter(e -> isContact(e, uri, Origin.POLL))
                            .filter(e -> ((ContactChange) e.change()).rtt().isPresent()))
                    .isEmpty();

            // a qualify on a Reachable contact sends no event: the next read brings its RTT, once
            pbx.qualify("1001", Duration.ofNanos(900_000));
            await(
                    "new RTT read",
                    () -> h.contact("PJSIP/1001", uri)
                            .flatMap(ContactRecord::rtt)
                            .map(RttStats::last)
                            .equals(Optional.of(Duration.ofNanos(900_000))));
            long afterQualify = h.counter("polls");
            await("two more reads", () -> h.counter("polls") >= afterQualify + 2);
            RttStats now =
                    h.contact("PJSIP/1001", uri).flatMap(ContactRecord::rtt).orElseThrow();
            assertThat(now.samples()).isEqualTo(2);
            assertThat(now.jitter()).isEqualTo(Duration.ofNanos(200_000));
        }
    }

    @Test
    void aStatusChangeOfAKnownContactReadsNoList() throws InterruptedException {
        FakeAsterisk pbx = pbx();
        String uri = pbx.register("1001", Registration.from("127.0.0.1", 5061).rtt(Duration.ofNanos(700_000)));
        try (SourceHarness h = new SourceHarness(
                        pbx,
                        b -> b.contactPollInterval(Duration.ofMinutes(10))
                                .contactPollDelay(Duration.ofMillis(50))
                                .pollSpacing(Duration.ZERO))
                .start()
                .awaitConnected()) {
            assertThat(hasAddress(h, "PJSIP/1001", uri)).isTrue(); // from the snapshot
            long polls = h.counter("polls");

            pbx.unreachable("1001");
            pbx.qualify("1001", Duration.ofNanos(900_000)); // Reachable again, with a new RTT
            await(
                    "flap applied",
                    () -> h.contact("PJSIP/1001", uri)
                            .flatMap(ContactRecord::rtt)
                            .map(RttStats::last)
                            .equals(Optional.of(Duration.ofNanos(900_000))));
            // a read the flap triggered would start contactPollDelay (50 ms) after it: give it six times that
            Thread.sleep(300);
            assertThat(h.counter("polls"))
                    .as("reads after a status change of a known contact")
                    .isEqualTo(polls);

            // a new contact is what needs the list
            String uri2 = pbx.register("1002", Registration.from("127.0.0.1", 5062));
            await("1002 read from the list", () -> hasAddress(h, "PJSIP/1002", uri2));
            assertThat(h.counter("polls")).isEqualTo(polls + 1);
        }
    }

    @Test
    void manyNewContactsInOneWindowCostOneRead() {
        try (SourceHarness h = new SourceHarness(
                        pbx(),
                        b -> b.contactPollInterval(Duration.ofMinutes(10))
                                .contactPollDelay(Duration.ofSeconds(1))
                                .pollSpacing(Duration.ZERO))
                .start()
                .awaitConnected()) {
            long polls = h.counter("polls");
            Map<String, String> uris = new ConcurrentHashMap<>();
            for (int i = 1; i <= 5; i++) {
                String ep = "100" + i;
                uris.put(ep, h.pbx.register(ep, Registration.from("127.0.0.1", 5060 + i)));
            }
            await(
                    "every new contact read from the list",
                    () -> uris.entrySet().stream().allMatch(e -> hasAddress(h, "PJSIP/" + e.getKey(), e.getValue())));
            assertThat(h.counter("polls")).isEqualTo(polls + 1);
        }
    }

    @Test
    void triggeredReadsAreSpacedAndCoalescedMeanwhile() {
        Duration spacing = Duration.ofMillis(1500);
        try (SourceHarness h = new SourceHarness(
                        pbx(),
                        b -> b.contactPollInterval(Duration.ofMinutes(10))
                                .contactPollDelay(Duration.ofMillis(10))
                                .pollSpacing(spacing))
                .start()) {
            AtomicLong snapshotEnd = new AtomicLong();
            Map<String, Long> firstPollRow = new ConcurrentHashMap<>();
            h.tap = e -> {
                long now = System.nanoTime();
                if (e.change() instanceof NodeChange && ((NodeChange) e.change()).status() == NodeStatus.SNAPSHOT_END) {
                    snapshotEnd.set(now);
                } else if (e.origin() == Origin.POLL && e.change() instanceof ContactChange) {
                    firstPollRow.putIfAbsent(((ContactChange) e.change()).uri(), now);
                }
            };
            h.awaitConnected();
            long polls = h.counter("polls");

            // the snapshot read every list: the first triggered read waits the spacing after it
            String uri1 = h.pbx.register("1001", Registration.from("127.0.0.1", 5061));
            await("1001 read from the list", () -> firstPollRow.containsKey(uri1));
            assertThat(firstPollRow.get(uri1) - snapshotEnd.get()).isGreaterThanOrEqualTo(spacing.toNanos());

            // two new contacts while the spacing runs: one read, a spacing after the previous one
            String uri2 = h.pbx.register("1002", Registration.from("127.0.0.1", 5062));
            String uri3 = h.pbx.register("1003", Registration.from("127.0.0.1", 5063));
            await(
                    "1002 and 1003 read from the list",
                    () -> firstPollRow.containsKey(uri2) && firstPollRow.containsKey(uri3));
            assertThat(firstPollRow.get(uri2) - firstPollRow.get(uri1)).isGreaterThanOrEqualTo(spacing.toNanos());
            assertThat(h.counter("polls")).isEqualTo(polls + 2);
            assertThat(hasAddress(h, "PJSIP/1003", uri3)).isTrue();
        }
    }

    @Test
    void liveEventsDoNotWaitForAListInFlight() throws InterruptedException {
        try (SourceHarness h = new SourceHarness(
                        pbx(),
                        b -> b.contactPollInterval(Duration.ofMinutes(10))
                                // the read starts right after the first event of a registration burst
                                .contactPollDelay(Duration.ofNanos(1))
                                .pollSpacing(Duration.ZERO)
                                .keepaliveInterval(Duration.ofSeconds(20))
                                .readTimeout(Duration.ofSeconds(40))
                                .actionTimeout(Duration.ofSeconds(40)))
                .start()
                .awaitConnected()) {
            long polls = h.counter("polls");
            CountDownLatch reachable = new CountDownLatch(1);
            AtomicLong pollsAtReachable = new AtomicLong(-1);
            String uri = "sip:1001@127.0.0.1:5061";
            h.tap = e -> {
                if (isContact(e, uri, Origin.AMI) && ((ContactChange) e.change()).status() == ContactStatus.REACHABLE) {
                    pollsAtReachable.compareAndSet(-1, h.counter("polls"));
                    reachable.countDown();
                }
            };
            // every answer to an action (the list's response, each item, its end) now takes 1 s
            h.pbx.faults().slowResponses(Duration.ofSeconds(1));
            h.pbx.register("1001", Registration.from("127.0.0.1", 5061).rtt(Duration.ofNanos(800_000)));

            assertThat(reachable.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(pollsAtReachable.get()).as("a list read was in flight").isEqualTo(polls + 1);
            List<EndpointStateEvent> seen = List.copyOf(h.events);
            assertThat(seen).noneMatch(e -> isContact(e, uri, Origin.POLL));

            h.pbx.faults().slowResponses(Duration.ZERO);
            await("1001 read from the list", () -> hasAddress(h, "PJSIP/1001", uri));
            assertThat(h.contact("PJSIP/1001", uri).orElseThrow().status()).isEqualTo(ContactStatus.REACHABLE);
            assertThat(h.source.isConnected()).isTrue();
        }
    }

    /**
     * A chan_sip peer that registered from a new address while a SIPpeers list asked before was still
     * being mapped: the list's row with the old address is older than the live event and must not make
     * the old address the peer's contact again (its later status events would then go to the removed
     * contact and bring it back).
     */
    @Test
    void anOlderSipPeersRowDoesNotTakeThePeerBackToItsOldAddress() throws InterruptedException {
        // enough peers that the list is mapped in several turns (256 items each) and 2001's row is
        // still waiting when the live events of its new registration are handled
        // (held at row 200, at most two turns of 256 follow before the live events: 2001 is row 1000)
        String[] peers = new String[1001];
        for (int i = 0; i < 1000; i++) {
            peers[i] = String.format("p%03d", i);
        }
        peers[1000] = "2001";
        FakeAsterisk pbx = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .version(io.github.astreg.testkit.AsteriskVersion.ASTERISK_20)
                .sipPeers(peers)
                .build()
                .start();
        pbx.register("SIP/2001", Registration.from("127.0.0.1", 5071));
        try (SourceHarness h = new SourceHarness(
                pbx,
                b -> b.contactPollInterval(Duration.ofMinutes(10))
                        .contactPollDelay(Duration.ofMillis(10))
                        .pollSpacing(Duration.ZERO))) {
            CountDownLatch blocked = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch rowOf2001 = new CountDownLatch(1);
            CountDownLatch unreachable = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicReference<String> unreachableUri =
                    new java.util.concurrent.atomic.AtomicReference<>();
            h.tap = e -> {
                if (e.origin() == Origin.POLL
                        && e.change() instanceof io.github.astreg.core.model.EndpointChange
                        && ((io.github.astreg.core.model.EndpointChange) e.change())
                                .endpoint()
                                .resource()
                                .equals("p200")
                        && blocked.getCount() > 0) {
                    blocked.countDown();
                    try {
                        // the worker is mapping the list: hold it while the peer registers elsewhere
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                } else if (e.origin() == Origin.POLL
                        && e.change() instanceof io.github.astreg.core.model.EndpointChange
                        && ((io.github.astreg.core.model.EndpointChange) e.change())
                                .endpoint()
                                .resource()
                                .equals("2001")
                        && rowOf2001.getCount() > 0) {
                    // the peer stops answering now: its PeerStatus reaches the source before the answer
                    // to any later read (the one its new registration triggered) can
                    pbx.unreachable("SIP/2001");
                    rowOf2001.countDown();
                } else if (e.origin() == Origin.AMI
                        && e.change() instanceof ContactChange
                        && ((ContactChange) e.change()).status() == ContactStatus.UNREACHABLE) {
                    unreachableUri.set(((ContactChange) e.change()).uri());
                    unreachable.countDown();
                }
            };
            h.start().awaitConnected();

            pbx.register("SIP/p005", Registration.from("127.0.0.1", 5080)); // a chan_sip PeerStatus: SIPpeers is read
            assertThat(blocked.await(20, TimeUnit.SECONDS))
                    .as("list read under way")
                    .isTrue();
            pbx.register("SIP/2001", Registration.from("127.0.0.1", 5072)); // after the list was asked
            // the list's frames were all written before the registration's events: once the PeerStatus
            // is queued (behind at most one wake-up for list items), the whole list is waiting too
            await("the new registration queued for the worker", () -> h.counter("queued") >= 2);
            release.countDown();
            assertThat(rowOf2001.await(20, TimeUnit.SECONDS))
                    .as("2001's row mapped")
                    .isTrue();

            assertThat(unreachable.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(unreachableUri.get()).as("the contact the peer has now").endsWith(":5072");
            assertThat(h.contacts("SIP/2001"))
                    .as("live contacts of 2001")
                    .extracting(ContactRecord::uri)
                    .noneMatch(u -> u.endsWith(":5071"));
        }
    }

    /**
     * Without DeviceStateList the snapshot's device states come from the endpoint list: they are as old
     * as that list, so a device state change that happened after it was asked is newer and wins (R3).
     */
    @Test
    void fallbackDeviceStatesCarryTheTimeTheEndpointListWasAskedFor() {
        FakeAsterisk pbx = pbx();
        pbx.register("1001", Registration.from("127.0.0.1", 5061));
        pbx.faults().failAction("DeviceStateList", "Invalid/unknown command");
        try (SourceHarness h = new SourceHarness(pbx, b -> b).start().awaitConnected()) {
            List<EndpointStateEvent> seen = List.copyOf(h.events);
            EndpointStateEvent endpoint = seen.stream()
                    .filter(e -> e.origin() == Origin.SNAPSHOT
                            && e.change() instanceof io.github.astreg.core.model.EndpointChange
                            && ((io.github.astreg.core.model.EndpointChange) e.change())
                                    .endpoint()
                                    .equals(io.github.astreg.core.model.EndpointId.pjsip("1001")))
                    .findFirst()
                    .orElseThrow();
            EndpointStateEvent device = seen.stream()
                    .filter(e -> e.origin() == Origin.SNAPSHOT
                            && e.change() instanceof io.github.astreg.core.model.DeviceChange
                            && ((io.github.astreg.core.model.DeviceChange) e.change())
                                    .endpoint()
                                    .equals(io.github.astreg.core.model.EndpointId.pjsip("1001")))
                    .findFirst()
                    .orElseThrow();
            assertThat(device.observedAt()).isEqualTo(endpoint.observedAt());
        }
    }

    /**
     * The marker a removed contact leaves in the source's own view (so that an older list row does not
     * bring it back) is only needed while a list asked before the removal is being read: it must not
     * outlive that when no contact list ever arrives whole (here: every read is refused).
     */
    @Test
    void removedContactMarkersDoNotPileUpWhenListReadsFail() throws InterruptedException {
        FakeAsterisk pbx = pbx();
        pbx.faults().failAction("PJSIPShowContacts", "Permission denied");
        SourceHarness h = new SourceHarness(
                pbx,
                b -> b.contactPollInterval(Duration.ofMillis(100))
                        .contactPollDelay(Duration.ofMillis(10))
                        .pollSpacing(Duration.ZERO));
        try (h) {
            h.start().awaitConnected();
            int n = 20;
            CountDownLatch removed = new CountDownLatch(n);
            h.tap = e -> {
                if (e.origin() == Origin.AMI
                        && e.change() instanceof ContactChange
                        && ((ContactChange) e.change()).status() == ContactStatus.REMOVED) {
                    removed.countDown();
                }
            };
            for (int i = 0; i < n; i++) {
                h.pbx.register("1001", Registration.from("127.0.0.1", 6000 + i));
                h.pbx.unregister("1001");
            }
            assertThat(removed.await(20, TimeUnit.SECONDS)).isTrue();
            // two more reads started after the last removal: the first of them has ended
            long polls = h.counter("polls");
            await("two reads after the removals", () -> h.counter("polls") >= polls + 2);
        }
        // read after close(): the worker has ended
        assertThat(h.source.contactsTracked())
                .as("contacts and markers the source keeps")
                .isZero();
    }
}
