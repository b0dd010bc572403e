package io.github.astreg.benchmarks.core;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointRecord;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link InMemoryEndpointRegistry#locate} on one thread over {@code endpoints} phones on 4 nodes,
 * one in five with a second, older registration elsewhere (see {@link Population}). The endpoint ids
 * are built beforehand, as a dialplan lookup service would parse them once per request.
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

    private InMemoryEndpointRegistry registry;
    private EndpointId[] ids;
    private EndpointId unknown;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp() {
        Population population = Population.create(4, endpoints);
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
