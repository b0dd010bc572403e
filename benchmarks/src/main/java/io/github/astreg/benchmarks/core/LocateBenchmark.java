package io.github.astreg.benchmarks.core;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.registry.CoarseClock;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import java.time.Clock;
import java.util.Optional;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link InMemoryEndpointRegistry#locate} on one thread over {@code endpoints} phones on 4 nodes,
 * one in five with a second, older registration elsewhere (see {@link Population}). The endpoint ids
 * are built beforehand, as a dialplan lookup service would parse them once per request.
 *
 * <p>{@code clock}: {@code system} is the registry's default clock; {@code coarse} is a {@link
 * CoarseClock}, read from memory, which an application doing many lookups gives its registry.
 * Reading the system clock on every call also stops the CPU from overlapping the cache misses of
 * consecutive lookups, so the difference is more than the clock call itself.
 *
 * <p>Target: at least 10 M locates/s on one thread.
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
public class LocateBenchmark {
    private static final int STRIDE = 7919;

    @Param({"10000"})
    public int endpoints;

    @Param({"system", "coarse"})
    public String clock;

    private CoarseClock coarse;

    private InMemoryEndpointRegistry registry;
    private EndpointId[] ids;
    private EndpointId unknown;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp() {
        Clock registryClock;
        switch (clock) {
            case "system":
                registryClock = Clock.systemUTC();
                break;
            case "coarse":
                coarse = CoarseClock.start();
                registryClock = coarse;
                break;
            default:
                throw new IllegalArgumentException("clock must be system or coarse, was " + clock);
        }
        Population population = Population.create(4, endpoints, registryClock);
        registry = population.registry();
        ids = new EndpointId[endpoints];
        for (int i = 0; i < endpoints; i++) {
            // fresh instances: the lookup must hash and compare, not hit an identity shortcut
            ids[i] = EndpointId.parse(population.endpoint(i).toString());
        }
        unknown = EndpointId.pjsip("no-such-phone");
        if (registry.locate(ids[0]).isEmpty()) {
            throw new IllegalStateException("population has no live contact for " + ids[0]);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (coarse != null) {
            coarse.close();
        }
    }

    private int nextEndpoint() {
        // a prime stride visits every endpoint once per round in an order the CPU cannot prefetch
        cursor = (cursor + STRIDE) % endpoints;
        return cursor;
    }

    /** Where is this phone registered? (R2, one or two candidates.) */
    @Benchmark
    public Optional<Location> locate() {
        return registry.locate(ids[nextEndpoint()]);
    }

    /** A phone no node knows: the cheapest answer, for reference. */
    @Benchmark
    public Optional<Location> locateUnknown() {
        return registry.locate(unknown);
    }

    /** The full record (what the lookup service's /v1/endpoints answers), for reference. */
    @Benchmark
    public Optional<EndpointRecord> find() {
        return registry.find(ids[nextEndpoint()]);
    }
}
