package io.github.astreg.examples.run;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.examples.config.ConfigException;
import io.github.astreg.examples.config.ConfigLoader;
import io.github.astreg.examples.config.HttpSettings;
import io.github.astreg.examples.config.NodeSettings;
import io.github.astreg.examples.config.RunnerConfig;
import io.github.astreg.examples.config.StoreSettings;
import io.github.astreg.examples.lookup.LookupService;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code astreg run} runs: one source per configured node, the core {@link Pipeline} with its
 * in-memory registry, one sink per configured store, and the lookup service over the registry.
 *
 * <p>{@link #start} checks everything before it connects anything: every adapter setting is
 * validated and all problems are reported at once in a {@link ConfigException}; then every store is
 * opened, and a store that is down at start fails the start ({@link StoreUnavailableException}),
 * while a node that is unreachable is not fatal: its source keeps retrying in the background.
 *
 * <p>Threads: the runner starts none of its own; the sources, the pipeline and the lookup service
 * own theirs (see their Javadoc). {@link #close()} stops the lookup service, closes the pipeline
 * (sources closed, sinks flushed up to the pipeline's {@code closeTimeout}) and then releases the
 * stores' pools and clients. It is idempotent and may be called from any thread, such as a
 * shutdown hook.
 */
public final class Runner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Runner.class);

    private final RunnerConfig config;
    private final Pipeline pipeline;
    private final List<EndpointEventSource> sources;
    private final Map<StoreKind, PreparedStore> stores;
    private final Optional<LookupService> lookup;
    private final Object lock = new Object();
    private boolean closed;

    private Runner(
            RunnerConfig config,
            Pipeline pipeline,
            List<EndpointEventSource> sources,
            Map<StoreKind, PreparedStore> stores,
            Optional<LookupService> lookup) {
        this.config = config;
        this.pipeline = pipeline;
        this.sources = List.copyOf(sources);
        this.stores = Collections.unmodifiableMap(new LinkedHashMap<>(stores));
        this.lookup = lookup;
    }

    /**
     * Validates, connects the stores and starts everything.
     *
     * @param configName where the config came from, for messages
     * @throws ConfigException when an adapter rejects its settings (all problems, with their paths)
     * @throws StoreUnavailableException when a store cannot be reached
     * @throws AstregException when the lookup service cannot listen
     */
    public static Runner start(RunnerConfig config, AdapterFactory adapters, String configName) {
        List<String> errors = new ArrayList<>();
        List<EndpointEventSource> sources = new ArrayList<>();
        Map<StoreKind, PreparedStore> stores = new LinkedHashMap<>();
        for (NodeSettings node : config.nodes()) {
            try {
                sources.add(adapters.source(node, config));
            } catch (IllegalArgumentException e) {
                errors.addAll(ConfigLoader.prefixErrors(node.blockPath(), e.getMessage()));
            }
        }
        prepare(StoreKind.JDBC, config.jdbc(), adapters, config, stores, errors);
        prepare(StoreKind.REDIS, config.redis(), adapters, config, stores, errors);
        if (!errors.isEmpty()) {
            closeAll(sources, stores);
            throw new ConfigException(configName, errors);
        }
        Pipeline pipeline = null;
        LookupService lookup = null;
        try {
            for (PreparedStore s : stores.values()) {
                s.open();
            }
            InMemoryEndpointRegistry registry =
                    InMemoryEndpointRegistry.builder().config(config.registry()).build();
            Pipeline.Builder b = Pipeline.builder(registry).config(config.pipeline());
            sources.forEach(b::source);
            stores.values().forEach(s -> b.sink(s.sink()));
            // a restarted runner reconciles what its earlier run wrote: seed from the first store
            stores.values().stream().findFirst().ifPresent(s -> b.seedFrom(s.registry()));
            pipeline = b.build();
            pipeline.start();
            if (config.http().isPresent()) {
                HttpSettings h = config.http().get();
                Pipeline p = pipeline;
                lookup = LookupService.builder(registry)
                        .bind(h.bind())
                        .port(h.port())
                        .bearerToken(h.bearerToken())
                        .metrics(p::metrics)
                        .sourceStatus(() -> connected(sources))
                        .build();
                try {
                    lookup.start();
                } catch (UncheckedIOException e) {
                    throw new AstregException("http: " + e.getMessage(), e);
                }
            }
            log.info(
                    "astreg running: {} node(s), stores {}, lookup {}",
                    sources.size(),
                    stores.keySet(),
                    lookup == null ? "off" : lookup.baseUri());
            return new Runner(config, pipeline, sources, stores, Optional.ofNullable(lookup));
        } catch (RuntimeException e) {
            if (lookup != null) {
                lookup.close();
            }
            if (pipeline != null) {
                pipeline.close();
            }
            closeAll(sources, stores);
            throw e;
        }
    }

    private static void prepare(
            StoreKind kind,
            Optional<StoreSettings> settings,
            AdapterFactory adapters,
            RunnerConfig config,
            Map<StoreKind, PreparedStore> stores,
            List<String> errors) {
        if (settings.isEmpty()) {
            return;
        }
        try {
            stores.put(kind, adapters.store(kind, settings.get(), config));
        } catch (IllegalArgumentException e) {
            errors.addAll(ConfigLoader.prefixErrors(settings.get().path(), e.getMessage()));
        }
    }

    private static Map<String, Boolean> connected(List<EndpointEventSource> sources) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (EndpointEventSource s : sources) {
            m.put(s.name(), s.isConnected());
        }
        return m;
    }

    private static void closeAll(List<EndpointEventSource> sources, Map<StoreKind, PreparedStore> stores) {
        for (EndpointEventSource s : sources) {
            try {
                s.close();
            } catch (RuntimeException e) {
                log.warn("source {}: close failed: {}", s.name(), e.toString());
            }
        }
        for (PreparedStore s : stores.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                log.warn("{}: close failed: {}", s.describe(), e.toString());
            }
        }
    }

    public RunnerConfig config() {
        return config;
    }

    /** The pipeline (its registry is what the lookup service serves). */
    public Pipeline pipeline() {
        return pipeline;
    }

    /** The lookup service, when {@code http:} is configured. */
    public Optional<LookupService> lookup() {
        return lookup;
    }

    /** The opened stores by kind (their registries read what the sinks wrote). */
    public Map<StoreKind, PreparedStore> stores() {
        return stores;
    }

    /** Whether every source reports its link up and resynchronised. */
    public boolean allSourcesConnected() {
        return sources.stream().allMatch(EndpointEventSource::isConnected);
    }

    /** Waits until every change so far is written by every sink. */
    public boolean awaitFlushed(Duration timeout) throws InterruptedException {
        return pipeline.awaitFlushed(timeout);
    }

    /** Stops the lookup service, closes sources, flushes and closes sinks, releases stores. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        lookup.ifPresent(LookupService::close);
        pipeline.close();
        closeAll(List.of(), stores);
    }
}
