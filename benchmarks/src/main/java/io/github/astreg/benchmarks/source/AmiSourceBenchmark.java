package io.github.astreg.benchmarks.source;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.asteriskjava.manager.ManagerConnection;
import org.asteriskjava.manager.ManagerConnectionFactory;
import org.asteriskjava.manager.event.ContactStatusEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ContactStatus events over a real TCP AMI connection from testkit's {@link FakeAsterisk}, as fast
 * as the reader takes them. One operation is one ContactStatus event; one invocation sends
 * {@value #BATCH} of them in one write (below asterisk-java's 20 000-event queue) and waits until the
 * last one was delivered.
 *
 * <ul>
 *   <li>{@code astregSource}: asterisk-java → {@link AmiEndpointSource} (its queue, its worker thread,
 *       the mapping, and any contact-list read the events trigger: since the poll policy of issue 4 a
 *       status change of a contact known from the snapshot triggers none, so this stream reads no
 *       list beyond the periodic one every 30 s) → {@link Pipeline} (no sinks) →
 *       {@link InMemoryEndpointRegistry}. Counted when the pipeline received the AMI-origin contact
 *       change.
 *   <li>{@code asteriskJavaNoOp}: asterisk-java alone: a {@code ManagerConnection} logged in with the
 *       same event mask and a listener that only counts ContactStatusEvents.
 * </ul>
 *
 * <p>The fake node has {@code phones} registered phones; the events flap each phone's contact between
 * Reachable (with a new RTT) and Unreachable, each with an Asterisk {@code Timestamp} header, so every
 * event is a real change for the registry. Target: astregSource ≥ 0.8 × asteriskJavaNoOp.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AmiSourceBenchmark {
    /** Events per invocation. */
    public static final int BATCH = 5000;

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Param({"1000"})
    public int phones;

    private FakeAsterisk pbx;
    private String blob;
    private long micros;
    private long k;
    private final Countdown delivered = new Countdown();
    private AmiEndpointSource source;
    private Pipeline pipeline;
    private ManagerConnection plain;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        pbx = FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .timestampEvents(true)
                .pjsipEndpoints(10_000, 10_000 + phones - 1)
                .build()
                .start();
        for (int i = 0; i < phones; i++) {
            pbx.register(
                    Integer.toString(10_000 + i),
                    Registration.from("10.1." + (i >> 8 & 255) + "." + (i & 255), 5060)
                            .userAgent("Yealink SIP-T46U 108.86.0.45")
                            .expires(3600)
                            .rtt(Duration.ofNanos(700_000)));
        }
        micros = Instant.now().getEpochSecond() * 1_000_000L;
    }

    /** Renders the next batch of ContactStatus frames outside the measurement; every frame is newer. */
    @Setup(Level.Invocation)
    public void render() {
        StringBuilder sb = new StringBuilder(BATCH * 220);
        for (int e = 0; e < BATCH; e++, k++) {
            int i = (int) (k % phones);
            boolean reachable = (k / phones) % 2 == 0;
            String ext = Integer.toString(10_000 + i);
            micros += 7;
            sb.append("Event: ContactStatus\r\n")
                    .append("Privilege: system,all\r\n")
                    .append("Timestamp: ")
                    .append(micros / 1_000_000)
                    .append('.')
                    .append(Long.toString(1_000_000 + micros % 1_000_000), 1, 7)
                    .append("\r\n")
                    .append("SystemName: pbx1\r\n")
                    .append("URI: sip:")
                    .append(ext)
                    .append("@10.1.")
                    .append(i >> 8 & 255)
                    .append('.')
                    .append(i & 255)
                    .append(":5060\r\n")
                    .append("ContactStatus: ")
                    .append(reachable ? "Reachable" : "Unreachable")
                    .append("\r\n")
                    .append("AOR: ")
                    .append(ext)
                    .append("\r\n")
                    .append("EndpointName: ")
                    .append(ext)
                    .append("\r\n")
                    .append("RoundtripUsec: ")
                    .append(reachable ? 600 + (k % 400) : 0L)
                    .append("\r\n\r\n");
        }
        blob = sb.toString();
    }

    /** Starts the astreg path; used by {@link #astregSource()} only. */
    @State(Scope.Benchmark)
    public static class AstregPath {
        AmiSourceBenchmark bench;

        @Setup(Level.Trial)
        public void start(AmiSourceBenchmark b) throws Exception {
            bench = b;
            b.source = AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", b.pbx.amiUser(), "astregpass")
                    .port(b.pbx.amiPort())
                    .build());
            // the pipeline as the receiver, wrapped to count what reached the registry
            b.pipeline = Pipeline.builder(InMemoryEndpointRegistry.create()).build();
            b.pipeline.start();
            Pipeline p = b.pipeline;
            Countdown c = b.delivered;
            b.source.start(event -> {
                p.receive(event);
                if (event.origin() == Origin.AMI && event.change() instanceof ContactChange) {
                    c.increment();
                }
            });
            waitUntil(b.source::isConnected, Duration.ofSeconds(30), "AMI source connected and resynchronised");
        }

        @TearDown(Level.Trial)
        public void stop() {
            Map<String, Long> counters = bench.source.counters();
            bench.source.close();
            bench.pipeline.close();
            System.out.println("\nastreg AMI source counters: " + counters);
            if (counters.getOrDefault("dropped", 0L) > 0) {
                System.out.println("WARNING: the source dropped events; the figure includes resyncs");
            }
        }
    }

    /** Logs in with asterisk-java alone; used by {@link #asteriskJavaNoOp()} only. */
    @State(Scope.Benchmark)
    public static class PlainPath {
        AmiSourceBenchmark bench;

        @Setup(Level.Trial)
        public void start(AmiSourceBenchmark b) throws Exception {
            bench = b;
            ManagerConnectionFactory f =
                    new ManagerConnectionFactory("127.0.0.1", b.pbx.amiPort(), b.pbx.amiUser(), "astregpass");
            b.plain = f.createManagerConnection();
            Countdown c = b.delivered;
            b.plain.addEventListener(event -> {
                if (event instanceof ContactStatusEvent) {
                    c.increment();
                }
            });
            b.plain.login(AmiSourceConfig.builder("127.0.0.1", "x", "y").build().eventMask());
        }

        @TearDown(Level.Trial)
        public void stop() {
            bench.plain.logoff();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pbx.close();
    }

    static void waitUntil(java.util.function.BooleanSupplier condition, Duration timeout, String what)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("not " + what + " within " + timeout);
            }
            Thread.sleep(20);
        }
    }

    private void sendAndWait() throws TimeoutException {
        long goal = delivered.goalAfter(BATCH);
        // to the sessions that asked for events, as Asterisk sends them: the source's list session
        // (Events: off) gets none
        pbx.faults().amiRawEvents(blob);
        delivered.await(goal, WAIT);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void astregSource(AstregPath path) throws TimeoutException {
        sendAndWait();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void asteriskJavaNoOp(PlainPath path) throws TimeoutException {
        sendAndWait();
    }
}
