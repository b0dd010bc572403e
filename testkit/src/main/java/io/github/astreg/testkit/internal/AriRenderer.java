package io.github.astreg.testkit.internal;

import io.github.astreg.testkit.internal.Happening.ChannelView;
import io.github.astreg.testkit.internal.Happening.EndpointView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Renders happenings as ARI event bodies and decides which subscriptions see them. */
public final class AriRenderer {
    private final NodeSpec spec;

    public AriRenderer(NodeSpec spec) {
        this.spec = spec;
    }

    /** What a happening looks like on ARI, before the {@code application} field is added. */
    public record AriEvent(
            String type, Map<String, Object> body, Kind kind, List<String> endpointIds, Optional<String> device) {}

    /** Which kind of subscription delivers an event. */
    public enum Kind {
        /** EndpointStateChange: endpoint subscriptions only (never subscribeAll). */
        ENDPOINT_ONLY,
        /** Contact/peer/channel events: subscribeAll or a matching endpoint subscription. */
        ENDPOINT_OR_ALL,
        /** DeviceStateChanged: subscribeAll or a deviceState subscription. */
        DEVICE,
        /** User events: every application. */
        EVERY_APP
    }

    public Optional<AriEvent> render(Happening h) {
        String ts = AriTime.format(h.at());
        if (h instanceof Happening.ContactStatus) {
            Happening.ContactStatus c = (Happening.ContactStatus) h;
            Map<String, Object> b = base("ContactStatusChange", ts);
            b.put("endpoint", endpoint(c.endpoint()));
            Map<String, Object> ci = new LinkedHashMap<>();
            ci.put("uri", c.uri());
            ci.put("contact_status", c.status());
            ci.put("aor", c.aor());
            ci.put("roundtrip_usec", Long.toString(c.rttUsec()));
            b.put("contact_info", ci);
            return ep(b, c.endpoint(), Kind.ENDPOINT_OR_ALL);
        }
        if (h instanceof Happening.PeerStatus) {
            Happening.PeerStatus p = (Happening.PeerStatus) h;
            Map<String, Object> b = base("PeerStatusChange", ts);
            b.put("endpoint", endpoint(p.endpoint()));
            b.put("peer", Map.of("peer_status", p.status()));
            return ep(b, p.endpoint(), Kind.ENDPOINT_OR_ALL);
        }
        if (h instanceof Happening.SipPeerStatus) {
            Happening.SipPeerStatus p = (Happening.SipPeerStatus) h;
            Map<String, Object> b = base("PeerStatusChange", ts);
            b.put("endpoint", endpoint(p.endpoint()));
            Map<String, Object> peer = new LinkedHashMap<>();
            peer.put("peer_status", p.status());
            p.cause().ifPresent(v -> peer.put("cause", v));
            p.address().ifPresent(v -> peer.put("address", v));
            p.time().ifPresent(v -> peer.put("time", v.equals("-1") ? "-1" : (Object) Long.valueOf(v)));
            b.put("peer", peer);
            return ep(b, p.endpoint(), Kind.ENDPOINT_OR_ALL);
        }
        if (h instanceof Happening.EndpointState) {
            Happening.EndpointState e = (Happening.EndpointState) h;
            Map<String, Object> b = base("EndpointStateChange", ts);
            b.put("endpoint", endpoint(e.endpoint()));
            return ep(b, e.endpoint(), Kind.ENDPOINT_ONLY);
        }
        if (h instanceof Happening.DeviceState) {
            Happening.DeviceState d = (Happening.DeviceState) h;
            Map<String, Object> b = base("DeviceStateChanged", ts);
            Map<String, Object> ds = new LinkedHashMap<>();
            ds.put("name", d.device());
            ds.put("state", d.state());
            b.put("device_state", ds);
            return Optional.of(new AriEvent("DeviceStateChanged", b, Kind.DEVICE, List.of(), Optional.of(d.device())));
        }
        if (h instanceof Happening.Channel) {
            return channel((Happening.Channel) h, ts);
        }
        if (h instanceof Happening.AriOnly) {
            Happening.AriOnly a = (Happening.AriOnly) h;
            Map<String, Object> b = base(a.type(), ts);
            if (a.type().equals("Dial")) {
                b.put("caller", channel(a.channels().get(0)));
                b.put("peer", channel(a.channels().get(1)));
                b.put("forward", "");
                b.putAll(a.extra());
            } else {
                b.putAll(a.extra());
                if (!a.channels().isEmpty()) {
                    b.put("channel", channel(a.channels().get(0)));
                }
            }
            return Optional.of(new AriEvent(a.type(), b, Kind.ENDPOINT_OR_ALL, a.endpointIds(), Optional.empty()));
        }
        if (h instanceof Happening.UserEvent) {
            Happening.UserEvent u = (Happening.UserEvent) h;
            if (!u.ari()) {
                return Optional.empty();
            }
            Map<String, Object> b = base("ChannelUserevent", ts);
            b.put("eventname", u.name());
            Map<String, Object> ue = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : u.fields()) {
                ue.put(e.getKey(), e.getValue());
            }
            ue.put("eventname", u.name());
            b.put("userevent", ue);
            return Optional.of(new AriEvent("ChannelUserevent", b, Kind.EVERY_APP, List.of(), Optional.empty()));
        }
        return Optional.empty();
    }

    private Optional<AriEvent> channel(Happening.Channel c, String ts) {
        String type;
        Map<String, Object> b;
        switch (c.type()) {
            case "Newchannel":
                type = "ChannelCreated";
                b = base(type, ts);
                b.put("channel", channel(c.channel()));
                break;
            case "Newstate":
                type = "ChannelStateChange";
                b = base(type, ts);
                b.put("channel", channel(c.channel()));
                break;
            case "Hold":
                type = "ChannelHold";
                b = base(type, ts);
                b.put("musicclass", extra(c, "MusicClass", "N/A"));
                b.put("channel", channel(c.channel()));
                break;
            case "Unhold":
                type = "ChannelUnhold";
                b = base(type, ts);
                b.put("channel", channel(c.channel()));
                break;
            case "Hangup":
                type = "ChannelDestroyed";
                b = base(type, ts);
                b.put("cause", Integer.valueOf(extra(c, "Cause", "0")));
                b.put("cause_txt", extra(c, "Cause-txt", "Unknown"));
                b.put("channel", channel(c.channel()));
                break;
            case "DialBegin":
            case "DialEnd":
                type = "Dial";
                b = base(type, ts);
                b.put("caller", channel(c.channel()));
                c.dest().ifPresent(d -> b.put("peer", channel(d)));
                b.put("forward", "");
                b.put("dialstring", c.type().equals("DialBegin") ? extra(c, "DialString", "") : "");
                b.put("dialstatus", c.type().equals("DialBegin") ? "" : extra(c, "DialStatus", ""));
                break;
            default:
                return Optional.empty();
        }
        List<String> eps = new ArrayList<>();
        c.endpointId().ifPresent(eps::add);
        return Optional.of(new AriEvent(type, b, Kind.ENDPOINT_OR_ALL, eps, Optional.empty()));
    }

    private static String extra(Happening.Channel c, String key, String dflt) {
        for (Map.Entry<String, String> e : c.extra()) {
            if (e.getKey().equals(key)) {
                return e.getValue();
            }
        }
        return dflt;
    }

    private Optional<AriEvent> ep(Map<String, Object> b, EndpointView e, Kind kind) {
        return Optional.of(new AriEvent((String) b.get("type"), b, kind, List.of(e.id()), Optional.empty()));
    }

    private static Map<String, Object> base(String type, String ts) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("type", type);
        b.put("timestamp", ts);
        return b;
    }

    /** The ARI Endpoint model. */
    public static Map<String, Object> endpoint(EndpointView e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("technology", e.technology());
        m.put("resource", e.resource());
        m.put("state", e.state());
        m.put("channel_ids", e.channelIds());
        return m;
    }

    /** The ARI Channel model. */
    public static Map<String, Object> channel(ChannelView c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.uniqueId());
        m.put("name", c.name());
        m.put("state", c.stateDesc());
        m.put("protocol_id", "");
        m.put("caller", nameNumber(c.callerName(), c.callerNum()));
        m.put("connected", nameNumber(unknownToEmpty(c.connectedName()), unknownToEmpty(c.connectedNum())));
        m.put("accountcode", "");
        Map<String, Object> dp = new LinkedHashMap<>();
        dp.put("context", c.context());
        dp.put("exten", c.exten());
        dp.put("priority", c.priority());
        dp.put("app_name", "");
        dp.put("app_data", "");
        m.put("dialplan", dp);
        m.put("creationtime", AriTime.format(c.created()));
        m.put("language", "en");
        return m;
    }

    private static String unknownToEmpty(String s) {
        return "<unknown>".equals(s) ? "" : s;
    }

    private static Map<String, Object> nameNumber(String name, String number) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("number", number);
        return m;
    }

    public NodeSpec spec() {
        return spec;
    }
}
