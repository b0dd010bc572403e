package io.github.astreg.core.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.astreg.core.model.Change;
import io.github.astreg.core.model.ChangeKind;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactRecord;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.HostPort;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeChange;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodePresence;
import io.github.astreg.core.model.NodeRecord;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.model.RttStats;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The one canonical JSON form of {@link EndpointStateEvent}, {@link EndpointRecord} and
 * {@link NodeRecord}, used on Redis pub/sub, in logs, in the history table and by the lookup
 * service. The form is documented in {@code docs/json.md} and stable: fields may be added, never
 * renamed. Times are ISO-8601 UTC instants, durations are whole microseconds ({@code rttUs}),
 * enums are their Java names, absent optional values are omitted.
 *
 * <p>An event:
 *
 * <pre>{@code
 * {"node":"pbx1","observedAt":"2026-11-26T05:32:55.619Z","sequence":7,"origin":"AMI",
 *  "kind":"contact","endpoint":"PJSIP/1001",
 *  "change":{"uri":"sip:1001@127.0.0.1:5061","status":"REACHABLE","aor":"1001",
 *            "host":"127.0.0.1","port":5061,"userAgent":"sipp","rttUs":744,
 *            "expiresAt":"2026-11-26T06:32:55Z"}}
 * }</pre>
 *
 * <p>Decoding validates everything and throws {@link EventJsonException} naming the field; it never
 * returns a half-built value. Thread-safe.
 */
