package io.github.astreg.testkit.internal;

import io.github.astreg.testkit.Registration;
import io.github.astreg.testkit.internal.Happening.ChannelView;
import io.github.astreg.testkit.internal.Happening.EndpointView;
import io.github.astreg.testkit.internal.NodeSpec.EndpointSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The state of one fake node (endpoints, contacts, channels, device states) and the scenario steps
 * that change it. Every step produces the happenings real Asterisk produces for it, in the order
 * recorded in the transcripts, and hands them to the listeners (the AMI and ARI servers) while
 * holding the model's lock, so every client sees the same order.
 */
public final class NodeModel {

    /** Receives every happening, in order, under the model lock. Must not block. */
    public interface Listener extends Consumer<Happening> {}

    private final NodeSpec spec;
    private final Map<String, Ep> endpoints = new LinkedHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private Instant startedAt;
    private Instant reloadedAt;
    /** Each channel driver numbers its channels itself (PJSIP/x-00000000 and SIP/y-00000000 coexist). */
    private final Map<String, Long> channelCounters = new java.util.HashMap<>();

    private long uniqueCounter;
    private long callCounter;
    private long processedCalls;
    private boolean up;

    public NodeModel(NodeSpec spec) {
        this.spec = spec;
        for (EndpointSpec e : spec.endpoints()) {
            Ep ep = new Ep(e, spec.context());
            e.staticContact().ifPresent(uri -> {
                Contact c = new Contact(uri, e.resource(), e.resource(), "", 0, "", "", 0);
                c.status = "Unreachable";
                c.dynamic = false;
                ep.contacts.put(uri, c);
            });
            endpoints.put(e.id(), ep);
        }
        this.startedAt = spec.clock().instant();
        this.reloadedAt = startedAt;
    }

