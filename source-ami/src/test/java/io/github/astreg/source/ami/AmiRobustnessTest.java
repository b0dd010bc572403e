package io.github.astreg.source.ami;

import static io.github.astreg.source.ami.SourceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.model.RttStats;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.AsteriskVersion;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Duplicates, reordering, junk on the wire, chan_sip, and the source inside a Pipeline. */
class AmiRobustnessTest {

    private static FakeAsterisk pbx(AsteriskVersion version) {
        FakeAsterisk.Builder b = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .version(version);
        if (version == AsteriskVersion.ASTERISK_20) {
            b.sipPeers("2001", "2002").pjsipEndpoints("1001", "1002");
        }
        return b.build().start();
    }

    private static String ts(Instant t) {
        return t.getEpochSecond() + "." + String.format("%06d", t.getNano() / 1000);
    }

    @Test
    void doubleContactStatusAndOutOfOrderDeviceStateDoNotConfuseIt() {
        try (SourceHarness h = new SourceHarness(pbx(AsteriskVersion.ASTERISK_22), b -> b)
                .start()
                .awaitConnected()) {
            String uri = h.pbx.register("1001", Registration.from("127.0.0.1", 5061));
            await(
                    "1001 not in use",
                    () -> h.presence("PJSIP/1001")
                            .flatMap(NodePresence::deviceState)
                            .equals(Optional.of(DeviceState.NOT_INUSE)));
            await(
                    "1001 reachable",
                    () -> h.contact("PJSIP/1001", uri)
                            .map(c -> c.status() == ContactStatus.REACHABLE)
                            .orElse(false));
            Instant past = Instant.now().minusSeconds(30);
            String contactStatus = "Event: ContactStatus\r\nPrivilege: system,all\r\nTimestamp: %s\r\n"
                    + "SystemName: pbx1\r\nURI: " + uri + "\r\nContactStatus: %s\r\nAOR: 1001\r\n"
                    + "EndpointName: 1001\r\nRoundtripUsec: %s\r\n\r\n";
            // the same Reachable twice (Asterisk does fire ContactStatus twice for one registration)
            String now = ts(Instant.now());
            h.pbx.faults().amiRaw(String.format(contactStatus, now, "Reachable", "612"));
            h.pbx.faults().amiRaw(String.format(contactStatus, now, "Reachable", "612"));
            // late and out of order: an old NonQualified and an old INUSE device state
            h.pbx.faults().amiRaw(String.format(contactStatus, ts(past), "NonQualified", "0"));
            h.pbx.faults()
                    .amiRaw("Event: DeviceStateChange\r\nPrivilege: call,all\r\nTimestamp: " + ts(past)
                            + "\r\nSystemName: pbx1\r\nDevice: PJSIP/1001\r\nState: INUSE\r\n\r\n");
            // a marker after them: once it is applied, the four frames before it were handled
            h.pbx.faults()
                    .amiRaw("Event: DeviceStateChange\r\nPrivilege: call,all\r\nTimestamp: " + ts(Instant.now())
                            + "\r\nSystemName: pbx1\r\nDevice: PJSIP/1002\r\nState: UNKNOWN\r\n\r\n");
            await(
                    "marker applied",
                    () -> h.presence("PJSIP/1002")
                            .flatMap(NodePresence::deviceState)
                            .equals(Optional.of(DeviceState.UNKNOWN)),
                    () -> h.events.subList(Math.max(0, h.events.size() - 8), h.events.size()) + " "
                            + h.source.counters());

            assertThat(h.contacts("PJSIP/1001")).hasSize(1);
            ContactRecord c = h.contact("PJSIP/1001", uri).orElseThrow();
            assertThat(c.status()).isEqualTo(ContactStatus.REACHABLE);
            assertThat(h.presence("PJSIP/1001").flatMap(NodePresence::deviceState))
                    .contains(DeviceState.NOT_INUSE);
            assertThat(h.registry.locate(EndpointId.pjsip("1001")).orElseThrow().uri())
                    .isEqualTo(uri);
            assertThat(h.counter("malformed")).isZero();
        }
    }

