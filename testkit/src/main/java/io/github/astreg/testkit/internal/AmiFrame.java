package io.github.astreg.testkit.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds one AMI message: ordered {@code Key: Value} lines ended by an empty line. */
public final class AmiFrame {
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();

    public AmiFrame add(String key, String value) {
        headers.add(Map.entry(key, value == null ? "" : value));
        return this;
    }

    public AmiFrame add(String key, long value) {
        return add(key, Long.toString(value));
    }

    public AmiFrame actionId(String actionId) {
        if (actionId != null) {
            add("ActionID", actionId);
        }
        return this;
    }

    public List<Map.Entry<String, String>> headers() {
        return headers;
    }

    /** The wire form, CRLF line ends, empty line at the end. */
    public String render() {
        StringBuilder sb = new StringBuilder(64 + headers.size() * 24);
        for (Map.Entry<String, String> h : headers) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    public static AmiFrame response(String status, String actionId) {
        return new AmiFrame().add("Response", status).actionId(actionId);
    }

    public static AmiFrame listEvent(String event, String actionId) {
        return new AmiFrame().add("Event", event).actionId(actionId);
    }
}
