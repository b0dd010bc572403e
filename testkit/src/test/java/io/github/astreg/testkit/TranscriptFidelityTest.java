package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Replays every lab step of the real recordings against a fake node and compares, step by step,
 * what the fake sends with what Asterisk sent: live AMI events, AMI list answers, ARI websocket
 * events and ARI REST answers, each reduced to (name, field names, values that matter). Times,
 * ids, nonces, ports and RTT magnitudes are masked. The order of ContactStatus events and of each
 * channel's events is compared too; the order between unrelated events is not (it varies run to
 * run on real Asterisk).
 *
 * <p>Not compared (documented limits of the fake): ARI ChannelVarset/ChannelDialplan/StasisStart
 * and AMI VarSet/Newexten/NewConnectedLine/DialState/Bridge* events (the fake does not emit them),
 * the long tail of EndpointDetail/AuthDetail/TransportDetail fields (only their key values),
 * CoreShowChannel's Application fields, PJSIPShowRegistrationsInbound.
 */
class TranscriptFidelityTest {

    /** One scripted thing to do within a step. */
    interface Action {
        void run(Replay r) throws Exception;
    }

    static final Action SNAP = Replay::snapshot;

    static Action reg(String ep, String host, int port, long expires) {
        return r -> r.pbx.register(
                ep,
                Registration.from(host, port)
                        .userAgent("sipp-astreg/" + ep.replace("SIP/", ""))
                        .expires(expires)
                        .rtt(Duration.ofNanos(600_000)));
    }

    static Action reg(String ep, int port) {
        return reg(ep, "127.0.0.1", port, 3600);
    }

    static Action unreg(String ep) {
        return r -> r.pbx.unregister(ep);
    }

    static Action call(String name, String from, String to) {
        return r -> r.calls.put(name, r.pbx.call(from, to));
    }

    static Action on(String name, String what) {
        return r -> {
            Call c = r.calls.get(name);
            switch (what) {
                case "answer":
                    c.answer();
                    break;
                case "hold":
                    c.hold();
                    break;
                case "unhold":
                    c.unhold();
                    break;
                default:
                    c.hangup();
            }
        };
    }

    /** Runs one recording. */
    final class Replay {
        final FakeAsterisk pbx;
        final String restPrefix;
        final String restDir;
        final Map<String, Call> calls = new HashMap<>();
        final List<String> diffs = new ArrayList<>();
        final List<AmiTestClient> amis = new ArrayList<>();
        final Map<String, List<AriTestClient>> aris = new LinkedHashMap<>();
        final Map<String, List<String>> ariSubscriptions;
        List<Map<String, String>> recordedStep;
        String stepId;
        /** Per step: recorded ActionID -> fake ActionID, in order. */
        final Map<String, List<String[]>> actionPairs = new LinkedHashMap<>();

        Replay(FakeAsterisk pbx, String restPrefix, String restDir, Map<String, List<String>> ariApps)
                throws Exception {
            this.pbx = pbx;
            this.restPrefix = restPrefix;
            this.restDir = restDir;
            this.ariSubscriptions = ariApps;
            connect();
        }

        void connect() throws Exception {
            AmiTestClient c = new AmiTestClient(pbx.amiPort());
            c.login("astreg", "astregpass", "on");
            amis.add(c);
            for (Map.Entry<String, List<String>> app : ariSubscriptions.entrySet()) {
                boolean all = app.getValue().isEmpty();
                AriTestClient a = new AriTestClient(pbx).connect(app.getKey(), all);
                for (String src : app.getValue()) {
                    HttpResponse<String> r =
                            a.request("POST", "/ari/applications/" + app.getKey() + "/subscription?eventSource=" + src);
                    assertThat(r.statusCode()).isEqualTo(200);
                }
                aris.computeIfAbsent(app.getKey(), k -> new ArrayList<>()).add(a);
            }
        }

        /** The lab's restart (core stop now, then start): the clients see the close and reconnect. */
        void restartAndReconnect() throws Exception {
            pbx.shutdown();
            pbx.start();
            PollUntil.poll(() -> ami().eof(), Duration.ofSeconds(5));
            connect();
        }

