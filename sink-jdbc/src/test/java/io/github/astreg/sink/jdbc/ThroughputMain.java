package io.github.astreg.sink.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Not a test: measures sustained contact updates/s into the loopback PostgreSQL, for the module
 * README. (a) one autocommit upsert per change, the naive way; (b) a hand-written JDBC batch upsert
 * of the same rows; (s) {@link JdbcEndpointSink}. Run with the test classpath:
 * {@code java -cp ... io.github.astreg.sink.jdbc.ThroughputMain [contacts] [rounds]}.
 */
public final class ThroughputMain {
    private ThroughputMain() {}

    public static void main(String[] args) throws Exception {
        int contacts = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int batch = 500;
        try (HikariDataSource ds = Databases.pool(Databases.PG_URL, Databases.PG_USER, "astreg-throughput")) {
            List<List<EndpointStateEvent>> work = changes(contacts, rounds, batch);
            int total = contacts * rounds;

            String sinkPrefix = Databases.uniquePrefix();
            JdbcSinkConfig config =
                    JdbcSinkConfig.builder().tablePrefix(sinkPrefix).build();
            JdbcEndpointSink sink = JdbcEndpointSink.builder(ds, config).build();
            sink.start();
            String handPrefix = Databases.uniquePrefix();
            JdbcSchema.migrate(ds, config.toBuilder().tablePrefix(handPrefix).build());
            String naivePrefix = Databases.uniquePrefix();
            JdbcSchema.migrate(ds, config.toBuilder().tablePrefix(naivePrefix).build());
            try {
                // warm-up of every path on a few batches
                for (List<EndpointStateEvent> b : work.subList(0, 4)) {
                    sink.write(b);
                    handBatch(ds, handPrefix, b);
                }
                naive(ds, naivePrefix, work.get(0).subList(0, 200));

                // alternate the two batch paths three times and keep the best of each: the machine is shared
                double sinkRate = 0;
                double handRate = 0;
                for (int run = 0; run < 3; run++) {
                    long t0 = System.nanoTime();
                    for (List<EndpointStateEvent> b : shifted(work, run)) {
                        handBatch(ds, handPrefix, b);
                    }
                    handRate = Math.max(handRate, total / seconds(t0));
                    t0 = System.nanoTime();
                    for (List<EndpointStateEvent> b : shifted(work, run)) {
                        sink.write(b);
                    }
                    sinkRate = Math.max(sinkRate, total / seconds(t0));
                }

                // the naive way is slow: measure it on one round of changes
                List<EndpointStateEvent> naiveWork = new ArrayList<>();
                for (List<EndpointStateEvent> b : work.subList(0, Math.max(1, work.size() / rounds))) {
                    naiveWork.addAll(b);
                }
                long t0 = System.nanoTime();
                naive(ds, naivePrefix, naiveWork);
                double naiveRate = naiveWork.size() / seconds(t0);

                System.out.printf("contacts=%d rounds=%d changes=%d batch=%d%n", contacts, rounds, total, batch);
                System.out.printf("(a) naive autocommit upsert per change: %10.0f changes/s%n", naiveRate);
                System.out.printf("(b) hand-written JDBC batch upsert:     %10.0f changes/s%n", handRate);
                System.out.printf("(s) JdbcEndpointSink:                   %10.0f changes/s%n", sinkRate);
                System.out.printf(
                        "sink / naive = %.1fx, sink / hand-written = %.2fx%n",
                        sinkRate / naiveRate, sinkRate / handRate);
            } finally {
                for (String p : List.of(sinkPrefix, handPrefix, naivePrefix)) {
                    Databases.drop(ds, p);
                }
            }
        }
    }