    @Test
    void aContactRemovedWhileAListIsInFlightDoesNotComeBack() {
        try (SourceHarness h = new SourceHarness(
                        pbx(AsteriskVersion.ASTERISK_22),
                        b -> b.keepaliveInterval(Duration.ofSeconds(2))
                                .readTimeout(Duration.ofSeconds(6))
                                .contactPollInterval(Duration.ofSeconds(30)))
                .start()
                .awaitConnected()) {
            String uri = h.pbx.register("1001", Registration.from("127.0.0.1", 5061));
            await(
                    "1001 listed",
                    () -> h.contact("PJSIP/1001", uri)
                            .map(c -> c.address().isPresent())
                            .orElse(false));
            long polls = h.counter("polls");
            // responses now take 400 ms; events queue behind them, as on a slow link
            h.pbx.faults().slowResponses(Duration.ofMillis(400));
            h.pbx.register("1002", Registration.from("127.0.0.1", 5062)); // triggers a contact-list read
            await("list requested", () -> h.counter("polls") > polls);
            h.pbx.unregister("1001"); // while the list, which still has 1001, is on its way
            await(
                    "1001 removed",
                    () -> h.events.stream()
                            .anyMatch(e -> e.origin() == Origin.AMI
                                    && e.change() instanceof io.github.astreg.core.model.ContactChange
                                    && ((io.github.astreg.core.model.ContactChange) e.change()).status()
                                            == ContactStatus.REMOVED));
            h.pbx.faults().slowResponses(Duration.ZERO);
            // the list item that still shows 1001 is older than the Removed event
            Instant removedAt = h.events.stream()
                    .filter(e -> e.origin() == Origin.AMI
                            && e.change() instanceof io.github.astreg.core.model.ContactChange c
                            && c.uri().equals(uri)
                            && c.status() == ContactStatus.REMOVED)
                    .findFirst()
                    .orElseThrow()
                    .observedAt();
            assertThat(h.events.stream()
                            .filter(e -> e.origin() == Origin.POLL
                                    && e.change() instanceof io.github.astreg.core.model.ContactChange c
                                    && c.uri().equals(uri)
                                    && c.status() != ContactStatus.REMOVED))
                    .allMatch(e -> e.observedAt().isBefore(removedAt));
            assertThat(h.contacts("PJSIP/1001")).isEmpty();
            assertThat(h.registry.locate(EndpointId.pjsip("1001"))).isEmpty();
        }
    }

