package io.github.astreg.benchmarks.core;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointChange;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link InMemoryEndpointRegistry#apply} on one thread, one observation per operation, against a
 * registry already holding {@code endpoints} phones on 4 nodes (see {@link Population}). Every
 * observation is newer than the last one of its key, so it goes through the full merge and emits
 * a merged change, as live traffic does. Building the {@link EndpointStateEvent} (one record and
 * one {@link Instant}) is part of the measured cost, as it is in a source.
 *
 * <p>Target: at least 2 M observations/s on one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RegistryApplyBenchmark {
    /** Device states of one call, in the order a callee goes through them (ringing, answer, hold, resume, hangup). */
    private static final DeviceState[] CALL = {
        DeviceState.RINGING, DeviceState.INUSE, DeviceState.ONHOLD, DeviceState.INUSE, DeviceState.NOT_INUSE
    };

    /** One cycle of the realistic mix, 20 observations: see {@link #mix()}. */
    private static final char[] MIX = "PPPPPPPPSSDDDDDDEEXX".toCharArray();

    private static final int RTT_VARIANTS = 4;
    private static final int STRIDE = 7919;

    @Param({"10000"})
    public int endpoints;

    private Population population;
    private InMemoryEndpointRegistry registry;
    private NodeId[] home;
    private ContactChange[][] polls;
    private ContactChange[][] statuses;
    private DeviceChange[][] devices;
    private EndpointChange[][] channels;
    private int[] callPhase;
    private long clock;
    private int cursor;
    private long op;
    private EndpointStateEvent lastApplied;

    @Setup(Level.Trial)
    public void setUp() {
        population = Population.create(4, endpoints);
        registry = population.registry();
        clock = population.clock() + 1;
        home = new NodeId[endpoints];
        polls = new ContactChange[endpoints][RTT_VARIANTS];
        statuses = new ContactChange[endpoints][2];
        devices = new DeviceChange[endpoints][CALL.length];
        channels = new EndpointChange[endpoints][2];
        callPhase = new int[endpoints];
        Instant expires = Instant.now().plus(Duration.ofDays(1));
        for (int i = 0; i < endpoints; i++) {
            home[i] = population.nodeOf(i);
            for (int v = 0; v < RTT_VARIANTS; v++) {
                polls[i][v] = population.contactPoll(i, population.uri(i), 650 + 37 * v, expires);
            }
            statuses[i][0] = population.contactStatus(i, ContactStatus.REACHABLE, 702);
            statuses[i][1] = population.contactStatus(i, ContactStatus.REACHABLE, 811);
            for (int s = 0; s < CALL.length; s++) {
                devices[i][s] = new DeviceChange(population.endpoint(i), CALL[s]);
            }
            channels[i][0] = new EndpointChange(population.endpoint(i), EndpointState.ONLINE, 1);
            channels[i][1] = new EndpointChange(population.endpoint(i), EndpointState.ONLINE, 0);
        }
        lastApplied = registry.apply(event(0, polls[0][0])).get(0);
    }

    private int nextEndpoint() {
        // a prime stride visits every endpoint once per round in an order the CPU cannot prefetch
        cursor = (cursor + STRIDE) % endpoints;
        return cursor;
    }

    private EndpointStateEvent event(int i, io.github.astreg.core.model.Change change) {
        long n = clock++;
        return new EndpointStateEvent(home[i], Population.at(n), n, Origin.AMI, change);
    }

    /** A contact-list poll row (address, user agent, expiry, fresh RTT) for a registered phone. */
    @Benchmark
    public List<EndpointStateEvent> contactRefresh() {
        int i = nextEndpoint();
        return registry.apply(event(i, polls[i][(int) (op++ & (RTT_VARIANTS - 1))]));
    }

    /** A device state change of a phone in a call (ringing, in use, on hold, idle). */
    @Benchmark
    public List<EndpointStateEvent> deviceState() {
        int i = nextEndpoint();
        int phase = callPhase[i];
        callPhase[i] = phase + 1 == CALL.length ? 0 : phase + 1;
        return registry.apply(event(i, devices[i][phase]));
    }

    /**
     * The realistic mix, per 20 observations: 8 contact-list poll rows (P), 2 live ContactStatus
     * with RTT (S), 6 device state changes of calls (D), 2 endpoint channel-count changes (E), and 2
     * replays of an observation already applied (X, a second collector or a retry: no change).
     */
    @Benchmark
    public List<EndpointStateEvent> mix() {
        char kind = MIX[(int) (op++ % MIX.length)];
        int i = nextEndpoint();
        switch (kind) {
            case 'P':
                return registry.apply(event(i, polls[i][(int) (op & (RTT_VARIANTS - 1))]));
            case 'S':
                return registry.apply(event(i, statuses[i][(int) (op & 1)]));
            case 'D': {
                int phase = callPhase[i];
                callPhase[i] = phase + 1 == CALL.length ? 0 : phase + 1;
                return registry.apply(event(i, devices[i][phase]));
            }
            case 'E':
                return registry.apply(event(i, channels[i][(int) (op & 1)]));
            default:
                return registry.apply(lastApplied);
        }
    }
}
