package io.github.astreg.sink.jdbc.internal;

import io.github.astreg.sink.jdbc.JdbcDialect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The SQL text and value binding that differ between databases.
 *
 * <p>Every write is a version-guarded upsert (R3): a row is changed only when the incoming
 * {@code (observed_at, seq)} is strictly newer than the stored one. PostgreSQL says so with
 * {@code ON CONFLICT ... DO UPDATE ... WHERE}, H2 with {@code MERGE ... WHEN MATCHED AND}, MySQL and
 * MariaDB with {@code ON DUPLICATE KEY UPDATE col = IF(newer, VALUES(col), col)}. MySQL applies
 * those assignments left to right and later ones see earlier results, so every guarded column is
 * assigned before the version columns, and {@code seq} before {@code observed_at}: once {@code seq}
 * took the new value, the guard re-evaluated for {@code observed_at} is still true when the time is
 * newer and false only when both times are equal, where nothing changes anyway.
 *
 * <p>Times are stored with microsecond precision (truncated, never rounded): PostgreSQL and H2 as
 * {@code TIMESTAMP WITH TIME ZONE}, MySQL/MariaDB as UTC {@code DATETIME(6)}.
 *
 * <p>Parameter order of the upserts: node {@code (node, status, collector, heartbeat_at, seq,
 * connected_since, updated_at)}; endpoint {@code (node, endpoint, endpoint_state, channels,
 * observed_at, seq, device_state, device_observed_at, device_seq)}; contact {@code (node, endpoint,
 * uri, aor, host, port, user_agent, status, rtt_us, jitter_us, expires_at, registered_at,
 * observed_at, seq)} and, on MySQL, {@code uri_hash}.
 */
public abstract class SqlDialect {

    /** A column of an upsert, with its H2 type (H2 needs typed parameters in {@code MERGE ... USING}). */
    record Col(String name, String h2Type) {}

    static final List<Col> NODE_COLS = List.of(
            new Col("node", "VARCHAR(64)"),
            new Col("status", "VARCHAR(16)"),
            new Col("collector", "VARCHAR(128)"),
            new Col("heartbeat_at", "TIMESTAMP(6) WITH TIME ZONE"),
            new Col("seq", "BIGINT"),
            new Col("connected_since", "TIMESTAMP(6) WITH TIME ZONE"),
            new Col("updated_at", "TIMESTAMP(6) WITH TIME ZONE"));

    static final List<Col> ENDPOINT_COLS = List.of(
            new Col("node", "VARCHAR(64)"),
            new Col("endpoint", "VARCHAR(300)"),
            new Col("endpoint_state", "VARCHAR(16)"),
            new Col("channels", "INTEGER"),
            new Col("observed_at", "TIMESTAMP(6) WITH TIME ZONE"),
            new Col("seq", "BIGINT"),
            new Col("device_state", "VARCHAR(16)"),
            new Col("device_observed_at", "TIMESTAMP(6) WITH TIME ZONE"),
            new Col("device_seq", "BIGINT"));

    static final List<Col> CONTACT_COLS = List.of(
            new Col("node", "VARCHAR(64)"),
            new Col("endpoint", "VARCHAR(300)"),
            new Col("uri", "VARCHAR(512)"),
            new Col("aor", "VARCHAR(255)"),
            new Col("host", "VARCHAR(255)"),
            new Col("port", "INTEGER"),
            new Col("user_agent", "VARCHAR(512)"),
            new Col("status", "VARCHAR(16)"),
            new Col("rtt_us", "BIGINT"),
            new Col("jitter_us", "BIGINT"),
            new Col("expires_at", "TIMESTAMP(6) WITH TIME ZONE"),
            new Col("registered_at", "TIMESTAMP(6) WITH TIME ZONE"),
            new Col("observed_at", "TIMESTAMP(6) WITH TIME ZONE"),
            new Col("seq", "BIGINT"));

