package io.github.astreg.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Several {@link FakeAsterisk} nodes under one scenario API, e.g. "phone 1001 moves from pbx1 to
 * pbx2". Each node has its own ports, threads and clock; {@link #close()} closes them all.
 *
 * <pre>{@code
 * try (FakeCluster cluster = FakeCluster.of("pbx1", "pbx2").start()) {
 *     cluster.register("pbx1", "1001", Registration.from("127.0.0.1", 5061));
 *     cluster.move("1001", "pbx2", Registration.from("127.0.0.1", 5066));
 *     int amiPortOfPbx2 = cluster.node("pbx2").amiPort();
 * }
 * }</pre>
 */
public final class FakeCluster implements AutoCloseable {
    private final Map<String, FakeAsterisk> nodes;

    private FakeCluster(Map<String, FakeAsterisk> nodes) {
        this.nodes = Collections.unmodifiableMap(nodes);
    }

    /**
     * Nodes with the given names, each with {@code systemName} = its name, AMI timestamps on, and
     * the default endpoints 1001..1010.
     */
    public static FakeCluster of(String... names) {
        Builder b = builder();
        for (String n : names) {
            b.node(n, x -> x);
        }
        return b.build();
    }

    /** Starts building a cluster node by node. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts every node; returns {@code this}. */
    public FakeCluster start() {
        for (FakeAsterisk n : nodes.values()) {
            n.start();
        }
        return this;
    }

    /** Closes every node. Idempotent. */
    @Override
    public void close() {
        for (FakeAsterisk n : nodes.values()) {
            n.close();
        }
    }

    /** The node called {@code name}. */
    public FakeAsterisk node(String name) {
        FakeAsterisk n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no node " + name + " in " + nodes.keySet());
        }
        return n;
    }

    /** All nodes, in the order they were declared. */
    public List<FakeAsterisk> nodes() {
        return List.copyOf(nodes.values());
    }

    /** The phone of {@code endpoint} registers on {@code node}. */
    public String register(String node, String endpoint, Registration registration) {
        return node(node).register(endpoint, registration);
    }

    /** The phone of {@code endpoint} unregisters from {@code node}. */
    public void unregister(String node, String endpoint) {
        node(node).unregister(endpoint);
    }

    /** The nodes where {@code endpoint} currently has a registered contact, in declaration order. */
    public List<String> registeredOn(String endpoint) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, FakeAsterisk> e : nodes.entrySet()) {
            if (e.getValue().isUp() && !e.getValue().contactUris(endpoint).isEmpty()) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /**
     * The phone moves to {@code to}: it unregisters from every other node where it is registered
     * (as a phone does when it switches server), then registers on {@code to}.
     */
    public String move(String endpoint, String to, Registration registration) {
        Objects.requireNonNull(registration, "registration");
        FakeAsterisk target = node(to);
        for (String from : registeredOn(endpoint)) {
            if (!from.equals(to)) {
                node(from).unregister(endpoint);
            }
        }
        return target.register(endpoint, registration);
    }

    /**
     * The phone moves without unregistering (it simply starts registering elsewhere): the old
     * registration stays until it expires or is unregistered.
     */
    public String registerAlsoOn(String endpoint, String to, Registration registration) {
        return node(to).register(endpoint, registration);
    }

    /** Builds a {@link FakeCluster}. */
    public static final class Builder {
        private final Map<String, FakeAsterisk.Builder> nodes = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Adds a node; {@code customize} receives a builder preset with {@code systemName = name} and
         * AMI timestamps on, and returns the builder to use.
         */
        public Builder node(String name, UnaryOperator<FakeAsterisk.Builder> customize) {
            if (nodes.containsKey(name)) {
                throw new IllegalArgumentException("duplicate node " + name);
            }
            nodes.put(
                    name,
                    customize.apply(FakeAsterisk.builder(name).systemName(name).timestampEvents(true)));
            return this;
        }

        /** Builds every node (not started). */
        public FakeCluster build() {
            if (nodes.isEmpty()) {
                throw new IllegalArgumentException("a cluster needs at least one node");
            }
            Map<String, FakeAsterisk> built = new LinkedHashMap<>();
            for (Map.Entry<String, FakeAsterisk.Builder> e : nodes.entrySet()) {
                built.put(e.getKey(), e.getValue().build());
            }
            return new FakeCluster(built);
        }
    }
}
