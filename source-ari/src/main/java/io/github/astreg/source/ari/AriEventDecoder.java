package io.github.astreg.source.ari;

import ch.loway.oss.ari4java.AriVersion;
import ch.loway.oss.ari4java.generated.models.ContactInfo;
import ch.loway.oss.ari4java.generated.models.ContactStatusChange;
import ch.loway.oss.ari4java.generated.models.DeviceStateChanged;
import ch.loway.oss.ari4java.generated.models.Endpoint;
import ch.loway.oss.ari4java.generated.models.EndpointStateChange;
import ch.loway.oss.ari4java.generated.models.Event;
import ch.loway.oss.ari4java.generated.models.Message;
import ch.loway.oss.ari4java.generated.models.Peer;
import ch.loway.oss.ari4java.generated.models.PeerStatusChange;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.source.ari.internal.AriEventMapper;
import io.github.astreg.source.ari.internal.AriVersions;
import io.github.astreg.source.ari.internal.ContactUris;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Turns ARI websocket frames into astreg changes, using ari4java's models for the ARI version the
 * server speaks (the nearest version ari4java knows; see {@link #forApiVersion}).
 *
 * <ul>
 *   <li>{@code EndpointStateChange} → {@link EndpointChange} (online/offline/unknown; channel count =
 *       size of {@code channel_ids});
 *   <li>{@code ContactStatusChange} → {@link ContactChange} (NonQualified, Reachable, Unreachable,
 *       Removed; RTT from {@code roundtrip_usec} on Reachable; address and port parsed from the contact
 *       URI, because ARI reports no contact details);
 *   <li>{@code PeerStatusChange} → {@link EndpointChange}; for chan_sip-style peers (any technology
 *       but PJSIP) also a {@link ContactChange} keyed {@code sip:<peer>@<address>}: Registered creates
 *       it, Reachable/Lagged (with {@code time} as RTT in ms) and Unreachable update it, Unregistered
 *       and Rejected remove it. The peer's last address is remembered for the events that omit it;
 *   <li>{@code DeviceStateChanged} → {@link DeviceChange} for {@code TECH/resource} devices of the
 *       configured technologies; other devices ({@code Stasis:}, {@code Custom:}, {@code Local/…}) are
 *       {@linkplain Outcome#IGNORED ignored}.
 * </ul>
 *
 * <p>Frames of other types ari4java knows (channel events an endpoint subscription also delivers) are
 * ignored without being bound; types ari4java does not know are reported as
 * {@link Outcome#UNKNOWN_TYPE}, never as failures. Frames are bound with a mapper of this module's
 * own ({@link AriEventMapper}): unknown fields are skipped, and ari4java's shared mapper is left as
 * it is.
 *
 * <p>Not thread-safe (it remembers chan_sip peer addresses); one decoder per source.
 */
public final class AriEventDecoder {
    /** What became of one frame. */
    public enum Outcome {
        /** Mapped to one or more observations. */
        MAPPED,
        /** A well-formed event astreg does not use (channel events, devices of other technologies). */
        IGNORED,
        /** An event type the ari4java binding does not know. */
        UNKNOWN_TYPE,
        /** Not JSON, no type, or a field astreg needs is missing or invalid. */
        MALFORMED
    }

    /**
     * One observation read from a frame.
     *
     * @param timestamp Asterisk's timestamp of the event; empty when it carried none
     * @param change what it says
     */
    public record Observation(Optional<Instant> timestamp, Change change) {
        public Observation {
            Objects.requireNonNull(timestamp, "timestamp");
            Objects.requireNonNull(change, "change");
        }
    }

    /**
     * The decoding of one frame.
     *
     * @param outcome what became of it
     * @param type the event's {@code type}, or empty text when it had none
     * @param observations what it says (empty unless {@link Outcome#MAPPED})
     * @param problem why it is {@link Outcome#MALFORMED}, else empty text
     */
    public record Result(Outcome outcome, String type, List<Observation> observations, String problem) {
        public Result {
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(type, "type");
            observations = List.copyOf(observations);
            Objects.requireNonNull(problem, "problem");
        }
    }

    static final String ENDPOINT_STATE_CHANGE = "EndpointStateChange";
    static final String CONTACT_STATUS_CHANGE = "ContactStatusChange";
    static final String PEER_STATUS_CHANGE = "PeerStatusChange";
    static final String DEVICE_STATE_CHANGED = "DeviceStateChanged";
    private static final Set<String> MAPPED_TYPES =
            Set.of(ENDPOINT_STATE_CHANGE, CONTACT_STATUS_CHANGE, PEER_STATUS_CHANGE, DEVICE_STATE_CHANGED);
    private static final JsonFactory JSON = new JsonFactory();

    private final AriVersion binding;
    private final Class<?> messageClass;
    private final Set<String> knownTypes;
    private final Set<String> technologies;
    private final Map<EndpointId, HostPort> peerAddresses = new HashMap<>();

    private AriEventDecoder(AriVersion binding, Collection<String> technologies) {
        this.binding = binding;
        this.messageClass = binding.builder().getClassFactory().getImplementationFor(Message.class);
        if (messageClass == null) {
            throw new IllegalStateException("ari4java has no Message model for ARI " + binding.version());
        }
        Set<String> known = new LinkedHashSet<>();
        JsonSubTypes subTypes = messageClass.getAnnotation(JsonSubTypes.class);
        if (subTypes != null) {
            for (JsonSubTypes.Type t : subTypes.value()) {
                known.add(t.name());
            }
        }
        this.knownTypes = Set.copyOf(known);
        this.technologies = Set.copyOf(technologies);
    }

    /**
     * A decoder for a server that reports {@code apiVersion} (from {@code /ari/api-docs/resources.json}),
     * reporting devices of {@code technologies} only.
     *
     * @throws IllegalArgumentException when {@code apiVersion} is no version
     */
    public static AriEventDecoder forApiVersion(String apiVersion, Collection<String> technologies) {
        return new AriEventDecoder(AriVersions.nearest(apiVersion), technologies);
    }

    /** The ari4java binding in use, such as {@code 8.0.0} for a server reporting ARI 10. */
    public String bindingVersion() {
        return binding.version();
    }

    /** Whether the ari4java binding is exactly the server's version. */
    public boolean isExactBinding(String apiVersion) {
        return AriVersions.isExact(apiVersion, binding);
    }

    /** Decodes one websocket text frame. Never throws on bad input: see {@link Result#outcome()}. */
    public Result decode(String frame) {
        String type;
        try {
            type = peekType(frame);
        } catch (IOException | RuntimeException e) {
            return malformed("", "not a JSON object: " + e.getClass().getSimpleName());
        }
        if (type == null) {
            return malformed("", "no \"type\" field");
        }
        if (!MAPPED_TYPES.contains(type)) {
            return new Result(knownTypes.contains(type) ? Outcome.IGNORED : Outcome.UNKNOWN_TYPE, type, List.of(), "");
        }
        Message message;
        try {
            message = (Message) AriEventMapper.read(frame, messageClass);
        } catch (IOException | RuntimeException e) {
            return malformed(type, "ari4java could not bind it: " + rootMessage(e));
        }
        try {
            List<Observation> out = map(message);
            if (out.isEmpty()) {
                return new Result(Outcome.IGNORED, type, List.of(), "");
            }
            return new Result(Outcome.MAPPED, type, out, "");
        } catch (RuntimeException e) {
            return malformed(type, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    private static Result malformed(String type, String problem) {
        return new Result(Outcome.MALFORMED, type, List.of(), problem);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }

    /** The top-level {@code type} of a JSON object, read without binding it; null when absent. */
    static String peekType(String frame) throws IOException {
        try (JsonParser p = JSON.createParser(frame)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not an object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if ("type".equals(name) && v == JsonToken.VALUE_STRING) {
                    return p.getText();
                }
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT) {
                throw new IOException("truncated object");
            }
            return null;
        }
    }

    private List<Observation> map(Message message) {
        Optional<Instant> ts = message instanceof Event ? timestamp((Event) message) : Optional.empty();
        List<Observation> out = new ArrayList<>(2);
        if (message instanceof ContactStatusChange) {
            ContactStatusChange e = (ContactStatusChange) message;
            EndpointId id = endpointId(e.getEndpoint());
            if (technologies.contains(id.technology())) {
                out.add(new Observation(ts, contact(id, required(e.getContact_info(), "contact_info"))));
            }
        } else if (message instanceof EndpointStateChange) {
            Endpoint ep = required(((EndpointStateChange) message).getEndpoint(), "endpoint");
            EndpointChange change = endpoint(ep);
            if (technologies.contains(change.endpoint().technology())) {
                out.add(new Observation(ts, change));
            }
        } else if (message instanceof PeerStatusChange) {
            PeerStatusChange e = (PeerStatusChange) message;
            EndpointChange change = endpoint(required(e.getEndpoint(), "endpoint"));
            if (technologies.contains(change.endpoint().technology())) {
                out.add(new Observation(ts, change));
                Peer peer = e.getPeer();
                if (peer != null && !"PJSIP".equals(change.endpoint().technology())) {
                    for (ContactChange c : peerContacts(change.endpoint(), peer)) {
                        out.add(new Observation(ts, c));
                    }
                }
            }
        } else if (message instanceof DeviceStateChanged) {
            ch.loway.oss.ari4java.generated.models.DeviceState ds =
                    required(((DeviceStateChanged) message).getDevice_state(), "device_state");
            device(ds.getName(), ds.getState()).ifPresent(c -> out.add(new Observation(ts, c)));
        }
        return out;
    }

    private static Optional<Instant> timestamp(Event event) {
        try {
            Date d = event.getTimestamp();
            return d == null ? Optional.empty() : Optional.of(d.toInstant());
        } catch (NullPointerException e) {
            // ari4java's getter copies the date without a null check: an event without a timestamp
            return Optional.empty();
        }
    }

    /**
     * The device change for an ARI device state, when the device is {@code TECH/resource} of a watched
     * technology.
     *
     * @throws IllegalArgumentException when the state is no Asterisk device state
     */
    public Optional<DeviceChange> device(String name, String state) {
        if (name == null || name.indexOf('/') <= 0) {
            return Optional.empty();
        }
        EndpointId id;
        try {
            id = EndpointId.parse(name);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!technologies.contains(id.technology())) {
            return Optional.empty();
        }
        return Optional.of(new DeviceChange(id, DeviceState.parse(required(state, "device_state.state"))));
    }

    static EndpointId endpointId(Endpoint ep) {
        required(ep, "endpoint");
        return new EndpointId(
                required(ep.getTechnology(), "endpoint.technology"), required(ep.getResource(), "endpoint.resource"));
    }

    /** An ARI endpoint object as an endpoint change (state and channel count). */
    static EndpointChange endpoint(Endpoint ep) {
        EndpointId id = endpointId(ep);
        List<String> channels = ep.getChannel_ids();
        return new EndpointChange(id, endpointState(ep.getState()), channels == null ? 0 : channels.size());
    }

    /** ARI's endpoint state text: online, offline, unknown (anything else is UNKNOWN). */
    public static EndpointState endpointState(String state) {
        if (state == null) {
            return EndpointState.UNKNOWN;
        }
        switch (state.trim().toLowerCase(Locale.ROOT)) {
            case "online":
                return EndpointState.ONLINE;
            case "offline":
                return EndpointState.OFFLINE;
            default:
                return EndpointState.UNKNOWN;
        }
    }

    /**
     * ARI's {@code contact_status}.
     *
     * @throws IllegalArgumentException for a value Asterisk does not define
     */
    public static ContactStatus contactStatus(String status) {
        switch (required(status, "contact_info.contact_status").trim().toLowerCase(Locale.ROOT)) {
            case "nonqualified":
            case "unqualified":
                return ContactStatus.NON_QUALIFIED;
            case "reachable":
                return ContactStatus.REACHABLE;
            case "unreachable":
                return ContactStatus.UNREACHABLE;
            case "removed":
                return ContactStatus.REMOVED;
            case "created":
                return ContactStatus.CREATED;
            case "updated":
            case "unknown":
                return ContactStatus.UNKNOWN;
            default:
                throw new IllegalArgumentException("contact_status is not a contact status: '" + shorten(status) + "'");
        }
    }

    private static ContactChange contact(EndpointId id, ContactInfo info) {
        String uri = required(info.getUri(), "contact_info.uri");
        ContactStatus status = contactStatus(info.getContact_status());
        ContactChange.Builder b = ContactChange.builder(id, uri, status);
        if (info.getAor() != null && !info.getAor().isBlank()) {
            b.aor(info.getAor());
        }
        ContactUris.address(uri).ifPresent(b::address);
        if (status == ContactStatus.REACHABLE) {
            rttMicros(info.getRoundtrip_usec()).ifPresent(b::rtt);
        }
        return b.build();
    }

    /** A positive {@code roundtrip_usec} (a string in ARI) as a duration; empty for 0, absent or junk. */
    static Optional<Duration> rttMicros(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            long us = Long.parseLong(text.trim());
            return us > 0 ? Optional.of(Duration.of(us, ChronoUnit.MICROS)) : Optional.empty();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("roundtrip_usec is not a number: '" + shorten(text) + "'");
        }
    }

    /** chan_sip's {@code time} (ms; a number or a string, {@code -1} when unknown) as an RTT. */
    static Optional<Duration> peerTimeMillis(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            long ms = (long) Double.parseDouble(text.trim());
            return ms > 0 ? Optional.of(Duration.ofMillis(ms)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private List<ContactChange> peerContacts(EndpointId id, Peer peer) {
        String status = peer.getPeer_status() == null
                ? ""
                : peer.getPeer_status().trim().toUpperCase(Locale.ROOT);
        Optional<HostPort> given = ContactUris.peerAddress(peer.getAddress(), peer.getPort());
        HostPort known = peerAddresses.get(id);
        List<ContactChange> out = new ArrayList<>(2);
        switch (status) {
            case "REGISTERED":
                if (given.isPresent()) {
                    if (known != null && !known.equals(given.get())) {
                        out.add(peerContact(id, known, ContactStatus.REMOVED).build());
                    }
                    peerAddresses.put(id, given.get());
                    out.add(peerContact(id, given.get(), ContactStatus.CREATED).build());
                }
                break;
            case "REACHABLE":
            case "LAGGED":
            case "UNREACHABLE":
                HostPort at = given.orElse(known);
                if (at != null) {
                    if (known != null && !known.equals(at)) {
                        out.add(peerContact(id, known, ContactStatus.REMOVED).build());
                    }
                    peerAddresses.put(id, at);
                    boolean up = !status.equals("UNREACHABLE");
                    ContactChange.Builder b =
                            peerContact(id, at, up ? ContactStatus.REACHABLE : ContactStatus.UNREACHABLE);
                    if (up) {
                        peerTimeMillis(peer.getTime()).ifPresent(b::rtt);
                    }
                    out.add(b.build());
                }
                break;
            case "UNREGISTERED":
            case "REJECTED":
                HostPort gone = known != null ? known : given.orElse(null);
                if (gone != null) {
                    peerAddresses.remove(id);
                    out.add(peerContact(id, gone, ContactStatus.REMOVED).build());
                }
                break;
            default:
                break;
        }
        return out;
    }

    /** The contact URI astreg gives a chan_sip-style registration: {@code sip:<peer>@<host>:<port>}. */
    public static String peerContactUri(EndpointId id, HostPort at) {
        return "sip:" + id.resource() + "@" + at;
    }

    private static ContactChange.Builder peerContact(EndpointId id, HostPort at, ContactStatus status) {
        return ContactChange.builder(id, peerContactUri(id, at), status)
                .aor(id.resource())
                .address(at);
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return value;
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
