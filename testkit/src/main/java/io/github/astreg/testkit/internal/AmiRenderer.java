package io.github.astreg.testkit.internal;

import io.github.astreg.testkit.internal.Happening.ChannelView;
import java.util.Map;
import java.util.Optional;

/** Renders happenings the way Asterisk's manager writes them. */
public final class AmiRenderer {
    private final NodeSpec spec;

    public AmiRenderer(NodeSpec spec) {
        this.spec = spec;
    }

    /** A rendered live event and the category that decides which sessions get it. */
    public record Rendered(String category, String text) {}

    public Optional<Rendered> render(Happening h) {
        if (h instanceof Happening.Security) {
            Happening.Security s = (Happening.Security) h;
            AmiFrame f = event("ChallengeSent".equals(s.type()) ? "ChallengeSent" : s.type(), "security", h);
            f.add("EventTV", AriTime.format(s.at()))
                    .add("Severity", "Informational")
                    .add("Service", s.service())
                    .add("EventVersion", "1")
                    .add("AccountID", s.accountId())
                    .add("SessionID", s.sessionId());
            if ("AMI".equals(s.service())) {
                f.add("LocalAddress", s.local()).add("RemoteAddress", s.remote());
                f.add("UsingPassword", "0").add("SessionTV", AriTime.format(s.at()));
            } else {
                f.add("LocalAddress", s.local()).add("RemoteAddress", s.remote());
                if ("ChallengeSent".equals(s.type())) {
                    f.add(
                            "Challenge",
                            "SIP".equals(s.service())
                                    ? String.format("%08x", s.sessionId().hashCode())
                                    : "");
                } else {
                    f.add("UsingPassword", "1");
                }
            }
            return Optional.of(new Rendered("security", f.render()));
        }
        if (h instanceof Happening.ContactStatus) {
            Happening.ContactStatus c = (Happening.ContactStatus) h;
            AmiFrame f = event("ContactStatus", "system", h)
                    .add("URI", c.uri())
                    .add("ContactStatus", c.status())
                    .add("AOR", c.aor())
                    .add("EndpointName", c.endpoint().resource())
                    .add("RoundtripUsec", c.rttUsec());
            return Optional.of(new Rendered("system", f.render()));
        }
        if (h instanceof Happening.PeerStatus) {
            Happening.PeerStatus p = (Happening.PeerStatus) h;
            AmiFrame f = event("PeerStatus", "system", h)
                    .add("ChannelType", p.endpoint().technology())
                    .add("Peer", p.endpoint().id())
                    .add("PeerStatus", p.status());
            return Optional.of(new Rendered("system", f.render()));
        }
        if (h instanceof Happening.SipPeerStatus) {
            Happening.SipPeerStatus p = (Happening.SipPeerStatus) h;
            AmiFrame f = event("PeerStatus", "system", h)
                    .add("ChannelType", "SIP")
                    .add("Peer", p.endpoint().id())
                    .add("PeerStatus", p.status());
            p.cause().ifPresent(v -> f.add("Cause", v));
            p.address().ifPresent(v -> f.add("Address", v));
            // AMI carries Time only on Unreachable ("-1"); ARI carries it on Reachable too
            p.time().filter(v -> "Unreachable".equals(p.status())).ifPresent(v -> f.add("Time", v));
            return Optional.of(new Rendered("system", f.render()));
        }
        if (h instanceof Happening.ExtensionStatus) {
            Happening.ExtensionStatus e = (Happening.ExtensionStatus) h;
            AmiFrame f = event("ExtensionStatus", "call", h)
                    .add("Exten", e.exten())
                    .add("Context", e.context())
                    .add("Hint", e.hint())
                    .add("Status", e.status())
                    .add("StatusText", e.statusText());
            return Optional.of(new Rendered("call", f.render()));
        }
        if (h instanceof Happening.DeviceState) {
            Happening.DeviceState d = (Happening.DeviceState) h;
            AmiFrame f = event("DeviceStateChange", "call", h)
                    .add("Device", d.device())
                    .add("State", d.state());
            return Optional.of(new Rendered("call", f.render()));
        }
        if (h instanceof Happening.Channel) {
            Happening.Channel c = (Happening.Channel) h;
            AmiFrame f = event(c.type(), "call", h);
            channel(f, "", c.channel());
            c.dest().ifPresent(d -> channel(f, "Dest", d));
            for (Map.Entry<String, String> e : c.extra()) {
                f.add(e.getKey(), e.getValue());
            }
            return Optional.of(new Rendered("call", f.render()));
        }
        if (h instanceof Happening.Reload) {
            Happening.Reload r = (Happening.Reload) h;
            AmiFrame f = event("Reload", "system", h).add("Module", r.module()).add("Status", "0");
            return Optional.of(new Rendered("system", f.render()));
        }
        if (h instanceof Happening.Shutdown) {
            Happening.Shutdown s = (Happening.Shutdown) h;
            AmiFrame f = event("Shutdown", "system", h)
                    .add("Shutdown", "Cleanly")
                    .add("Restart", s.restart() ? "True" : "False");
            return Optional.of(new Rendered("system", f.render()));
        }
        if (h instanceof Happening.UserEvent) {
            Happening.UserEvent u = (Happening.UserEvent) h;
            AmiFrame f = event("UserEvent", "user", h).add("UserEvent", u.name());
            for (Map.Entry<String, String> e : u.fields()) {
                f.add(e.getKey(), e.getValue());
            }
            return Optional.of(new Rendered("user", f.render()));
        }
        return Optional.empty();
    }

    private AmiFrame event(String name, String category, Happening h) {
        AmiFrame f = new AmiFrame().add("Event", name).add("Privilege", category + ",all");
        if (spec.timestampEvents()) {
            f.add("Timestamp", AriTime.amiTimestamp(h.at()));
        }
        spec.systemName().ifPresent(s -> f.add("SystemName", s));
        return f;
    }

    static void channel(AmiFrame f, String prefix, ChannelView c) {
        f.add(prefix + "Channel", c.name())
                .add(prefix + "ChannelState", c.state())
                .add(prefix + "ChannelStateDesc", c.stateDesc())
                .add(prefix + "CallerIDNum", c.callerNum())
                .add(prefix + "CallerIDName", c.callerName())
                .add(prefix + "ConnectedLineNum", c.connectedNum())
                .add(prefix + "ConnectedLineName", c.connectedName())
                .add(prefix + "Language", "en")
                .add(prefix + "AccountCode", "")
                .add(prefix + "Context", c.context())
                .add(prefix + "Exten", c.exten())
                .add(prefix + "Priority", c.priority())
                .add(prefix + "Uniqueid", c.uniqueId())
                .add(prefix + "Linkedid", c.linkedId());
    }
}
