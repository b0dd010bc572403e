package io.github.astreg.reliability;

import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import java.time.Duration;

/**
 * A collector in its own JVM, for {@link CollectorCrashIT} to kill with SIGKILL: one AMI source on
 * 127.0.0.1:{@code <amiPort>}, a pipeline, and the JDBC sink on the loopback PostgreSQL with table
 * prefix {@code <prefix>}. Prints {@code READY} once the source is connected, then runs until killed.
 */
public final class CollectorMain {
    private CollectorMain() {}

    public static void main(String[] args) throws Exception {
        int amiPort = Integer.parseInt(args[0]);
        String prefix = args[1];
        String collector = args[2];
        AmiEndpointSource source = AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", "astreg", "astregpass")
                .port(amiPort)
                .contactPollInterval(Duration.ofSeconds(2))
                .reconnectDelay(Duration.ofMillis(100), Duration.ofSeconds(1))
                .build());
        Pipeline pipeline = Pipeline.builder(InMemoryEndpointRegistry.create())
                .config(PipelineConfig.builder()
                        .collectorId(collector)
                        .flushInterval(Duration.ofMillis(10))
                        .heartbeatInterval(Duration.ofMillis(500))
                        .build())
                .source(source)
                .sink(JdbcEndpointSink.builder(
                                Services.postgres(prefix),
                                JdbcSinkConfig.builder().tablePrefix(prefix).build())
                        .build())
                // what an earlier run of this collector wrote is reconciled by the first snapshot
                .seedFrom(io.github.astreg.sink.jdbc.JdbcEndpointRegistry.builder(
                                Services.postgres(prefix),
                                JdbcSinkConfig.builder().tablePrefix(prefix).build())
                        .build())
                .build();
        pipeline.start();
        while (!source.isConnected()) {
            Thread.sleep(20);
        }
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
