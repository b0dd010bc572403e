package io.github.astreg.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the real recordings (copied to test resources) and reduces AMI messages and ARI events to
 * comparable strings: event name, every field name, and the values that matter (times, ids, ports
 * and RTT magnitudes are masked).
 */
final class Transcript {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Live AMI events the fake emits and the recordings are compared on. */
    static final Set<String> AMI_LIVE = Set.of(
            "ContactStatus",
            "PeerStatus",
            "DeviceStateChange",
            "ExtensionStatus",
            "Newchannel",
            "Newstate",
            "DialBegin",
            "DialEnd",
            "Hold",
            "Unhold",
            "Hangup",
            "Reload",
            "Shutdown",
            "ChallengeSent",
            "SuccessfulAuth");

    /** ARI event types the fake emits (ChannelVarset, ChannelDialplan, StasisStart... are not emitted). */
    static final Set<String> ARI_TYPES = Set.of(
            "ContactStatusChange",
            "PeerStatusChange",
            "DeviceStateChanged",
            "EndpointStateChange",
            "ChannelCreated",
            "ChannelStateChange",
            "ChannelDestroyed",
            "ChannelHangupRequest",
            "ChannelHold",
            "ChannelUnhold",
            "Dial",
            "ChannelConnectedLine",
            "BridgeCreated",
            "BridgeDestroyed",
            "ChannelEnteredBridge",
            "ChannelLeftBridge");

    /** Values that differ run to run: times, ids, nonces, expiry instants. */
    static final Set<String> VOLATILE = Set.of(
            "Timestamp",
            "EventTV",
            "SessionTV",
            "SessionID",
            "Uniqueid",
            "Linkedid",
            "DestUniqueid",
            "DestLinkedid",
            "Challenge",
            "ActionID",
            "Uptime",
            "LastReload",
            "ExpirationTime",
            "RegExpire",
            "CallID",
            "CallId",
            "ID",
            "CoreStartupDate",
            "CoreStartupTime",
            "CoreReloadDate",
            "CoreReloadTime",
            "Duration");

    private Transcript() {}