    @Test
    void aFullEventQueueIsCountedAndRepairedByAResync() throws Exception {
        FakeAsterisk pbx = pbx(AsteriskVersion.ASTERISK_22);
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean blocking = new java.util.concurrent.atomic.AtomicBoolean();
        AmiEndpointSource source = AmiEndpointSource.create(SourceHarness.fastConfig(pbx, "astregpass")
                .eventQueueCapacity(16)
                .keepaliveInterval(Duration.ofSeconds(5))
                .readTimeout(Duration.ofSeconds(20))
                .build());
        try (pbx;
                source) {
            source.start(e -> {
                registry.apply(e);
                if (e.origin() == Origin.AMI && blocking.compareAndSet(true, false)) {
                    try {
                        release.await(); // a slow receiver holds the source's thread
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            await("connected", source::isConnected);
            blocking.set(true);
            for (int i = 1; i <= 10; i++) {
                pbx.register(String.valueOf(1000 + i), Registration.from("127.0.0.1", 6000 + i));
            }
            await("events dropped", () -> source.counters().get("dropped") > 0);
            long snapshots = source.counters().get("snapshots");
            release.countDown();
            await("resync", () -> source.counters().get("snapshots") > snapshots);
            for (int i = 1; i <= 10; i++) {
                EndpointId ep = EndpointId.pjsip(String.valueOf(1000 + i));
                await(ep + " located", () -> registry.locate(ep).isPresent());
            }
        }
    }

    @Test
    void junkIsCountedAndNeverStopsTheSource() {
        try (SourceHarness h = new SourceHarness(pbx(AsteriskVersion.ASTERISK_22), b -> b.eventMask("system,call,user"))
                .start()
                .awaitConnected()) {
            h.pbx.faults()
                    .amiRaw("Event: ContactStatus\r\nPrivilege: system,all\r\nURI: sip:x@h\r\n"
                            + "ContactStatus: Dancing\r\nAOR: 1001\r\nEndpointName: 1001\r\n\r\n");
            h.pbx.faults()
                    .amiRaw("Event: DeviceStateChange\r\nPrivilege: call,all\r\n"
                            + "Device: Queue:support_avail\r\nState: INUSE\r\n\r\n");
            h.pbx.faults().amiGarbageLine();
            // asterisk-java has no class for this user event and drops it: the source counts it
            h.pbx.userEvent("LabStep", Map.of("Step", "01"));
            await("malformed counted", () -> h.counter("malformed") >= 1);
            await("non-endpoint device skipped", () -> h.counter("skipped") >= 1);
            await(
                    "dropped user event counted",
                    () -> h.counter("dropped") >= 1,
                    () -> h.source.counters().toString());
            String uri = h.pbx.register("1001", Registration.from("127.0.0.1", 5061));
            await("still working", () -> h.contact("PJSIP/1001", uri).isPresent());
            assertThat(h.source.isConnected()).isTrue();
        }
    }

    @Test
    void pollingBringsFreshRttSamples() {
        try (SourceHarness h = new SourceHarness(
                        pbx(AsteriskVersion.ASTERISK_22), b -> b.contactPollInterval(Duration.ofMillis(300)))
                .start()
                .awaitConnected()) {
            String uri =
                    h.pbx.register("1001", Registration.from("127.0.0.1", 5061).rtt(Duration.ofNanos(700_000)));
            await(
                    "first sample",
                    () -> h.contact("PJSIP/1001", uri)
                            .flatMap(ContactRecord::rtt)
                            .isPresent());
            // qualify of a Reachable contact sends no event: only the list shows the new RTT
            h.pbx.qualify("1001", Duration.ofNanos(900_000));
            await(
                    "polled sample",
                    () -> h.contact("PJSIP/1001", uri)
                            .flatMap(ContactRecord::rtt)
                            .map(RttStats::last)
                            .equals(Optional.of(Duration.ofNanos(900_000))));
            RttStats rtt =
                    h.contact("PJSIP/1001", uri).flatMap(ContactRecord::rtt).orElseThrow();
            assertThat(rtt.samples()).isGreaterThanOrEqualTo(2);
            assertThat(rtt.max()).isEqualTo(Duration.ofNanos(900_000));
            assertThat(h.events).anyMatch(e -> e.origin() == Origin.POLL);
            assertThat(h.counter("polls")).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void chanSipPeersOnAsterisk20() {
        try (SourceHarness h = new SourceHarness(pbx(AsteriskVersion.ASTERISK_20), b -> b)
                .start()
                .awaitConnected()) {
            EndpointId sip2001 = new EndpointId("SIP", "2001");
            await(
                    "SIP/2001 known from SIPpeers",
                    () -> h.presence("SIP/2001")
                            .flatMap(NodePresence::endpointState)
                            .equals(Optional.of(EndpointState.OFFLINE)));
            h.pbx.register("SIP/2001", Registration.from("127.0.0.1", 5102));
            String uri = "sip:2001@127.0.0.1:5102";
            await(
                    "SIP/2001 located",
                    () -> h.registry
                            .locate(sip2001)
                            .map(l -> l.uri().equals(uri))
                            .orElse(false),
                    () -> String.valueOf(h.record("SIP/2001")));
            ContactRecord c = h.contact("SIP/2001", uri).orElseThrow();
            assertThat(c.address()).contains(new HostPort("127.0.0.1", 5102));
            await(
                    "online",
                    () -> h.presence("SIP/2001")
                            .flatMap(NodePresence::endpointState)
                            .equals(Optional.of(EndpointState.ONLINE)));
            await(
                    "not in use",
                    () -> h.presence("SIP/2001")
                            .flatMap(NodePresence::deviceState)
                            .equals(Optional.of(DeviceState.NOT_INUSE)));
            // PJSIP on the same node keeps working
            String p = h.pbx.register("1001", Registration.from("127.0.0.1", 5101));
            await("PJSIP/1001 located", () -> h.contact("PJSIP/1001", p).isPresent());

            h.pbx.unregister("SIP/2001");
            await("SIP/2001 gone", () -> h.contacts("SIP/2001").isEmpty());
            assertThat(h.registry.locate(sip2001)).isEmpty();
            await(
                    "offline",
                    () -> h.presence("SIP/2001")
                            .flatMap(NodePresence::endpointState)
                            .equals(Optional.of(EndpointState.OFFLINE)));
        }
    }

    @Test
    void runsInsideAPipeline() {
        FakeAsterisk pbx = pbx(AsteriskVersion.ASTERISK_22);
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        AmiEndpointSource source = AmiEndpointSource.create(
                SourceHarness.fastConfig(pbx, "astregpass").build());
        try (pbx;
                Pipeline pipeline = Pipeline.builder(registry).source(source).build()) {
            pipeline.start();
            await("connected", source::isConnected);
            String uri =
                    pbx.register("1001", Registration.from("127.0.0.1", 5061).userAgent("Yealink T54W"));
            await(
                    "located through the pipeline",
                    () -> registry.locate(EndpointId.pjsip("1001"))
                            .map(l -> l.uri().equals(uri) && l.address().isPresent())
                            .orElse(false));
        } finally {
            source.close();
        }
        assertThat(source.isConnected()).isFalse();
    }
}