public final class EventJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EventJson() {}

    // ------------------------------------------------------------------ events

    /** The event's canonical JSON (written directly, without building the tree). */
    public static String write(EndpointStateEvent event) {
        return EventWriter.write(event);
    }

    /**
     * Appends the event's canonical JSON to {@code out}: for sinks that assemble a larger value or
     * reuse one buffer per batch.
     */
    public static void append(StringBuilder out, EndpointStateEvent event) {
        EventWriter.append(out, event);
    }

    public static ObjectNode toTree(EndpointStateEvent event) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("node", event.node().value());
        o.put("observedAt", event.observedAt().toString());
        o.put("sequence", event.sequence());
        o.put("origin", event.origin().name());
        o.put("kind", event.kind().jsonName());
        event.endpoint().ifPresent(ep -> o.put("endpoint", ep.toString()));
        ObjectNode c = o.putObject("change");
        Change change = event.change();
        if (change instanceof ContactChange cc) {
            c.put("uri", cc.uri());
            c.put("status", cc.status().name());
            cc.aor().ifPresent(v -> c.put("aor", v));
            cc.address().ifPresent(a -> {
                c.put("host", a.host());
                c.put("port", a.port());
            });
            cc.userAgent().ifPresent(v -> c.put("userAgent", v));
            cc.rtt().ifPresent(v -> c.put("rttUs", micros(v)));
            cc.expiresAt().ifPresent(v -> c.put("expiresAt", v.toString()));
            cc.jitter().ifPresent(v -> c.put("jitterUs", micros(v)));
            cc.registeredAt().ifPresent(v -> c.put("registeredAt", v.toString()));
        } else if (change instanceof EndpointChange ec) {
            c.put("state", ec.state().name());
            ec.channels().ifPresent(n -> c.put("channels", n));
        } else if (change instanceof DeviceChange dc) {
            c.put("state", dc.state().name());
        } else if (change instanceof NodeChange nc) {
            c.put("status", nc.status().name());
            nc.startedAt().ifPresent(v -> c.put("startedAt", v.toString()));
            nc.collector().ifPresent(v -> c.put("collector", v));
        }
        return o;
    }

    /** @throws EventJsonException when the text is not a valid event */
    public static EndpointStateEvent readEvent(String json) {
        return fromTree(parse(json));
    }

    /** @throws EventJsonException when the tree is not a valid event */
    public static EndpointStateEvent fromTree(JsonNode o) {
        requireObject(o, "event");
        try {
            NodeId node = new NodeId(text(o, "node"));
            Instant observedAt = instant(o, "observedAt");
            long sequence = longValue(o, "sequence");
            Origin origin = enumValue(Origin.class, o, "origin");
            String kindName = text(o, "kind");
            JsonNode c = o.get("change");
            requireObject(c, "change");
            Change change;
            if (kindName.equals(ChangeKind.NODE.jsonName())) {
                change = new NodeChange(
                        enumValue(NodeStatus.class, c, "status"), optInstant(c, "startedAt"), optText(c, "collector"));
            } else {
                EndpointId endpoint = EndpointId.parse(text(o, "endpoint"));
                if (kindName.equals(ChangeKind.CONTACT.jsonName())) {
                    change = ContactChange.builder(
                                    endpoint, text(c, "uri"), enumValue(ContactStatus.class, c, "status"))
                            .aor(optText(c, "aor"))
                            .address(optAddress(c))
                            .userAgent(optText(c, "userAgent"))
                            .rtt(optMicros(c, "rttUs"))
                            .expiresAt(optInstant(c, "expiresAt"))
                            .jitter(optMicros(c, "jitterUs"))
                            .registeredAt(optInstant(c, "registeredAt"))
                            .build();
                } else if (kindName.equals(ChangeKind.ENDPOINT.jsonName())) {
                    change = new EndpointChange(
                            endpoint, enumValue(EndpointState.class, c, "state"), optInt(c, "channels"));
                } else if (kindName.equals(ChangeKind.DEVICE.jsonName())) {
                    change = new DeviceChange(endpoint, enumValue(DeviceState.class, c, "state"));
                } else {
                    throw new EventJsonException("kind: unknown change kind '" + kindName
                            + "' (expected contact, endpoint, device or node)");
                }
            }
            return new EndpointStateEvent(node, observedAt, sequence, origin, change);
        } catch (IllegalArgumentException e) {
            throw new EventJsonException("invalid event: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ records

    public static String write(EndpointRecord record) {
        return toJson(toTree(record));
    }

    public static ObjectNode toTree(EndpointRecord r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("endpoint", r.endpoint().toString());
        o.put("deviceState", r.deviceState().name());
        r.location().ifPresent(l -> {
            ObjectNode lo = o.putObject("location");
            lo.put("node", l.node().value());
            lo.put("uri", l.uri());
            l.address().ifPresent(a -> {
                lo.put("host", a.host());
                lo.put("port", a.port());
            });
            l.rtt().ifPresent(v -> lo.put("rttUs", micros(v)));
            lo.put("registeredAt", l.registeredAt().toString());
        });
        r.rtt().ifPresent(s -> putRtt(o.putObject("rtt"), s));
        ArrayNode ps = o.putArray("presence");
        for (NodePresence p : r.presence()) {
            ObjectNode po = ps.addObject();
            po.put("node", p.node().value());
            p.endpointState().ifPresent(v -> po.put("endpointState", v.name()));
            p.channels().ifPresent(v -> po.put("channels", v));
            p.deviceState().ifPresent(v -> po.put("deviceState", v.name()));
            po.put("lastUpdate", p.lastUpdate().toString());
            po.put("stale", p.stale());
            ArrayNode cs = po.putArray("contacts");
            for (ContactRecord c : p.contacts()) {
                ObjectNode co = cs.addObject();
                co.put("uri", c.uri());
                co.put("status", c.status().name());
                c.aor().ifPresent(v -> co.put("aor", v));
                c.address().ifPresent(a -> {
                    co.put("host", a.host());
                    co.put("port", a.port());
                });
                c.userAgent().ifPresent(v -> co.put("userAgent", v));
                c.rtt().ifPresent(s -> putRtt(co.putObject("rtt"), s));
                c.expiresAt().ifPresent(v -> co.put("expiresAt", v.toString()));
                co.put("registeredAt", c.registeredAt().toString());
                co.put("observedAt", c.observedAt().toString());
                co.put("live", c.live());
            }
        }
        return o;
    }

    /** @throws EventJsonException when the text is not a valid record */
    public static EndpointRecord readRecord(String json) {
        JsonNode o = parse(json);
        requireObject(o, "record");
        try {
            EndpointId endpoint = EndpointId.parse(text(o, "endpoint"));
            Optional<Location> location = Optional.empty();
            JsonNode lo = o.get("location");
            if (lo != null && !lo.isNull()) {
                requireObject(lo, "location");
                location = Optional.of(new Location(
                        new NodeId(text(lo, "node")),
                        text(lo, "uri"),
                        optAddress(lo),
                        optMicros(lo, "rttUs"),
                        instant(lo, "registeredAt")));
            }
            List<NodePresence> presence = new ArrayList<>();
            JsonNode ps = o.get("presence");
            if (ps == null || !ps.isArray()) {
                throw new EventJsonException("presence: must be an array");
            }
            for (JsonNode po : ps) {
                requireObject(po, "presence[]");
                NodeId node = new NodeId(text(po, "node"));
                List<ContactRecord> contacts = new ArrayList<>();
                JsonNode cs = po.get("contacts");
                if (cs == null || !cs.isArray()) {
                    throw new EventJsonException("presence[].contacts: must be an array");
                }
                for (JsonNode co : cs) {
                    requireObject(co, "contacts[]");
                    contacts.add(new ContactRecord(
                            node,
                            text(co, "uri"),
                            enumValue(ContactStatus.class, co, "status"),
                            optText(co, "aor"),
                            optAddress(co),
                            optText(co, "userAgent"),
                            optRtt(co.get("rtt")),
                            optInstant(co, "expiresAt"),
                            instant(co, "registeredAt"),
                            instant(co, "observedAt"),
                            bool(co, "live")));
                }
                presence.add(new NodePresence(
                        node,
                        optEnum(EndpointState.class, po, "endpointState"),
                        optInt(po, "channels"),
                        optEnum(DeviceState.class, po, "deviceState"),
                        contacts,
                        instant(po, "lastUpdate"),
                        bool(po, "stale")));
            }
            return new EndpointRecord(
                    endpoint, presence, location, enumValue(DeviceState.class, o, "deviceState"), optRtt(o.get("rtt")));
        } catch (IllegalArgumentException e) {
            throw new EventJsonException("invalid record: " + e.getMessage(), e);
        }
    }

    public static ObjectNode toTree(NodeRecord n) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("node", n.node().value());
        o.put("status", n.status().name());
        n.startedAt().ifPresent(v -> o.put("startedAt", v.toString()));
        o.put("heartbeatAt", n.heartbeatAt().toString());
        n.collector().ifPresent(v -> o.put("collector", v));
        o.put("stale", n.stale());
        return o;
    }

    public static String write(NodeRecord n) {
        return toJson(toTree(n));
    }

    /** Writes any tree (for example an array of {@link #toTree(NodeRecord)}) as compact JSON. */
    public static String toJson(JsonNode tree) {
        try {
            return MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new EventJsonException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A tree factory sharing this codec's settings. */
    public static ObjectNode newObject() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode newArray() {
        return MAPPER.createArrayNode();
    }

    // ------------------------------------------------------------------ helpers

    private static void putRtt(ObjectNode o, RttStats s) {
        o.put("lastUs", micros(s.last()));
        o.put("minUs", micros(s.min()));
        o.put("maxUs", micros(s.max()));
        o.put("jitterUs", micros(s.jitter()));
        o.put("samples", s.samples());
    }

    private static Optional<RttStats> optRtt(JsonNode o) {
        if (o == null || o.isNull()) {
            return Optional.empty();
        }
        requireObject(o, "rtt");
        return Optional.of(new RttStats(
                Duration.ofNanos(longValue(o, "lastUs") * 1000),
                Duration.ofNanos(longValue(o, "minUs") * 1000),
                Duration.ofNanos(longValue(o, "maxUs") * 1000),
                Duration.ofNanos(longValue(o, "jitterUs") * 1000),
                (int) longValue(o, "samples")));
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            throw new EventJsonException("JSON text must not be null");
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new EventJsonException("malformed JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void requireObject(JsonNode n, String field) {
        if (n == null || !n.isObject()) {
            throw new EventJsonException(field + ": must be a JSON object");
        }
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            throw new EventJsonException(field + ": missing");
        }
        if (!v.isTextual()) {
            throw new EventJsonException(field + ": must be a string, was " + v.getNodeType());
        }
        return v.asText();
    }

    private static Optional<String> optText(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(text(o, field));
    }

    private static long longValue(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            throw new EventJsonException(field + ": missing");
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new EventJsonException(field + ": must be an integer, was " + v);
        }
        return v.asLong();
    }

    private static boolean bool(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isBoolean()) {
            throw new EventJsonException(field + ": must be true or false");
        }
        return v.asBoolean();
    }

    private static OptionalInt optInt(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return OptionalInt.empty();
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new EventJsonException(field + ": must be an integer, was " + v);
        }
        return OptionalInt.of(v.asInt());
    }

    private static Optional<Duration> optMicros(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        long us = longValue(o, field);
        if (us < 0) {
            throw new EventJsonException(field + ": must not be negative, was " + us);
        }
        return Optional.of(Duration.ofNanos(Math.multiplyExact(us, 1000L)));
    }

    private static Instant instant(JsonNode o, String field) {
        String t = text(o, field);
        try {
            return IsoInstant.parse(t);
        } catch (DateTimeParseException e) {
            throw new EventJsonException(field + ": not an ISO-8601 instant: '" + t + "'");
        }
    }

    private static Optional<Instant> optInstant(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(instant(o, field));
    }

    private static Optional<HostPort> optAddress(JsonNode o) {
        Optional<String> host = optText(o, "host");
        OptionalInt port = optInt(o, "port");
        if (host.isPresent() != port.isPresent()) {
            throw new EventJsonException("host and port: give both or neither");
        }
        return host.map(h -> new HostPort(h, port.getAsInt()));
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, JsonNode o, String field) {
        String t = text(o, field);
        try {
            return Enum.valueOf(type, t.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new EventJsonException(field + ": unknown value '" + t + "'");
        }
    }

    private static <E extends Enum<E>> Optional<E> optEnum(Class<E> type, JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(enumValue(type, o, field));
    }
}