    private static final List<String> NODE_KEY = List.of("node");
    private static final List<String> ENDPOINT_KEY = List.of("node", "endpoint");
    private static final List<String> CONTACT_KEY = List.of("node", "endpoint", "uri");

    /** The dialect for a {@link JdbcDialect}. */
    public static SqlDialect of(JdbcDialect dialect) {
        switch (dialect) {
            case POSTGRESQL:
                return new Postgres();
            case MYSQL:
                return new MySql();
            case H2:
                return new H2();
            default:
                throw new IllegalArgumentException("no dialect " + dialect);
        }
    }

    public abstract JdbcDialect dialect();

    /** Binds an instant (or NULL), truncated to microseconds. */
    public abstract void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException;

    /** Reads an instant column; null when the column is NULL. */
    public abstract Instant getInstant(ResultSet rs, String column) throws SQLException;

    /** The guarded upsert of a node row. */
    public abstract String upsertNode(Tables t);

    /** The guarded upsert of an endpoint row (endpoint part and device part guarded separately). */
    public abstract String upsertEndpoint(Tables t);

    /** The guarded upsert of a contact row. */
    public abstract String upsertContact(Tables t);

    /** Whether {@link #upsertContact} takes {@link #uriHash} of the uri as parameter 15. */
    public boolean bindsUriHash() {
        return false;
    }