        AmiTestClient ami() {
            return amis.get(amis.size() - 1);
        }

        /** Sends the list actions the recorder sent in this step and compares the ARI REST snapshots. */
        void snapshot() throws Exception {
            List<String[]> pairs = actionPairs.computeIfAbsent(stepId, k -> new ArrayList<>());
            for (Map<String, String> m : recordedStep) {
                if (!m.containsKey("Response")) {
                    continue;
                }
                String[] action = inferAction(m);
                if (action == null) {
                    continue;
                }
                String[] kv = new String[action.length - 1];
                System.arraycopy(action, 1, kv, 0, kv.length);
                String id = ami().send(action[0], kv);
                Map<String, String> resp = ami().response(id);
                if ("start".equals(resp.get("EventList"))) {
                    ami().await(x -> id.equals(x.get("ActionID")) && "Complete".equals(x.get("EventList")));
                }
                pairs.add(new String[] {m.get("ActionID"), id});
            }
            compareRest();
        }

        private String[] inferAction(Map<String, String> m) {
            String msg = m.getOrDefault("Message", "");
            String rid = m.get("ActionID");
            if (m.containsKey("AMIversion")) {
                return new String[] {"CoreSettings"};
            }
            if (m.containsKey("CoreStartupDate")) {
                return new String[] {"CoreStatus"};
            }
            switch (msg) {
                case "A listing of Endpoints follows, presented as EndpointList events":
                    return new String[] {"PJSIPShowEndpoints"};
                case "Following are Events for each object associated with the Endpoint":
                    for (Map<String, String> x : recordedStep) {
                        if (rid.equals(x.get("ActionID")) && "EndpointDetail".equals(x.get("Event"))) {
                            return new String[] {"PJSIPShowEndpoint", "Endpoint", x.get("ObjectName")};
                        }
                    }
                    return null;
                case "A listing of AORs follows, presented as AorList events":
                    return new String[] {"PJSIPShowAors"};
                case "A listing of Contacts follows, presented as ContactList events":
                case "No Contacts found":
                    return new String[] {"PJSIPShowContacts"};
                case "Following are Events for each Inbound registration":
                    return new String[] {"PJSIPShowRegistrationsInbound"};
                case "Following are ContactStatusEvents for each Inbound registration":
                    return new String[] {"PJSIPShowRegistrationInboundContactStatuses"};
                case "Device State Changes will follow":
                    return new String[] {"DeviceStateList"};
                case "Extension Statuses will follow":
                    return new String[] {"ExtensionStateList"};
                case "Channels will follow":
                    return new String[] {"CoreShowChannels"};
                case "Peer status list will follow":
                    return new String[] {"SIPpeers"};
                default:
                    return null;
            }
        }

        private void compareRest() throws Exception {
            String prefix = restPrefix + "-" + stepId.substring(0, stepId.indexOf('-')) + "-";
            List<String> files = Transcript.resource(restDir + "/index.txt")
                    .lines()
                    .filter(f -> f.startsWith(prefix))
                    .collect(Collectors.toList());
            AriTestClient rest = new AriTestClient(pbx);
            for (String f : files) {
                JsonNode rec = Transcript.JSON.readTree(Transcript.resource(restDir + "/" + f));
                String path = rec.path("request").asText().substring(4);
                HttpResponse<String> r = rest.request("GET", path);
                String where = stepId + " REST " + path;
                if (r.statusCode() != rec.path("status").asInt()) {
                    diffs.add(where + ": status " + r.statusCode() + " != recorded " + rec.path("status"));
                    continue;
                }
                String mine = reduceRest(path, Transcript.JSON.readTree(r.body()));
                String theirs = reduceRest(path, rec.path("body"));
                if (!mine.equals(theirs)) {
                    diffs.add(where + ":\n    fake:     " + mine + "\n    recorded: " + theirs);
                }
            }
        }
    }

