package io.github.astreg.source.ami.internal;

import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.HostPort;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.asteriskjava.manager.event.ContactStatusEvent;

/**
 * Pure functions from AMI frames ({@link Headers}) to canonical changes. No I/O, no state: the source
 * keeps what little state there is (the chan_sip contact of each peer) and passes it in. The one
 * thing remembered is a bounded memo of PJSIP endpoint ids already validated (immutable values): the
 * same few thousand names arrive in every event, and validating them again each time was a
 * measurable share of the source's thread.
 *
 * <p>Every function throws {@link MalformedFrameException} for a frame it cannot read; callers count
 * and log those. What they return for frames that are fine but of no interest is documented per
 * function.
 */
public final class AmiMapping {
    private static final Pattern SIP_STATUS_MS = Pattern.compile("(?i)^(OK|LAGGED)\\s*\\((\\d+)\\s*ms\\)$");
    /** Validated PJSIP endpoint ids by resource; cleared when full (a memo, never a source of truth). */
    private static final ConcurrentHashMap<String, EndpointId> PJSIP_IDS = new ConcurrentHashMap<>();

    private static final int PJSIP_IDS_MAX = 65_536;
    /** Epoch seconds below which {@code round(seconds * 1e6)} is exact in a double (year 2255). */
    private static final double EXACT_MICROS_LIMIT = 9.0e9;

    private static final Pattern URI_HOST_PORT =
            Pattern.compile("^(?i)(sips?):(?:[^@;>]*@)?(\\[[0-9A-Fa-f:.]+\\]|[^:;>?]+)(?::(\\d{1,5}))?");

    private AmiMapping() {}

    // ------------------------------------------------------------------ time

    /** Asterisk's {@code Timestamp} header (epoch seconds with micros), when present and valid. */
    public static Optional<Instant> timestamp(Headers h) {
        Optional<Instant> parsed = h.parsedTimestamp();
        return parsed.isPresent() ? parsed : h.get("Timestamp").flatMap(AmiMapping::parseTimestamp);
    }

