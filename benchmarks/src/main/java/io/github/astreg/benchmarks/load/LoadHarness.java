package io.github.astreg.benchmarks.load;

import com.zaxxer.hikari.HikariDataSource;
import io.github.astreg.benchmarks.store.BenchStores;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.pipeline.PipelineMetrics;
import io.github.astreg.core.pipeline.SinkMetrics;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.registry.RegistryListener;
import io.github.astreg.core.registry.Subscription;
import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import io.github.astreg.sink.redis.RedisEndpointRegistry;
import io.github.astreg.sink.redis.RedisEndpointSink;
import io.github.astreg.sink.redis.RedisKeys;
import io.github.astreg.sink.redis.RedisSinkConfig;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.source.ari.AriEndpointSource;
import io.github.astreg.source.ari.AriSourceConfig;
import io.github.astreg.testkit.FakeAsterisk;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * The end-to-end load harness: {@code java -jar benchmarks/target/benchmarks.jar load --help}.
 *
 * <ol>
 *   <li>Starts {@code nodes} {@link FakeAsterisk} nodes with {@code phones} registered phones each,
 *       and measures the heap they use.
 *   <li>Cold start: starts one {@link Pipeline} with an {@link AriEndpointSource} for the first
 *       {@code ariNodes} nodes and an {@link AmiEndpointSource} for the others, a
 *       {@link JdbcEndpointSink} on PostgreSQL and a {@link RedisEndpointSink} on Redis, and measures
 *       the time until every phone's contact is in each store (PostgreSQL: rows counted with SQL,
 *       once the sink's commit notifications cover every row; Redis: the fields of every phone's
 *       endpoint hash, read with a pipelined HLEN once the endpoint index is complete, again only
 *       for phones not yet complete) and the heap astreg added,
 *       per 10 000 endpoints.
 *   <li>Load: drives the fakes with {@link TrafficGenerator} at {@code rate} observations/s for
 *       {@code duration} seconds while {@link LatencyProbes} measure, per store, the time from the
 *       fake sending an event to the change being visible there.
 * </ol>
 *
 * <p>Everything is on loopback and bounded in time: a watchdog ends the process after the cold-start
 * timeout plus the duration plus two minutes. Tables and keys are removed at the end, also on failure.
 */
public final class LoadHarness {
    private LoadHarness() {}

    /** Runs the harness; returns the process exit code. */
    public static int run(String[] args) throws Exception {
        LoadOptions o;
        try {
            o = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return args.length > 0 && (args[0].equals("--help") || args[0].equals("-h")) ? 0 : 2;
        }
        watchdog(Duration.ofSeconds(o.coldStartTimeoutSeconds() + o.warmupSeconds() + o.durationSeconds() + 120L));
        return new Run(o).execute();
    }

