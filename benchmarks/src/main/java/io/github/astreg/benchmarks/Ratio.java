package io.github.astreg.benchmarks;

import java.util.List;

/**
 * A side-by-side comparison printed after a JMH run: the throughput of {@code subject} divided by
 * the throughput of {@code baseline}, both measured in the same run (same JVM settings, same
 * machine load), against the target the issue states.
 *
 * @param title what is compared
 * @param subject the astreg benchmark, as {@code SimpleClassName.method}
 * @param baseline the baseline benchmark, as {@code SimpleClassName.method}
 * @param target the smallest acceptable ratio, or 0 when the issue states none
 */
public record Ratio(String title, String subject, String baseline, double target) {

    /** Every comparison the issues ask for; those whose benchmarks did not run are skipped. */
    public static List<Ratio> all() {
        return List.of(
                new Ratio(
                        "source-ami: FakeAsterisk -> asterisk-java -> AmiEndpointSource -> registry"
                                + " vs asterisk-java + no-op listener",
                        "AmiSourceBenchmark.astregSource",
                        "AmiSourceBenchmark.asteriskJavaNoOp",
                        0.8),
                new Ratio(
                        "source-ari: ARI frames -> AriEndpointSource decoder -> registry vs Jackson alone",
                        "AriSourceBenchmark.astregDecoder",
                        "AriSourceBenchmark.jacksonTree",
                        0),
                new Ratio(
                        "sink-redis: RedisEndpointSink vs hand-written pipelined HSET",
                        "RedisSinkBenchmark.astregSink",
                        "RedisSinkBenchmark.pipelinedHset",
                        0.5),
                new Ratio(
                        "sink-redis: RedisEndpointSink vs hand-written pipelined HSET that encodes the events too",
                        "RedisSinkBenchmark.astregSink",
                        "RedisSinkBenchmark.pipelinedHsetEncoding",
                        0),
                new Ratio(
                        "sink-jdbc: JdbcEndpointSink vs one autocommit upsert per event",
                        "JdbcSinkBenchmark.astregSink",
                        "JdbcSinkBenchmark.autocommitUpsert",
                        0),
                new Ratio(
                        "sink-jdbc: JdbcEndpointSink vs hand-written JDBC batch upsert",
                        "JdbcSinkBenchmark.astregSink",
                        "JdbcSinkBenchmark.batchUpsert",
                        0));
    }
}