    public NodeSpec spec() {
        return spec;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    public synchronized Instant startedAt() {
        return startedAt;
    }

    public synchronized Instant reloadedAt() {
        return reloadedAt;
    }

    public synchronized boolean isUp() {
        return up;
    }

    public synchronized void markUp(boolean isUp) {
        this.up = isUp;
    }

    /** A (re)boot: new startup time; contacts persist (AstDB) but are unqualified, endpoints offline. */
    public synchronized void boot(boolean firstBoot) {
        startedAt = spec.clock().instant();
        reloadedAt = startedAt;
        if (!firstBoot) {
            processedCalls = 0;
            channelCounters.clear();
            for (Ep ep : endpoints.values()) {
                ep.channels.clear();
                ep.online = false;
                for (Contact c : ep.contacts.values()) {
                    if (c.dynamic) {
                        c.status = "NonQualified";
                        c.rttUsec = -1;
                    }
                }
                ep.device = computeDevice(ep);
            }
        }
    }

    private Instant now() {
        return spec.clock().instant();
    }

    private void emit(Happening h) {
        for (Listener l : listeners) {
            l.accept(h);
        }
    }

    private Ep ep(String endpoint) {
        String id = endpoint.contains("/") ? endpoint : "PJSIP/" + endpoint;
        Ep ep = endpoints.get(id);
        if (ep == null) {
            throw new IllegalArgumentException("unknown endpoint " + id + " on " + spec.node());
        }
        return ep;
    }

    private String systemPrefix() {
        return spec.systemName().map(s -> s + "-").orElse("");
    }

    // ------------------------------------------------------------------ registration

    /** A REGISTER for {@code endpoint}: new contact, refresh of the same contact, or replacement. */
    public synchronized String register(String endpoint, Registration r) {
        Ep ep = ep(endpoint);
        if (ep.spec.technology().equals("SIP")) {
            return registerSip(ep, r);
        }
        String uri = r.contactUri(ep.spec.resource());
        Instant t = now();
        String callId = r.callId().orElseGet(() -> (++callCounter) + "-" + (20000 + callCounter) + "@" + r.host());
        security(t, ep, callId, r.host(), r.port());
        long expiresAt = t.plus(r.expires()).getEpochSecond();
        Contact existing = ep.contacts.get(uri);
        if (existing != null) {
            existing.expiresAt = expiresAt;
            existing.userAgent = r.userAgent();
            existing.callId = callId;
            return uri;
        }
        List<Contact> old = new ArrayList<>();
        for (Contact c : ep.contacts.values()) {
            if (c.dynamic) {
                old.add(c);
            }
        }
        Contact c = new Contact(
                uri, ep.spec.resource(), ep.spec.resource(), r.host(), r.port(), r.userAgent(), callId, expiresAt);
        c.status = "NonQualified";
        c.rttUsec = -1;
        ep.contacts.put(uri, c);
        boolean wasOnline = ep.online;
        emit(new Happening.ContactStatus(t, view(ep), c.aor, uri, "NonQualified", 0));
        if (!wasOnline) {
            ep.online = true;
            emit(new Happening.EndpointState(t, view(ep)));
            emit(new Happening.PeerStatus(t, view(ep), "Reachable"));
        }
        c.status = "Reachable";
        c.rttUsec = usec(r.rtt());
        emit(new Happening.ContactStatus(t, view(ep), c.aor, uri, "Reachable", c.rttUsec));
        for (Contact o : old) {
            ep.contacts.remove(o.uri);
            emit(new Happening.ContactStatus(t, view(ep), o.aor, o.uri, "Removed", 0));
        }
        deviceUpdate(ep, t, false);
        return uri;
    }

    private String registerSip(Ep ep, Registration r) {
        String uri = r.contactUri(ep.spec.resource());
        Instant t = now();
        long expiresAt = t.plus(r.expires()).getEpochSecond();
        String session = "0x" + Long.toHexString(0x7f0000000000L + (++callCounter) * 0x1000);
        String remote = "IPV4/UDP/" + r.host() + "/" + r.port();
        emit(new Happening.Security(
                t, "ChallengeSent", "SIP", ep.spec.resource(), session, "IPV4/UDP/127.0.0.1/5082", remote));
        Contact existing = ep.contacts.get(uri);
        if (existing != null) {
            existing.expiresAt = expiresAt;
            existing.userAgent = r.userAgent();
            emit(new Happening.Security(
                    t, "SuccessfulAuth", "SIP", ep.spec.resource(), session, "IPV4/UDP/127.0.0.1/5082", remote));
            return uri;
        }
        ep.contacts.clear();
        Contact c = new Contact(
                uri, ep.spec.resource(), ep.spec.resource(), r.host(), r.port(), r.userAgent(), "", expiresAt);
        c.status = "Reachable";
        c.rttUsec = usec(r.rtt());
        ep.contacts.put(uri, c);
        ep.online = true;
        ep.everRegistered = true;
        emit(new Happening.EndpointState(t, view(ep)));
        emit(new Happening.SipPeerStatus(
                t, view(ep), "Registered", Optional.of(r.host() + ":" + r.port()), Optional.empty(), Optional.empty()));
        emit(new Happening.Security(
                t, "SuccessfulAuth", "SIP", ep.spec.resource(), session, "IPV4/UDP/127.0.0.1/5082", remote));
        deviceUpdate(ep, t, false);
        emit(new Happening.EndpointState(t, view(ep)));
        emit(new Happening.SipPeerStatus(
                t,
                view(ep),
                "Reachable",
                Optional.empty(),
                Optional.empty(),
                Optional.of(Long.toString(Math.max(1, r.rtt().toMillis())))));
        return uri;
    }

    private void security(Instant t, Ep ep, String sessionId, String host, int port) {
        String remote = "IPV4/UDP/" + host + "/" + port;
        emit(new Happening.Security(
                t,
                "ChallengeSent",
                "PJSIP",
                ep.spec.resource(),
                sessionId,
                "IPV4/UDP/127.0.0.1/" + spec.sipPort(),
                remote));
        emit(new Happening.Security(
                t,
                "SuccessfulAuth",
                "PJSIP",
                ep.spec.resource(),
                sessionId,
                "IPV4/UDP/127.0.0.1/" + spec.sipPort(),
                remote));
    }

    /** A REGISTER with Expires: 0 from the endpoint's phone. */
    public synchronized void unregister(String endpoint) {
        Ep ep = ep(endpoint);
        Contact c = liveContact(ep, endpoint);
        Instant t = now();
        if (ep.spec.technology().equals("SIP")) {
            String session = "0x" + Long.toHexString(0x7f0000000000L + (++callCounter) * 0x1000);
            String remote = "IPV4/UDP/" + c.host + "/" + c.port;
            emit(new Happening.Security(
                    t, "ChallengeSent", "SIP", ep.spec.resource(), session, "IPV4/UDP/127.0.0.1/5082", remote));
            ep.contacts.remove(c.uri);
            ep.online = false;
            emit(new Happening.EndpointState(t, view(ep)));
            emit(new Happening.SipPeerStatus(
                    t, view(ep), "Unregistered", Optional.empty(), Optional.of("Expired"), Optional.empty()));
            emit(new Happening.Security(
                    t, "SuccessfulAuth", "SIP", ep.spec.resource(), session, "IPV4/UDP/127.0.0.1/5082", remote));
            deviceUpdate(ep, t, false);
            return;
        }
        security(t, ep, c.callId, c.host, c.port);
        remove(ep, c, t, false);
    }

    /** The registration runs out without a refresh. */
    public synchronized void expire(String endpoint) {
        Ep ep = ep(endpoint);
        Contact c = liveContact(ep, endpoint);
        Instant t = now();
        if (ep.spec.technology().equals("SIP")) {
            removeSip(ep, c, t, "Expired");
            return;
        }
        remove(ep, c, t, true);
    }

    /** Expires every contact whose expiration time is not after the clock's now; returns how many. */
    public synchronized int expireDue() {
        long nowSec = now().getEpochSecond();
        int n = 0;
        for (Ep ep : List.copyOf(endpoints.values())) {
            for (Contact c : List.copyOf(ep.contacts.values())) {
                if (c.dynamic && c.expiresAt <= nowSec) {
                    if (ep.spec.technology().equals("SIP")) {
                        removeSip(ep, c, now(), "Expired");
                    } else {
                        remove(ep, c, now(), true);
                    }
                    n++;
                }
            }
        }
        return n;
    }

    private void remove(Ep ep, Contact c, Instant t, boolean expiry) {
        ep.contacts.remove(c.uri);
        boolean stillOnline = ep.contacts.values().stream().anyMatch(x -> x.dynamic && x.status.equals("Reachable"));
        if (ep.online && !stillOnline) {
            ep.online = false;
            emit(new Happening.EndpointState(t, view(ep)));
            if (expiry) {
                deviceUpdate(ep, t, true);
                emit(new Happening.PeerStatus(t, view(ep), "Unreachable"));
            } else {
                emit(new Happening.PeerStatus(t, view(ep), "Unreachable"));
                deviceUpdate(ep, t, true);
            }
        }
        emit(new Happening.ContactStatus(t, view(ep), c.aor, c.uri, "Removed", 0));
    }

    private void removeSip(Ep ep, Contact c, Instant t, String cause) {
        ep.contacts.remove(c.uri);
        ep.online = false;
        emit(new Happening.EndpointState(t, view(ep)));
        emit(new Happening.SipPeerStatus(
                t, view(ep), "Unregistered", Optional.empty(), Optional.of(cause), Optional.empty()));
        deviceUpdate(ep, t, true);
    }

    private Contact liveContact(Ep ep, String endpoint) {
        for (Contact c : ep.contacts.values()) {
            if (c.dynamic) {
                return c;
            }
        }
        throw new IllegalStateException(endpoint + " has no registered contact on " + spec.node());
    }

    /** A qualify answered in {@code rtt}: recovers an unreachable/unqualified contact, else silent. */
    public synchronized void qualify(String endpoint, Duration rtt) {
        Ep ep = ep(endpoint);
        Contact c = liveContact(ep, endpoint);
        Instant t = now();
        long us = usec(rtt);
        if (ep.spec.technology().equals("SIP")) {
            boolean was = c.status.equals("Reachable");
            c.rttUsec = us;
            if (!was) {
                c.status = "Reachable";
                ep.online = true;
                emit(new Happening.EndpointState(t, view(ep)));
                emit(new Happening.SipPeerStatus(
                        t,
                        view(ep),
                        "Reachable",
                        Optional.empty(),
                        Optional.empty(),
                        Optional.of(Long.toString(Math.max(1, rtt.toMillis())))));
                deviceUpdate(ep, t, false);
            }
            return;
        }
        if (c.status.equals("Reachable")) {
            c.rttUsec = us;
            return;
        }
        c.status = "Reachable";
        c.rttUsec = us;
        if (!ep.online) {
            ep.online = true;
            emit(new Happening.EndpointState(t, view(ep)));
            emit(new Happening.PeerStatus(t, view(ep), "Reachable"));
        }
        emit(new Happening.ContactStatus(t, view(ep), c.aor, c.uri, "Reachable", us));
        deviceUpdate(ep, t, false);
    }

    /** Qualify stops being answered: the contact stays registered but becomes Unreachable. */
    public synchronized void unreachable(String endpoint) {
        Ep ep = ep(endpoint);
        if (ep.contacts.values().stream().noneMatch(c -> c.dynamic) && !ep.contacts.isEmpty()) {
            // a static (trunk) contact: its first failed qualify after start is announced once
            Instant t = now();
            for (Contact c : ep.contacts.values()) {
                emit(new Happening.ContactStatus(t, view(ep), c.aor, c.uri, "Unreachable", 0));
            }
            return;
        }
        Contact c = liveContact(ep, endpoint);
        Instant t = now();
        if (ep.spec.technology().equals("SIP")) {
            if (c.status.equals("Unreachable")) {
                return;
            }
            c.status = "Unreachable";
            c.rttUsec = -1;
            ep.online = false;
            emit(new Happening.EndpointState(t, view(ep)));
            emit(new Happening.SipPeerStatus(
                    t, view(ep), "Unreachable", Optional.empty(), Optional.empty(), Optional.of("-1")));
            deviceUpdate(ep, t, false);
            return;
        }
        if (c.status.equals("Unreachable")) {
            return;
        }
        c.status = "Unreachable";
        c.rttUsec = -1;
        boolean stillOnline = ep.contacts.values().stream().anyMatch(x -> x.dynamic && x.status.equals("Reachable"));
        if (ep.online && !stillOnline) {
            ep.online = false;
            emit(new Happening.EndpointState(t, view(ep)));
            emit(new Happening.PeerStatus(t, view(ep), "Unreachable"));
        }
        emit(new Happening.ContactStatus(t, view(ep), c.aor, c.uri, "Unreachable", 0));
        deviceUpdate(ep, t, true);
    }

    // ------------------------------------------------------------------ calls

    /** One call; fields guarded by the model lock. */
    public final class CallState {
        final Chan caller;
        final Chan callee;
        final String exten;
        final Instant bridgeCreated;
        final String bridgeId;
        boolean answered;
        boolean held;
        boolean ended;

        CallState(Chan caller, Chan callee, String exten, Instant t) {
            this.caller = caller;
            this.callee = callee;
            this.exten = exten;
            this.bridgeCreated = t;
            this.bridgeId = HexFormat.of().formatHex(md5(caller.uniqueId)).substring(0, 8) + "-fake-bridge";
        }

        public boolean answered() {
            synchronized (NodeModel.this) {
                return answered;
            }
        }

        public boolean ended() {
            synchronized (NodeModel.this) {
                return ended;
            }
        }

        public String callerChannel() {
            return caller.name;
        }

        public Optional<String> calleeChannel() {
            return Optional.ofNullable(callee).map(c -> c.name);
        }
    }

    /**
     * {@code caller} dials {@code exten}. When exten is an endpoint of this node that is online,
     * it rings there; otherwise the dialplan answers at once (like an echo test).
     */
    public synchronized CallState call(String callerEndpoint, String exten) {
        Ep ep = ep(callerEndpoint);
        Instant t = now();
        Contact cc =
                ep.contacts.values().stream().filter(c -> c.dynamic).findFirst().orElse(null);
        String host = cc == null ? "127.0.0.1" : cc.host;
        int port = cc == null ? 5060 : cc.port;
        if (ep.spec.technology().equals("SIP")) {
            return sipCall(ep, exten, t, host, port);
        }
        security(t, ep, (++callCounter) + "-" + (30000 + callCounter) + "@" + host, host, port);
        processedCalls++;
        Chan a = newChan(ep, ChannelStates.RING, exten, 1, t, null);
        a.connectedNum = "<unknown>";
        a.connectedName = "<unknown>";
        Ep target = endpoints.get("PJSIP/" + exten);
        boolean ring = target != null && target != ep && target.online;
        if (!ring) {
            ep.channels.add(a);
            emit(new Happening.EndpointState(t, view(ep)));
            emitChan(t, "Newchannel", a, null, List.of());
            a.state = ChannelStates.UP;
            emitChan(t, "Newstate", a, null, List.of());
            a.priority = 2;
            deviceUpdate(ep, t, false);
            CallState call = new CallState(a, null, exten, t);
            call.answered = true;
            return call;
        }
        ep.channels.add(a);
        emit(new Happening.EndpointState(t, view(ep)));
        emitChan(t, "Newchannel", a, null, List.of());
        Chan b = newChan(target, ChannelStates.DOWN, "s", 1, t, a);
        target.channels.add(b);
        emit(new Happening.EndpointState(t, view(target)));
        emitChan(t, "Newchannel", b, null, List.of());
        b.exten = exten;
        b.connectedNum = ep.spec.resource();
        b.connectedName = ep.spec.callerName();
        ariOnly(t, "ChannelConnectedLine", List.of(b.view()), Map.of(), target);
        b.state = ChannelStates.RINGING;
        emitChan(t, "Newstate", b, null, List.of());
        deviceUpdate(target, t, false);
        a.priority = 2;
        emitChan(t, "DialBegin", a, b, List.of(Map.entry("DialString", exten)));
        ariOnly(t, "ChannelConnectedLine", List.of(a.view()), Map.of(), ep);
        deviceUpdate(ep, t, false);
        ariOnly(t, "Dial", List.of(a.view(), b.view()), Map.of("dialstatus", "RINGING", "dialstring", ""), ep);
        return new CallState(a, b, exten, t);
    }

    /** A chan_sip call: the dialplan answers at once; the peer's device state does not follow calls. */
    private CallState sipCall(Ep ep, String exten, Instant t, String host, int port) {
        processedCalls++;
        emit(new Happening.Security(
                t,
                "ChallengeSent",
                "SIP",
                "sip:" + ep.spec.resource() + "@127.0.0.1:5082",
                "0x" + Long.toHexString(0x7f0000000000L + (++callCounter) * 0x1000),
                "IPV4/UDP/127.0.0.1/5082",
                "IPV4/UDP/" + host + "/" + port));
        Chan a = newChan(ep, ChannelStates.DOWN, exten, 1, t, null);
        ep.channels.add(a);
        emit(new Happening.EndpointState(t, view(ep)));
        emitChan(t, "Newchannel", a, null, List.of());
        a.state = ChannelStates.RING;
        emitChan(t, "Newstate", a, null, List.of());
        a.state = ChannelStates.UP;
        emitChan(t, "Newstate", a, null, List.of());
        a.priority = 2;
        deviceUpdate(ep, t, false);
        CallState call = new CallState(a, null, exten, t);
        call.answered = true;
        return call;
    }

    /** The callee answers. */
    public synchronized void answer(CallState call) {
        if (call.ended || call.answered) {
            return;
        }
        Instant t = now();
        Chan a = call.caller;
        Chan b = call.callee;
        b.state = ChannelStates.UP;
        emitChan(t, "Newstate", b, null, List.of());
        a.connectedNum = b.ep.spec.resource();
        a.connectedName = b.ep.spec.callerName();
        b.exten = "";
        emitChan(t, "DialEnd", a, b, List.of(Map.entry("DialStatus", "ANSWER")));
        a.state = ChannelStates.UP;
        emitChan(t, "Newstate", a, null, List.of());
        deviceUpdate(b.ep, t, false);
        ariOnly(t, "BridgeCreated", List.of(), Map.of("bridge", bridge(call, List.of())), a.ep, b.ep);
        ariOnly(t, "ChannelEnteredBridge", List.of(b.view()), Map.of("bridge", bridge(call, List.of(b))), b.ep);
        ariOnly(t, "ChannelEnteredBridge", List.of(a.view()), Map.of("bridge", bridge(call, List.of(b, a))), a.ep);
        call.answered = true;
    }

    /** The caller puts the call on hold: the held party (callee) becomes ONHOLD, the caller stays INUSE. */
    public synchronized void hold(CallState call) {
        if (call.ended || call.held || !call.answered) {
            return;
        }
        Instant t = now();
        call.held = true;
        emitChan(
                t,
                "Hold",
                call.caller,
                null,
                call.caller.ep.spec.technology().equals("SIP")
                        ? List.of()
                        : List.of(Map.entry("MusicClass", "default")));
        if (call.callee != null) {
            call.callee.held = true;
            deviceUpdate(call.callee.ep, t, false);
        }
    }

    /** The caller resumes the call. */
    public synchronized void unhold(CallState call) {
        if (call.ended || !call.held) {
            return;
        }
        Instant t = now();
        call.held = false;
        emitChan(t, "Unhold", call.caller, null, List.of());
        if (call.callee != null) {
            call.callee.held = false;
            deviceUpdate(call.callee.ep, t, false);
        }
    }

    /** The caller hangs up (BYE, or CANCEL while ringing). */
    public synchronized void hangup(CallState call) {
        if (call.ended) {
            return;
        }
        call.ended = true;
        Instant t = now();
        Chan a = call.caller;
        Chan b = call.callee;
        if (b == null) {
            ariOnly(t, "ChannelHangupRequest", List.of(a.view()), Map.of(), a.ep);
            ariOnly(t, "ChannelHangupRequest", List.of(a.view()), Map.of("cause", 16, "soft", true), a.ep);
            a.ep.channels.remove(a);
            emitChan(t, "Hangup", a, null, List.of(Map.entry("Cause", "0"), Map.entry("Cause-txt", "Unknown")));
            emit(new Happening.EndpointState(t, view(a.ep)));
            deviceUpdate(a.ep, t, false);
            return;
        }
        if (!call.answered) {
            emitChan(t, "DialEnd", a, b, List.of(Map.entry("DialStatus", "CANCEL")));
            b.ep.channels.remove(b);
            emitChan(t, "Hangup", b, null, List.of(Map.entry("Cause", "0"), Map.entry("Cause-txt", "Unknown")));
            emit(new Happening.EndpointState(t, view(b.ep)));
            deviceUpdate(b.ep, t, true);
            a.ep.channels.remove(a);
            emitChan(
                    t, "Hangup", a, null, List.of(Map.entry("Cause", "16"), Map.entry("Cause-txt", "Normal Clearing")));
            emit(new Happening.EndpointState(t, view(a.ep)));
            deviceUpdate(a.ep, t, true);
            return;
        }
        ariOnly(t, "ChannelHangupRequest", List.of(a.view()), Map.of("cause", 16), a.ep);
        ariOnly(t, "ChannelLeftBridge", List.of(a.view()), Map.of("bridge", bridge(call, List.of(b))), a.ep);
        ariOnly(t, "ChannelLeftBridge", List.of(b.view()), Map.of("bridge", bridge(call, List.of())), b.ep);
        ariOnly(t, "ChannelHangupRequest", List.of(a.view()), Map.of("cause", 16, "soft", true), a.ep);
        a.ep.channels.remove(a);
        String aDev = computeDevice(a.ep);
        a.ep.device = aDev;
        emit(new Happening.ExtensionStatus(
                t,
                a.ep.spec.resource(),
                spec.context(),
                a.ep.spec.id(),
                DeviceStates.extensionStatus(aDev),
                DeviceStates.extensionStatusText(aDev)));
        emitChan(t, "Hangup", a, null, List.of(Map.entry("Cause", "16"), Map.entry("Cause-txt", "Normal Clearing")));
        emit(new Happening.EndpointState(t, view(a.ep)));
        emit(new Happening.DeviceState(t, a.ep.spec.id(), aDev));
        ariOnly(t, "BridgeDestroyed", List.of(), Map.of("bridge", bridge(call, List.of())), a.ep, b.ep);
        b.ep.channels.remove(b);
        b.exten = "";
        emitChan(t, "Hangup", b, null, List.of(Map.entry("Cause", "16"), Map.entry("Cause-txt", "Normal Clearing")));
        emit(new Happening.EndpointState(t, view(b.ep)));
        deviceUpdate(b.ep, t, true);
    }

    private Map<String, Object> bridge(CallState call, List<Chan> members) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", call.bridgeId);
        m.put("technology", "simple_bridge");
        m.put("bridge_type", "mixing");
        m.put("bridge_class", "basic");
        m.put("creator", "");
        m.put("name", "");
        List<String> ids = new ArrayList<>();
        for (Chan c : members) {
            ids.add(c.uniqueId);
        }
        m.put("channels", ids);
        m.put("creationtime", AriTime.format(call.bridgeCreated));
        m.put("video_mode", "none");
        return m;
    }