    private static void watchdog(Duration budget) {
        Thread t = new Thread(
                () -> {
                    try {
                        Thread.sleep(budget.toMillis());
                        System.err.println("load harness: still running after " + budget + "; giving up");
                        System.exit(3);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "astreg-bench-watchdog");
        t.setDaemon(true);
        t.start();
    }

    static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static final class Run {
        /** Phones read per pipelined round of the Redis completeness check. */
        private static final int REDIS_CHECK_CHUNK = 1024;

        private final LoadOptions o;
        private final List<AutoCloseable> cleanup = new ArrayList<>();
        private final Map<String, String> report = new LinkedHashMap<>();
        private HikariDataSource dataSource;
        private String tablePrefix;
        private UnifiedJedis redis;
        /** Reads the Redis store's pub/sub channel for the latency probes (load phase only). */
        private RedisEndpointRegistry redisReader;

        private String keyPrefix;
        /** What the PostgreSQL sink reports committed: the count queries run only once it holds every row. */
        private final Coverage committedToPostgres = new Coverage();

        private Subscription postgresCoverage;
        /** Phones whose Redis hash was seen complete; only the others are read again. */
        private boolean[] completeInRedis;
        /** The first phone not yet seen complete in Redis (see {@link #redisComplete}). */
        private int redisCursor;

        Run(LoadOptions o) {
            this.o = o;
        }

        int execute() throws Exception {
            Thread hook = new Thread(this::removeData, "astreg-bench-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return measure();
            } finally {
                closeAll();
                removeData();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // shutting down already
                }
            }
        }

        private int measure() throws Exception {
            int total = o.totalPhones();
            // ARI has no contact list: phones registered before the collector connected are known to
            // an ARI source only as endpoints (state, device state) until Asterisk reports a change
            int amiPhones = (o.nodes() - o.ariNodes()) * o.phonesPerNode();
            System.out.printf(Locale.ROOT, "load harness: %s (%d phones)%n", o.toArgs(), total);
            long heapBefore = usedHeapAfterGc();
            long t = System.nanoTime();
            FakeNodes fakes = new FakeNodes(o.nodes(), o.phonesPerNode());
            cleanup.add(fakes);
            fakes.registerAll();
            System.out.printf(Locale.ROOT, "fakes up and %d phones registered in %.1f s%n", total, secs(t));
            long heapFakes = usedHeapAfterGc();

            InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
            Coverage inRegistry = new Coverage();
            Subscription registryCoverage = registry.subscribe(inRegistry);
            LatencyProbes probes = new LatencyProbes(fakes.nodes, Math.min(50, o.phonesPerNode() / 10), o.ariNodes());
            registry.subscribe(probes.listener("registry"));

            Pipeline.Builder pb = Pipeline.builder(registry)
                    .config(PipelineConfig.builder()
                            .collectorId("bench")
                            .flushInterval(Duration.ofMillis(o.flushMillis()))
                            .batchSize(o.batchSize())
                            .build());
            List<EndpointEventSource> sources = new ArrayList<>();
            for (int n = 0; n < fakes.nodes.size(); n++) {
                FakeAsterisk pbx = fakes.nodes.get(n);
                EndpointEventSource s = n < o.ariNodes()
                        ? AriEndpointSource.builder(
                                        AriSourceConfig.builder(pbx.ariUrl(), pbx.ariUser(), FakeNodes.SECRET)
                                                .application("astreg")
                                                .nodeId(pbx.node())
                                                .build())
                                .build()
                        : AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", pbx.amiUser(), FakeNodes.SECRET)
                                .port(pbx.amiPort())
                                .nodeId(pbx.node())
                                .build());
                sources.add(s);
                pb.source(s);
            }
            JdbcEndpointSink jdbc = null;
            if (!o.jdbcUrl().isEmpty()) {
                dataSource = BenchStores.pool(o.jdbcUrl(), "astreg-bench-load", 4);
                tablePrefix = BenchStores.tablePrefix();
                jdbc = JdbcEndpointSink.builder(
                                dataSource,
                                JdbcSinkConfig.builder()
                                        .tablePrefix(tablePrefix)
                                        .build())
                        .build();
                jdbc.registry().subscribe(probes.listener("postgresql"));
                postgresCoverage = jdbc.registry().subscribe(committedToPostgres);
                pb.sink(jdbc);
            }
            if (!o.redisUri().isEmpty()) {
                redis = BenchStores.redis(o.redisUri());
                keyPrefix = BenchStores.keyPrefix();
                RedisSinkConfig rc = RedisSinkConfig.builder()
                        .uri(o.redisUri())
                        .keyPrefix(keyPrefix)
                        .build();
                redisReader = RedisEndpointRegistry.builder(rc).build();
                cleanup.add(redisReader);
                pb.sink(RedisEndpointSink.builder(rc).build());
            }
            Pipeline pipeline = pb.build();
            cleanup.add(0, pipeline);

            // ---- cold start
            long coldStart = System.nanoTime();
            pipeline.start();
            Map<String, Double> done = new LinkedHashMap<>();
            Map<String, Double> connectedAt = new LinkedHashMap<>();
            long deadline =
                    coldStart + Duration.ofSeconds(o.coldStartTimeoutSeconds()).toNanos();
            while (System.nanoTime() < deadline) {
                if (!done.containsKey("registry") && inRegistry.holds(amiPhones, total)) {
                    done.put("registry", secs(coldStart));
                }
                for (EndpointEventSource src : sources) {
                    if (!connectedAt.containsKey(src.name()) && src.isConnected()) {
                        connectedAt.put(src.name(), secs(coldStart));
                    }
                }
                if (!done.containsKey("sources") && connectedAt.size() == sources.size()) {
                    done.put("sources", secs(coldStart));
                }
                // counting rows in the database every 50 ms took CPU from the sink being measured:
                // the tables are counted only once the sink reports every row committed
                if (jdbc != null
                        && !done.containsKey("postgresql")
                        && committedToPostgres.holds(amiPhones, total)
                        && postgresComplete(amiPhones, total)) {
                    done.put("postgresql", secs(coldStart));
                }
                if (redis != null && !done.containsKey("redis") && redisComplete(o)) {
                    done.put("redis", secs(coldStart));
                }
                if (done.size() == 2 + (jdbc != null ? 1 : 0) + (redis != null ? 1 : 0)) {
                    break;
                }
                Thread.sleep(50);
            }
            pipeline.awaitFlushed(Duration.ofSeconds(30));
            // the harness's own bookkeeping: it ran on the source and sink threads for every change
            // (14 % of the JDBC sink thread's samples during the load phase) and its sets would count
            // as astreg's heap
            registryCoverage.close();
            inRegistry.clear();
            if (postgresCoverage != null) {
                postgresCoverage.close();
                committedToPostgres.clear();
            }
            long heapAstreg = usedHeapAfterGc();
            double perTenK = (heapAstreg - heapFakes) / (total / 10_000.0) / (1024 * 1024);
            System.out.println();
            System.out.println("## Cold start (" + o.nodes() + " nodes x " + o.phonesPerNode() + " phones = " + total
                    + " endpoints; " + o.ariNodes() + " over ARI, " + (o.nodes() - o.ariNodes()) + " over AMI)");
            System.out.println("  (every row = " + total + " endpoint rows with state and device state, and the "
                    + amiPhones + " contacts of the AMI nodes: ARI lists no contacts)");
            for (String what : List.of("sources", "registry", "postgresql", "redis")) {
                if (what.equals("postgresql") && jdbc == null || what.equals("redis") && redis == null) {
                    continue;
                }
                Double s = done.get(what);
                System.out.printf(
                        Locale.ROOT,
                        "  %-34s %s%n",
                        label(what),
                        s == null
                                ? "NOT reached within " + o.coldStartTimeoutSeconds() + " s"
                                : String.format(Locale.ROOT, "%.2f s", s));
            }
            connectedAt.forEach((name, secs) ->
                    System.out.printf(Locale.ROOT, "  %-34s %.2f s%n", "    " + name + " snapshot done", secs));
            System.out.printf(
                    Locale.ROOT,
                    "  %-34s %.1f MB (fakes %.1f MB, JVM before fakes %.1f MB)%n",
                    "heap used by astreg",
                    (heapAstreg - heapFakes) / 1048576.0,
                    (heapFakes - heapBefore) / 1048576.0,
                    heapBefore / 1048576.0);
            System.out.printf(Locale.ROOT, "  %-34s %.1f MB%n", "heap per 10 000 endpoints", perTenK);
            if (jdbc != null) {
                System.out.printf(Locale.ROOT, "  %-34s %s%n", "rows in PostgreSQL", postgresCounts());
            }
            System.out.println("  pipeline: " + summary(pipeline.metrics()));
            System.out.println("  received per node/kind: " + pipeline.metrics().receivedByNodeAndKind());
            for (EndpointEventSource src : sources) {
                System.out.println("  source " + src.name() + ": " + src.counters());
            }

            if (o.skipLoad()) {
                return done.size() == 2 + (jdbc != null ? 1 : 0) + (redis != null ? 1 : 0) ? 0 : 1;
            }

            // ---- load
            if (redisReader != null) {
                // subscribed only now: decoding every cold-start notification would take CPU from
                // what the cold start measures
                redisReader.subscribe(probes.listener("redis"));
                long subscribeDeadline =
                        System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!redisReader.isSubscribedNow() && System.nanoTime() < subscribeDeadline) {
                    Thread.sleep(20);
                }
            }
            TrafficGenerator generator = new TrafficGenerator(
                    fakes.nodes,
                    o.phonesPerNode(),
                    probes.probePhones(),
                    () -> pipeline.metrics().received(),
                    Math.max(1, o.rate() - o.probeRate() * 8.0));
            Thread gen = new Thread(generator::run, "astreg-bench-traffic");
            Thread probe = new Thread(() -> probes.run(o.probeRate()), "astreg-bench-probes");
            gen.start();
            probe.start();
            if (o.warmupSeconds() > 0) {
                // the same traffic, not counted: without it the JIT compiles the live-traffic paths
                // during the measurement (C2 took ~30 % of a core 18 s into an unwarmed run)
                Thread.sleep(o.warmupSeconds() * 1000L);
                System.out.printf(
                        Locale.ROOT,
                        "%n  warm-up: %d s at the target rate, %d actions, not counted%n",
                        o.warmupSeconds(),
                        generator.actions.get());
            }
            probes.startCounting();
            long actionsBefore = generator.actions.get();
            long failuresBefore = generator.failures.get();
            PipelineMetrics before = pipeline.metrics();
            AtomicLong maxPending = new AtomicLong();
            long loadStart = System.nanoTime();
            long loadEnd = loadStart + Duration.ofSeconds(o.durationSeconds()).toNanos();
            if (o.timeline()) {
                System.out.println();
                System.out.println(
                        "  timeline (s after the load phase began: received/s, applied/s, backlog per sink)");
            }
            PipelineMetrics previous = before;
            long previousAt = loadStart;
            while (System.nanoTime() < loadEnd) {
                Thread.sleep(200);
                PipelineMetrics now = pipeline.metrics();
                long nowAt = System.nanoTime();
                StringBuilder backlog = new StringBuilder();
                for (SinkMetrics sm : now.sinks()) {
                    maxPending.accumulateAndGet(sm.pendingKeys(), Math::max);
                    backlog.append(' ').append(sm.sink()).append('=').append(sm.pendingKeys());
                }
                if (o.timeline()) {
                    double dt = (nowAt - previousAt) / 1e9;
                    System.out.printf(
                            Locale.ROOT,
                            "  %6.1f %7.0f %7.0f%s%n",
                            (nowAt - loadStart) / 1e9,
                            (now.received() - previous.received()) / dt,
                            (now.applied() - previous.applied()) / dt,
                            backlog);
                }
                previous = now;
                previousAt = nowAt;
            }
            generator.stop();
            probes.stop();
            gen.join(10_000);
            probe.join(10_000);
            double loadSeconds = secs(loadStart);
            PipelineMetrics after = pipeline.metrics();
            long flushStart = System.nanoTime();
            boolean flushed = pipeline.awaitFlushed(Duration.ofSeconds(30));
            double flushSeconds = secs(flushStart);
            Thread.sleep(500); // the last pub/sub messages
            System.out.println();
            System.out.println("## Load (" + o.durationSeconds() + " s after " + o.warmupSeconds()
                    + " s of warm-up, target " + o.rate() + " observations/s)");
            System.out.printf(
                    Locale.ROOT,
                    "  %-34s %.0f /s (%d in %.1f s)%n",
                    "observations received",
                    (after.received() - before.received()) / loadSeconds,
                    after.received() - before.received(),
                    loadSeconds);
            System.out.printf(
                    Locale.ROOT,
                    "  %-34s %.0f /s%n",
                    "changes applied (to each sink)",
                    (after.applied() - before.applied()) / loadSeconds);
            for (SinkMetrics sm : after.sinks()) {
                SinkMetrics b = before.sinks().stream()
                        .filter(x -> x.sink().equals(sm.sink()))
                        .findFirst()
                        .orElseThrow();
                System.out.printf(
                        Locale.ROOT,
                        "  %-34s %.0f changes/s in %.0f batches/s, %d failures%n",
                        "sink " + sm.sink() + " wrote",
                        (sm.changesWritten() - b.changesWritten()) / loadSeconds,
                        (sm.batchesWritten() - b.batchesWritten()) / loadSeconds,
                        sm.failures() - b.failures());
            }
            System.out.printf(
                    Locale.ROOT,
                    "  %-34s %d keys; %s %.2f s after the load stopped%n",
                    "largest sink backlog",
                    maxPending.get(),
                    flushed ? "drained in" : "NOT drained within",
                    flushSeconds);
            System.out.printf(
                    Locale.ROOT,
                    "  %-34s %d actions (%d failed), %d probes%n",
                    "generator",
                    generator.actions.get() - actionsBefore,
                    generator.failures.get() - failuresBefore,
                    probes.sent());
            for (String store : probes.stores()) {
                System.out.printf(
                        Locale.ROOT,
                        "  %-34s %s%s%n",
                        "latency fake -> " + store,
                        probes.latencies(store).summary(),
                        probes.missing(store) > 0 ? ", " + probes.missing(store) + " probes never seen" : "");
                for (String protocol : List.of("AMI", "ARI")) {
                    Latencies l = probes.latencies(store + " via " + protocol);
                    if (l.count() > 0) {
                        System.out.printf(Locale.ROOT, "  %-34s %s%n", "    via " + protocol, l.summary());
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "  %-34s %s%n",
                        "    slowest (sent s after start)",
                        probes.latencies(store).slowest(5, loadStart));
            }
            System.out.println("  pipeline: " + summary(after));
            for (EndpointEventSource s : sources) {
                System.out.println("  source " + s.name() + ": " + s.counters());
            }
            return 0;
        }

        private static String label(String what) {
            return switch (what) {
                case "sources" -> "every source resynchronised";
                case "registry" -> "every row in the registry";
                case "postgresql" -> "every row in PostgreSQL";
                default -> "every row in Redis";
            };
        }

        /**
         * Whether Redis holds every row, read from Redis itself (pub/sub is at most once and can drop
         * notifications under a burst): every phone's endpoint hash has its endpoint and device state
         * fields, plus its contact on AMI nodes. Cheap until the endpoint index is complete.
         */
        private boolean redisComplete(LoadOptions o) {
            RedisKeys keys = RedisKeys.withPrefix(keyPrefix);
            if (redis.scard(keys.endpointIndex()) < o.totalPhones()) {
                return false;
            }
            if (completeInRedis == null) {
                completeInRedis = new boolean[o.totalPhones()];
            }
            // Phones are read in order from the first not yet seen complete, in pipelined chunks, and a
            // check stops at the first chunk with a phone still incomplete: reading every incomplete
            // phone on each check (every 50 ms) cost Redis 531 000 HLENs, 0.5 s of its CPU, in one
            // 100 000-phone cold start, taken from the sinks being measured. Each phone is read once
            // when complete, plus at most one chunk per check.
            int phones = o.totalPhones();
            while (redisCursor < phones) {
                int from = redisCursor;
                int to = Math.min(phones, from + REDIS_CHECK_CHUNK);
                List<Response<Long>> lengths = new ArrayList<>(to - from);
                try (AbstractPipeline p = redis.pipelined()) {
                    for (int phone = from; phone < to; phone++) {
                        int n = phone / o.phonesPerNode();
                        int i = phone % o.phonesPerNode();
                        lengths.add(
                                completeInRedis[phone]
                                        ? null
                                        : p.hlen(keys.endpoint(EndpointId.pjsip(FakeNodes.extension(n, i)))));
                    }
                    p.sync();
                }
                boolean chunkComplete = true;
                for (int phone = from; phone < to; phone++) {
                    Response<Long> length = lengths.get(phone - from);
                    // endpoint state and device state; a contact too on an AMI node (ARI lists none)
                    int expected = phone / o.phonesPerNode() < o.ariNodes() ? 2 : 3;
                    if (length != null && length.get() >= expected) {
                        completeInRedis[phone] = true;
                    } else if (length != null) {
                        chunkComplete = false;
                    }
                }
                while (redisCursor < to && completeInRedis[redisCursor]) {
                    redisCursor++;
                }
                if (!chunkComplete) {
                    return false;
                }
            }
            return true;
        }

        private boolean postgresComplete(int contacts, int endpoints) throws SQLException {
            try (Connection c = dataSource.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM " + tablePrefix
                            + "contact WHERE status <> 'REMOVED'), (SELECT count(*) FROM " + tablePrefix
                            + "endpoint)")) {
                rs.next();
                return rs.getLong(1) >= contacts && rs.getLong(2) >= endpoints;
            } catch (SQLException e) {
                return false; // tables not created yet
            }
        }

