package io.github.astreg.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.source.ari.AriEndpointSource;
import io.github.astreg.source.ari.AriEventDecoder;
import io.github.astreg.source.ari.AriSourceConfig;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and mutated AMI frames and ARI JSON thrown at the sources through the fake's fault
 * injection: the source never crashes or stalls (after the garbage a new registration still reaches
 * the registry), every frame that claims to be an event but is bad is counted ({@code malformed},
 * {@code dropped} or {@code skipped}), and oversize lines are survived. Tries are few and shrinking is
 * off: each try costs a round trip through real sockets on a shared, loaded machine.
 */
class SourceFuzzProperties {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Recorded live events of Asterisk 22 (ami-pjsip.txt), Timestamp removed so no mutant can be "newer" than a later real event. */
    private static final List<String> SEEDS = List.of(
            "Event: ContactStatus\r\nPrivilege: system,all\r\nSystemName: fuzz\r\nURI: sip:1001@127.0.0.1:5061\r\n"
                    + "ContactStatus: NonQualified\r\nAOR: 1001\r\nEndpointName: 1001\r\nRoundtripUsec: 0\r\n",
            "Event: PeerStatus\r\nPrivilege: system,all\r\nSystemName: fuzz\r\nChannelType: PJSIP\r\n"
                    + "Peer: PJSIP/1001\r\nPeerStatus: Reachable\r\n",
            "Event: DeviceStateChange\r\nPrivilege: call,all\r\nSystemName: fuzz\r\nDevice: PJSIP/1001\r\n"
                    + "State: NOT_INUSE\r\n");

    private static FakeAsterisk pbx;
    private static AmiEndpointSource ami;
    private static AriEndpointSource ari;
    private static final InMemoryEndpointRegistry amiRegistry = InMemoryEndpointRegistry.create();
    private static final InMemoryEndpointRegistry ariRegistry = InMemoryEndpointRegistry.create();
    private static final AtomicInteger sipPort = new AtomicInteger(20_000);
    private static long framesSent;
    private static long countableSent;

    /** One frame and whether it is certainly bad (an event astreg must reject, hence count). */
    record Frame(String kind, String text, boolean countable) {
        @Override
        public String toString() {
            return kind + "(" + text.length() + " chars)";
        }
    }