    /** The same changes, a later second each run, so every run updates every row (newer versions). */
    static List<List<EndpointStateEvent>> shifted(List<List<EndpointStateEvent>> work, int run) {
        if (run == 0) {
            return work;
        }
        List<List<EndpointStateEvent>> out = new ArrayList<>(work.size());
        for (List<EndpointStateEvent> b : work) {
            List<EndpointStateEvent> nb = new ArrayList<>(b.size());
            for (EndpointStateEvent e : b) {
                nb.add(e.withVersion(
                        new io.github.astreg.core.model.Version(e.observedAt().plusSeconds(100L * run), e.sequence())));
            }
            out.add(nb);
        }
        return out;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Contact refreshes (new RTT, new expiry) of {@code contacts} phones on two nodes, {@code rounds} times. */
    static List<List<EndpointStateEvent>> changes(int contacts, int rounds, int batch) {
        Instant base = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<List<EndpointStateEvent>> out = new ArrayList<>();
        List<EndpointStateEvent> current = new ArrayList<>();
        long seq = 1;
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < contacts; i++) {
                EndpointId ep = EndpointId.pjsip(Integer.toString(10_000 + i));
                Instant t = base.plusMillis(r * 1000L).plusNanos(1000L * i);
                ContactChange c = ContactChange.builder(
                                ep, "sip:" + ep.resource() + "@10.0." + (i % 250) + ".1:5060", ContactStatus.REACHABLE)
                        .aor(ep.resource())
                        .address("10.0." + (i % 250) + ".1", 5060)
                        .userAgent("Yealink SIP-T46S 66.86.0.15")
                        .rtt(Duration.ofNanos(1000L * (500 + (i * 7 + r * 13) % 2000)))
                        .expiresAt(t.plusSeconds(3600))
                        .registeredAt(Optional.of(base))
                        .build();
                current.add(new EndpointStateEvent(NodeId.of("pbx-" + (i % 2)), t, seq++, Origin.AMI, c));
                if (current.size() == batch) {
                    out.add(current);
                    current = new ArrayList<>();
                }
            }
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private static final String UPSERT = "INSERT INTO %scontact AS t (node, endpoint, uri, aor, host, port, user_agent,"
            + " status, rtt_us, expires_at, registered_at, observed_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (node, endpoint, uri) DO UPDATE SET aor = EXCLUDED.aor, host = EXCLUDED.host,"
            + " port = EXCLUDED.port, user_agent = EXCLUDED.user_agent, status = EXCLUDED.status,"
            + " rtt_us = EXCLUDED.rtt_us, expires_at = EXCLUDED.expires_at, registered_at = EXCLUDED.registered_at,"
            + " observed_at = EXCLUDED.observed_at, seq = EXCLUDED.seq"
            + " WHERE (EXCLUDED.observed_at, EXCLUDED.seq) > (t.observed_at, t.seq)";

    private static void bind(PreparedStatement ps, EndpointStateEvent e) throws SQLException {
        ContactChange c = (ContactChange) e.change();
        ps.setString(1, e.node().value());
        ps.setString(2, c.endpoint().toString());
        ps.setString(3, c.uri());
        ps.setString(4, c.aor().orElse(null));
        ps.setString(5, c.address().get().host());
        ps.setInt(6, c.address().get().port());
        ps.setString(7, c.userAgent().orElse(null));
        ps.setString(8, c.status().name());
        ps.setLong(9, c.rtt().get().toNanos() / 1000);
        ps.setTimestamp(10, Timestamp.from(c.expiresAt().get()));
        ps.setTimestamp(11, Timestamp.from(c.registeredAt().get()));
        ps.setTimestamp(12, Timestamp.from(e.observedAt()));
        ps.setLong(13, e.sequence());
    }

    /** (b): prepared statement, addBatch, executeBatch, commit: what a careful developer writes by hand. */
    static void handBatch(HikariDataSource ds, String prefix, List<EndpointStateEvent> batch) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(String.format(UPSERT, prefix))) {
                for (EndpointStateEvent e : batch) {
                    bind(ps, e);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
        }
    }

    /** (a): one autocommit upsert per change. */
    static void naive(HikariDataSource ds, String prefix, List<EndpointStateEvent> changes) throws SQLException {
        for (EndpointStateEvent e : changes) {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(String.format(UPSERT, prefix))) {
                bind(ps, e);
                ps.executeUpdate();
            }
        }
    }
}