        private String postgresCounts() throws SQLException {
            try (Connection c = dataSource.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM " + tablePrefix
                            + "contact WHERE status <> 'REMOVED'), (SELECT count(*) FROM " + tablePrefix
                            + "endpoint), (SELECT count(*) FROM " + tablePrefix + "location)")) {
                rs.next();
                return rs.getLong(1) + " live contacts, " + rs.getLong(2) + " endpoints, " + rs.getLong(3)
                        + " rows in the location view";
            }
        }

        private static String summary(PipelineMetrics m) {
            StringBuilder sb = new StringBuilder("received " + m.received() + ", applied " + m.applied());
            for (SinkMetrics s : m.sinks()) {
                sb.append("; ")
                        .append(s.sink())
                        .append(": written ")
                        .append(s.changesWritten())
                        .append(" in ")
                        .append(s.batchesWritten())
                        .append(" batches, pending ")
                        .append(s.pendingKeys())
                        .append(", failures ")
                        .append(s.failures());
                s.lastError().ifPresent(e -> sb.append(" (last: ").append(e).append(')'));
            }
            return sb.toString();
        }

        private void closeAll() {
            for (AutoCloseable c : cleanup) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("close failed: " + e);
                }
            }
            cleanup.clear();
        }

        private synchronized void removeData() {
            if (dataSource != null && tablePrefix != null) {
                try {
                    BenchStores.dropTables(dataSource, tablePrefix);
                } catch (SQLException | RuntimeException e) {
                    System.err.println("could not drop tables " + tablePrefix + "*: " + e);
                }
                dataSource.close();
                dataSource = null;
            }
            if (redis != null && keyPrefix != null) {
                try {
                    BenchStores.deleteKeys(redis, keyPrefix);
                } catch (RuntimeException e) {
                    System.err.println("could not delete keys " + keyPrefix + "*: " + e);
                }
                redis.close();
                redis = null;
            }
        }

        private static double secs(long since) {
            return (System.nanoTime() - since) / 1e9;
        }
    }

    /**
     * What a store (or the registry) holds so far, from the changes it reports: distinct live
     * contacts (by node, endpoint and URI) and distinct (node, endpoint) pairs with an endpoint or
     * device state.
     */
    static final class Coverage implements RegistryListener {
        private final Set<String> live = ConcurrentHashMap.newKeySet();
        private final Set<String> endpoints = ConcurrentHashMap.newKeySet();

        @Override
        public void onChange(EndpointStateEvent change) {
            if (change.change() instanceof ContactChange c) {
                String key = change.node().value() + '|' + c.endpoint() + '|' + c.uri();
                if (c.status() == ContactStatus.REMOVED) {
                    live.remove(key);
                } else {
                    live.add(key);
                }
            } else if (change.endpoint().isPresent()) {
                endpoints.add(change.node().value() + '|' + change.endpoint().get());
            }
        }

        void clear() {
            live.clear();
            endpoints.clear();
        }

        /** Whether it holds at least {@code contacts} live contacts and {@code endpointRows} endpoints. */
        boolean holds(int contacts, int endpointRows) {
            return live.size() >= contacts && endpoints.size() >= endpointRows;
        }
    }
}