    private Chan newChan(Ep ep, int state, String exten, int priority, Instant t, Chan linkedTo) {
        long n = channelCounters.merge(ep.spec.technology(), 1L, Long::sum) - 1;
        String name = ep.spec.technology() + "/" + ep.spec.resource() + "-" + String.format("%08x", n);
        String uid = systemPrefix() + t.getEpochSecond() + "." + (uniqueCounter++);
        Chan c = new Chan(ep, name, uid, linkedTo == null ? uid : linkedTo.uniqueId, t);
        c.state = state;
        c.exten = exten;
        c.priority = priority;
        c.connectedNum = "<unknown>";
        c.connectedName = "<unknown>";
        return c;
    }

    private void emitChan(Instant t, String type, Chan c, Chan dest, List<Map.Entry<String, String>> extra) {
        emit(new Happening.Channel(
                t, type, c.view(), Optional.ofNullable(dest).map(Chan::view), extra, Optional.of(c.ep.spec.id())));
    }

    private void ariOnly(Instant t, String type, List<ChannelView> ch, Map<String, Object> extra, Ep... eps) {
        List<String> ids = new ArrayList<>();
        for (Ep e : eps) {
            ids.add(e.spec.id());
        }
        emit(new Happening.AriOnly(t, type, ch, extra, ids));
    }