    static String reduceRest(String path, JsonNode body) {
        if (path.startsWith("/ari/asterisk/info")) {
            return body.at("/system/version").asText() + " "
                    + body.at("/system/entity_id").asText() + " "
                    + body.at("/config/name").asText() + " " + shape(body);
        }
        if (path.startsWith("/ari/api-docs")) {
            JsonNode copy = body.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) copy).remove("basePath");
            return copy.toString();
        }
        if (path.startsWith("/ari/channels")) {
            List<String> out = new ArrayList<>();
            for (JsonNode c : body) {
                out.add(c.path("name").asText() + " " + c.path("state").asText() + " " + shape(c));
            }
            Collections.sort(out); // Asterisk lists channels in hash order
            return out.toString();
        }
        if (path.startsWith("/ari/endpoints")) {
            List<String> out = new ArrayList<>();
            for (JsonNode e :
                    body.isArray() ? body : Transcript.JSON.createArrayNode().add(body)) {
                out.add(e.path("technology").asText() + "/" + e.path("resource").asText() + " "
                        + e.path("state").asText() + " ch="
                        + e.path("channel_ids").size() + " " + shape(e));
            }
            return out.toString();
        }
        return body.toString();
    }

    /** The field names of an object, recursively, without values. */
    static String shape(JsonNode n) {
        if (!n.isObject()) {
            return n.isArray() ? "[]" : "";
        }
        TreeMap<String, String> m = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), shape(e.getValue()));
        }
        return m.toString();
    }

    // ------------------------------------------------------------------ the four recordings

    static Map<String, List<Action>> pbx1Script() {
        Map<String, List<Action>> s = new HashMap<>();
        s.put("01-register-1001", List.of(reg("1001", 5061), SNAP));
        s.put("03-register-1002", List.of(reg("1002", 5062), SNAP));
        s.put(
                "03b-register-1005-with-2-refreshes",
                List.of(
                        reg("1005", 5069),
                        r -> r.pbx.refresh("1005"),
                        r -> r.pbx.refresh("1005"),
                        unreg("1005"),
                        SNAP));
        s.put("04-call-1001-to-600-echo", List.of(call("c1", "1001", "600"), SNAP));
        s.put("04a-snapshot-during-echo-call", List.of(SNAP, on("c1", "hold")));
        s.put("04b-snapshot-while-on-hold", List.of(SNAP, on("c1", "unhold"), on("c1", "hangup")));
        s.put("05-call-1001-to-1002", List.of(call("c2", "1001", "1002"), SNAP));
        s.put("05a-snapshot-while-1002-ringing", List.of(SNAP, on("c2", "answer")));
        s.put("05b-snapshot-1001-1002-connected", List.of(SNAP, on("c2", "hold")));
        s.put("05c-snapshot-1001-holds-1002", List.of(SNAP, on("c2", "unhold"), on("c2", "hangup")));
        s.put("06-unregister-1001", List.of(unreg("1001"), SNAP));
        s.put("07-reregister-1001-from-127.0.0.2:5063", List.of(reg("1001", "127.0.0.2", 5063, 3600), SNAP));
        s.put("08-register-1001-from-127.0.0.1:5064-while-5063-registered", List.of(reg("1001", 5064), SNAP));
        s.put("09-qualify-fail-1001", List.of(r -> r.pbx.unreachable("1001"), SNAP));
        s.put("10-qualify-recover-1001", List.of(r -> r.pbx.qualify("1001", Duration.ofNanos(456_000)), SNAP));
        s.put("10a-unregister-1001-from-5064", List.of(unreg("1001"), SNAP));
        s.put(
                "11-register-1003-expires-20-never-refreshed",
                List.of(reg("1003", "127.0.0.1", 5065, 20), r -> r.pbx.expire("1003"), SNAP));
        s.put("14-module-reload-res_pjsip-on-pbx1", List.of(r -> r.pbx.reloadPjsip(), SNAP));
        s.put("15-cleanup-unregister-all", List.of(unreg("1002"), SNAP));
        return s;
    }

    static FakeAsterisk.Builder lab(String node, String entity) {
        return FakeAsterisk.builder(node)
                .systemName(node)
                .timestampEvents(true)
                .entityId(entity)
                .staticContactEndpoint("trunk1", "sip:trunk1@127.0.0.1:5999")
                .pjsipEndpoints(1001, 1010);
    }

    @Test
    void pbx1MatchesRecording() throws Exception {
        List<String> diffs = replay(
                lab("pbx1", "02:00:00:00:00:01").build(),
                "ami-pjsip.txt",
                Map.of("astreg", List.of("ari-events.jsonl")),
                Map.of("astreg", List.of()),
                "pbx1",
                "ari-rest",
                pbx1Script());
        assertThat(diffs).as(String.join("\n", diffs)).isEmpty();
    }

    @Test
    void pbx2MatchesRecording() throws Exception {
        Map<String, List<Action>> s = new HashMap<>();
        s.put("12-move-1001-to-pbx2", List.of(reg("1001", 5066), SNAP));
        s.put("13-1002-registered-on-both-nodes", List.of(reg("1002", 5067), SNAP));
        s.put("15-cleanup-unregister-all", List.of(unreg("1001"), unreg("1002"), SNAP));
        List<String> diffs = replay(
                lab("pbx2", "02:00:00:00:00:02").sipPort(5070).build(),
                "ami-pjsip-pbx2.txt",
                Map.of("astreg", List.of("ari-events-pbx2.jsonl")),
                Map.of("astreg", List.of()),
                "pbx2",
                "ari-rest",
                s);
        assertThat(diffs).as(String.join("\n", diffs)).isEmpty();
    }

    /** The comparison is not vacuous: a fake configured unlike the lab (no timestamps, wrong port) fails. */
    @Test
    void driftFromTheRecordingIsDetected() throws Exception {
        Map<String, List<Action>> s = new HashMap<>();
        s.put("12-move-1001-to-pbx2", List.of(reg("1001", 5066), SNAP));
        s.put("13-1002-registered-on-both-nodes", List.of(reg("1002", 5067), SNAP));
        s.put("15-cleanup-unregister-all", List.of(unreg("1001"), SNAP)); // 1002 never unregisters
        FakeAsterisk drifting = FakeAsterisk.builder("pbx2")
                .systemName("pbx2")
                .entityId("02:00:00:00:00:02")
                .staticContactEndpoint("trunk1", "sip:trunk1@127.0.0.1:5999")
                .pjsipEndpoints(1001, 1010)
                .sipPort(5070)
                .build();
        List<String> diffs = replay(
                drifting,
                "ami-pjsip-pbx2.txt",
                Map.of("astreg", List.of("ari-events-pbx2.jsonl")),
                Map.of("astreg", List.of()),
                "pbx2",
                "ari-rest",
                s);
        String all = String.join("\n", diffs);
        assertThat(all).contains("AMI live events").contains("Timestamp=*"); // timestampevents off
        assertThat(all).contains("15-cleanup-unregister-all ARI(astreg) events");
        assertThat(all).contains("recorded, not sent: PeerStatusChange");
    }

    @Test
    void restartMatchesRecording() throws Exception {
        Map<String, List<Action>> s = new HashMap<>();
        s.put("17-register-1004-then-restart-pbx1", List.of(reg("1004", 5068), SNAP));
        s.put("17a-core-stop-now", List.of(Replay::restartAndReconnect));
        s.put(
                "17b-reconnected-after-restart",
                List.of(SNAP, r -> r.pbx.unreachable("trunk1"), r -> r.pbx.qualify("1004", Duration.ofNanos(670_000))));
        s.put("17c-stop-phone-1004-and-unregister", List.of(unreg("1004"), SNAP));
        List<String> diffs = replay(
                lab("pbx1", "02:00:00:00:00:01").build(),
                "ami-pjsip-restart.txt",
                Map.of("astreg", List.of("ari-events-restart.jsonl")),
                Map.of("astreg", List.of()),
                "pbx1",
                "ari-rest",
                s);
        assertThat(diffs).as(String.join("\n", diffs)).isEmpty();
    }

    @Test
    void asterisk20MatchesRecording() throws Exception {
        Map<String, List<Action>> s = new HashMap<>();
        s.put("00-baseline", List.of(r -> r.pbx.unreachable("trunk1"), SNAP));
        s.put("01-register-PJSIP-1001", List.of(reg("1001", 5101), SNAP));
        s.put("02-register-chan_sip-2001", List.of(reg("SIP/2001", 5102), SNAP));
        s.put(
                "04-call-chan_sip-2001-to-600",
                List.of(call("c", "SIP/2001", "600"), SNAP, on("c", "hold"), on("c", "unhold"), on("c", "hangup")));
        s.put(
                "05-call-PJSIP-1001-to-600",
                List.of(call("d", "1001", "600"), on("d", "hold"), on("d", "unhold"), on("d", "hangup"), SNAP));
        s.put("06-unregister-chan_sip-2001", List.of(unreg("SIP/2001"), SNAP));
        s.put("07-unregister-PJSIP-1001", List.of(unreg("1001"), SNAP));
        s.put(
                "08-chan_sip-2002-register-then-stop-answering-OPTIONS",
                List.of(reg("SIP/2002", 5103), r -> r.pbx.unreachable("SIP/2002"), SNAP));
        s.put(
                "08a-chan_sip-2002-qualify-recovers",
                List.of(r -> r.pbx.qualify("SIP/2002", Duration.ofMillis(2)), unreg("SIP/2002"), SNAP));
        s.put(
                "09-PJSIP-1002-register-then-stop-answering-OPTIONS",
                List.of(reg("1002", 5104), r -> r.pbx.unreachable("1002"), unreg("1002"), SNAP));
        s.put(
                "10-chan_sip-2003-register-Expires-20-never-refreshed",
                List.of(reg("SIP/2003", "127.0.0.1", 5105, 20), SNAP));
        s.put("11-final-snapshot", List.of(r -> r.pbx.expire("SIP/2003"), SNAP));
        FakeAsterisk pbx = lab("pbx3", "02:00:00:00:00:03")
                .version(AsteriskVersion.ASTERISK_20)
                .sipPort(5080)
                .sipPeers("2001", "2002", "2003")
                .build();
        Map<String, List<String>> apps = new LinkedHashMap<>();
        apps.put("astreg", List.of());
        apps.put("astreg_ep", List.of("endpoint:SIP", "endpoint:PJSIP"));
        List<String> diffs = replay(
                pbx,
                "ast20/ami-ast20.txt",
                Map.of(
                        "astreg", List.of("ast20/ari-events-ast20.jsonl"),
                        "astreg_ep", List.of("ast20/ari-events-ast20-endpoint-sub.jsonl")),
                apps,
                "pbx3",
                "ast20/ari-rest",
                s);
        assertThat(diffs).as(String.join("\n", diffs)).isEmpty();
    }

    /**
     * ari-subscription-experiment.jsonl: four applications on one Asterisk 22 (endpoint:PJSIP,
     * endpoint:PJSIP/1006, deviceState:, subscribeAll) watch register, call + hold, qualify failure
     * and unregister of 1006. Each application must get exactly what it got on the real node.
     */
    @Test
    void ariSubscriptionSemanticsMatchRecording() throws Exception {
        Map<String, List<String>> apps = new LinkedHashMap<>();
        apps.put("astreg_tech", List.of("endpoint:PJSIP"));
        apps.put("astreg_ep", List.of("endpoint:PJSIP/1006"));
        apps.put("astreg_dev", List.of("deviceState:"));
        apps.put("astreg_all", List.of());
        List<Action> segments = List.of(
                reg("1006", 5071),
                r -> {
                    Call c = r.pbx.call("1006", "600");
                    c.hold().unhold().hangup();
                },
                r -> r.pbx.unreachable("1006"),
                unreg("1006"));
        // the recording: "_lab_note" lines separate the segments; the first notes are the subscriptions
        Map<String, List<List<String>>> recorded = new LinkedHashMap<>();
        apps.keySet().forEach(a -> recorded.put(a, new ArrayList<>()));
        int segment = -1;
        for (JsonNode n : Transcript.parseJsonl(Transcript.resource("ari-subscription-experiment.jsonl"))) {
            if (n.has("_lab_note")) {
                String note = n.path("_lab_note").asText();
                if (!note.startsWith("POST") && !note.startsWith("GET") && !note.equals("done")) {
                    segment++;
                    for (List<List<String>> l : recorded.values()) {
                        l.add(new ArrayList<>());
                    }
                }
                continue;
            }
            String app = n.path("application").asText();
            if (segment >= 0
                    && recorded.containsKey(app)
                    && Transcript.ARI_TYPES.contains(n.path("type").asText())) {
                recorded.get(app).get(segment).add(Transcript.reduceAri(n));
            }
        }
        assertThat(segment + 1).isEqualTo(segments.size());
        List<String> diffs = new ArrayList<>();
        try (FakeAsterisk pbx = lab("pbx1", "02:00:00:00:00:01").build().start()) {
            Replay r = new Replay(pbx, "pbx1", "ari-rest", apps);
            try {
                for (int i = 0; i < segments.size(); i++) {
                    pbx.userEvent("LabStep", Map.of("Step", "segment-" + i));
                    segments.get(i).run(r);
                }
                Thread.sleep(300);
                for (String app : apps.keySet()) {
                    List<JsonNode> mine = new ArrayList<>();
                    for (AriTestClient a : r.aris.get(app)) {
                        synchronized (a.raw) {
                            for (String t : a.raw) {
                                mine.add(Transcript.JSON.readTree(t));
                            }
                        }
                    }
                    Map<String, List<JsonNode>> bySegment = Transcript.ariSteps(mine);
                    for (int i = 0; i < segments.size(); i++) {
                        List<String> got = bySegment.getOrDefault("segment-" + i, List.of()).stream()
                                .filter(n -> Transcript.ARI_TYPES.contains(
                                        n.path("type").asText()))
                                .map(Transcript::reduceAri)
                                .collect(Collectors.toList());
                        multiset(
                                "segment " + i + " app " + app,
                                got,
                                recorded.get(app).get(i),
                                diffs);
                    }
                }
            } finally {
                for (AmiTestClient c : r.amis) {
                    c.close();
                }
                for (List<AriTestClient> l : r.aris.values()) {
                    l.forEach(AriTestClient::close);
                }
            }
        }
        assertThat(diffs).as(String.join("\n", diffs)).isEmpty();
    }

    // ------------------------------------------------------------------ the replay and the comparison

    List<String> replay(
            FakeAsterisk fake,
            String amiFile,
            Map<String, List<String>> ariFiles,
            Map<String, List<String>> ariApps,
            String restPrefix,
            String restDir,
            Map<String, List<Action>> script)
            throws Exception {
        LinkedHashMap<String, List<Map<String, String>>> recorded =
                Transcript.amiSteps(Transcript.parseAmi(Transcript.resource(amiFile)));
        List<String> fullSteps = new ArrayList<>();
        for (Map<String, String> m : Transcript.parseAmi(Transcript.resource(amiFile))) {
            if ("LabStep".equals(m.get("UserEvent"))) {
                fullSteps.add(m.get("Step"));
            }
        }
        try (FakeAsterisk pbx = fake.start()) {
            Replay r = new Replay(pbx, restPrefix, restDir, ariApps);
            try {
                for (String full : fullSteps) {
                    String id = Transcript.stepId(full);
                    r.stepId = id;
                    r.recordedStep = recorded.get(id);
                    pbx.userEvent("LabStep", Map.of("Step", full));
                    for (Action a : script.getOrDefault(id, List.of(SNAP))) {
                        a.run(r);
                    }
                }
                // let the last events arrive
                Thread.sleep(300);
                List<Map<String, String>> fakeAmi = new ArrayList<>();
                for (AmiTestClient c : r.amis) {
                    fakeAmi.addAll(c.log);
                }
                compareAmi(recorded, Transcript.amiSteps(fakeAmi), r);
                comparePreamble(Transcript.parseAmi(Transcript.resource(amiFile)), r.amis.get(0).log, r.diffs);
                for (Map.Entry<String, List<String>> app : ariFiles.entrySet()) {
                    List<JsonNode> rec = new ArrayList<>();
                    for (String f : app.getValue()) {
                        rec.addAll(Transcript.parseJsonl(Transcript.resource(f)));
                    }
                    List<JsonNode> mine = new ArrayList<>();
                    for (AriTestClient a : r.aris.get(app.getKey())) {
                        synchronized (a.raw) {
                            for (String t : a.raw) {
                                mine.add(Transcript.JSON.readTree(t));
                            }
                        }
                    }
                    compareAri(app.getKey(), Transcript.ariSteps(rec), Transcript.ariSteps(mine), r.diffs);
                }
            } finally {
                for (AmiTestClient c : r.amis) {
                    c.close();
                }
                for (List<AriTestClient> l : r.aris.values()) {
                    l.forEach(AriTestClient::close);
                }
            }
            return r.diffs;
        }
    }

    private static void compareAmi(
            Map<String, List<Map<String, String>>> recorded, Map<String, List<Map<String, String>>> fake, Replay r) {
        for (Map.Entry<String, List<Map<String, String>>> e : recorded.entrySet()) {
            String step = e.getKey();
            List<Map<String, String>> mine = fake.getOrDefault(step, List.of());
            List<Map<String, String>> rec = e.getValue();
            List<String> recLive = rec.stream()
                    .filter(Transcript::isLive)
                    .map(Transcript::reduceAmi)
                    .collect(Collectors.toList());
            List<String> myLive = mine.stream()
                    .filter(Transcript::isLive)
                    .map(Transcript::reduceAmi)
                    .collect(Collectors.toList());
            multiset(step + " AMI live events", myLive, recLive, r.diffs);
            ordered(step + " AMI ContactStatus order", myLive, recLive, "Event:ContactStatus", r.diffs);
            for (String chan : channels(recLive)) {
                ordered(step + " AMI order of " + chan, myLive, recLive, "Channel=" + chan + ",", r.diffs);
            }
            for (String[] pair : r.actionPairs.getOrDefault(step, List.of())) {
                List<String> recList = listOf(rec, pair[0]);
                List<String> myList = listOf(mine, pair[1]);
                multiset(step + " AMI list " + recList.get(0), myList, recList, r.diffs);
            }
        }
    }

    /** The login: response, FullyBooted (no Timestamp/SystemName) and the AMI SuccessfulAuth. */
    private static void comparePreamble(
            List<Map<String, String>> recorded, List<Map<String, String>> mine, List<String> diffs) {
        multiset("login preamble", preamble(mine), preamble(recorded), diffs);
    }

    private static List<String> preamble(List<Map<String, String>> msgs) {
        List<String> out = new ArrayList<>();
        for (Map<String, String> m : msgs) {
            if ("LabStep".equals(m.get("UserEvent"))) {
                break;
            }
            if ("Authentication accepted".equals(m.get("Message"))
                    || "FullyBooted".equals(m.get("Event"))
                    || ("SuccessfulAuth".equals(m.get("Event")) && "AMI".equals(m.get("Service")))) {
                Map<String, String> copy = new LinkedHashMap<>(m);
                copy.replace("LocalAddress", "<ami address>");
                out.add(Transcript.reduceAmi(copy));
            }
            if (out.size() == 3) {
                break;
            }
        }
        return out;
    }

    private static List<String> channels(List<String> reduced) {
        List<String> out = new ArrayList<>();
        for (String s : reduced) {
            int i = s.indexOf(", Channel=");
            if (i < 0) {
                i = s.indexOf("{Channel=");
            }
            if (i >= 0) {
                String rest = s.substring(s.indexOf("Channel=", i) + 8);
                String ch = rest.substring(0, rest.indexOf(','));
                if (!out.contains(ch)) {
                    out.add(ch);
                }
            }
        }
        return out;
    }

    private static final List<String> DETAIL_KEYS = List.of(
            "ObjectType",
            "ObjectName",
            "DeviceState",
            "ActiveChannels",
            "Context",
            "Aors",
            "Username",
            "Protocol",
            "Bind",
            "EndpointName",
            "Channel",
            "ChannelState",
            "CallerIDNum",
            "Exten");

    private static List<String> listOf(List<Map<String, String>> msgs, String actionId) {
        List<String> out = new ArrayList<>();
        for (Map<String, String> m : msgs) {
            if (!actionId.equals(m.get("ActionID"))) {
                continue;
            }
            String ev = m.getOrDefault("Event", "");
            if (ev.equals("EndpointDetail")
                    || ev.equals("AuthDetail")
                    || ev.equals("TransportDetail")
                    || ev.equals("CoreShowChannel")
                    || ev.equals("InboundRegistrationDetail")) {
                out.add(Transcript.reduceAmiKeys(m, DETAIL_KEYS));
            } else if (m.containsKey("CoreStartupDate")) {
                out.add("CoreStatus" + new TreeMap<>(Map.of("CoreCurrentCalls", m.get("CoreCurrentCalls"))));
            } else if (m.containsKey("Response") && m.containsKey("Message")) {
                out.add("Response:" + m.get("Response") + " " + m.get("Message") + " "
                        + m.getOrDefault("EventList", ""));
            } else {
                out.add(Transcript.reduceAmi(m));
            }
        }
        if (out.isEmpty()) {
            out.add("<nothing for " + actionId + ">");
        }
        return out;
    }

    private static void compareAri(
            String app, Map<String, List<JsonNode>> recorded, Map<String, List<JsonNode>> fake, List<String> diffs) {
        for (Map.Entry<String, List<JsonNode>> e : recorded.entrySet()) {
            String step = e.getKey();
            List<String> rec = e.getValue().stream()
                    .filter(n -> Transcript.ARI_TYPES.contains(n.path("type").asText()))
                    .map(Transcript::reduceAri)
                    .collect(Collectors.toList());
            List<String> mine = fake.getOrDefault(step, List.of()).stream()
                    .filter(n -> Transcript.ARI_TYPES.contains(n.path("type").asText()))
                    .map(Transcript::reduceAri)
                    .collect(Collectors.toList());
            multiset(step + " ARI(" + app + ") events", mine, rec, diffs);
            ordered(step + " ARI(" + app + ") ContactStatusChange order", mine, rec, "ContactStatusChange", diffs);
        }
    }

    private static void multiset(String where, List<String> mine, List<String> recorded, List<String> diffs) {
        List<String> missing = new ArrayList<>(recorded);
        List<String> extra = new ArrayList<>();
        for (String m : mine) {
            if (!missing.remove(m)) {
                extra.add(m);
            }
        }
        if (!missing.isEmpty() || !extra.isEmpty()) {
            Collections.sort(missing);
            Collections.sort(extra);
            StringBuilder sb = new StringBuilder(where).append(':');
            missing.forEach(x -> sb.append("\n    recorded, not sent: ").append(x));
            extra.forEach(x -> sb.append("\n    sent, not recorded: ").append(x));
            diffs.add(sb.toString());
        }
    }

    private static void ordered(
            String where, List<String> mine, List<String> recorded, String marker, List<String> diffs) {
        UnaryOperator<List<String>> pick = l -> l.stream()
                .filter(x -> x.startsWith(marker) || x.contains(marker))
                .collect(Collectors.toList());
        List<String> a = pick.apply(mine);
        List<String> b = pick.apply(recorded);
        if (!a.equals(b) && a.size() == b.size()) {
            diffs.add(where + ":\n    fake:     " + a + "\n    recorded: " + b);
        }
    }
}
