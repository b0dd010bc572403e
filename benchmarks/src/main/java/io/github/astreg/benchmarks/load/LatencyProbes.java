package io.github.astreg.benchmarks.load;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.registry.RegistryListener;
import io.github.astreg.testkit.FakeAsterisk;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures end-to-end latency with marked events: a probe turns a probe phone's contact Unreachable
 * and then answers its qualify with an RTT that encodes the probe number ({@value #BASE_MICROS} µs +
 * n), so the ContactStatus Reachable the fake sends carries the mark through the source, the
 * registry and the sinks. The time is taken just before the fake is told to send it; a store's
 * listener (the JDBC sink's commit listener, the Redis {@code events} channel, the registry's own
 * listener) stops the clock when the change with that RTT is visible there.
 */
final class LatencyProbes {
    static final long BASE_MICROS = 200_000;

    private final List<FakeAsterisk> nodes;
    private final int probePhones;
    private final Map<String, Latencies> latencies = new LinkedHashMap<>();
    private final Map<String, Latencies> byProtocol = new ConcurrentHashMap<>();
    private final Map<String, ConcurrentHashMap<Long, Long>> pending = new LinkedHashMap<>();
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean stopped;
    private volatile boolean counting;

    private final int ariNodes;

    /** The first {@code ariNodes} nodes are watched over ARI, the others over AMI. */
    LatencyProbes(List<FakeAsterisk> nodes, int probePhones, int ariNodes) {
        this.nodes = nodes;
        this.probePhones = Math.max(1, probePhones);
        this.ariNodes = ariNodes;
    }

    private String protocol(String node) {
        for (int n = 0; n < nodes.size(); n++) {
            if (nodes.get(n).node().equals(node)) {
                return n < ariNodes ? "ARI" : "AMI";
            }
        }
        return "?";
    }

    int probePhones() {
        return probePhones;
    }

    /** A listener that stops the clock of store {@code store}; register before the run. */
    synchronized RegistryListener listener(String store) {
        Latencies l = new Latencies();
        latencies.put(store, l);
        Latencies viaAmi = new Latencies();
        Latencies viaAri = new Latencies();
        byProtocol.put(store + " via AMI", viaAmi);
        byProtocol.put(store + " via ARI", viaAri);
        ConcurrentHashMap<Long, Long> mine = new ConcurrentHashMap<>();
        pending.put(store, mine);
        return change -> {
            if (change.change() instanceof ContactChange c
                    && c.status() == ContactStatus.REACHABLE
                    && c.rtt().isPresent()) {
                long micros = c.rtt().get().toNanos() / 1000;
                if (micros >= BASE_MICROS) {
                    Long t0 = mine.remove(micros - BASE_MICROS);
                    if (t0 != null) {
                        long nanos = System.nanoTime() - t0;
                        l.add(t0, nanos);
                        ("ARI".equals(protocol(change.node().value())) ? viaAri : viaAmi).add(t0, nanos);
                    }
                }
            }
        };
    }

    /** From now on probes are timed (called when the load phase starts). */
    void startCounting() {
        counting = true;
    }

    List<String> stores() {
        return List.copyOf(latencies.keySet());
    }

    /** Samples of {@code store}, or of {@code "<store> via AMI|ARI"}. */
    Latencies latencies(String store) {
        Latencies l = latencies.get(store);
        return l != null ? l : byProtocol.getOrDefault(store, new Latencies());
    }

    /** Probes sent since {@link #startCounting()}. */
    long sent() {
        return sent.get();
    }

    /** Probes sent but not seen in {@code store}. */
    int missing(String store) {
        return pending.get(store).size();
    }

    void stop() {
        stopped = true;
    }

    /** Sends {@code perSecond} probes a second, round robin over nodes and probe phones, until stopped. */
    void run(int perSecond) {
        long interval = 1_000_000_000L / perSecond;
        long due = System.nanoTime();
        int k = 0;
        while (!stopped) {
            int n = k % nodes.size();
            int phone = (k / nodes.size()) % probePhones;
            k++;
            FakeAsterisk pbx = nodes.get(n);
            String ext = FakeNodes.extension(n, phone);
            long id = next.getAndIncrement();
            try {
                pbx.unreachable(ext);
                long t0 = System.nanoTime();
                if (counting) {
                    for (ConcurrentHashMap<Long, Long> p : pending.values()) {
                        p.put(id, t0);
                    }
                }
                pbx.qualify(ext, Duration.ofNanos((BASE_MICROS + id) * 1000));
                if (counting) {
                    sent.incrementAndGet();
                }
            } catch (RuntimeException e) {
                for (ConcurrentHashMap<Long, Long> p : pending.values()) {
                    p.remove(id);
                }
            }
            due += interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }
}
