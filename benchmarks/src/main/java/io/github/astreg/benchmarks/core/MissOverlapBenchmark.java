package io.github.astreg.benchmarks.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
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
 * A reference for what bounds {@link RegistryApplyBenchmark}, with no astreg code in it: one
 * operation follows a chain of {@code depth} dependent references from a random start among
 * {@code nodes} objects (the registry's apply follows such a chain: hash node, entry, presence,
 * versions), once as it is and once inside {@code synchronized}, as the registry's apply runs.
 *
 * <p>Each load of a chain waits for the one before, but consecutive operations are independent, so
 * without the lock the CPU starts the next chain while the last one's misses are outstanding. A
 * monitor enter and exit are atomic instructions, which x86 executes only after every earlier load
 * and store completed: with the lock, each operation's misses are paid one after the other. Over
 * few nodes (in cache) the lock itself costs a few nanoseconds; over many, the difference is the
 * overlap lost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MissOverlapBenchmark {
    /** Operations per start array; a power of two. */
    private static final int STARTS = 1 << 20;

    @Param({"1024", "1048576"})
    public int nodes;

    @Param({"5"})
    public int depth;

    private static final class Node {
        Node next;
        long value;

        Node(long value) {
            this.value = value;
        }
    }

    private final Object lock = new Object();
    private Node[] starts;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp() {
        List<Node> all = new ArrayList<>(nodes);
        for (int i = 0; i < nodes; i++) {
            all.add(new Node(i));
        }
        Node[] byIndex = all.toArray(new Node[0]);
        // one random cycle through every node: each step is a miss once nodes outgrow the caches
        Collections.shuffle(all, new java.util.Random(1));
        for (int i = 0; i < nodes; i++) {
            all.get(i).next = all.get((i + 1) % nodes);
        }
        SplittableRandom random = new SplittableRandom(2);
        starts = new Node[STARTS];
        for (int i = 0; i < STARTS; i++) {
            starts[i] = byIndex[random.nextInt(nodes)];
        }
    }

    private long walk() {
        Node n = starts[cursor++ & (STARTS - 1)];
        for (int k = 1; k < depth; k++) {
            n = n.next;
        }
        return n.value;
    }

    /** The chain alone. */
    @Benchmark
    public long plain() {
        return walk();
    }

    /** The same chain inside {@code synchronized}, uncontended. */
    @Benchmark
    public long locked() {
        synchronized (lock) {
            return walk();
        }
    }
}