    /**
     * asterisk-java's {@code Double} reading of {@code Timestamp} as an instant, to the microsecond,
     * as {@link #parseTimestamp} would read the header's text (a double holds epoch microseconds of
     * this era exactly: the closest double to the text is within 0.12 µs, the product within 0.25).
     */
    public static Optional<Instant> timestamp(Double seconds) {
        if (seconds == null || !(seconds > 0) || seconds.isInfinite()) {
            return Optional.empty();
        }
        double s = seconds;
        if (s >= EXACT_MICROS_LIMIT) {
            return parseTimestamp(BigDecimal.valueOf(s).toPlainString());
        }
        long micros = Math.round(s * 1_000_000d);
        return Optional.of(Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000));
    }

    /** Parses {@code 1795671175.618230}; empty when it is no positive epoch time. */
    public static Optional<Instant> parseTimestamp(String text) {
        try {
            BigDecimal d = new BigDecimal(text.trim());
            if (d.signum() <= 0) {
                return Optional.empty();
            }
            long seconds = d.longValue();
            long micros = d.subtract(BigDecimal.valueOf(seconds))
                    .movePointRight(6)
                    .setScale(0, java.math.RoundingMode.HALF_UP)
                    .longValue();
            return Optional.of(Instant.ofEpochSecond(seconds, micros * 1000));
        } catch (NumberFormatException | ArithmeticException | DateTimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The node's epoch from CoreStatus {@code CoreStartupDate} ({@code 2026-11-26}) and
     * {@code CoreStartupTime} ({@code 05:32:37}), read in the server's zone.
     */
    public static Optional<Instant> startedAt(String date, String time, ZoneId zone) {
        if (date == null || time == null || date.isBlank() || time.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(date.trim())
                    .atTime(LocalTime.parse(time.trim()))
                    .atZone(zone)
                    .toInstant());
        } catch (DateTimeException e) {
            throw new MalformedFrameException("CoreStatus startup '" + date + " " + time + "' is no date and time");
        }
    }

    // ------------------------------------------------------------------ live events

    /**
     * A live {@code ContactStatus} event. {@code NonQualified}, {@code Reachable} (with RTT from
     * {@code RoundtripUsec} when positive), {@code Unreachable}, {@code Removed}, and the documented
     * {@code Created}/{@code Unknown}/{@code Unqualified}. Empty for {@code Updated}, which says the
     * contact changed but not its status (the contact list then tells).
     */
    public static Optional<ContactChange> contactStatus(Headers h) {
        return contactStatus(
                h.get("URI").orElse(null),
                h.get("ContactStatus").orElse(null),
                h.get("AOR").orElse(null),
                h.get("EndpointName").orElse(null),
                h.get("RoundtripUsec").orElse(null));
    }

    /**
     * {@link #contactStatus(Headers)} read straight from asterisk-java's event: the same values, the
     * same rules, without copying the event into headers first (this is the source's hot path).
     * asterisk-java reads {@code ContactStatus: Unknown} as {@code null}.
     */
    public static Optional<ContactChange> contactStatus(ContactStatusEvent e) {
        String status = e.getContactStatus();
        return contactStatus(
                Headers.clean(e.getUri()),
                status == null ? "Unknown" : Headers.clean(status),
                Headers.clean(e.getAor()),
                Headers.clean(e.getEndpointName()),
                Headers.clean(e.getRoundtripUsec()));
    }

    /** The values as {@link Headers#get} gives them: trimmed, null when absent. */
    private static Optional<ContactChange> contactStatus(
            String uri, String text, String aor, String endpointName, String roundtripUsec) {
        if (uri == null) {
            throw new MalformedFrameException("missing header URI");
        }
        if (text == null) {
            throw new MalformedFrameException("missing header ContactStatus");
        }
        String name = endpointName != null ? endpointName : aor;
        if (name == null) {
            throw new MalformedFrameException("ContactStatus without EndpointName and AOR");
        }
        EndpointId endpoint = endpoint("PJSIP", name);
        if (text.equalsIgnoreCase("Updated")) {
            return Optional.empty();
        }
        ContactStatus status = contactStatus(text);
        ContactChange.Builder b =
                ContactChange.builder(endpoint, checkUri(uri), status).aor(Optional.ofNullable(aor));
        if (status == ContactStatus.REACHABLE) {
            rtt(Headers.parseLong(roundtripUsec)).ifPresent(b::rtt);
        }
        return Optional.of(b.build());
    }

    /** Maps a contact status word of events and lists. */
    public static ContactStatus contactStatus(String text) {
        // Asterisk's own spellings first: no lower-cased copy per event
        switch (text) {
            case "Reachable":
                return ContactStatus.REACHABLE;
            case "Unreachable":
                return ContactStatus.UNREACHABLE;
            case "NonQualified":
                return ContactStatus.NON_QUALIFIED;
            case "Removed":
                return ContactStatus.REMOVED;
            default:
                break;
        }
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "nonqualified":
            case "unqualified":
                return ContactStatus.NON_QUALIFIED;
            case "reachable":
            case "avail":
                return ContactStatus.REACHABLE;
            case "unreachable":
            case "unavail":
                return ContactStatus.UNREACHABLE;
            case "removed":
                return ContactStatus.REMOVED;
            case "created":
                return ContactStatus.CREATED;
            case "unknown":
                return ContactStatus.UNKNOWN;
            default:
                throw new MalformedFrameException("unknown contact status '" + text + "'");
        }
    }

    /**
     * A live {@code PeerStatus} event. PJSIP: {@code Reachable} → ONLINE, {@code Unreachable} →
     * OFFLINE. chan_sip ({@code SIP/} peers): {@code Registered} (with {@code Address}) → ONLINE and a
     * contact {@code sip:<peer>@<address>}; {@code Reachable}/{@code Lagged} → ONLINE and the contact
     * REACHABLE; {@code Unreachable} → OFFLINE and the contact UNREACHABLE; {@code Unregistered} →
     * OFFLINE and the contact REMOVED. {@code knownSipContact} is the URI of the peer's current
     * chan_sip contact, which only {@code Registered} announces. Other technologies and statuses map
     * to the endpoint state alone.
     */
    public static List<Change> peerStatus(Headers h, Optional<String> knownSipContact) {
        String peer = h.require("Peer");
        String status = h.require("PeerStatus").toLowerCase(Locale.ROOT);
        EndpointId endpoint = parseEndpoint(peer);
        boolean chanSip = endpoint.technology().equalsIgnoreCase("SIP");
        List<Change> out = new ArrayList<>(3);
        switch (status) {
            case "reachable":
            case "lagged":
            case "registered":
                out.add(new EndpointChange(endpoint, EndpointState.ONLINE));
                break;
            case "unreachable":
            case "unregistered":
            case "rejected":
                out.add(new EndpointChange(endpoint, EndpointState.OFFLINE));
                break;
            case "unknown":
                out.add(new EndpointChange(endpoint, EndpointState.UNKNOWN));
                break;
            default:
                throw new MalformedFrameException("unknown PeerStatus '" + status + "'");
        }
        if (!chanSip) {
            return out;
        }
        switch (status) {
            case "registered": {
                HostPort address = sipPeerAddress(h)
                        .orElseThrow(() -> new MalformedFrameException("chan_sip Registered without Address"));
                String uri = sipContactUri(endpoint, address);
                knownSipContact
                        .filter(old -> !old.equals(uri))
                        .ifPresent(old -> out.add(ContactChange.builder(endpoint, old, ContactStatus.REMOVED)
                                .build()));
                out.add(ContactChange.builder(endpoint, uri, ContactStatus.NON_QUALIFIED)
                        .address(address)
                        .build());
                break;
            }
            case "reachable":
            case "lagged":
                knownSipContact.ifPresent(uri -> {
                    ContactChange.Builder b = ContactChange.builder(endpoint, uri, ContactStatus.REACHABLE);
                    OptionalLong ms = h.getLong("Time");
                    if (ms.isPresent() && ms.getAsLong() > 0) {
                        b.rtt(Duration.ofMillis(ms.getAsLong()));
                    }
                    out.add(b.build());
                });
                break;
            case "unreachable":
                knownSipContact.ifPresent(uri -> out.add(ContactChange.builder(endpoint, uri, ContactStatus.UNREACHABLE)
                        .build()));
                break;
            case "unregistered":
                knownSipContact.ifPresent(uri -> out.add(ContactChange.builder(endpoint, uri, ContactStatus.REMOVED)
                        .build()));
                break;
            default:
                break;
        }
        return out;
    }

    /** {@code Address: 127.0.0.1:5102} (or {@code [::1]:5060}), or {@code Address} plus {@code Port}. */
    static Optional<HostPort> sipPeerAddress(Headers h) {
        Optional<String> address = h.get("Address");
        if (address.isEmpty()) {
            return Optional.empty();
        }
        OptionalLong port = h.getLong("Port");
        return Optional.of(hostPort(address.get(), port.isPresent() ? (int) port.getAsLong() : 5060));
    }

    /** The synthetic contact URI astreg keys a chan_sip registration by: {@code sip:<peer>@<host>:<port>}. */
    public static String sipContactUri(EndpointId endpoint, HostPort address) {
        return "sip:" + endpoint.resource() + "@" + address;
    }

    /** Outcome of a device state frame: the change, or why it was skipped. */
    public record DeviceResult(Optional<DeviceChange> change, Optional<String> skipped) {}

    /**
     * A {@code DeviceStateChange} (live, or an item of DeviceStateList). Only devices named
     * {@code TECH/resource} that parse as an endpoint are mapped; {@code Queue:…}, {@code Custom:…},
     * {@code Park:…} and the like are skipped, with the reason.
     */
    public static DeviceResult deviceState(Headers h) {
        String device = h.require("Device");
        String state = h.require("State");
        Optional<EndpointId> endpoint = deviceEndpoint(device);
        if (endpoint.isEmpty()) {
            return new DeviceResult(
                    Optional.empty(), Optional.of("device '" + shorten(device) + "' is no TECH/resource"));
        }
        return new DeviceResult(
                Optional.of(new DeviceChange(endpoint.get(), deviceStateValue(state))), Optional.empty());
    }

    /** The endpoint a device name stands for, when it is of the form {@code TECH/resource}. */
    public static Optional<EndpointId> deviceEndpoint(String device) {
        int slash = device.indexOf('/');
        int colon = device.indexOf(':');
        if (slash <= 0 || (colon >= 0 && colon < slash)) {
            return Optional.empty();
        }
        try {
            return Optional.of(EndpointId.parse(device));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static DeviceState deviceStateValue(String text) {
        try {
            return DeviceState.parse(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedFrameException("unknown device state '" + shorten(text) + "'");
        }
    }

    // ------------------------------------------------------------------ lists

    /**
     * One {@code ContactList} item of PJSIPShowContacts: status, address ({@code ViaAddr}/{@code ViaPort},
     * else the URI's host and port), user agent, expiry ({@code ExpirationTime}, epoch seconds), RTT
     * ({@code RoundtripUsec}; {@code N/A} means none yet) and the AOR (the object name before
     * {@code ;@}).
     */
    public static ContactChange contactListItem(Headers h) {
        String uri = checkUri(h.require("Uri"));
        Optional<String> aor = h.get("ObjectName").map(n -> {
            int i = n.indexOf(";@");
            return i > 0 ? n.substring(0, i) : n;
        });
        String endpointName = h.get("Endpoint")
                .or(() -> aor)
                .orElseThrow(() -> new MalformedFrameException("ContactList item without Endpoint and ObjectName"));
        EndpointId endpoint = endpoint("PJSIP", endpointName);
        ContactStatus status = h.get("Status").map(AmiMapping::contactStatus).orElse(ContactStatus.UNKNOWN);
        ContactChange.Builder b = ContactChange.builder(endpoint, uri, status).aor(aor);
        Optional<String> viaAddr = h.get("ViaAddr");
        OptionalLong viaPort = h.getLong("ViaPort");
        if (viaAddr.isPresent() && viaPort.isPresent() && viaPort.getAsLong() > 0 && viaPort.getAsLong() <= 65535) {
            b.address(new HostPort(stripBrackets(viaAddr.get()), (int) viaPort.getAsLong()));
        } else {
            uriAddress(uri).ifPresent(b::address);
        }
        h.get("UserAgent").map(AmiMapping::limitUserAgent).ifPresent(b::userAgent);
        OptionalLong expires = h.getLong("ExpirationTime");
        if (expires.isEmpty()) {
            expires = h.getLong("RegExpire");
        }
        if (expires.isPresent() && expires.getAsLong() > 0) {
            b.expiresAt(Instant.ofEpochSecond(expires.getAsLong()));
        }
        if (status == ContactStatus.REACHABLE) {
            rtt(h.getLong("RoundtripUsec")).ifPresent(b::rtt);
        }
        return b.build();
    }

    /** One {@code EndpointList} item of PJSIPShowEndpoints, as endpoint state and device state. */
    public record EndpointItem(EndpointChange endpoint, Optional<DeviceChange> device) {}

    /**
     * One {@code EndpointList} item: {@code DeviceState} gives the endpoint state (Unavailable or
     * Invalid → OFFLINE, Unknown → UNKNOWN, anything else → ONLINE) and {@code ActiveChannels} the
     * channel count.
     */
    public static EndpointItem endpointListItem(Headers h) {
        EndpointId endpoint = endpoint("PJSIP", h.require("ObjectName"));
        Optional<DeviceState> device = h.get("DeviceState").map(AmiMapping::deviceStateValue);
        EndpointState state = device.map(d -> {
                    switch (d) {
                        case UNAVAILABLE:
                        case INVALID:
                            return EndpointState.OFFLINE;
                        case UNKNOWN:
                            return EndpointState.UNKNOWN;
                        default:
                            return EndpointState.ONLINE;
                    }
                })
                .orElse(EndpointState.UNKNOWN);
        OptionalLong channels = h.getLong("ActiveChannels");
        OptionalInt ch = channels.isPresent() && channels.getAsLong() >= 0
                ? OptionalInt.of((int) Math.min(Integer.MAX_VALUE, channels.getAsLong()))
                : OptionalInt.empty();
        return new EndpointItem(
                new EndpointChange(endpoint, state, ch), device.map(d -> new DeviceChange(endpoint, d)));
    }

    /**
     * One chan_sip {@code PeerEntry} of SIPpeers. The endpoint state follows {@code Status}
     * ({@code OK (n ms)}, {@code LAGGED (n ms)}, {@code Unmonitored} → ONLINE when the peer has an
     * address; {@code UNREACHABLE} → OFFLINE; {@code UNKNOWN} → OFFLINE without address, else UNKNOWN).
     * A dynamic peer with an address is a registration: it also yields its contact
     * ({@link #sipContactUri}), with the RTT of {@code OK (n ms)}.
     */
    public static List<Change> peerEntry(Headers h) {
        String tech = h.get("Channeltype").orElse("SIP");
        EndpointId endpoint = endpoint(tech, h.require("ObjectName"));
        Optional<String> ip = h.get("IPaddress").filter(a -> !a.equalsIgnoreCase("-none-"));
        OptionalLong port = h.getLong("IPport");
        Optional<HostPort> address = ip.isPresent() && port.isPresent() && port.getAsLong() > 0
                ? Optional.of(new HostPort(stripBrackets(ip.get()), (int) port.getAsLong()))
                : Optional.empty();
        String status = h.get("Status").orElse("UNKNOWN");
        Matcher ok = SIP_STATUS_MS.matcher(status);
        EndpointState state;
        ContactStatus contactStatus;
        Optional<Duration> rtt = Optional.empty();
        if (ok.matches()) {
            state = EndpointState.ONLINE;
            contactStatus = ContactStatus.REACHABLE;
            long ms = Long.parseLong(ok.group(2));
            if (ms > 0) {
                rtt = Optional.of(Duration.ofMillis(ms));
            }
        } else if (status.equalsIgnoreCase("UNREACHABLE")) {
            state = EndpointState.OFFLINE;
            contactStatus = ContactStatus.UNREACHABLE;
        } else if (status.equalsIgnoreCase("Unmonitored")) {
            state = address.isPresent() ? EndpointState.ONLINE : EndpointState.OFFLINE;
            contactStatus = ContactStatus.NON_QUALIFIED;
        } else {
            state = address.isPresent() ? EndpointState.UNKNOWN : EndpointState.OFFLINE;
            contactStatus = ContactStatus.UNKNOWN;
        }
        List<Change> out = new ArrayList<>(2);
        out.add(new EndpointChange(endpoint, state));
        boolean dynamic = h.get("Dynamic")
                .map(d -> d.equalsIgnoreCase("yes") || d.equalsIgnoreCase("y"))
                .orElse(false);
        if (dynamic && address.isPresent()) {
            out.add(ContactChange.builder(endpoint, sipContactUri(endpoint, address.get()), contactStatus)
                    .address(address)
                    .rtt(rtt)
                    .build());
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    /** The host and port of a SIP URI ({@code sip:1001@127.0.0.1:5061;transport=udp}); 5060/5061 by default. */
    public static Optional<HostPort> uriAddress(String uri) {
        Matcher m = URI_HOST_PORT.matcher(uri.trim());
        if (!m.find()) {
            return Optional.empty();
        }
        String host = stripBrackets(m.group(2));
        int port =
                m.group(3) != null ? Integer.parseInt(m.group(3)) : (m.group(1).equalsIgnoreCase("sips") ? 5061 : 5060);
        try {
            return Optional.of(new HostPort(host, port));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static HostPort hostPort(String text, int defaultPort) {
        String t = text.trim();
        try {
            if (t.startsWith("[")) {
                int end = t.indexOf(']');
                String host = t.substring(1, end);
                int port = t.length() > end + 2 && t.charAt(end + 1) == ':'
                        ? Integer.parseInt(t.substring(end + 2))
                        : defaultPort;
                return new HostPort(host, port);
            }
            int colon = t.lastIndexOf(':');
            if (colon > 0 && t.indexOf(':') == colon) {
                return new HostPort(t.substring(0, colon), Integer.parseInt(t.substring(colon + 1)));
            }
            return new HostPort(t, defaultPort);
        } catch (RuntimeException e) {
            throw new MalformedFrameException("bad address '" + shorten(text) + "'");
        }
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static Optional<Duration> rtt(OptionalLong usec) {
        return usec.isPresent() && usec.getAsLong() > 0
                ? Optional.of(Duration.ofNanos(usec.getAsLong() * 1000))
                : Optional.empty();
    }

    /** {@code PJSIP/1001}, {@code SIP/alice}: the endpoint a PeerStatus {@code Peer} names. */
    static EndpointId parseEndpoint(String text) {
        try {
            return EndpointId.parse(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedFrameException("'" + shorten(text) + "' is no TECH/resource endpoint");
        }
    }

    private static EndpointId endpoint(String tech, String resource) {
        boolean pjsip = tech.equals("PJSIP");
        if (pjsip) {
            EndpointId known = PJSIP_IDS.get(resource);
            if (known != null) {
                return known;
            }
        }
        EndpointId id;
        try {
            id = new EndpointId(tech, resource);
        } catch (IllegalArgumentException e) {
            throw new MalformedFrameException("'" + shorten(tech + "/" + resource) + "' is no endpoint");
        }
        if (pjsip) {
            if (PJSIP_IDS.size() >= PJSIP_IDS_MAX) {
                PJSIP_IDS.clear();
            }
            PJSIP_IDS.put(resource, id);
        }
        return id;
    }

    private static String checkUri(String uri) {
        if (uri.length() > ContactChange.MAX_URI_LENGTH) {
            throw new MalformedFrameException("contact URI longer than " + ContactChange.MAX_URI_LENGTH);
        }
        return uri;
    }

    private static String limitUserAgent(String ua) {
        return ua.length() > 512 ? ua.substring(0, 512) : ua;
    }

    /** Shortens untrusted text for logs and messages. */
    public static String shorten(String text) {
        if (text == null) {
            return "null";
        }
        String t = text.replaceAll("[\\p{Cntrl}]", "?");
        return t.length() > 120 ? t.substring(0, 117) + "..." : t;
    }
}
