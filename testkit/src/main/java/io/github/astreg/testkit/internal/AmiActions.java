package io.github.astreg.testkit.internal;

import io.github.astreg.testkit.internal.NodeModel.ContactInfo;
import io.github.astreg.testkit.internal.NodeModel.EndpointInfo;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The AMI actions a fake node answers, with Asterisk's wording. */
final class AmiActions {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final NodeModel model;
    private final NodeSpec spec;

    AmiActions(NodeModel model) {
        this.model = model;
        this.spec = model.spec();
    }

    void handle(String action, List<Map.Entry<String, String>> m, String id, AmiSession s) {
        switch (action) {
            case "ping":
                s.respond(AmiFrame.response("Success", id)
                        .add("Ping", "Pong")
                        .add("Timestamp", AriTime.amiTimestamp(spec.clock().instant())));
                return;
            case "coresettings":
                coreSettings(id, s);
                return;
            case "corestatus":
                coreStatus(id, s);
                return;
            case "pjsipshowendpoints":
                showEndpoints(id, s);
                return;
            case "pjsipshowendpoint":
                showEndpoint(AmiSession.header(m, "Endpoint"), id, s);
                return;
            case "pjsipshowcontacts":
                showContacts(id, s);
                return;
            case "pjsipshowaors":
                showAors(id, s);
                return;
            case "pjsipshowregistrationsinbound":
                registrationsInbound(id, s);
                return;
            case "coreshowchannels":
                coreShowChannels(id, s);
                return;
            case "pjsipshowregistrationinboundcontactstatuses":
                contactStatuses(id, s);
                return;
            case "devicestatelist":
                deviceStateList(id, s);
                return;
            case "extensionstatelist":
                extensionStateList(id, s);
                return;
            case "command":
                command(AmiSession.header(m, "Command"), id, s);
                return;
            case "sippeers":
                if (spec.version().hasChanSip()) {
                    sipPeers(id, s);
                    return;
                }
                break;
            case "sipshowpeer":
                if (spec.version().hasChanSip()) {
                    sipShowPeer(AmiSession.header(m, "Peer"), id, s);
                    return;
                }
                break;
            default:
                break;
        }
        s.respond(AmiFrame.response("Error", id).add("Message", "Invalid/unknown command"));
    }

    private void coreSettings(String id, AmiSession s) {
        s.respond(AmiFrame.response("Success", id)
                .add("AMIversion", spec.version().amiVersion())
                .add("AsteriskVersion", spec.version().asteriskVersion())
                .add("SystemName", spec.systemName().orElse(""))
                .add("CoreMaxCalls", "0")
                .add("CoreMaxLoadAvg", "0.000000")
                .add("CoreRunUser", "")
                .add("CoreRunGroup", "")
                .add("CoreMaxFilehandles", "0")
                .add("CoreRealTimeEnabled", "No")
                .add("CoreCDRenabled", "Yes")
                .add("CoreHTTPenabled", "No")
                .add("SoundsSearchCustomDir", "No"));
    }

    private void coreStatus(String id, AmiSession s) {
        ZoneId zone = spec.clock().getZone();
        ZonedDateTime start = model.startedAt().atZone(zone);
        ZonedDateTime reload = model.reloadedAt().atZone(zone);
        s.respond(AmiFrame.response("Success", id)
                .add("CoreStartupDate", DATE.format(start))
                .add("CoreStartupTime", TIME.format(start))
                .add("CoreReloadDate", DATE.format(reload))
                .add("CoreReloadTime", TIME.format(reload))
                .add("CoreCurrentCalls", model.activeChannels())
                .add("CoreProcessedCalls", model.processedCalls()));
    }

    private List<EndpointInfo> pjsip() {
        List<EndpointInfo> out = new ArrayList<>();
        for (EndpointInfo e : model.endpoints()) {
            if (e.spec().technology().equals("PJSIP")) {
                out.add(e);
            }
        }
        return out;
    }