    // ------------------------------------------------------------------ node-level

    /** {@code module reload res_pjsip.so}: only a Reload event, nothing re-announced. */
    public synchronized void reload(String module) {
        reloadedAt = now();
        emit(new Happening.Reload(reloadedAt, module));
    }

    /** Announces a graceful shutdown. */
    public synchronized void shutdown(boolean restart) {
        emit(new Happening.Shutdown(now(), restart));
    }

    /** Publishes a happening that does not change the model (e.g. an AMI login's SuccessfulAuth). */
    public synchronized void publish(Happening h) {
        emit(h);
    }

    /** A user event (AMI UserEvent; with {@code ari} also an ARI ChannelUserevent). */
    public synchronized void userEvent(String name, List<Map.Entry<String, String>> fields, boolean ari) {
        emit(new Happening.UserEvent(now(), name, fields, ari));
    }

    // ------------------------------------------------------------------ views for AMI actions and ARI REST

    /** A contact as the list actions show it. */
    public record ContactInfo(
            String endpoint,
            String technology,
            String aor,
            String uri,
            String id,
            String viaAddr,
            int viaPort,
            String userAgent,
            String callId,
            long expiresAt,
            String status,
            long rttUsec,
            boolean dynamic) {}

    /** An endpoint as the list actions and ARI show it. */
    public record EndpointInfo(
            EndpointSpec spec,
            boolean online,
            String deviceState,
            List<String> channelIds,
            List<ContactInfo> contacts,
            boolean deviceKnown,
            String ariState) {}

