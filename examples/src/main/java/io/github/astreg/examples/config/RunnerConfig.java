package io.github.astreg.examples.config;

import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.RegistryConfig;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The runner's configuration ({@code astreg run --config astreg.yaml}), read by {@link ConfigLoader}.
 *
 * <p>The YAML shape is a contract: keys may be added, never renamed.
 *
 * <pre>{@code
 * nodes:
 *   - id: pbx1
 *     ami: { host: 127.0.0.1, port: 5038, username: astreg, secret: "${AMI_SECRET}" }
 *   - id: pbx2
 *     ari: { url: "http://127.0.0.1:8088/", username: astreg, password: "${ARI_PASSWORD}", app: astreg }
 * sinks:
 *   jdbc: { url: "jdbc:postgresql://127.0.0.1:5432/astreg", username: astreg, password: "${DB_PASSWORD}" }
 *   redis: { uri: "redis://127.0.0.1:6379" }
 * http: { bind: 127.0.0.1, port: 8080 }
 * tuning: { batchSize: 500, flushInterval: 50ms, staleAfter: 30s, evictAfter: 10m, contactPollInterval: 30s }
 * }</pre>
 *
 * @param nodes the nodes to watch, at least one, ids unique
 * @param jdbc the SQL store, when configured
 * @param redis the Redis store, when configured
 * @param http the lookup service, when configured
 * @param pipeline batch size, flush interval and the other pipeline tuning
 * @param registry staleAfter, evictAfter and the other registry tuning
 * @param contactPollInterval how often AMI sources re-read the contact list, when set
 */
public record RunnerConfig(
        List<NodeSettings> nodes,
        Optional<StoreSettings> jdbc,
        Optional<StoreSettings> redis,
        Optional<HttpSettings> http,
        PipelineConfig pipeline,
        RegistryConfig registry,
        Optional<Duration> contactPollInterval) {
    public RunnerConfig {
        nodes = List.copyOf(nodes);
        Objects.requireNonNull(jdbc, "jdbc");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(contactPollInterval, "contactPollInterval");
    }
}