    static String resource(String path) throws IOException {
        try (InputStream in = Transcript.class.getResourceAsStream("/transcripts/" + path)) {
            if (in == null) {
                throw new IOException("missing test resource transcripts/" + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** AMI messages of a recording, in order (banner lines dropped). */
    static List<Map<String, String>> parseAmi(String text) {
        List<Map<String, String>> out = new ArrayList<>();
        Map<String, String> cur = new LinkedHashMap<>();
        for (String raw : text.replace("\r", "").split("\n", -1)) {
            if (raw.isEmpty()) {
                if (!cur.isEmpty()) {
                    out.add(cur);
                    cur = new LinkedHashMap<>();
                }
                continue;
            }
            if (raw.startsWith("Asterisk Call Manager/")) {
                continue;
            }
            int c = raw.indexOf(':');
            String k = c < 0 ? raw : raw.substring(0, c);
            String v = c < 0 ? "" : raw.substring(c + 1).strip();
            cur.put(cur.containsKey(k) ? k + "#" + cur.size() : k, v);
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    static List<JsonNode> parseJsonl(String text) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    /** The step id: the text of a LabStep up to the first space ("01-register-1001"). */
    static String stepId(String step) {
        int sp = step.indexOf(' ');
        return sp < 0 ? step : step.substring(0, sp);
    }

    /** Splits AMI messages at LabStep user events; messages before the first step are dropped. */
    static LinkedHashMap<String, List<Map<String, String>>> amiSteps(List<Map<String, String>> msgs) {
        LinkedHashMap<String, List<Map<String, String>>> out = new LinkedHashMap<>();
        List<Map<String, String>> cur = null;
        for (Map<String, String> m : msgs) {
            if ("UserEvent".equals(m.get("Event")) && "LabStep".equals(m.get("UserEvent"))) {
                cur = new ArrayList<>();
                out.put(stepId(m.get("Step")), cur);
                continue;
            }
            if (cur != null) {
                cur.add(m);
            }
        }
        return out;
    }

    /** Splits ARI events at LabStep ChannelUserevents. */
    static LinkedHashMap<String, List<JsonNode>> ariSteps(List<JsonNode> events) {
        LinkedHashMap<String, List<JsonNode>> out = new LinkedHashMap<>();
        List<JsonNode> cur = null;
        for (JsonNode e : events) {
            if ("ChannelUserevent".equals(e.path("type").asText())
                    && "LabStep".equals(e.path("eventname").asText())) {
                JsonNode ue = e.path("userevent");
                String step = ue.has("step")
                        ? ue.path("step").asText()
                        : ue.path("Step").asText();
                cur = new ArrayList<>();
                out.put(stepId(step), cur);
                continue;
            }
            if (cur != null) {
                cur.add(e);
            }
        }
        return out;
    }

    static boolean isLive(Map<String, String> m) {
        String e = m.get("Event");
        return e != null
                && m.containsKey("Privilege")
                && !m.containsKey("ActionID")
                && AMI_LIVE.contains(e)
                && !"AMI".equals(m.get("Service"));
    }

    static String rtt(String v) {
        if (v == null || v.equals("0") || v.equals("N/A")) {
            return v;
        }
        return "<rtt>";
    }

    /** An AMI message reduced to name, all field names, and the values that matter. */
    static String reduceAmi(Map<String, String> m) {
        String name = m.containsKey("Event") ? "Event:" + m.get("Event") : "Response:" + m.get("Response");
        TreeMap<String, String> f = new TreeMap<>();
        for (Map.Entry<String, String> e : m.entrySet()) {
            String k = e.getKey();
            if (k.equals("Event") || k.equals("Response")) {
                continue;
            }
            String v = e.getValue();
            if (VOLATILE.contains(k)) {
                v = "*";
            } else if (k.equals("RoundtripUsec")) {
                v = rtt(v);
            } else if (k.equals("RemoteAddress") && v.startsWith("IPV4/")) {
                v = v.substring(0, v.lastIndexOf('/')) + "/*";
            } else if (k.equals("ObjectName") && v.contains(";@")) {
                v = v.substring(0, v.indexOf(";@")) + ";@*";
            } else if (k.equals("Status") && v.startsWith("OK (")) {
                v = "OK (<rtt>)";
            }
            f.put(k, v);
        }
        return name + f;
    }

    /** Reduces only the given keys (for messages the fake renders with fewer fields). */
    static String reduceAmiKeys(Map<String, String> m, List<String> keys) {
        TreeMap<String, String> f = new TreeMap<>();
        for (String k : keys) {
            if (m.containsKey(k)) {
                f.put(k, m.get(k));
            }
        }
        return "Event:" + m.get("Event") + f;
    }

    /** An ARI event reduced to type, top-level field names, and the values that matter. */
    static String reduceAri(JsonNode e) {
        TreeMap<String, String> f = new TreeMap<>();
        Iterator<String> names = e.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            JsonNode v = e.get(k);
            if (k.startsWith("_")) {
                continue; // the lab recorder's own annotations (_ws_app)
            }
            switch (k) {
                case "type":
                case "timestamp":
                case "asterisk_id":
                case "application":
                    f.put(k, "*");
                    break;
                case "endpoint":
                    f.put(
                            k,
                            v.path("technology").asText() + "/"
                                    + v.path("resource").asText() + " "
                                    + v.path("state").asText() + " ch="
                                    + v.path("channel_ids").size());
                    break;
                case "contact_info":
                    f.put(
                            k,
                            v.path("uri").asText() + " "
                                    + v.path("contact_status").asText() + " aor="
                                    + v.path("aor").asText() + " rtt="
                                    + rtt(v.path("roundtrip_usec").asText())
                                    + (v.path("roundtrip_usec").isTextual() ? "(text)" : "(number)"));
                    break;
                case "peer": {
                    if (v.has("dialplan")) {
                        f.put(k, channel(v));
                        break;
                    }
                    TreeMap<String, String> p = new TreeMap<>();
                    v.fields()
                            .forEachRemaining(x -> p.put(
                                    x.getKey(),
                                    x.getKey().equals("time")
                                            ? (x.getValue().isTextual()
                                                    ? "text:" + x.getValue().asText()
                                                    : "number")
                                            : x.getValue().asText()));
                    f.put(k, p.toString());
                    break;
                }
                case "device_state":
                    f.put(k, v.path("name").asText() + "=" + v.path("state").asText());
                    break;
                case "channel":
                case "caller":
                case "peer_channel":
                    f.put(k, channel(v));
                    break;
                case "bridge":
                    f.put(k, "bridge");
                    break;
                default:
                    f.put(k, v.isContainerNode() ? channelOrShape(v) : v.asText());
            }
        }
        return e.path("type").asText() + f;
    }

    private static String channelOrShape(JsonNode v) {
        if (v.has("name") && v.has("state") && v.has("dialplan")) {
            return channel(v);
        }
        return v.toString();
    }

    private static String channel(JsonNode c) {
        return c.path("name").asText() + " " + c.path("state").asText() + " exten="
                + c.at("/dialplan/exten").asText() + " caller="
                + c.at("/caller/number").asText();
    }
}
