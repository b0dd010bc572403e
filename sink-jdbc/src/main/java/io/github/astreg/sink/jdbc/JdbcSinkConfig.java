package io.github.astreg.sink.jdbc;

import io.github.astreg.core.registry.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings of {@link JdbcEndpointSink}, {@link JdbcEndpointRegistry} and {@link JdbcSchema}. Build
 * with {@link #builder()}, which reports every bad field at once, or read with {@link #fromMap(Map)}.
 * Connection settings (URL, user, password, pool) are not here: the user brings the
 * {@link javax.sql.DataSource}.
 *
 * @param name the sink's name in logs, metrics and its pipeline thread ({@code astreg-sink-<name>});
 *     default {@code jdbc}
 * @param tablePrefix prefix of every table and the view, {@code [a-z_][a-z0-9_]*}, at most
 *     {@value #MAX_PREFIX_LENGTH} characters; default {@code astreg_} (tables {@code astreg_node},
 *     {@code astreg_contact}, {@code astreg_endpoint}, view {@code astreg_location}, ...)
 * @param dialect the SQL dialect; empty (the default) detects it from the connection's metadata
 * @param migrate whether {@link JdbcEndpointSink#start()} runs {@link JdbcSchema#migrate} (default
 *     true; set false when Flyway or a DBA applies the scripts)
 * @param history whether every change written is also appended to {@code <prefix>event} as
 *     {@link io.github.astreg.core.json.EventJson} (default false)
 * @param historyRetention history rows older than this are purged (default 7 days)
 * @param tombstoneRetention REMOVED contacts and endpoints older than this are purged (default 10
 *     min; keep it at least the registry's {@code tombstoneRetention}, R3)
 * @param purgeInterval how often the sink purges tombstones and history, after a write (default 1
 *     min)
 * @param staleAfter R5's {@code staleAfter}: the registry uses it, and {@link JdbcSchema#migrate}
 *     stores it for the {@code <prefix>location} view (default 30 s; use the same value as the
 *     pipeline's registry, on every collector)
 * @param queryTimeout timeout of every statement (default 10 s)
 */
public record JdbcSinkConfig(
        String name,
        String tablePrefix,
        Optional<JdbcDialect> dialect,
        boolean migrate,
        boolean history,
        Duration historyRetention,
        Duration tombstoneRetention,
        Duration purgeInterval,
        Duration staleAfter,
        Duration queryTimeout) {

    /** Longest accepted table prefix (PostgreSQL identifiers end at 63 bytes). */
    public static final int MAX_PREFIX_LENGTH = 40;

    /** The default table prefix. */
    public static final String DEFAULT_PREFIX = "astreg_";

    private static final Pattern PREFIX = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public JdbcSinkConfig {
        List<String> errors = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            errors.add("name: must be 1..64 characters of [A-Za-z0-9._-], was " + shown(name));
        }
        if (tablePrefix == null || !PREFIX.matcher(tablePrefix).matches() || tablePrefix.length() > MAX_PREFIX_LENGTH) {
            errors.add("tablePrefix: must match [a-z_][a-z0-9_]* and be at most " + MAX_PREFIX_LENGTH
                    + " characters, was " + shown(tablePrefix));
        }
        if (dialect == null) {
            errors.add("dialect: must not be null (use Optional.empty() to detect it)");
        }
        positive(errors, "historyRetention", historyRetention);
        positive(errors, "tombstoneRetention", tombstoneRetention);
        positive(errors, "purgeInterval", purgeInterval);
        positive(errors, "staleAfter", staleAfter);
        positive(errors, "queryTimeout", queryTimeout);
        if (queryTimeout != null && queryTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            errors.add("queryTimeout: must be at least 1s (JDBC counts whole seconds), was " + queryTimeout);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid jdbc sink config: " + String.join("; ", errors));
        }
    }

    private static String shown(String s) {
        if (s == null) {
            return "null";
        }
        return "'" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "'";
    }

    private static void positive(List<String> errors, String field, Duration d) {
        if (d == null) {
            errors.add(field + ": must be set");
        } else if (d.isNegative() || d.isZero()) {
            errors.add(field + ": must be positive, was " + d);
        }
    }

    /** Every default. */
    public static JdbcSinkConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with every field of this config. */
    public Builder toBuilder() {
        return new Builder()
                .name(name)
                .tablePrefix(tablePrefix)
                .dialect(dialect)
                .migrate(migrate)
                .history(history)
                .historyRetention(historyRetention)
                .tombstoneRetention(tombstoneRetention)
                .purgeInterval(purgeInterval)
                .staleAfter(staleAfter)
                .queryTimeout(queryTimeout);
    }

    /**
     * Reads {@code name}, {@code tablePrefix}, {@code dialect} ({@code auto}, {@code postgresql},
     * {@code mariadb}, {@code mysql}, {@code h2}), {@code migrate} and {@code history}
     * ({@code true}/{@code false}), {@code historyRetention}, {@code tombstoneRetention},
     * {@code purgeInterval}, {@code staleAfter}, {@code queryTimeout} (durations as {@code 30s},
     * {@code 500ms}, {@code 5m}, {@code 7d}... or ISO-8601). Absent keys keep their defaults; other
     * keys (such as the runner's {@code url}, {@code user}, {@code password}) are ignored.
     *
     * @throws IllegalArgumentException listing every bad value
     */
    public static JdbcSinkConfig fromMap(Map<String, String> map) {
        Builder b = builder();
        List<String> errors = new ArrayList<>();
        if (map.containsKey("name")) {
            b.name(map.get("name"));
        }
        if (map.containsKey("tablePrefix")) {
            b.tablePrefix(map.get("tablePrefix"));
        }
        String dialect = map.get("dialect");
        if (dialect != null && !dialect.trim().equalsIgnoreCase("auto")) {
            try {
                b.dialect(JdbcDialect.parse(dialect));
            } catch (IllegalArgumentException e) {
                errors.add("dialect: " + e.getMessage());
            }
        }
        bool(map, "migrate", errors).ifPresent(b::migrate);
        bool(map, "history", errors).ifPresent(b::history);
        duration(map, "historyRetention", errors).ifPresent(b::historyRetention);
        duration(map, "tombstoneRetention", errors).ifPresent(b::tombstoneRetention);
        duration(map, "purgeInterval", errors).ifPresent(b::purgeInterval);
        duration(map, "staleAfter", errors).ifPresent(b::staleAfter);
        duration(map, "queryTimeout", errors).ifPresent(b::queryTimeout);
        if (!errors.isEmpty()) {
            // also validate the fields that did parse, so every problem is reported at once
            try {
                b.build();
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage().substring("invalid jdbc sink config: ".length()));
            }
            throw new IllegalArgumentException("invalid jdbc sink config: " + String.join("; ", errors));
        }
        return b.build();
    }

    private static Optional<Boolean> bool(Map<String, String> map, String key, List<String> errors) {
        String v = map.get(key);
        if (v == null) {
            return Optional.empty();
        }
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("yes") || t.equals("on")) {
            return Optional.of(true);
        }
        if (t.equals("false") || t.equals("no") || t.equals("off")) {
            return Optional.of(false);
        }
        errors.add(key + ": must be true or false, was '" + v + "'");
        return Optional.empty();
    }

    private static Optional<Duration> duration(Map<String, String> map, String key, List<String> errors) {
        String v = map.get(key);
        if (v != null && v.trim().endsWith("d") && !v.trim().startsWith("P")) {
            try {
                return Optional.of(Duration.ofDays(Long.parseLong(
                        v.trim().substring(0, v.trim().length() - 1).trim())));
            } catch (NumberFormatException e) {
                errors.add(key + ": not a duration (use 30s, 500ms, 5m, 7d or PT30S): '" + v + "'");
                return Optional.empty();
            }
        }
        return Durations.read(map, key, errors);
    }

    /** Builds a {@link JdbcSinkConfig} with the defaults listed there; validates in {@link #build()}. */
    public static final class Builder {
        private String name = "jdbc";
        private String tablePrefix = DEFAULT_PREFIX;
        private Optional<JdbcDialect> dialect = Optional.empty();
        private boolean migrate = true;
        private boolean history;
        private Duration historyRetention = Duration.ofDays(7);
        private Duration tombstoneRetention = Duration.ofMinutes(10);
        private Duration purgeInterval = Duration.ofMinutes(1);
        private Duration staleAfter = Duration.ofSeconds(30);
        private Duration queryTimeout = Duration.ofSeconds(10);

        private Builder() {}

        public Builder name(String value) {
            this.name = value;
            return this;
        }

        public Builder tablePrefix(String value) {
            this.tablePrefix = value;
            return this;
        }

        public Builder dialect(JdbcDialect value) {
            return dialect(Optional.ofNullable(value));
        }

        public Builder dialect(Optional<JdbcDialect> value) {
            this.dialect = value;
            return this;
        }

        public Builder migrate(boolean value) {
            this.migrate = value;
            return this;
        }

        public Builder history(boolean value) {
            this.history = value;
            return this;
        }

        public Builder historyRetention(Duration value) {
            this.historyRetention = value;
            return this;
        }

        public Builder tombstoneRetention(Duration value) {
            this.tombstoneRetention = value;
            return this;
        }

        public Builder purgeInterval(Duration value) {
            this.purgeInterval = value;
            return this;
        }

        public Builder staleAfter(Duration value) {
            this.staleAfter = value;
            return this;
        }

        public Builder queryTimeout(Duration value) {
            this.queryTimeout = value;
            return this;
        }

        /** @throws IllegalArgumentException listing every invalid field */
        public JdbcSinkConfig build() {
            return new JdbcSinkConfig(
                    name,
                    tablePrefix,
                    dialect,
                    migrate,
                    history,
                    historyRetention,
                    tombstoneRetention,
                    purgeInterval,
                    staleAfter,
                    queryTimeout);
        }
    }
}
