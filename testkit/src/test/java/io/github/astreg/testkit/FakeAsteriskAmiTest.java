package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeAsteriskAmiTest {
    static final Instant T0 = Instant.parse("2026-11-26T05:32:55.618230Z");
    static final Duration WAIT = Duration.ofSeconds(5);

    FakeAsterisk pbx;
    AmiTestClient client;

    @BeforeEach
    void setUp() {
        pbx = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .clock(Clock.fixed(T0, ZoneOffset.UTC))
                .build()
                .start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close();
        }
        pbx.close();
    }

    AmiTestClient loggedIn(String events) throws Exception {
        client = new AmiTestClient(pbx.amiPort());
        client.login("astreg", "astregpass", events);
        return client;
    }

    static List<String> names(List<Map<String, String>> events) {
        return events.stream().map(e -> e.get("Event")).collect(Collectors.toList());
    }

    @Test
    void bannerLoginFullyBootedAndSuccessfulAuth() throws Exception {
        client = new AmiTestClient(pbx.amiPort());
        assertThat(client.banner).isEqualTo("Asterisk Call Manager/11.0.0");
        String id = client.send("Login", "Username", "astreg", "Secret", "astregpass");
        Map<String, String> r = client.next(WAIT);
        assertThat(r)
                .containsEntry("Response", "Success")
                .containsEntry("ActionID", id)
                .containsEntry("Message", "Authentication accepted");
        assertThat(List.copyOf(r.keySet())).containsExactly("Response", "ActionID", "Message");
        Map<String, String> booted = client.next(WAIT);
        assertThat(List.copyOf(booted.keySet()))
                .containsExactly("Event", "Privilege", "Uptime", "LastReload", "Status");
        assertThat(booted).containsEntry("Status", "Fully Booted").containsEntry("Privilege", "system,all");
        Map<String, String> auth = client.next(WAIT);
        assertThat(auth)
                .containsEntry("Event", "SuccessfulAuth")
                .containsEntry("Service", "AMI")
                .containsEntry("AccountID", "astreg")
                .containsEntry("SystemName", "pbx1")
                .containsEntry("Timestamp", "1795671175.618230");
        assertThat(pbx.amiLogins()).isEqualTo(1);
    }

    @Test
    void wrongSecretIsRejectedAndConnectionClosed() throws Exception {
        client = new AmiTestClient(pbx.amiPort());
        String id = client.send("Login", "Username", "astreg", "Secret", "nope");
        assertThat(client.next(WAIT))
                .containsEntry("Response", "Error")
                .containsEntry("ActionID", id)
                .containsEntry("Message", "Authentication failed");
        PollUntil.poll(client::eof, Duration.ofSeconds(5));
        assertThat(pbx.amiLogins()).isZero();
    }

    @Test
    void md5ChallengeLogin() throws Exception {
        client = new AmiTestClient(pbx.amiPort());
        String cid = client.send("Challenge", "AuthType", "MD5");
        Map<String, String> ch = client.response(cid);
        assertThat(ch).containsEntry("Response", "Success").containsKey("Challenge");
        String key = md5(ch.get("Challenge") + "astregpass");
        String lid = client.send("Login", "AuthType", "MD5", "Username", "astreg", "Key", key, "Events", "off");
        assertThat(client.response(lid)).containsEntry("Message", "Authentication accepted");
        // Events: off -> no FullyBooted, no SuccessfulAuth
        String pid = client.send("Ping");
        Map<String, String> pong = client.next(WAIT);
        assertThat(pong)
                .containsEntry("Response", "Success")
                .containsEntry("ActionID", pid)
                .containsEntry("Ping", "Pong")
                .containsEntry("Timestamp", "1795671175.618230");
    }

    @Test
    void md5WithWrongKeyFails() throws Exception {
        client = new AmiTestClient(pbx.amiPort());
        client.response(client.send("Challenge", "AuthType", "MD5"));
        String lid = client.send("Login", "AuthType", "MD5", "Username", "astreg", "Key", md5("x"));
        assertThat(client.response(lid)).containsEntry("Message", "Authentication failed");
    }

    @Test
    void errorsLikeAsterisk() throws Exception {
        client = new AmiTestClient(pbx.amiPort());
        String id = client.send("CoreSettings");
        assertThat(client.response(id))
                .containsEntry("Response", "Error")
                .containsEntry("Message", "Permission denied");
        client.login("astreg", "astregpass", "off");
        String u = client.send("NoSuchAction");
        assertThat(client.response(u)).containsEntry("Message", "Invalid/unknown command");
        client.raw("this is garbage\r\n\r\n");
        assertThat(client.next(WAIT))
                .containsEntry("Response", "Error")
                .containsEntry("Message", "Missing action in request");
        client.raw("X-Long: " + "y".repeat(5000) + "\r\nAction: Ping\r\nActionID: after-long\r\n\r\n");
        assertThat(client.response("after-long")).containsEntry("Ping", "Pong");
        assertThat(pbx.amiBadInput()).isGreaterThanOrEqualTo(2);
        String e = client.send("Events");
        assertThat(client.response(e)).containsEntry("Message", "Invalid event mask");
    }

    @Test
    void coreSettingsAndCoreStatus() throws Exception {
        loggedIn("off");
        Map<String, String> s = client.response(client.send("CoreSettings"));
        assertThat(s)
                .containsEntry("AMIversion", "11.0.0")
                .containsEntry("AsteriskVersion", "22.10.1")
                .containsEntry("SystemName", "pbx1");
        Map<String, String> st = client.response(client.send("CoreStatus"));
        assertThat(st)
                .containsEntry("CoreStartupDate", "2026-11-26")
                .containsEntry("CoreStartupTime", "05:32:55")
                .containsEntry("CoreCurrentCalls", "0");
    }

    @Test
    void registrationBurstInRecordedOrder() throws Exception {
        loggedIn("on");
        client.drain(Duration.ofMillis(200));
        pbx.register(
                "1001",
                Registration.from("127.0.0.1", 5061)
                        .userAgent("sipp-astreg/1001")
                        .rtt(Duration.ofNanos(744_000)));
        List<Map<String, String>> ev = client.events(7);
        assertThat(names(ev))
                .containsExactly(
                        "ChallengeSent",
                        "SuccessfulAuth",
                        "ContactStatus",
                        "PeerStatus",
                        "ContactStatus",
                        "ExtensionStatus",
                        "DeviceStateChange");
        assertThat(List.copyOf(ev.get(2).keySet()))
                .containsExactly(
                        "Event",
                        "Privilege",
                        "Timestamp",
                        "SystemName",
                        "URI",
                        "ContactStatus",
                        "AOR",
                        "EndpointName",
                        "RoundtripUsec");
        assertThat(ev.get(2))
                .containsEntry("URI", "sip:1001@127.0.0.1:5061")
                .containsEntry("ContactStatus", "NonQualified")
                .containsEntry("RoundtripUsec", "0");
        assertThat(ev.get(3))
                .containsEntry("Peer", "PJSIP/1001")
                .containsEntry("PeerStatus", "Reachable")
                .containsEntry("ChannelType", "PJSIP");
        assertThat(ev.get(4)).containsEntry("ContactStatus", "Reachable").containsEntry("RoundtripUsec", "744");
        assertThat(ev.get(5))
                .containsEntry("Exten", "1001")
                .containsEntry("Status", "0")
                .containsEntry("StatusText", "Idle")
                .containsEntry("Hint", "PJSIP/1001")
                .containsEntry("Context", "internal");
        assertThat(ev.get(6)).containsEntry("Device", "PJSIP/1001").containsEntry("State", "NOT_INUSE");
        assertThat(ev.get(0))
                .containsEntry("RemoteAddress", "IPV4/UDP/127.0.0.1/5061")
                .containsEntry("AccountID", "1001");

        List<Map<String, String>> contacts = client.list(client.send("PJSIPShowContacts"));
        assertThat(contacts).hasSize(3);
        assertThat(contacts.get(1))
                .containsEntry("Event", "ContactList")
                .containsEntry("ViaAddr", "127.0.0.1")
                .containsEntry("ViaPort", "5061")
                .containsEntry("UserAgent", "sipp-astreg/1001")
                .containsEntry("ExpirationTime", Long.toString(T0.getEpochSecond() + 3600))
                .containsEntry("RoundtripUsec", "744")
                .containsEntry("Status", "Reachable")
                .containsEntry("RegServer", "pbx1")
                .containsEntry("Endpoint", "1001");
        assertThat(contacts.get(2))
                .containsEntry("Event", "ContactListComplete")
                .containsEntry("ListItems", "1");
    }

    @Test
    void unreachableRecoverUnregister() throws Exception {
        pbx.register("1001", Registration.from("127.0.0.1", 5064));
        loggedIn("on");
        client.drain(Duration.ofMillis(200));
        pbx.unreachable("1001");
        List<Map<String, String>> ev = client.events(4);
        assertThat(names(ev)).containsExactly("PeerStatus", "ContactStatus", "DeviceStateChange", "ExtensionStatus");
        assertThat(ev.get(1)).containsEntry("ContactStatus", "Unreachable").containsEntry("RoundtripUsec", "0");
        assertThat(ev.get(2)).containsEntry("State", "UNAVAILABLE");
        List<Map<String, String>> list = client.list(client.send("PJSIPShowContacts"));
        assertThat(list.get(1)).containsEntry("RoundtripUsec", "N/A").containsEntry("Status", "Unreachable");

        pbx.qualify("1001", Duration.ofNanos(456_000));
        ev = client.events(4);
        assertThat(names(ev)).containsExactly("PeerStatus", "ContactStatus", "ExtensionStatus", "DeviceStateChange");
        assertThat(ev.get(1)).containsEntry("RoundtripUsec", "456");

        pbx.qualify("1001", Duration.ofNanos(999_000)); // silent, only the list changes
        list = client.list(client.send("PJSIPShowContacts"));
        assertThat(names(list.subList(1, 2))).containsExactly("ContactList");
        assertThat(list.get(1)).containsEntry("RoundtripUsec", "999");

        pbx.unregister("1001");
        ev = client.events(6);
        assertThat(names(ev))
                .containsExactly(
                        "ChallengeSent",
                        "SuccessfulAuth",
                        "PeerStatus",
                        "DeviceStateChange",
                        "ExtensionStatus",
                        "ContactStatus");
        assertThat(ev.get(5)).containsEntry("ContactStatus", "Removed");
        assertThat(client.response(client.send("PJSIPShowContacts")))
                .containsEntry("Response", "Error")
                .containsEntry("Message", "No Contacts found");
    }

    @Test
    void contactReplacementSendsNewBeforeOldRemoved() throws Exception {
        pbx.register("1001", Registration.from("127.0.0.2", 5063));
        loggedIn("on");
        client.drain(Duration.ofMillis(200));
        pbx.register("1001", Registration.from("127.0.0.1", 5064));
        List<Map<String, String>> ev = client.events(5);
        assertThat(names(ev))
                .containsExactly("ChallengeSent", "SuccessfulAuth", "ContactStatus", "ContactStatus", "ContactStatus");
        assertThat(ev.subList(2, 5).stream().map(e -> e.get("URI") + " " + e.get("ContactStatus")))
                .containsExactly(
                        "sip:1001@127.0.0.1:5064 NonQualified",
                        "sip:1001@127.0.0.1:5064 Reachable",
                        "sip:1001@127.0.0.2:5063 Removed");
    }

    @Test
    void eventMaskFiltersCategories() throws Exception {
        loggedIn("system");
        client.drain(Duration.ofMillis(200));
        pbx.register("1002", Registration.from("127.0.0.1", 5062));
        List<Map<String, String>> ev = client.drain(Duration.ofMillis(300));
        assertThat(names(ev)).containsExactly("ContactStatus", "PeerStatus", "ContactStatus");
        String id = client.send("Events", "EventMask", "off");
        assertThat(client.response(id)).containsEntry("Events", "Off");
        pbx.unregister("1002");
        assertThat(client.drain(Duration.ofMillis(300))).isEmpty();
        id = client.send("Events", "EventMask", "call");
        assertThat(client.response(id)).containsEntry("Events", "On");
        pbx.register("1002", Registration.from("127.0.0.1", 5062));
        assertThat(names(client.drain(Duration.ofMillis(300)))).containsExactly("ExtensionStatus", "DeviceStateChange");
    }

    @Test
    void deviceAndExtensionStateLists() throws Exception {
        pbx.register("1001", Registration.from("127.0.0.1", 5061));
        loggedIn("off");
        List<Map<String, String>> d = client.list(client.send("DeviceStateList"));
        assertThat(d.get(0))
                .containsEntry("EventList", "start")
                .containsEntry("Message", "Device State Changes will follow");
        assertThat(d).hasSize(12);
        assertThat(d.get(1))
                .containsEntry("Event", "DeviceStateChange")
                .containsEntry("Device", "PJSIP/1001")
                .containsEntry("State", "NOT_INUSE")
                .doesNotContainKey("Privilege");
        assertThat(d.get(11)).containsEntry("Event", "DeviceStateListComplete").containsEntry("ListItems", "10");
        List<Map<String, String>> x = client.list(client.send("ExtensionStateList"));
        assertThat(x.get(1))
                .containsEntry("Event", "ExtensionStatus")
                .containsEntry("Exten", "1001")
                .containsEntry("Status", "0");
        assertThat(x.get(2)).containsEntry("Status", "4").containsEntry("StatusText", "Unavailable");
        assertThat(x.get(x.size() - 1))
                .containsEntry("Event", "ExtensionStateListComplete")
                .containsEntry("ListItems", "10");
        List<Map<String, String>> eps = client.list(client.send("PJSIPShowEndpoints"));
        assertThat(eps.get(1))
                .containsEntry("ObjectName", "1001")
                .containsEntry("DeviceState", "Not in use")
                .containsEntry("Contacts", "1001/sip:1001@127.0.0.1:5061,");
        List<Map<String, String>> one = client.list(client.send("PJSIPShowEndpoint", "Endpoint", "1001"));
        assertThat(names(one.subList(1, one.size())))
                .containsExactly(
                        "EndpointDetail",
                        "AuthDetail",
                        "TransportDetail",
                        "AorDetail",
                        "ContactStatusDetail",
                        "EndpointDetailComplete");
        assertThat(client.response(client.send("PJSIPShowEndpoint", "Endpoint", "9999")))
                .containsEntry("Message", "Unable to retrieve endpoint 9999");
    }

    @Test
    void noSystemNameNoTimestampByDefault() throws Exception {
        try (FakeAsterisk plain = FakeAsterisk.builder("plain").build().start();
                AmiTestClient c = new AmiTestClient(plain.amiPort())) {
            c.login("astreg", "astregpass", "system");
            c.drain(Duration.ofMillis(200));
            plain.register("1001", Registration.from("127.0.0.1", 5061));
            Map<String, String> cs = c.await(m -> "ContactStatus".equals(m.get("Event")));
            assertThat(cs).doesNotContainKeys("SystemName", "Timestamp");
        }
    }

    @Test
    void builderReportsAllProblems() {
        assertThatThrownBy(() -> FakeAsterisk.builder("bad node!")
                        .amiCredentials("", "")
                        .sipPeers("2001")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node must be")
                .hasMessageContaining("amiUser")
                .hasMessageContaining("amiSecret")
                .hasMessageContaining("needs chan_sip");
    }

    @Test
    void secretNeverInToString() {
        assertThat(pbx.toString()).doesNotContain("astregpass");
    }

    @Test
    void closeReleasesThreadsAndPort() throws Exception {
        loggedIn("on");
        int port = pbx.amiPort();
        assertThat(threads("astreg-fake-pbx1-")).isNotEmpty();
        pbx.close();
        pbx.close();
        PollUntil.poll(() -> threads("astreg-fake-pbx1-").isEmpty(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", port).close())
                .isInstanceOf(java.io.IOException.class);
    }

    static List<String> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith(prefix))
                .collect(Collectors.toList());
    }

    static String md5(String s) throws Exception {
        byte[] d = MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        return String.format("%032x", new BigInteger(1, d));
    }
}
