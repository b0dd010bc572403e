package io.github.astreg.examples.demo;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.EndpointRegistry;
import io.github.astreg.core.registry.RegistryConfig;
import io.github.astreg.examples.config.HttpSettings;
import io.github.astreg.examples.config.NodeSettings;
import io.github.astreg.examples.config.RunnerConfig;
import io.github.astreg.examples.config.StoreSettings;
import io.github.astreg.examples.run.AdapterFactory;
import io.github.astreg.examples.run.Runner;
import io.github.astreg.examples.run.StoreKind;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.FakeCluster;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code astreg demo}: a test-kit {@link FakeCluster} of two nodes ({@code pbx1} watched over AMI,
 * {@code pbx2} over ARI) with
 * about twenty phones playing a seeded {@link DemoScenario}, watched by the real runner ({@link
 * Runner}: sources, pipeline, an embedded H2 store through sink-jdbc, the lookup service), and a
 * {@link LiveTable} of where every phone is.
 *
 * <p>Threads: {@code astreg-demo-scenario} (daemon) plays the story after the set-up; the table is
 * drawn by whoever calls {@link #refreshUntilClosed()}. Everything else belongs to the fakes, the
 * sources, the pipeline and the lookup service. {@link #close()} stops the story, closes the runner
 * (sources closed, the H2 sink flushed) and then the fakes; it is idempotent.
 */
public final class Demo implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Demo.class);
    private static final String USER = "astreg";
    /** The fakes' credentials; they listen on 127.0.0.1 only and live as long as the demo. */
    private static final String SECRET = "astreg-demo";

    private final DemoOptions options;
    private final FakeCluster cluster;
    private final List<FakeAsterisk> fakes;
    private final Map<String, NodeSettings.Protocol> protocols;
    private final DemoScenario scenario;
    private final Runner runner;
    private final PrintStream out;
    private final LiveTable table;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Object lock = new Object();
    private Thread storyThread;
    private boolean isClosed;

    private Demo(
            DemoOptions options,
            FakeCluster cluster,
            Map<String, NodeSettings.Protocol> protocols,
            DemoScenario scenario,
            Runner runner,
            PrintStream out) {
        this.options = options;
        this.cluster = cluster;
        this.fakes = cluster.nodes();
        this.protocols = protocols;
        this.scenario = scenario;
        this.runner = runner;
        this.out = out;
        this.table = new LiveTable(runner.pipeline().registry(), Clock.systemUTC());
    }

    /**
     * Starts the fakes, the runner and the story's set-up (every phone registers); the story's steps
     * run on their own thread unless {@link DemoOptions#once()}.
     *
     * @throws AstregException when the lookup port is taken or the store cannot start
     */
    public static Demo start(DemoOptions options, AdapterFactory adapters, PrintStream out) {
        List<String> phones = DemoScenario.names(options.phones());
        int last = 1000 + options.phones();
        FakeCluster.Builder cb = FakeCluster.builder();
        for (String node : List.of("pbx1", "pbx2")) {
            cb.node(
                    node,
                    b -> b.amiCredentials(USER, SECRET)
                            .ariCredentials(USER, SECRET)
                            .pjsipEndpoints(1001, last));
        }
        FakeCluster cluster = cb.build();
        try {
            cluster.start();
            List<FakeAsterisk> fakes = cluster.nodes();
            Map<String, NodeSettings.Protocol> protocols = new LinkedHashMap<>();
            List<NodeSettings> nodes = new ArrayList<>();
            for (int i = 0; i < fakes.size(); i++) {
                FakeAsterisk f = fakes.get(i);
                NodeSettings n = nodeSettings(f, i);
                protocols.put(f.node(), n.protocol());
                nodes.add(n);
            }
            Map<String, String> h2 = new LinkedHashMap<>();
            h2.put("url", "jdbc:h2:mem:astreg-demo-" + UUID.randomUUID());
            h2.put("username", "sa");
            h2.put("password", "");
            RunnerConfig config = new RunnerConfig(
                    nodes,
                    Optional.of(new StoreSettings(h2, Map.of(), "demo.sinks.jdbc")),
                    Optional.empty(),
                    Optional.of(new HttpSettings("127.0.0.1", options.port(), Optional.empty())),
                    PipelineConfig.builder()
                            .collectorId("astreg-demo")
                            .heartbeatInterval(Duration.ofSeconds(2))
                            .build(),
                    RegistryConfig.builder().staleAfter(Duration.ofSeconds(10)).build(),
                    Optional.of(Duration.ofSeconds(2)));
            Runner runner = Runner.start(config, adapters, "demo");
            DemoScenario scenario = new DemoScenario(cluster, phones, options.seed());
            Demo demo = new Demo(options, cluster, protocols, scenario, runner, out);
            try {
                // ARI tells nothing about contacts that registered before the source subscribed:
                // let every source connect first, so the story starts in front of them
                demo.awaitConnected(options.timeout());
                scenario.setUp();
                if (!options.once()) {
                    demo.startStory();
                }
            } catch (RuntimeException e) {
                demo.close();
                throw e;
            }
            return demo;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** The first node is watched over AMI, the others over ARI. */
    private static NodeSettings nodeSettings(FakeAsterisk f, int index) {
        Map<String, String> s = new LinkedHashMap<>();
        NodeSettings.Protocol protocol;
        if (index == 0) {
            protocol = NodeSettings.Protocol.AMI;
            s.put("host", "127.0.0.1");
            s.put("port", Integer.toString(f.amiPort()));
            s.put("username", USER);
            s.put("secret", SECRET);
        } else {
            protocol = NodeSettings.Protocol.ARI;
            s.put("url", f.ariUrl());
            s.put("username", USER);
            s.put("password", SECRET);
            s.put("app", "astreg");
        }
        return new NodeSettings(NodeId.of(f.node()), protocol, s, Map.of(), "demo.nodes[" + index + "]");
    }

    /**
     * {@code demo --once}: starts, waits for the first full picture (every phone located, the H2 store
     * agreeing), prints one table and stops.
     *
     * @return 0, or 3 when the picture was not complete in time (the partial table is printed)
     */
    public static int runOnce(DemoOptions options, AdapterFactory adapters, PrintStream out, PrintStream err)
            throws InterruptedException {
        try (Demo demo = start(options, adapters, out)) {
            boolean complete = demo.awaitFullPicture(options.timeout());
            out.print(demo.table.render(demo.title()));
            out.flush();
            if (!complete) {
                err.println("astreg: demo: not every phone was located within " + options.timeout());
                return 3;
            }
            return 0;
        }
    }

    private void awaitConnected(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!runner.allSourcesConnected()) {
                if (System.nanoTime() > deadline) {
                    throw new AstregException("demo: the sources did not connect to the fake nodes within " + timeout);
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AstregException("demo: interrupted while starting", e);
        }
    }

    private void startStory() {
        Thread t = new Thread(
                () -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            Thread.sleep(options.step().toMillis());
                            scenario.step();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        log.warn("demo story stopped: {}", e.toString());
                    }
                },
                "astreg-demo-scenario");
        t.setDaemon(true);
        storyThread = t;
        t.start();
    }

    /**
     * Waits until every phone is located (with address and RTT) in the registry and the H2 store's registry gives the same
     * node for each (what {@code SELECT node FROM astreg_location} answers).
     */
    public boolean awaitFullPicture(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (fullPicture()) {
                return true;
            }
            Thread.sleep(100);
        }
        return fullPicture();
    }

    private boolean fullPicture() throws InterruptedException {
        EndpointRegistry registry = runner.pipeline().registry();
        for (String phone : scenario.phoneNames()) {
            // a full picture shows where and how: a live AMI ContactStatus locates a phone before the
            // contact-list poll brings its address, so wait for address and RTT too
            Optional<Location> l = registry.locate(EndpointId.pjsip(phone));
            if (l.isEmpty() || l.get().address().isEmpty() || l.get().rtt().isEmpty()) {
                return false;
            }
        }
        if (!runner.awaitFlushed(Duration.ofSeconds(2))) {
            return false;
        }
        return storeAgreement() == scenario.phoneNames().size();
    }

    /** How many phones the H2 store locates on the same node as the registry (or both nowhere). */
    int storeAgreement() {
        EndpointRegistry registry = runner.pipeline().registry();
        EndpointRegistry store = runner.stores().get(StoreKind.JDBC).registry();
        int agree = 0;
        for (String phone : scenario.phoneNames()) {
            EndpointId id = EndpointId.pjsip(phone);
            Optional<NodeId> a = registry.locate(id).map(Location::node);
            try {
                if (a.equals(store.locate(id).map(Location::node))) {
                    agree++;
                }
            } catch (RuntimeException e) {
                log.debug("demo: store read failed: {}", e.toString());
            }
        }
        return agree;
    }

    /** The lines above the table. */
    public String title() {
        StringBuilder b = new StringBuilder("astreg demo: ");
        for (int i = 0; i < fakes.size(); i++) {
            FakeAsterisk f = fakes.get(i);
            if (i > 0) {
                b.append(", ");
            }
            b.append(f.node()).append(" over ").append(protocols.get(f.node()));
        }
        b.append(" -> H2 (view astreg_location agrees on ")
                .append(storeAgreement())
                .append('/')
                .append(scenario.phoneNames().size())
                .append(")\n");
        b.append("lookup: ");
        runner.lookup().ifPresent(l -> b.append("curl ").append(l.baseUri()).append("/v1/locate/PJSIP/1001"));
        if (!options.once()) {
            b.append("   story step ").append(scenario.steps()).append("   Ctrl-C to stop");
        }
        return b.toString();
    }

    /** The table, rendered for tests and {@code --once}. */
    public LiveTable table() {
        return table;
    }

    public Runner runner() {
        return runner;
    }

    /** Draws the table every {@link DemoOptions#refresh()} until {@link #close()}. */
    public void refreshUntilClosed() {
        boolean first = true;
        long plainEvery = Math.max(
                1, Duration.ofSeconds(10).toMillis() / options.refresh().toMillis());
        long n = 0;
        try {
            do {
                if (options.ansi()) {
                    if (first) {
                        out.print(LiveTable.CLEAR_SCREEN);
                        first = false;
                    }
                    out.print(table.frame(title()));
                    out.flush();
                } else if (n++ % plainEvery == 0) {
                    out.println(table.render(title()));
                    out.flush();
                }
            } while (!closed.await(options.refresh().toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (closed.getCount() > 0) {
                log.warn("demo table stopped: {}", e.toString());
            }
        }
    }

    /** Stops the story, closes the runner (sinks flushed) and the fakes. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (isClosed) {
                return;
            }
            isClosed = true;
        }
        closed.countDown();
        Thread t = storyThread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            runner.close();
        } finally {
            cluster.close();
        }
    }
}
