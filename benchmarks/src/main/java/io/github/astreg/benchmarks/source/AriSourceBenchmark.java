package io.github.astreg.benchmarks.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.source.ari.AriEventDecoder;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * ARI websocket frames (text, as Asterisk 22 writes them; see the recordings in
 * {@code shared/asterisk-transcripts/ari-events.jsonl}) turned into registry state, next to the same
 * frames parsed by Jackson alone, in the same run. One operation is one frame; one invocation is
 * {@value #BATCH} frames, per 10: 4 ContactStatusChange (Reachable with RTT / Unreachable), 2
 * PeerStatusChange, 3 DeviceStateChanged, 1 EndpointStateChange with a channel.
 *
 * <ul>
 *   <li>{@code astregDecoder}: {@link AriEventDecoder} (ari4java's models and JSON binding, the
 *       mapping to astreg changes), the events the source makes of them, and
 *       {@link InMemoryEndpointRegistry#apply}: everything the ARI source does per frame but the
 *       websocket itself.
 *   <li>{@code jacksonTree}: Jackson's {@code ObjectMapper.readTree} of the same frames.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AriSourceBenchmark {
    /** Frames per invocation. */
    public static final int BATCH = 1000;

    private static final DateTimeFormatter ARI_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);
    private static final String[] DEVICE = {"RINGING", "INUSE", "ONHOLD", "INUSE", "NOT_INUSE"};

    @Param({"1000"})
    public int phones;

    private final ObjectMapper mapper = new ObjectMapper();
    private AriEventDecoder decoder;
    private InMemoryEndpointRegistry registry;
    private final NodeId node = NodeId.of("pbx1");
    private String[] frames;
    private long millis;
    private long k;
    private long sequence;

    @Setup(Level.Trial)
    public void setUp() {
        decoder = AriEventDecoder.forApiVersion("10.0.0", List.of("PJSIP"));
        registry = InMemoryEndpointRegistry.create();
        frames = new String[BATCH];
        millis = Instant.now().toEpochMilli();
        // every frame kind must map to observations, or the benchmark would measure a no-op
        render();
        AriEventDecoder check = AriEventDecoder.forApiVersion("10.0.0", List.of("PJSIP"));
        for (int f = 0; f < 10; f++) {
            AriEventDecoder.Result r = check.decode(frames[f]);
            if (r.outcome() != AriEventDecoder.Outcome.MAPPED
                    || r.observations().isEmpty()) {
                throw new IllegalStateException(
                        "frame not mapped (" + r.outcome() + ", " + r.problem() + "): " + frames[f]);
            }
        }
    }

    /** The next {@value #BATCH} frames, each newer than the last, rendered outside the measurement. */
    @Setup(Level.Invocation)
    public void render() {
        for (int f = 0; f < BATCH; f++, k++) {
            int i = (int) (k % phones);
            String ext = Integer.toString(10_000 + i);
            String ts = ARI_TIME.format(Instant.ofEpochMilli(++millis));
            String endpoint = "{\"technology\":\"PJSIP\",\"resource\":\"" + ext + "\",\"state\":\"online\","
                    + "\"channel_ids\":[]}";
            String frame;
            switch ((int) (k % 10)) {
                case 0, 1, 2, 3 -> {
                    boolean reachable = (k / 10) % 2 == 0;
                    frame = "{\"type\":\"ContactStatusChange\",\"timestamp\":\"" + ts + "\",\"endpoint\":" + endpoint
                            + ",\"contact_info\":{\"uri\":\"sip:" + ext + "@10.1." + (i >> 8 & 255) + "." + (i & 255)
                            + ":5060\",\"contact_status\":\"" + (reachable ? "Reachable" : "Unreachable")
                            + "\",\"aor\":\"" + ext + "\",\"roundtrip_usec\":\"" + (reachable ? 600 + k % 400 : 0)
                            + "\"},\"asterisk_id\":\"02:00:00:00:00:01\",\"application\":\"astreg\"}";
                }
                case 4, 5 ->
                    frame = "{\"type\":\"PeerStatusChange\",\"timestamp\":\"" + ts + "\",\"endpoint\":"
                            + endpoint + ",\"peer\":{\"peer_status\":\""
                            + ((k / 10) % 2 == 0 ? "Reachable" : "Unreachable")
                            + "\"},\"asterisk_id\":\"02:00:00:00:00:01\",\"application\":\"astreg\"}";
                case 6, 7, 8 ->
                    frame = "{\"type\":\"DeviceStateChanged\",\"application\":\"astreg\",\"timestamp\":\""
                            + ts + "\",\"device_state\":{\"name\":\"PJSIP/" + ext + "\",\"state\":\""
                            + DEVICE[(int) ((k / 10) % DEVICE.length)] + "\"},\"asterisk_id\":\"02:00:00:00:00:01\"}";
                default ->
                    frame = "{\"type\":\"EndpointStateChange\",\"timestamp\":\"" + ts + "\",\"endpoint\":"
                            + "{\"technology\":\"PJSIP\",\"resource\":\"" + ext + "\",\"state\":\"online\","
                            + "\"channel_ids\":[\"pbx1-" + k + ".0\"]},\"asterisk_id\":\"02:00:00:00:00:01\","
                            + "\"application\":\"astreg\"}";
            }
            frames[f] = frame;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void astregDecoder(Blackhole bh) {
        Instant now = Instant.now();
        for (String frame : frames) {
            AriEventDecoder.Result r = decoder.decode(frame);
            for (AriEventDecoder.Observation o : r.observations()) {
                EndpointStateEvent e =
                        new EndpointStateEvent(node, o.timestamp().orElse(now), ++sequence, Origin.ARI, o.change());
                bh.consume(registry.apply(e));
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void jacksonTree(Blackhole bh) throws IOException {
        for (String frame : frames) {
            JsonNode tree = mapper.readTree(frame);
            bh.consume(tree);
        }
    }
}
