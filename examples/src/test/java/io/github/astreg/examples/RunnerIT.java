package io.github.astreg.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.astreg.examples.config.ConfigLoader;
import io.github.astreg.examples.config.RunnerConfig;
import io.github.astreg.examples.run.Adapters;
import io.github.astreg.examples.run.Runner;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.FakeCluster;
import io.github.astreg.testkit.Registration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * End to end: the runner, started from a YAML config like a user's, watching a fake cluster and
 * writing to the real PostgreSQL and Redis of this machine. After every scenario step the lookup
 * service, the SQL view {@code <prefix>location} and Redis' {@code <prefix>loc:{…}} keys must all
 * give each phone's node (or say it is nowhere), as the scenario dictates.
 */
class RunnerIT {
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final List<String> PHONES = List.of("1001", "1002", "1003", "1004", "1005", "1006");
    private static final Duration AGREE_WITHIN = Duration.ofSeconds(20);

    private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final String tablePrefix = "astreg_it_" + suffix + "_";
    private final String keyPrefix = "astreg-it-" + suffix + ":";
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Optional<String>> expected = new TreeMap<>();
    private FakeCluster cluster;
    private Runner runner;

    @BeforeEach
    void services() {
        requireService("PostgreSQL", 5432);
        requireService("Redis", 6379);
    }

