package io.github.astreg.core.pipeline;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of a {@link Pipeline}'s counters.
 *
 * @param received observations received from sources
 * @param applied changes the registry applied (what sinks receive)
 * @param receivedByNodeAndKind observations received per {@code node/kind}
 * @param sinks per-sink delivery
 * @param sources per-source counters, by source name
 */
public record PipelineMetrics(
        long received,
        long applied,
        Map<String, Long> receivedByNodeAndKind,
        List<SinkMetrics> sinks,
        Map<String, Map<String, Long>> sources) {}