    public synchronized List<EndpointInfo> endpoints() {
        List<EndpointInfo> out = new ArrayList<>();
        for (Ep ep : endpoints.values()) {
            out.add(info(ep));
        }
        return out;
    }

    public synchronized Optional<EndpointInfo> endpoint(String id) {
        Ep ep = endpoints.get(id);
        return ep == null ? Optional.empty() : Optional.of(info(ep));
    }

    public synchronized List<ChannelView> channels() {
        List<ChannelView> out = new ArrayList<>();
        for (Ep ep : endpoints.values()) {
            for (Chan c : ep.channels) {
                out.add(c.view());
            }
        }
        return out;
    }

    public synchronized int activeChannels() {
        int n = 0;
        for (Ep ep : endpoints.values()) {
            n += ep.channels.size();
        }
        return n;
    }

    public synchronized long processedCalls() {
        return processedCalls;
    }

    private EndpointInfo info(Ep ep) {
        List<ContactInfo> cs = new ArrayList<>();
        for (Contact c : ep.contacts.values()) {
            cs.add(new ContactInfo(
                    ep.spec.resource(),
                    ep.spec.technology(),
                    c.aor,
                    c.uri,
                    c.id,
                    c.host,
                    c.port,
                    c.userAgent,
                    c.callId,
                    c.expiresAt,
                    c.status,
                    c.rttUsec,
                    c.dynamic));
        }
        EndpointView v = view(ep);
        return new EndpointInfo(ep.spec, ep.online, ep.device, v.channelIds(), cs, ep.deviceKnown, v.state());
    }

