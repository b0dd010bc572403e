package io.github.astreg.benchmarks.core;

import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The canonical JSON codec ({@link EventJson}) on the two shapes that dominate traffic: a merged
 * contact change with every field (what Redis pub/sub and the history table carry) and a device
 * state change.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EventJsonBenchmark {
    private EndpointStateEvent contact;
    private EndpointStateEvent device;
    private String contactJson;
    private String deviceJson;

    @Setup(Level.Trial)
    public void setUp() {
        EndpointId ep = EndpointId.pjsip("1001");
        Instant at = Instant.parse("2026-11-26T05:32:55.619Z");
        contact = new EndpointStateEvent(
                NodeId.of("pbx1"),
                at,
                7,
                Origin.AMI,
                ContactChange.builder(ep, "sip:1001@127.0.0.1:5061", ContactStatus.REACHABLE)
                        .aor("1001")
                        .address("127.0.0.1", 5061)
                        .userAgent("Yealink SIP-T46U 108.86.0.45")
                        .rtt(Duration.ofNanos(744_000))
                        .expiresAt(Instant.parse("2026-11-26T06:32:55Z"))
                        .jitter(Optional.of(Duration.ofNanos(31_000)))
                        .registeredAt(Optional.of(Instant.parse("2026-11-26T05:30:01.002Z")))
                        .build());
        device = new EndpointStateEvent(NodeId.of("pbx1"), at, 8, Origin.AMI, new DeviceChange(ep, DeviceState.INUSE));
        contactJson = EventJson.write(contact);
        deviceJson = EventJson.write(device);
        if (!EventJson.readEvent(contactJson).equals(contact)) {
            throw new IllegalStateException("contact event does not round-trip: " + contactJson);
        }
    }

    @Benchmark
    public String encodeContact() {
        return EventJson.write(contact);
    }

    @Benchmark
    public EndpointStateEvent decodeContact() {
        return EventJson.readEvent(contactJson);
    }

    @Benchmark
    public String encodeDevice() {
        return EventJson.write(device);
    }

    @Benchmark
    public EndpointStateEvent decodeDevice() {
        return EventJson.readEvent(deviceJson);
    }
}
