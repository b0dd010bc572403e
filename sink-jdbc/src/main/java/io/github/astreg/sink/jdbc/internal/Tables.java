package io.github.astreg.sink.jdbc.internal;

/**
 * The names of astreg's tables under one prefix. The prefix is validated by {@code JdbcSinkConfig}
 * ({@code [a-z_][a-z0-9_]*}), so names are safe to put into SQL text unquoted.
 */
public record Tables(String prefix) {
    public String node() {
        return prefix + "node";
    }

    public String contact() {
        return prefix + "contact";
    }

    public String endpoint() {
        return prefix + "endpoint";
    }

    public String event() {
        return prefix + "event";
    }

    public String setting() {
        return prefix + "setting";
    }

    public String location() {
        return prefix + "location";
    }

    public String schemaVersion() {
        return prefix + "schema_version";
    }
}