    // ------------------------------------------------------------------ internals

    private void deviceUpdate(Ep ep, Instant t, boolean deviceFirst) {
        String next = computeDevice(ep);
        if (next.equals(ep.device)) {
            return;
        }
        ep.device = next;
        ep.deviceKnown = true;
        Happening dev = new Happening.DeviceState(t, ep.spec.id(), next);
        if (deviceFirst) {
            emit(dev);
        }
        if (ep.spec.hasHint()) {
            emit(new Happening.ExtensionStatus(
                    t,
                    ep.spec.resource(),
                    spec.context(),
                    ep.spec.id(),
                    DeviceStates.extensionStatus(next),
                    DeviceStates.extensionStatusText(next)));
        }
        if (!deviceFirst) {
            emit(dev);
        }
    }

    private static String computeDevice(Ep ep) {
        if (ep.spec.technology().equals("SIP")) {
            // chan_sip only tracks calls with call-limit set, which the fake (like the lab) does not
            return ep.online ? DeviceStates.NOT_INUSE : DeviceStates.UNAVAILABLE;
        }
        boolean ringing = false;
        boolean inUse = false;
        boolean held = false;
        for (Chan c : ep.channels) {
            if (c.held) {
                held = true;
            } else if (c.state == ChannelStates.RINGING) {
                ringing = true;
            } else {
                inUse = true;
            }
        }
        if (ringing && (inUse || held)) {
            return DeviceStates.RINGINUSE;
        }
        if (ringing) {
            return DeviceStates.RINGING;
        }
        if (inUse) {
            return DeviceStates.INUSE;
        }
        if (held) {
            return DeviceStates.ONHOLD;
        }
        return ep.online ? DeviceStates.NOT_INUSE : DeviceStates.UNAVAILABLE;
    }