    @BeforeContainer
    static void start() {
        pbx = FakeAsterisk.builder("fuzz").systemName("fuzz").build().start();
        ami = AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", pbx.amiUser(), "astregpass")
                .port(pbx.amiPort())
                .keepaliveInterval(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(3))
                .contactPollDelay(Duration.ofMillis(50))
                .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(500))
                .build());
        ari = AriEndpointSource.builder(AriSourceConfig.builder(pbx.ariUrl(), pbx.ariUser(), "astregpass")
                        .application("fuzz")
                        .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(500))
                        .build())
                .build();
        ami.start(amiRegistry::apply);
        ari.start(ariRegistry::apply);
        Poll.until("both sources connected", WAIT, () -> ami.isConnected() && ari.isConnected());
    }

    @AfterContainer
    static void stop() {
        System.out.printf(
                "[reliability] AMI fuzz: %d frames sent (%d certainly bad); counters %s%n",
                framesSent, countableSent, ami == null ? "-" : ami.counters());
        System.out.printf("[reliability] ARI fuzz: counters %s%n", ari == null ? "-" : ari.counters());
        if (ami != null) {
            ami.close();
        }
        if (ari != null) {
            ari.close();
        }
        if (pbx != null) {
            pbx.close();
        }
    }

    private static long amiBad() {
        Map<String, Long> c = ami.counters();
        return c.getOrDefault("malformed", 0L) + c.getOrDefault("dropped", 0L) + c.getOrDefault("skipped", 0L);
    }

    /** A fresh registration on the node must reach the registry: the source still reads and maps. */
    private static void assertStillDelivers(InMemoryEndpointRegistry registry, String what) {
        int port = sipPort.incrementAndGet();
        String uri = pbx.register("1010", Registration.from("127.0.0.1", port));
        Poll.until(
                what + " still delivers (contact " + uri + ")",
                WAIT,
                () -> registry.locate(EndpointId.pjsip("1010"))
                        .map(l -> l.uri().equals(uri))
                        .orElse(false),
                () -> ami.counters() + " " + ari.counters());
    }

    @Property(tries = 12, shrinking = ShrinkingMode.OFF)
    void amiSourceSurvivesAndCountsBadFrames(@ForAll("amiFrames") List<Frame> frames) {
        long before = amiBad();
        long countable = frames.stream().filter(Frame::countable).count();
        for (Frame f : frames) {
            pbx.faults().amiRaw(f.text());
        }
        framesSent += frames.size();
        countableSent += countable;
        assertStillDelivers(amiRegistry, "AMI source");
        // asterisk-java's silent drops are found by comparing wire and delivered counts every few seconds
        Poll.until(
                countable + " bad frames counted in " + frames,
                WAIT,
                () -> amiBad() - before >= countable,
                () -> "counted " + (amiBad() - before) + " " + ami.counters());
        assertThat(ami.isConnected()).isTrue();
    }

    @Provide
    Arbitrary<List<Frame>> amiFrames() {
        return Arbitraries.oneOf(
                        garbageLine(),
                        unknownEvent(),
                        contactStatusWithoutUri(),
                        badDeviceState(),
                        oversizeContactStatus(),
                        mutatedSeed())
                .list()
                .ofMinSize(1)
                .ofMaxSize(6);
    }

    private static Arbitrary<Frame> garbageLine() {
        return Arbitraries.strings()
                .withCharRange(' ', '~')
                .ofMinLength(1)
                .ofMaxLength(200)
                .filter(s -> s.indexOf(':') < 0 && !s.isBlank())
                .map(s -> new Frame("garbage", s + "\r\n\r\n", false));
    }

    private static Arbitrary<Frame> unknownEvent() {
        return Arbitraries.strings()
                .alpha()
                .ofMinLength(8)
                .ofMaxLength(30)
                .map(name -> new Frame(
                        "unknownEvent", "Event: Fuzz" + name + "\r\nPrivilege: system,all\r\nFoo: bar\r\n\r\n", true));
    }

    private static Arbitrary<Frame> contactStatusWithoutUri() {
        return Arbitraries.of("Reachable", "Unreachable", "Removed", "Dancing", "")
                .map(st -> new Frame(
                        "contactStatusWithoutUri",
                        "Event: ContactStatus\r\nPrivilege: system,all\r\nContactStatus: " + st
                                + "\r\nAOR: 1009\r\nEndpointName: 1009\r\n\r\n",
                        true));
    }

    private static Arbitrary<Frame> badDeviceState() {
        return Arbitraries.strings()
                .alpha()
                .ofMinLength(3)
                .ofMaxLength(20)
                .filter(s -> !List.of(
                                "UNKNOWN", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD")
                        .contains(s))
                .map(st -> new Frame(
                        "badDeviceState",
                        "Event: DeviceStateChange\r\nPrivilege: call,all\r\nDevice: PJSIP/1009\r\nState: X" + st
                                + "\r\n\r\n",
                        true));
    }

    private static Arbitrary<Frame> oversizeContactStatus() {
        return Arbitraries.integers()
                .between(2_000, 1_000_000)
                .map(n -> new Frame(
                        "oversize",
                        "Event: ContactStatus\r\nPrivilege: system,all\r\nURI: sip:" + "x".repeat(n)
                                + "@127.0.0.1\r\nContactStatus: Reachable\r\nAOR: 1009\r\nEndpointName: 1009\r\n\r\n",
                        true));
    }

    /** A recorded event with one line dropped, one value replaced by random text, or bytes cut off. */
    private static Arbitrary<Frame> mutatedSeed() {
        Arbitrary<String> seed = Arbitraries.of(SEEDS);
        Arbitrary<Integer> where = Arbitraries.integers().between(0, 1000);
        Arbitrary<String> junk = Arbitraries.strings()
                .withCharRange('\u0001', '\u00ff')
                .ofMaxLength(40)
                .map(s -> s.replace("\r", "").replace("\n", ""));
        Arbitrary<Integer> how = Arbitraries.integers().between(0, 2);
        return Combinators.combine(seed, where, junk, how).as((s, w, j, h) -> {
            List<String> lines = new ArrayList<>(List.of(s.split("\r\n")));
            int i = 1 + w % (lines.size() - 1); // keep the Event line
            if (h == 0) {
                lines.remove(i);
            } else if (h == 1) {
                String name = lines.get(i).substring(0, lines.get(i).indexOf(':'));
                lines.set(i, name + ": " + j);
            } else {
                lines.set(i, lines.get(i).substring(0, Math.min(lines.get(i).length(), w % 12)));
            }
            return new Frame("mutated", String.join("\r\n", lines) + "\r\n\r\n", false);
        });
    }

    /**
     * A line that is no {@code Name: value} header is bad network input too (CONVENTIONS: counted and
     * logged once at WARN). asterisk-java skips it silently, so the source must count it itself.
     */
    @Example
    void amiLinesThatAreNoHeaderAreCounted() {
        long before = amiBad();
        pbx.faults().amiGarbageLine();
        pbx.faults().amiRaw("\u0000\u0001\u00ff binary junk\r\n\r\n");
        assertStillDelivers(amiRegistry, "AMI source");
        Poll.until(
                "2 garbage lines counted",
                Duration.ofSeconds(10),
                () -> amiBad() - before >= 2,
                () -> "counted " + (amiBad() - before) + " " + ami.counters());
    }

    @Property(tries = 6, shrinking = ShrinkingMode.OFF)
    void ariSourceSurvivesAndCountsGarbageFrames(@ForAll @IntRange(min = 1, max = 5) int garbage) {
        long before = ari.counters().getOrDefault("malformed", 0L);
        for (int i = 0; i < garbage; i++) {
            pbx.faults().ariGarbageFrame();
        }
        assertStillDelivers(ariRegistry, "ARI source");
        Poll.until(
                garbage + " garbage frames counted",
                WAIT,
                () -> ari.counters().getOrDefault("malformed", 0L) - before >= garbage,
                () -> ari.counters().toString());
    }

    @Example
    void truncatedFramesCostAReconnectNothingMore() {
        long amiReconnects = ami.counters().getOrDefault("reconnects", 0L);
        long ariReconnects = ari.counters().getOrDefault("reconnects", 0L);
        pbx.faults().amiTruncatedFrame();
        pbx.faults().ariTruncatedFrame();
        Poll.until(
                "both reconnected",
                WAIT,
                () -> ami.counters().getOrDefault("reconnects", 0L) > amiReconnects
                        && ari.counters().getOrDefault("reconnects", 0L) > ariReconnects
                        && ami.isConnected()
                        && ari.isConnected(),
                () -> ami.counters() + " " + ari.counters());
        assertStillDelivers(amiRegistry, "AMI source");
        assertStillDelivers(ariRegistry, "ARI source");
    }

    /** The ARI decoder on random and mutated JSON: never throws, and what is not an event is MALFORMED. */
    @Property(tries = 400)
    void ariDecoderNeverThrows(@ForAll("ariFrames") String frame) {
        AriEventDecoder decoder = AriEventDecoder.forApiVersion("10.0.0", List.of("PJSIP", "SIP"));
        AriEventDecoder.Result r = decoder.decode(frame);
        assertThat(r.outcome()).isNotNull();
        if (!frame.trim().startsWith("{")) {
            assertThat(r.outcome()).isEqualTo(AriEventDecoder.Outcome.MALFORMED);
        }
    }

    private static final List<String> ARI_SEEDS = List.of(
            "{\"type\":\"ContactStatusChange\",\"timestamp\":\"2026-11-26T05:32:55.618+0000\",\"endpoint\":"
                    + "{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"offline\",\"channel_ids\":[]},"
                    + "\"contact_info\":{\"uri\":\"sip:1001@127.0.0.1:5061\",\"contact_status\":\"NonQualified\","
                    + "\"aor\":\"1001\",\"roundtrip_usec\":\"0\"},\"asterisk_id\":\"02:00:00:00:00:01\","
                    + "\"application\":\"astreg\"}",
            "{\"type\":\"PeerStatusChange\",\"timestamp\":\"2026-11-26T05:32:55.619+0000\",\"endpoint\":"
                    + "{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"online\",\"channel_ids\":[]},"
                    + "\"peer\":{\"peer_status\":\"Reachable\"},\"asterisk_id\":\"02:00:00:00:00:01\","
                    + "\"application\":\"astreg\"}",
            "{\"type\":\"DeviceStateChanged\",\"application\":\"astreg\",\"timestamp\":"
                    + "\"2026-11-26T05:32:55.619+0000\",\"device_state\":{\"name\":\"PJSIP/1001\",\"state\":"
                    + "\"NOT_INUSE\"},\"asterisk_id\":\"02:00:00:00:00:01\"}",
            "{\"type\":\"EndpointStateChange\",\"timestamp\":\"2026-11-26T05:32:55.619+0000\",\"endpoint\":"
                    + "{\"technology\":\"PJSIP\",\"resource\":\"1001\",\"state\":\"online\",\"channel_ids\":"
                    + "[\"1\",\"2\"]},\"application\":\"astreg\"}");

    @Provide
    Arbitrary<String> ariFrames() {
        Arbitrary<String> random = Arbitraries.strings().ofMaxLength(300);
        Arbitrary<String> mutated = Combinators.combine(
                        Arbitraries.of(ARI_SEEDS),
                        Arbitraries.integers().between(0, 10_000),
                        Arbitraries.integers().between(0, 10_000),
                        Arbitraries.strings().ofMaxLength(20))
                .as((s, a, b, junk) -> {
                    int i = a % s.length();
                    int j = Math.min(s.length(), i + b % 30);
                    return s.substring(0, i) + junk + s.substring(j);
                });
        Arbitrary<String> typed = Combinators.combine(
                        Arbitraries.of(
                                "ContactStatusChange",
                                "PeerStatusChange",
                                "DeviceStateChanged",
                                "EndpointStateChange",
                                "StasisStart",
                                "Nope"),
                        Arbitraries.of("null", "1", "\"\"", "[]", "{}", "\"x\"", "{\"uri\":null}", "true"))
                .as((type, v) -> "{\"type\":\"" + type + "\",\"timestamp\":" + v + ",\"endpoint\":" + v
                        + ",\"contact_info\":" + v + ",\"peer\":" + v + ",\"device_state\":" + v + "}");
        return Arbitraries.oneOf(random, mutated, typed);
    }
}