    private static void requireService(String name, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        } catch (IOException e) {
            String reason = name + " is not reachable on 127.0.0.1:" + port + " (" + e.getMessage() + ")";
            if (Boolean.getBoolean("astreg.requireServices")) {
                fail(reason + " and astreg.requireServices=true");
            }
            Assumptions.abort(reason + ": skipping");
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (runner != null) {
            runner.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        try (Connection c = DriverManager.getConnection(PG_URL, "postgres", "");
                Statement st = c.createStatement()) {
            List<String> views = names(
                    st, "SELECT table_name FROM information_schema.views WHERE table_name LIKE '" + tablePrefix + "%'");
            for (String v : views) {
                st.execute("DROP VIEW IF EXISTS " + v + " CASCADE");
            }
            List<String> tables = names(
                    st,
                    "SELECT table_name FROM information_schema.tables WHERE table_name LIKE '" + tablePrefix
                            + "%' AND table_type = 'BASE TABLE'");
            for (String t : tables) {
                st.execute("DROP TABLE IF EXISTS " + t + " CASCADE");
            }
        }
        try (Jedis j = new Jedis("127.0.0.1", 6379)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> r =
                        j.scan(cursor, new ScanParams().match(keyPrefix + "*").count(500));
                if (!r.getResult().isEmpty()) {
                    j.del(r.getResult().toArray(new String[0]));
                }
                cursor = r.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }

    private static List<String> names(Statement st, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void lookupServiceSqlViewAndRedisAgreeOnEveryPhoneAfterEveryStep(@TempDir Path dir) throws Exception {
        cluster = FakeCluster.builder()
                .node("pbx1", b -> b)
                .node("pbx2", b -> b.ariCredentials("astreg", "ari-pass"))
                .build()
                .start();
        FakeAsterisk pbx1 = cluster.node("pbx1");
        FakeAsterisk pbx2 = cluster.node("pbx2");
        Path config = dir.resolve("astreg.yaml");
        Files.writeString(
                config, """
                nodes:
                  - id: pbx1
                    ami: { host: 127.0.0.1, port: %d, username: %s, secret: "${AMI_SECRET}" }
                  - id: pbx2
                    ari: { url: "%s", username: astreg, password: "${ARI_PASSWORD}", app: astreg }
                sinks:
                  jdbc: { url: "%s", username: postgres, password: "${DB_PASSWORD:-}", tablePrefix: %s }
                  redis: { uri: "redis://127.0.0.1:6379", keyPrefix: "%s" }
                http: { bind: 127.0.0.1, port: 0 }
                tuning: { flushInterval: 20ms, contactPollInterval: 2s }
                """.formatted(pbx1.amiPort(), pbx1.amiUser(), pbx2.ariUrl(), PG_URL, tablePrefix, keyPrefix));
        RunnerConfig rc = new ConfigLoader(Map.of("AMI_SECRET", "astregpass", "ARI_PASSWORD", "ari-pass")).load(config);
        runner = Runner.start(rc, new Adapters(), config.toString());
        URI lookup = runner.lookup().orElseThrow().baseUri();
        // ARI reports no contact that registered before the source subscribed: start in front of it
        long deadline = System.nanoTime() + AGREE_WITHIN.toNanos();
        while (!runner.allSourcesConnected() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(runner.allSourcesConnected()).as("both sources connected").isTrue();
        PHONES.forEach(p -> expected.put(p, Optional.empty()));

        step("every phone registers, three per node", () -> {
            for (int i = 0; i < PHONES.size(); i++) {
                String phone = PHONES.get(i);
                FakeAsterisk node = i < 3 ? pbx1 : pbx2;
                node.register(phone, Registration.from("10.0." + (i < 3 ? 1 : 2) + "." + (10 + i), 5060));
                expected.put(phone, Optional.of(node.node()));
            }
        });
        assertAgreement(lookup);

        step("1001 moves to pbx2", () -> {
            cluster.move("1001", "pbx2", Registration.from("10.0.2.99", 5062));
            expected.put("1001", Optional.of("pbx2"));
        });
        assertAgreement(lookup);

        step("1003 registers on pbx2 too, without leaving pbx1 (the newest registration wins)", () -> {
            cluster.registerAlsoOn("1003", "pbx2", Registration.from("10.0.2.33", 5060));
            expected.put("1003", Optional.of("pbx2"));
        });
        assertAgreement(lookup);

        step("1003 unregisters from pbx2: pbx1 holds it again", () -> {
            cluster.unregister("pbx2", "1003");
            expected.put("1003", Optional.of("pbx1"));
        });
        assertAgreement(lookup);

        step("1004 unregisters", () -> {
            pbx2.unregister("1004");
            expected.put("1004", Optional.empty());
        });
        assertAgreement(lookup);

        step("1002 stops answering qualify", () -> {
            pbx1.unreachable("1002");
            expected.put("1002", Optional.empty());
        });
        assertAgreement(lookup);

        step("1005 lets its registration expire", () -> {
            pbx2.expire("1005");
            expected.put("1005", Optional.empty());
        });
        assertAgreement(lookup);

        step("1006 calls the echo test (location unchanged)", () -> pbx2.call("1006", "600"));
        assertAgreement(lookup);

        step("1002 answers qualify again, 1004 registers on pbx1", () -> {
            pbx1.qualify("1002", Duration.ofMillis(4));
            pbx1.register("1004", Registration.from("10.0.1.44", 5060));
            expected.put("1002", Optional.of("pbx1"));
            expected.put("1004", Optional.of("pbx1"));
        });
        assertAgreement(lookup);

        // and `astreg locate` reads the same stores from the shell
        assertThat(locate("PJSIP/1001", "--jdbc", PG_URL, "--user", "postgres", "--prefix", tablePrefix))
                .isEqualTo("0:pbx2\n");
        assertThat(locate("PJSIP/1001", "--redis", "redis://127.0.0.1:6379", "--prefix", keyPrefix))
                .isEqualTo("0:pbx2\n");
        assertThat(locate("PJSIP/1005", "--redis", "redis://127.0.0.1:6379", "--prefix", keyPrefix))
                .isEqualTo("1:");
    }

    /** Runs {@code astreg locate ...} in process; returns "status:stdout". */
    private static String locate(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "locate";
        System.arraycopy(args, 0, all, 1, args.length);
        int status = new Astreg(
                        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                        new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8),
                        Map.of(),
                        new Adapters(),
                        false)
                .execute(all);
        return status + ":" + out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private String currentStep = "";

    private void step(String name, Runnable action) {
        currentStep = name;
        action.run();
    }

    /** Polls until lookup, SQL and Redis all equal {@link #expected}; fails with the three views. */
    private void assertAgreement(URI lookup) throws Exception {
        long deadline = System.nanoTime() + AGREE_WITHIN.toNanos();
        Map<String, Optional<String>> viaHttp = Map.of();
        Map<String, Optional<String>> viaSql = Map.of();
        Map<String, Optional<String>> viaRedis = Map.of();
        while (System.nanoTime() < deadline) {
            viaHttp = read(() -> lookupAll(lookup));
            viaSql = read(this::sqlAll);
            viaRedis = read(this::redisAll);
            if (expected.equals(viaHttp) && expected.equals(viaSql) && expected.equals(viaRedis)) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(viaHttp).as("lookup service after: %s", currentStep).isEqualTo(expected);
        assertThat(viaSql)
                .as("SQL view %slocation after: %s", tablePrefix, currentStep)
                .isEqualTo(expected);
        assertThat(viaRedis)
                .as("Redis %sloc:{…} after: %s", keyPrefix, currentStep)
                .isEqualTo(expected);
    }

    private static Map<String, Optional<String>> read(Supplier<Map<String, Optional<String>>> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            return Map.of(); // not ready yet (tables not created, …): never equal, so polled again
        }
    }

    private Map<String, Optional<String>> lookupAll(URI lookup) {
        Map<String, Optional<String>> out = new TreeMap<>();
        for (String p : PHONES) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(lookup.resolve("/v1/locate/PJSIP/" + p))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    out.put(p, Optional.of(r.body()));
                } else if (r.statusCode() == 404) {
                    out.put(p, Optional.empty());
                } else {
                    throw new IllegalStateException("lookup answered " + r.statusCode());
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private Map<String, Optional<String>> sqlAll() {
        Map<String, Optional<String>> out = new TreeMap<>();
        PHONES.forEach(p -> out.put(p, Optional.empty()));
        try (Connection c = DriverManager.getConnection(PG_URL, "postgres", "");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT endpoint, node FROM " + tablePrefix + "location")) {
            while (rs.next()) {
                String endpoint = rs.getString(1);
                out.put(endpoint.substring(endpoint.indexOf('/') + 1), Optional.of(rs.getString(2)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private Map<String, Optional<String>> redisAll() {
        Map<String, Optional<String>> out = new TreeMap<>();
        try (Jedis j = new Jedis("127.0.0.1", 6379)) {
            for (String p : PHONES) {
                out.put(p, Optional.ofNullable(j.get(keyPrefix + "loc:{PJSIP/" + p + "}")));
            }
        }
        return out;
    }
}