    private EndpointView view(Ep ep) {
        List<String> ids = new ArrayList<>();
        for (Chan c : ep.channels) {
            ids.add(c.uniqueId);
        }
        String state = ep.spec.technology().equals("SIP") && !ep.online && !ep.everRegistered
                ? "unknown"
                : (ep.online ? "online" : "offline");
        return new EndpointView(ep.spec.technology(), ep.spec.resource(), state, ids);
    }

    private static long usec(Duration d) {
        return d.toNanos() / 1000;
    }

    static byte[] md5(String s) {
        try {
            return MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 not available", e);
        }
    }

    private static final class Ep {
        final EndpointSpec spec;
        final Map<String, Contact> contacts = new LinkedHashMap<>();
        final List<Chan> channels = new ArrayList<>();
        boolean online;
        /** chan_sip peers enter the device state cache only with their first state change. */
        boolean deviceKnown;

        boolean everRegistered;
        String device = DeviceStates.UNAVAILABLE;
        final String context;

        Ep(EndpointSpec spec, String context) {
            this.spec = spec;
            this.context = context;
            this.deviceKnown = !spec.technology().equals("SIP");
        }
    }

    private static final class Contact {
        final String uri;
        final String aor;
        final String endpoint;
        final String host;
        final int port;
        final String id;
        String userAgent;
        String callId;
        long expiresAt;
        String status = "NonQualified";
        long rttUsec = -1;
        boolean dynamic = true;

        Contact(String uri, String aor, String endpoint, String host, int port, String ua, String callId, long exp) {
            this.uri = uri;
            this.aor = aor;
            this.endpoint = endpoint;
            this.host = host;
            this.port = port;
            this.userAgent = ua;
            this.callId = callId;
            this.expiresAt = exp;
            this.id = aor + ";@" + HexFormat.of().formatHex(md5(uri));
        }
    }

    private static final class Chan {
        final Ep ep;
        final String name;
        final String uniqueId;
        final String linkedId;
        final Instant created;
        int state;
        String exten;
        int priority;
        String connectedNum;
        String connectedName;
        boolean held;

        Chan(Ep ep, String name, String uniqueId, String linkedId, Instant created) {
            this.ep = ep;
            this.name = name;
            this.uniqueId = uniqueId;
            this.linkedId = linkedId;
            this.created = created;
        }

        ChannelView view() {
            return new ChannelView(
                    name,
                    uniqueId,
                    linkedId,
                    state,
                    ep.spec.resource(),
                    ep.spec.callerName(),
                    connectedNum,
                    connectedName,
                    ep.context,
                    exten,
                    priority,
                    created);
        }
    }
}