    /** SHA-256 of the uri's UTF-8 bytes: MySQL's {@code UNHEX(SHA2(uri, 256))} of a utf8mb4 string. */
    public static byte[] uriHash(String uri) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256")
                    .digest(uri.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** CREATE TABLE IF NOT EXISTS of the schema version table (kept by {@code JdbcSchema}, not by Flyway). */
    public abstract String createVersionTable(Tables t);

    public String insertEvent(Tables t) {
        return "INSERT INTO " + t.event()
                + " (recorded_at, node, kind, endpoint, uri, observed_at, seq, event_json)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    }

    static Instant micros(Instant value) {
        return value.truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * {@code LocalDateTime.ofInstant(micros(value), UTC)}. Written out because {@code ofInstant} asks
     * the offset for its rules, and on JDK 17 {@code ZoneOffset.getRules()} builds a new {@code
     * ZoneRules} on every call: with {@code OffsetDateTime.ofInstant} that was 8 % of the JDBC sink
     * thread's samples in a 100 000-endpoint cold start.
     */
    static LocalDateTime utcMicros(Instant value) {
        return LocalDateTime.ofEpochSecond(value.getEpochSecond(), value.getNano() / 1000 * 1000, ZoneOffset.UTC);
    }

    /** {@code OffsetDateTime.ofInstant(micros(value), UTC)}, without the rules (see {@link #utcMicros}). */
    static OffsetDateTime utcOffsetMicros(Instant value) {
        return OffsetDateTime.of(utcMicros(value), ZoneOffset.UTC);
    }

    /** {@code (nt, ns) > (ot, os)} written so that every database evaluates it without row values. */
    static String newer(String newTime, String newSeq, String oldTime, String oldSeq) {
        return "(" + newTime + " > " + oldTime + " OR (" + newTime + " = " + oldTime + " AND " + newSeq + " > " + oldSeq
                + "))";
    }

    /**
     * Guard of the device part: newer than the stored device version, and not at or below a stored
     * endpoint removal. The sink sends an endpoint REMOVED together with a device part (NULL, the
     * removal's version) unless it has a newer device state, so a removal clears older device
     * state and raises the device version, whatever order the changes arrive in.
     */
    static String deviceGuard(UnaryOperator<String> n, UnaryOperator<String> o) {
        return "("
                + newer(
                        n.apply("device_observed_at"),
                        n.apply("device_seq"),
                        o.apply("device_observed_at"),
                        o.apply("device_seq"))
                + " AND NOT (" + o.apply("endpoint_state") + " IS NOT NULL AND " + o.apply("endpoint_state")
                + " = 'REMOVED' AND NOT "
                + newer(n.apply("device_observed_at"), n.apply("device_seq"), o.apply("observed_at"), o.apply("seq"))
                + "))";
    }

    static String endpointGuard(UnaryOperator<String> n, UnaryOperator<String> o) {
        return newer(n.apply("observed_at"), n.apply("seq"), o.apply("observed_at"), o.apply("seq"));
    }

    static String names(List<Col> cols) {
        return cols.stream().map(Col::name).collect(Collectors.joining(", "));
    }

    static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    // ------------------------------------------------------------------ PostgreSQL

    static final class Postgres extends SqlDialect {
        @Override
        public JdbcDialect dialect() {
            return JdbcDialect.POSTGRESQL;
        }

        @Override
        public void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
            if (value == null) {
                ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                ps.setObject(index, utcOffsetMicros(value));
            }
        }

        @Override
        public Instant getInstant(ResultSet rs, String column) throws SQLException {
            OffsetDateTime v = rs.getObject(column, OffsetDateTime.class);
            return v == null ? null : v.toInstant();
        }

        private static String simple(String table, List<Col> cols, List<String> key, String time, String seq) {
            String set = cols.stream()
                    .filter(c -> !key.contains(c.name()))
                    .map(c -> c.name() + " = EXCLUDED." + c.name())
                    .collect(Collectors.joining(", "));
            return "INSERT INTO " + table + " AS t (" + names(cols) + ") VALUES (" + marks(cols.size()) + ")"
                    + " ON CONFLICT (" + String.join(", ", key) + ") DO UPDATE SET " + set
                    + " WHERE " + newer("EXCLUDED." + time, "EXCLUDED." + seq, "t." + time, "t." + seq);
        }

        @Override
        public String upsertNode(Tables t) {
            return simple(t.node(), NODE_COLS, NODE_KEY, "heartbeat_at", "seq");
        }

        @Override
        public String upsertContact(Tables t) {
            return simple(t.contact(), CONTACT_COLS, CONTACT_KEY, "observed_at", "seq");
        }

        @Override
        public String upsertEndpoint(Tables t) {
            UnaryOperator<String> n = c -> "EXCLUDED." + c;
            UnaryOperator<String> o = c -> "t." + c;
            String e = endpointGuard(n, o);
            String d = deviceGuard(n, o);
            return "INSERT INTO " + t.endpoint() + " AS t (" + names(ENDPOINT_COLS) + ") VALUES ("
                    + marks(ENDPOINT_COLS.size()) + ") ON CONFLICT (node, endpoint) DO UPDATE SET "
                    + "endpoint_state = CASE WHEN " + e + " THEN EXCLUDED.endpoint_state ELSE t.endpoint_state END, "
                    + "channels = CASE WHEN " + e + " THEN EXCLUDED.channels ELSE t.channels END, "
                    + "observed_at = CASE WHEN " + e + " THEN EXCLUDED.observed_at ELSE t.observed_at END, "
                    + "seq = CASE WHEN " + e + " THEN EXCLUDED.seq ELSE t.seq END, "
                    + "device_state = CASE WHEN " + d + " THEN EXCLUDED.device_state ELSE t.device_state END, "
                    + "device_observed_at = CASE WHEN " + d
                    + " THEN EXCLUDED.device_observed_at ELSE t.device_observed_at END, "
                    + "device_seq = CASE WHEN " + d + " THEN EXCLUDED.device_seq ELSE t.device_seq END"
                    + " WHERE " + e + " OR " + d;
        }

        @Override
        public String createVersionTable(Tables t) {
            return "CREATE TABLE IF NOT EXISTS " + t.schemaVersion()
                    + " (version INTEGER NOT NULL PRIMARY KEY, description VARCHAR(200) NOT NULL,"
                    + " installed_at TIMESTAMPTZ(6) NOT NULL)";
        }
    }

    // ------------------------------------------------------------------ MySQL / MariaDB

    static final class MySql extends SqlDialect {
        @Override
        public JdbcDialect dialect() {
            return JdbcDialect.MYSQL;
        }

        @Override
        public void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
            if (value == null) {
                ps.setNull(index, Types.TIMESTAMP);
            } else {
                ps.setObject(index, utcMicros(value));
            }
        }

        @Override
        public Instant getInstant(ResultSet rs, String column) throws SQLException {
            LocalDateTime v = rs.getObject(column, LocalDateTime.class);
            return v == null ? null : v.toInstant(ZoneOffset.UTC);
        }

        @Override
        public boolean bindsUriHash() {
            return true;
        }

        /** Guarded columns first, then seq, then the time column (see the class comment). */
        private static String simple(
                String table,
                List<Col> cols,
                List<String> key,
                String time,
                String seq,
                String extraCol,
                String extraVal) {
            String guard = newer("VALUES(" + time + ")", "VALUES(" + seq + ")", time, seq);
            StringBuilder set = new StringBuilder();
            for (Col c : cols) {
                if (key.contains(c.name()) || c.name().equals(time) || c.name().equals(seq)) {
                    continue;
                }
                set.append(c.name())
                        .append(" = IF(")
                        .append(guard)
                        .append(", VALUES(")
                        .append(c.name())
                        .append("), ")
                        .append(c.name())
                        .append("), ");
            }
            set.append(seq)
                    .append(" = IF(")
                    .append(guard)
                    .append(", VALUES(")
                    .append(seq)
                    .append("), ")
                    .append(seq)
                    .append("), ");
            set.append(time)
                    .append(" = IF(")
                    .append(guard)
                    .append(", VALUES(")
                    .append(time)
                    .append("), ")
                    .append(time)
                    .append(")");
            String columns = names(cols) + (extraCol == null ? "" : ", " + extraCol);
            String values = marks(cols.size()) + (extraVal == null ? "" : ", " + extraVal);
            return "INSERT INTO " + table + " (" + columns + ") VALUES (" + values + ") ON DUPLICATE KEY UPDATE " + set;
        }

        @Override
        public String upsertNode(Tables t) {
            return simple(t.node(), NODE_COLS, NODE_KEY, "heartbeat_at", "seq", null, null);
        }

        @Override
        public String upsertContact(Tables t) {
            // uri is part of the key through uri_hash, which must never change for a row.
            // MariaDB Connector/J's batch rewrite mangles function calls in VALUES, so the hash is
            // computed in Java (uriHash); a CHECK constraint makes the database verify it.
            return simple(t.contact(), CONTACT_COLS, CONTACT_KEY, "observed_at", "seq", "uri_hash", "?");
        }

        @Override
        public String upsertEndpoint(Tables t) {
            UnaryOperator<String> n = c -> "VALUES(" + c + ")";
            UnaryOperator<String> o = c -> c;
            String e = endpointGuard(n, o);
            String d = deviceGuard(n, o);
            // order matters: the device guard reads the old endpoint columns, so device columns come
            // first; device_seq before device_observed_at; endpoint columns before seq before observed_at
            return "INSERT INTO " + t.endpoint() + " (" + names(ENDPOINT_COLS) + ") VALUES ("
                    + marks(ENDPOINT_COLS.size()) + ") ON DUPLICATE KEY UPDATE "
                    + "device_state = IF(" + d + ", VALUES(device_state), device_state), "
                    + "device_seq = IF(" + d + ", VALUES(device_seq), device_seq), "
                    + "device_observed_at = IF(" + d + ", VALUES(device_observed_at), device_observed_at), "
                    + "endpoint_state = IF(" + e + ", VALUES(endpoint_state), endpoint_state), "
                    + "channels = IF(" + e + ", VALUES(channels), channels), "
                    + "seq = IF(" + e + ", VALUES(seq), seq), "
                    + "observed_at = IF(" + e + ", VALUES(observed_at), observed_at)";
        }

        @Override
        public String createVersionTable(Tables t) {
            return "CREATE TABLE IF NOT EXISTS " + t.schemaVersion()
                    + " (version INTEGER NOT NULL PRIMARY KEY, description VARCHAR(200) NOT NULL,"
                    + " installed_at DATETIME(6) NOT NULL) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4";
        }
    }

    // ------------------------------------------------------------------ H2

    static final class H2 extends SqlDialect {
        @Override
        public JdbcDialect dialect() {
            return JdbcDialect.H2;
        }

        @Override
        public void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
            if (value == null) {
                ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                ps.setObject(index, utcOffsetMicros(value));
            }
        }

        @Override
        public Instant getInstant(ResultSet rs, String column) throws SQLException {
            OffsetDateTime v = rs.getObject(column, OffsetDateTime.class);
            return v == null ? null : v.toInstant();
        }

        private static String source(List<Col> cols) {
            String typed =
                    cols.stream().map(c -> "CAST(? AS " + c.h2Type() + ")").collect(Collectors.joining(", "));
            return "USING (VALUES (" + typed + ")) AS s(" + names(cols) + ")";
        }

        private static String on(List<String> key) {
            return key.stream().map(k -> "t." + k + " = s." + k).collect(Collectors.joining(" AND "));
        }

        private static String insert(List<Col> cols) {
            return " WHEN NOT MATCHED THEN INSERT (" + names(cols) + ") VALUES ("
                    + cols.stream().map(c -> "s." + c.name()).collect(Collectors.joining(", ")) + ")";
        }

        private static String simple(String table, List<Col> cols, List<String> key, String time, String seq) {
            String set = cols.stream()
                    .filter(c -> !key.contains(c.name()))
                    .map(c -> c.name() + " = s." + c.name())
                    .collect(Collectors.joining(", "));
            return "MERGE INTO " + table + " t " + source(cols) + " ON " + on(key)
                    + " WHEN MATCHED AND " + newer("s." + time, "s." + seq, "t." + time, "t." + seq)
                    + " THEN UPDATE SET " + set + insert(cols);
        }

        @Override
        public String upsertNode(Tables t) {
            return simple(t.node(), NODE_COLS, NODE_KEY, "heartbeat_at", "seq");
        }

        @Override
        public String upsertContact(Tables t) {
            return simple(t.contact(), CONTACT_COLS, CONTACT_KEY, "observed_at", "seq");
        }

        @Override
        public String upsertEndpoint(Tables t) {
            UnaryOperator<String> n = c -> "s." + c;
            UnaryOperator<String> o = c -> "t." + c;
            String e = endpointGuard(n, o);
            String d = deviceGuard(n, o);
            return "MERGE INTO " + t.endpoint() + " t " + source(ENDPOINT_COLS) + " ON " + on(ENDPOINT_KEY)
                    + " WHEN MATCHED AND (" + e + " OR " + d + ") THEN UPDATE SET "
                    + "endpoint_state = CASE WHEN " + e + " THEN s.endpoint_state ELSE t.endpoint_state END, "
                    + "channels = CASE WHEN " + e + " THEN s.channels ELSE t.channels END, "
                    + "observed_at = CASE WHEN " + e + " THEN s.observed_at ELSE t.observed_at END, "
                    + "seq = CASE WHEN " + e + " THEN s.seq ELSE t.seq END, "
                    + "device_state = CASE WHEN " + d + " THEN s.device_state ELSE t.device_state END, "
                    + "device_observed_at = CASE WHEN " + d
                    + " THEN s.device_observed_at ELSE t.device_observed_at END, "
                    + "device_seq = CASE WHEN " + d + " THEN s.device_seq ELSE t.device_seq END"
                    + insert(ENDPOINT_COLS);
        }

        @Override
        public String createVersionTable(Tables t) {
            return "CREATE TABLE IF NOT EXISTS " + t.schemaVersion()
                    + " (version INTEGER NOT NULL PRIMARY KEY, description VARCHAR(200) NOT NULL,"
                    + " installed_at TIMESTAMP(6) WITH TIME ZONE NOT NULL)";
        }
    }
}
