package io.github.astreg.core.pipeline;

import io.github.astreg.core.model.ChangeKind;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.ObservationKey;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.core.spi.EndpointSink;
import io.github.astreg.core.spi.EventReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires sources → registry → sinks.
 *
 * <pre>{@code
 * InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
 * try (Pipeline pipeline = Pipeline.builder(registry)
 *         .config(PipelineConfig.builder().collectorId("collector-1").build())
 *         .source(amiSource)
 *         .sink(jdbcSink)
 *         .build()) {
 *     pipeline.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Sources hand observations to {@link #receive}, which applies them to the registry on the
 * caller's thread (microseconds) and queues the resulting changes for each sink. Each sink has its
 * own thread ({@code astreg-sink-<name>}) and a pending map coalesced to the newest change per key:
 * batches are cut by size and by time, failed batches are retried with capped exponential backoff,
 * and a slow or dead sink never blocks sources or other sinks; while a store is down memory is
 * bounded by the number of keys. One scheduler thread ({@code astreg-pipeline-ticker}) writes node
 * heartbeats and runs the registry's sweep (R4, R5). All threads are daemons owned by the pipeline
 * and stopped by {@link #close()}.
 */
public final class Pipeline implements EventReceiver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);
    private static final ChangeKind[] KINDS = ChangeKind.values();

    private final InMemoryEndpointRegistry registry;
    private final PipelineConfig config;
    private final List<EndpointEventSource> sources;
    private final io.github.astreg.core.registry.EndpointRegistry seed;
    private final List<SinkWorker> workers = new ArrayList<>();
    /**
     * Observations received per node (the nodes heartbeats are written for, R5) and, per node, per
     * {@link ChangeKind} ordinal: counted on the source's thread without building a key per event.
     */
    private final ConcurrentHashMap<NodeId, AtomicLongArray> receivedByNode = new ConcurrentHashMap<>();

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final Object lifecycle = new Object();
    private ScheduledExecutorService ticker;
    private boolean started;
    private boolean closed;

    private Pipeline(Builder b) {
        this.registry = b.registry;
        this.config = b.config;
        this.sources = List.copyOf(b.sources);
        this.seed = b.seed;
        for (EndpointSink sink : b.sinks) {
            workers.add(new SinkWorker(sink, config));
        }
    }

    public static Builder builder(InMemoryEndpointRegistry registry) {
        return new Builder(registry);
    }

    public InMemoryEndpointRegistry registry() {
        return registry;
    }

    public PipelineConfig config() {
        return config;
    }

    /**
     * Starts sink threads, the ticker, then every source.
     *
     * @throws IllegalStateException when already started or closed
     */
    public void start() {
        synchronized (lifecycle) {
            if (started || closed) {
                throw new IllegalStateException(closed ? "pipeline is closed" : "pipeline already started");
            }
            started = true;
            if (seed != null) {
                try {
                    registry.seedFrom(seed);
                } catch (RuntimeException e) {
                    // a store that is down must not stop the collector: it then starts empty, as before
                    log.warn("could not seed the registry from the store, starting empty: {}", e.toString());
                }
            }
            workers.forEach(SinkWorker::start);
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "astreg-pipeline-ticker");
                t.setDaemon(true);
                return t;
            });
            long hb = config.heartbeatInterval().toMillis();
            long sw = config.sweepInterval().toMillis();
            ticker.scheduleWithFixedDelay(this::heartbeat, hb, hb, TimeUnit.MILLISECONDS);
            ticker.scheduleWithFixedDelay(this::sweep, sw, sw, TimeUnit.MILLISECONDS);
            for (EndpointEventSource source : sources) {
                source.start(this);
            }
        }
    }

    /**
     * Applies one observation to the registry and queues the changes for every sink. Thread-safe;
     * never waits for a store.
     */
    @Override
    public void receive(EndpointStateEvent event) {
        Objects.requireNonNull(event, "event");
        received.incrementAndGet();
        AtomicLongArray byKind = receivedByNode.get(event.node());
        if (byKind == null) {
            byKind = receivedByNode.computeIfAbsent(event.node(), n -> new AtomicLongArray(KINDS.length));
        }
        byKind.incrementAndGet(event.kind().ordinal());
        List<EndpointStateEvent> changes = registry.apply(event);
        publish(changes);
    }

    private void publish(List<EndpointStateEvent> changes) {
        if (changes.isEmpty()) {
            return;
        }
        applied.addAndGet(changes.size());
        ObservationKey[] keys = new ObservationKey[changes.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = changes.get(i).key();
        }
        for (SinkWorker w : workers) {
            w.offer(changes, keys);
        }
    }

    /**
     * Writes a heartbeat for every node this pipeline has heard from (R5); the registry leaves out
     * nodes whose source has not reported a status yet (see {@link InMemoryEndpointRegistry#heartbeat}).
     */
    void heartbeat() {
        try {
            for (NodeId node : receivedByNode.keySet()) {
                publish(registry.heartbeat(node, config.collectorId()));
            }
        } catch (RuntimeException e) {
            log.warn("heartbeat failed", e);
        }
    }

    /** Runs the registry's clock-driven rules (R4, R5) and forwards the removals. */
    void sweep() {
        try {
            publish(registry.sweep());
        } catch (RuntimeException e) {
            log.warn("sweep failed", e);
        }
    }

    /**
     * Waits until every change received so far is written by every sink.
     *
     * @return false when the timeout passed first
     */
    public boolean awaitFlushed(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (SinkWorker w : workers) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !w.awaitIdle(Duration.ofNanos(left))) {
                return false;
            }
        }
        return true;
    }

    public PipelineMetrics metrics() {
        Map<String, Long> byKind = new TreeMap<>();
        receivedByNode.forEach((node, counts) -> {
            for (ChangeKind kind : KINDS) {
                long n = counts.get(kind.ordinal());
                if (n > 0) {
                    byKind.put(node + "/" + kind.jsonName(), n);
                }
            }
        });
        Map<String, Map<String, Long>> sourceCounters = new LinkedHashMap<>();
        for (EndpointEventSource s : sources) {
            sourceCounters.put(s.name(), s.counters());
        }
        return new PipelineMetrics(
                received.get(),
                applied.get(),
                byKind,
                workers.stream().map(SinkWorker::metrics).toList(),
                sourceCounters);
    }

    /**
     * Closes sources, flushes sinks (up to {@code closeTimeout} each), stops every thread and closes
     * the sinks. Idempotent; callable from any thread.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (EndpointEventSource source : sources) {
            try {
                source.close();
            } catch (RuntimeException e) {
                log.warn("source {}: close failed: {}", source.name(), e.toString());
            }
        }
        if (ticker != null) {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (SinkWorker w : workers) {
            if (started) {
                w.close(config.closeTimeout());
            }
        }
    }

    /** Builds a {@link Pipeline}: the registry is required, sources and sinks optional. */
    public static final class Builder {
        private final InMemoryEndpointRegistry registry;
        private PipelineConfig config = PipelineConfig.defaults();
        private final List<EndpointEventSource> sources = new ArrayList<>();
        private final List<EndpointSink> sinks = new ArrayList<>();
        private io.github.astreg.core.registry.EndpointRegistry seed;

        private Builder(InMemoryEndpointRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        public Builder config(PipelineConfig value) {
            this.config = Objects.requireNonNull(value, "config");
            return this;
        }

        public Builder source(EndpointEventSource source) {
            sources.add(Objects.requireNonNull(source, "source"));
            return this;
        }

        public Builder sink(EndpointSink sink) {
            sinks.add(Objects.requireNonNull(sink, "sink"));
            return this;
        }

        /**
         * Seeds the registry from a store at {@link Pipeline#start()}, before sources start (see
         * {@link InMemoryEndpointRegistry#seedFrom}). Use the registry that reads the store this
         * collector's sink writes, so that a restarted collector reconciles what an earlier run wrote.
         */
        public Builder seedFrom(io.github.astreg.core.registry.EndpointRegistry store) {
            this.seed = Objects.requireNonNull(store, "store");
            return this;
        }

        /** @throws IllegalArgumentException when two sinks or two sources share a name */
        public Pipeline build() {
            requireUnique("sink", sinks.stream().map(EndpointSink::name).toList());
            requireUnique(
                    "source", sources.stream().map(EndpointEventSource::name).toList());
            return new Pipeline(this);
        }

        private static void requireUnique(String what, List<String> names) {
            if (names.size() != Set.copyOf(names).size()) {
                throw new IllegalArgumentException(what + " names must be unique: " + names);
            }
        }
    }
}
