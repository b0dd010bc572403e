package io.github.astreg.examples.config;

import java.util.Map;
import java.util.Objects;

/**
 * One block under {@code sinks:} ({@code jdbc:} or {@code redis:}).
 *
 * @param settings the block's keys after {@code ${ENV}} substitution: {@code url}, {@code username},
 *     {@code password}, {@code tablePrefix} for JDBC; {@code uri}, {@code keyPrefix} (and optional
 *     {@code username}, {@code password}) for Redis
 * @param options the block's {@code options:} map, handed to the sink's {@code fromMap} as is
 * @param path where the block is in the file ({@code sinks.jdbc}), for messages
 */
public record StoreSettings(Map<String, String> settings, Map<String, String> options, String path) {
    public StoreSettings {
        settings = Map.copyOf(settings);
        options = Map.copyOf(options);
        Objects.requireNonNull(path, "path");
    }

    /** A setting, or {@code null} when absent. */
    public String get(String key) {
        return settings.get(key);
    }

    @Override
    public String toString() {
        return "StoreSettings[" + path + ", settings=" + Secrets.redact(settings) + ", options="
                + Secrets.redact(options) + "]";
    }
}
