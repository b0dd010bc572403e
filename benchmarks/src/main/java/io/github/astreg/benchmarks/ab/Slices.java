package io.github.astreg.benchmarks.ab;

import io.github.astreg.benchmarks.core.EventJsonBenchmark;
import io.github.astreg.benchmarks.core.LocateBenchmark;
import io.github.astreg.benchmarks.core.RegistryApplyBenchmark;
import java.util.List;
import java.util.Optional;

/**
 * One side of an {@link Interleaved} comparison: a core benchmark's state, set up once, and a loop
 * that runs its operation for a slice of time. {@link Interleaved} loads this class once per build
 * under test, each in its own class loader, so each copy is compiled against, and profiled with,
 * its own build's classes. Public members are called reflectively from another class loader.
 */
public final class Slices {
    private final String operation;
    private final RegistryApplyBenchmark apply;
    private final LocateBenchmark locate;
    private final EventJsonBenchmark json;
    /** Sum of the results' sizes, so the JIT cannot drop the work. */
    private long sink;

    /**
     * @param operation {@code mix}, {@code contactRefresh}, {@code deviceState} (RegistryApplyBenchmark)
     *     or {@code locate}, {@code locateCoarse} (LocateBenchmark on the system clock or a CoarseClock),
     *     or {@code decodeContact}, {@code decodeDevice} (EventJsonBenchmark; {@code endpoints} unused)
     * @param endpoints phones in the population
     */
    public Slices(String operation, int endpoints) {
        this.operation = operation;
        switch (operation) {
            case "mix", "contactRefresh", "deviceState" -> {
                apply = new RegistryApplyBenchmark();
                apply.endpoints = endpoints;
                apply.setUp();
                locate = null;
                json = null;
            }
            case "locate", "locateCoarse" -> {
                locate = new LocateBenchmark();
                locate.endpoints = endpoints;
                locate.clock = operation.equals("locate") ? "system" : "coarse";
                locate.setUp();
                apply = null;
                json = null;
            }
            case "decodeContact", "decodeDevice" -> {
                json = new EventJsonBenchmark();
                json.setUp();
                apply = null;
                locate = null;
            }
            default ->
                throw new IllegalArgumentException(
                        "unknown operation " + operation
                                + ": use mix, contactRefresh, deviceState, locate, locateCoarse, decodeContact or decodeDevice");
        }
    }

    /** Runs the operation until {@code nanos} have passed; returns how many times it ran. */
    public long runFor(long nanos) {
        long end = System.nanoTime() + nanos;
        long ops = 0;
        // the clock is read every 256 operations, so its cost stays out of the figure
        do {
            for (int i = 0; i < 256; i++) {
                sink += once();
            }
            ops += 256;
        } while (System.nanoTime() < end);
        return ops;
    }

    private int once() {
        switch (operation) {
            case "mix":
                return size(apply.mix());
            case "contactRefresh":
                return size(apply.contactRefresh());
            case "deviceState":
                return size(apply.deviceState());
            case "decodeContact":
                return (int) json.decodeContact().sequence();
            case "decodeDevice":
                return (int) json.decodeDevice().sequence();
            default:
                return present(locate.locate());
        }
    }

    private static int size(List<?> l) {
        return l.size();
    }

    private static int present(Optional<?> o) {
        return o.isPresent() ? 1 : 0;
    }

    /** Releases what the benchmark started (the locate benchmark's coarse clock). */
    public void close() {
        if (locate != null) {
            locate.tearDown();
        }
    }

    /** Keeps {@link #sink} observable. */
    public long sink() {
        return sink;
    }
}