    private static String contactsField(EndpointInfo e, boolean trailingComma) {
        StringBuilder sb = new StringBuilder();
        for (ContactInfo c : e.contacts()) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(c.aor()).append('/').append(c.uri());
        }
        if (trailingComma && sb.length() > 0) {
            sb.append(',');
        }
        return sb.toString();
    }

    private void complete(AmiSession s, String event, String id, int items) {
        s.respond(AmiFrame.listEvent(event, id).add("EventList", "Complete").add("ListItems", items));
    }

    private void showEndpoints(String id, AmiSession s) {
        List<EndpointInfo> eps = pjsip();
        if (eps.isEmpty()) {
            s.respond(AmiFrame.response("Error", id).add("Message", "No endpoints found"));
            return;
        }
        synchronized (model) {
            s.respond(AmiFrame.response("Success", id)
                    .add("EventList", "start")
                    .add("Message", "A listing of Endpoints follows, presented as EndpointList events"));
            for (EndpointInfo e : eps) {
                s.respond(AmiFrame.listEvent("EndpointList", id)
                        .add("ObjectType", "endpoint")
                        .add("ObjectName", e.spec().resource())
                        .add("Transport", "transport-udp")
                        .add("Aor", e.spec().resource())
                        .add("Auths", e.spec().hasHint() ? e.spec().resource() : "")
                        .add("OutboundAuths", "")
                        .add("Contacts", contactsField(e, true))
                        .add("DeviceState", DeviceStates.describe(e.deviceState()))
                        .add("ActiveChannels", e.channelIds().size()));
            }
            complete(s, "EndpointListComplete", id, eps.size());
        }
    }

    private void showEndpoint(String name, String id, AmiSession s) {
        if (name == null || name.isEmpty()) {
            s.respond(AmiFrame.response("Error", id).add("Message", "Endpoint parameter missing."));
            return;
        }
        EndpointInfo e = model.endpoint("PJSIP/" + name).orElse(null);
        if (e == null) {
            s.respond(AmiFrame.response("Error", id).add("Message", "Unable to retrieve endpoint " + name));
            return;
        }
        synchronized (model) {
            s.respond(AmiFrame.response("Success", id)
                    .add("EventList", "start")
                    .add("Message", "Following are Events for each object associated with the Endpoint"));
            int items = 0;
            s.respond(AmiFrame.listEvent("EndpointDetail", id)
                    .add("ObjectType", "endpoint")
                    .add("ObjectName", name)
                    .add("Aors", name)
                    .add("Context", spec.context())
                    .add("Transport", "transport-udp")
                    .add("Callerid", "\"" + e.spec().callerName() + "\" <" + name + ">")
                    .add("Auth", e.spec().hasHint() ? name : "")
                    .add("DeviceState", DeviceStates.describe(e.deviceState()))
                    .add("ActiveChannels", e.channelIds().size()));
            items++;
            if (e.spec().hasHint()) {
                s.respond(AmiFrame.listEvent("AuthDetail", id)
                        .add("ObjectType", "auth")
                        .add("ObjectName", name)
                        .add("Username", name)
                        .add("AuthType", "userpass")
                        .add("EndpointName", name));
                items++;
            }
            s.respond(AmiFrame.listEvent("TransportDetail", id)
                    .add("ObjectType", "transport")
                    .add("ObjectName", "transport-udp")
                    .add("Protocol", "udp")
                    .add("Bind", "127.0.0.1:" + spec.sipPort())
                    .add("EndpointName", name));
            items++;
            AmiFrame aor =
                    AmiFrame.listEvent("AorDetail", id).add("ObjectType", "aor").add("ObjectName", name);
            aorFields(aor, e, false);
            aor.add("TotalContacts", e.contacts().size())
                    .add("ContactsRegistered", dynamicCount(e))
                    .add("EndpointName", name);
            s.respond(aor);
            items++;
            for (ContactInfo c : e.contacts()) {
                if (c.dynamic()) {
                    s.respond(contactStatusDetail(c, id));
                    items++;
                }
            }
            complete(s, "EndpointDetailComplete", id, items);
        }
    }

    private static long dynamicCount(EndpointInfo e) {
        return e.contacts().stream().filter(ContactInfo::dynamic).count();
    }

    private static void aorFields(AmiFrame f, EndpointInfo e, boolean trailingComma) {
        boolean trunk = !e.spec().hasHint();
        f.add("MinimumExpiration", trunk ? "60" : "20")
                .add("DefaultExpiration", trunk ? "3600" : "120")
                .add("QualifyTimeout", "3.000000")
                .add("Qualify2xxOnly", "false")
                .add("Mailboxes", "")
                .add("SupportPath", "false")
                .add("RemoveUnavailable", "false")
                .add("VoicemailExtension", "")
                .add("MaxContacts", trunk ? "0" : "1")
                .add("AuthenticateQualify", "false")
                .add("Contacts", contactsField(e, trailingComma))
                .add("MaximumExpiration", "7200")
                .add("QualifyFrequency", "5")
                .add("RemoveExisting", trunk ? "false" : "true")
                .add("OutboundProxy", "");
    }

    private AmiFrame contactStatusDetail(ContactInfo c, String id) {
        return AmiFrame.listEvent("ContactStatusDetail", id)
                .add("AOR", c.aor())
                .add("URI", c.uri())
                .add("UserAgent", c.userAgent())
                .add("RegExpire", c.expiresAt())
                .add("ViaAddress", c.viaAddr() + ":" + c.viaPort())
                .add("CallID", c.callId())
                .add("Status", c.status())
                .add("RoundtripUsec", rtt(c))
                .add("EndpointName", c.endpoint())
                .add("ID", c.id())
                .add("AuthenticateQualify", "0")
                .add("OutboundProxy", "")
                .add("Path", "")
                .add("QualifyFrequency", "5")
                .add("QualifyTimeout", "3.000")
                .add("Qualify2xxOnly", "0");
    }

    private static String rtt(ContactInfo c) {
        return c.rttUsec() < 0 || !c.status().equals("Reachable") ? "N/A" : Long.toString(c.rttUsec());
    }

    private void showContacts(String id, AmiSession s) {
        synchronized (model) {
            List<ContactInfo> cs = new ArrayList<>();
            for (EndpointInfo e : pjsip()) {
                for (ContactInfo c : e.contacts()) {
                    if (c.dynamic()) {
                        cs.add(c);
                    }
                }
            }
            if (cs.isEmpty()) {
                s.respond(AmiFrame.response("Error", id).add("Message", "No Contacts found"));
                return;
            }
            s.respond(AmiFrame.response("Success", id)
                    .add("EventList", "start")
                    .add("Message", "A listing of Contacts follows, presented as ContactList events"));
            for (ContactInfo c : cs) {
                s.respond(AmiFrame.listEvent("ContactList", id)
                        .add("ObjectType", "contact")
                        .add("ObjectName", c.id())
                        .add("ViaAddr", c.viaAddr())
                        .add("QualifyTimeout", "3.000000")
                        .add("Qualify2xxOnly", "false")
                        .add("CallId", c.callId())
                        .add("RegServer", spec.systemName().orElse(""))
                        .add("PruneOnBoot", "no")
                        .add("Path", "")
                        .add("Endpoint", c.endpoint())
                        .add("ViaPort", c.viaPort())
                        .add("AuthenticateQualify", "no")
                        .add("Uri", c.uri())
                        .add("QualifyFrequency", "5")
                        .add("UserAgent", c.userAgent())
                        .add("ExpirationTime", c.expiresAt())
                        .add("OutboundProxy", "")
                        .add("Status", c.status())
                        .add("RoundtripUsec", rtt(c)));
            }
            complete(s, "ContactListComplete", id, cs.size());
        }
    }

    private void showAors(String id, AmiSession s) {
        synchronized (model) {
            List<EndpointInfo> eps = pjsip();
            s.respond(AmiFrame.response("Success", id)
                    .add("EventList", "start")
                    .add("Message", "A listing of AORs follows, presented as AorList events"));
            for (EndpointInfo e : eps) {
                AmiFrame f = AmiFrame.listEvent("AorList", id)
                        .add("ObjectType", "aor")
                        .add("ObjectName", e.spec().resource());
                aorFields(f, e, false);
                s.respond(f);
            }
            complete(s, "AorListComplete", id, eps.size());
        }
    }

    private void registrationsInbound(String id, AmiSession s) {
        synchronized (model) {
            List<EndpointInfo> eps = pjsip();
            s.respond(AmiFrame.response("Success", id)
                    .add("EventList", "start")
                    .add("Message", "Following are Events for each Inbound registration"));
            for (EndpointInfo e : eps) {
                boolean trunk = !e.spec().hasHint();
                s.respond(AmiFrame.listEvent("InboundRegistrationDetail", id)
                        .add("ObjectType", "aor")
                        .add("ObjectName", e.spec().resource())
                        .add("MinimumExpiration", trunk ? "60" : "20")
                        .add("DefaultExpiration", trunk ? "3600" : "120")
                        .add("QualifyTimeout", "3.000000")
                        .add("Qualify2xxOnly", "false")
                        .add("Mailboxes", "")
                        .add("SupportPath", "false")
                        .add("RemoveUnavailable", "false")
                        .add("VoicemailExtension", "")
                        .add("MaxContacts", trunk ? "0" : "1")
                        .add("AuthenticateQualify", "false")
                        .add("Contact", contactsField(e, false))
                        .add("MaximumExpiration", "7200")
                        .add("QualifyFrequency", "5")
                        .add("RemoveExisting", trunk ? "false" : "true")
                        .add("OutboundProxy", "")
                        .add("Contacts", contactsField(e, true)));
            }
            complete(s, "InboundRegistrationDetailComplete", id, eps.size());
        }
    }

    private void coreShowChannels(String id, AmiSession s) {
        synchronized (model) {
            s.respond(
                    AmiFrame.response("Success", id).add("EventList", "start").add("Message", "Channels will follow"));
            List<Happening.ChannelView> chans = model.channels();
            Instant now = spec.clock().instant();
            for (Happening.ChannelView c : chans) {
                AmiFrame f = AmiFrame.listEvent("CoreShowChannel", id);
                AmiRenderer.channel(f, "", c);
                long secs = Math.max(0, now.getEpochSecond() - c.created().getEpochSecond());
                f.add("Application", "")
                        .add("ApplicationData", "")
                        .add("Duration", String.format("%02d:%02d:%02d", secs / 3600, (secs / 60) % 60, secs % 60))
                        .add("BridgeId", "");
                s.respond(f);
            }
            complete(s, "CoreShowChannelsComplete", id, chans.size());
        }
    }

    private void contactStatuses(String id, AmiSession s) {
        synchronized (model) {
            s.respond(AmiFrame.response("Success", id)
                    .add("EventList", "start")
                    .add("Message", "Following are ContactStatusEvents for each Inbound registration"));
            int n = 0;
            for (EndpointInfo e : pjsip()) {
                for (ContactInfo c : e.contacts()) {
                    if (c.dynamic()) {
                        s.respond(contactStatusDetail(c, id));
                        n++;
                    }
                }
            }
            complete(s, "ContactStatusDetailComplete", id, n);
        }
    }

    private List<EndpointInfo> deviceOrder() {
        List<EndpointInfo> statics = new ArrayList<>();
        List<EndpointInfo> others = new ArrayList<>();
        for (EndpointInfo e : model.endpoints()) {
            if (e.deviceKnown()) {
                (e.spec().hasHint() ? others : statics).add(e);
            }
        }
        statics.addAll(others);
        return statics;
    }

    private void deviceStateList(String id, AmiSession s) {
        synchronized (model) {
            s.respond(AmiFrame.response("Success", id)
                    .add("EventList", "start")
                    .add("Message", "Device State Changes will follow"));
            List<EndpointInfo> eps = deviceOrder();
            for (EndpointInfo e : eps) {
                s.respond(AmiFrame.listEvent("DeviceStateChange", id)
                        .add("Device", e.spec().id())
                        .add("State", e.deviceState()));
            }
            complete(s, "DeviceStateListComplete", id, eps.size());
        }
    }

    private void extensionStateList(String id, AmiSession s) {
        synchronized (model) {
            s.respond(AmiFrame.response("Success", id)
                    .add("EventList", "start")
                    .add("Message", "Extension Statuses will follow"));
            int n = 0;
            for (EndpointInfo e : model.endpoints()) {
                if (!e.spec().hasHint()) {
                    continue;
                }
                s.respond(AmiFrame.listEvent("ExtensionStatus", id)
                        .add("Exten", e.spec().resource())
                        .add("Context", spec.context())
                        .add("Hint", e.spec().id())
                        .add("Status", DeviceStates.extensionStatus(e.deviceState()))
                        .add("StatusText", DeviceStates.extensionStatusText(e.deviceState())));
                n++;
            }
            complete(s, "ExtensionStateListComplete", id, n);
        }
    }

    private void command(String command, String id, AmiSession s) {
        String cmd = command == null ? "" : command.trim();
        StringBuilder sb = new StringBuilder();
        sb.append("Response: Success\r\n");
        if (id != null) {
            sb.append("ActionID: ").append(id).append("\r\n");
        }
        sb.append("Message: Command output follows\r\n");
        if (cmd.equals("core show version")) {
            sb.append("Output: Asterisk ")
                    .append(spec.version().asteriskVersion())
                    .append(" built by astreg-testkit @ fake on a x86_64 running Linux\r\n");
        } else {
            sb.append("Output: No such command '")
                    .append(cmd)
                    .append("' (type 'core show help ")
                    .append(cmd)
                    .append("' for other possible commands)\r\n");
        }
        s.respondRaw(sb.append("\r\n").toString());
    }

    private void sipPeers(String id, AmiSession s) {
        synchronized (model) {
            s.respond(AmiFrame.response("Success", id)
                    .add("EventList", "start")
                    .add("Message", "Peer status list will follow"));
            int n = 0;
            for (EndpointInfo e : model.endpoints()) {
                if (!e.spec().technology().equals("SIP")) {
                    continue;
                }
                ContactInfo c = e.contacts().isEmpty() ? null : e.contacts().get(0);
                s.respond(AmiFrame.listEvent("PeerEntry", id)
                        .add("Channeltype", "SIP")
                        .add("ObjectName", e.spec().resource())
                        .add("ChanObjectType", "peer")
                        .add("IPaddress", c == null ? "-none-" : c.viaAddr())
                        .add("IPport", c == null ? 0 : c.viaPort())
                        .add("Dynamic", "yes")
                        .add("AutoForcerport", "yes")
                        .add("Forcerport", "no")
                        .add("AutoComedia", "no")
                        .add("Comedia", "no")
                        .add("VideoSupport", "no")
                        .add("TextSupport", "no")
                        .add("ACL", "no")
                        .add("Status", sipStatus(c))
                        .add("RealtimeDevice", "no")
                        .add("Description", "")
                        .add("Accountcode", ""));
                n++;
            }
            s.respond(AmiFrame.listEvent("PeerlistComplete", id)
                    .add("EventList", "Complete")
                    .add("ListItems", n));
        }
    }

    static String sipStatus(ContactInfo c) {
        if (c == null) {
            return "UNKNOWN";
        }
        if (c.status().equals("Reachable")) {
            return "OK (" + Math.max(1, c.rttUsec() / 1000) + " ms)";
        }
        return "UNREACHABLE";
    }

    private void sipShowPeer(String peer, String id, AmiSession s) {
        EndpointInfo e = peer == null ? null : model.endpoint("SIP/" + peer).orElse(null);
        if (e == null) {
            s.respond(AmiFrame.response("Error", id).add("Message", "Peer " + peer + " not found."));
            return;
        }
        ContactInfo c = e.contacts().isEmpty() ? null : e.contacts().get(0);
        s.respond(AmiFrame.response("Success", id)
                .add("Channeltype", "SIP")
                .add("ObjectName", peer)
                .add("ChanObjectType", "peer")
                .add("Context", spec.context())
                .add("Callerid", "\"" + e.spec().callerName() + "\" <" + peer + ">")
                .add("Address-IP", c == null ? "(null)" : c.viaAddr())
                .add("Address-Port", c == null ? 0 : c.viaPort())
                .add("Reg-Contact", c == null ? "" : c.uri())
                .add("SIP-Useragent", c == null ? "" : c.userAgent())
                .add(
                        "RegExpire",
                        c == null
                                ? "-1 seconds"
                                : (c.expiresAt() - Instant.now(spec.clock()).getEpochSecond()) + " seconds")
                .add("Status", sipStatus(c)));
    }
}
