package io.github.astreg.sink.redis.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.EndpointStateEvent;
import java.io.IOException;
import java.util.Optional;

/**
 * One field of an endpoint hash or of the nodes hash as the script stores it: the header the script
 * reads ({@code v}, {@code k}, {@code rt}, ...) and the merged change in core's event JSON.
 *
 * @param kind {@code 1} live, {@code 0} not live, {@code 2} removed (a tombstone)
 * @param rttMinMicros smallest RTT sample seen since the registration began, when any
 * @param rttMaxMicros largest RTT sample seen since the registration began, when any
 * @param rttSamples number of RTT samples seen since the registration began (0 when none)
 * @param event the merged change
 */
public record StoredField(int kind, long rttMinMicros, long rttMaxMicros, int rttSamples, EndpointStateEvent event) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public boolean removed() {
        return kind == 2;
    }

    /**
     * Parses a stored value.
     *
     * @throws IllegalArgumentException (with a shortened reason, never the whole value) when it is not
     *     what the script writes
     */
    public static StoredField parse(String json) {
        JsonNode o;
        try {
            o = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (o == null || !o.isObject() || !o.has("k") || !o.has("event")) {
            throw new IllegalArgumentException("not a stored astreg value (k, event missing)");
        }
        int kind = o.get("k").asInt(-1);
        long min = 0;
        long max = 0;
        int samples = 0;
        String rt = Optional.ofNullable(o.get("rt")).map(JsonNode::asText).orElse("");
        if (!rt.isEmpty()) {
            String[] p = rt.split(",");
            if (p.length == 3) {
                try {
                    min = Long.parseLong(p[0]);
                    max = Long.parseLong(p[1]);
                    samples = Integer.parseInt(p[2]);
                } catch (NumberFormatException e) {
                    samples = 0;
                }
            }
        }
        return new StoredField(kind, min, max, samples, EventJson.fromTree(o.get("event")));
    }
}
