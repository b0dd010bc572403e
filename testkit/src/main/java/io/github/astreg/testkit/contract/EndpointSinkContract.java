package io.github.astreg.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointState;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.spi.EndpointSink;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link EndpointSink} passes: extend it and implement {@link #createFixture()}.
 * Writes are idempotent and version-guarded inside the store (R3), batches of any size land whole,
 * two sinks writing the same changes in different orders leave the same state, and a sink driven by
 * core's {@link Pipeline} ends up equal to the pipeline's registry.
 */
public abstract class EndpointSinkContract {
    private SinkFixture fixture;
    private final Observations obs = new Observations();
    private String unique;
    private Instant now;

    protected abstract SinkFixture createFixture() throws Exception;

    @BeforeEach
    void setUpSinkContract() throws Exception {
        fixture = createFixture();
        unique = UUID.randomUUID().toString().substring(0, 8);
        now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    @AfterEach
    void tearDownSinkContract() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    private String node(String n) {
        return n + "-" + unique;
    }

    private String ep(String r) {
        return "PJSIP/" + r + "-" + unique;
    }

    /** Observations of a small cluster's life, as merged changes from a reference registry. */
    private List<EndpointStateEvent> scenario(InMemoryEndpointRegistry reference, int phones) {
        List<EndpointStateEvent> changes = new ArrayList<>();
        String a = node("a");
        String b = node("b");
        changes.addAll(reference.apply(obs.node(a, NodeStatus.UP, now.minusSeconds(100))));
        changes.addAll(reference.apply(obs.node(b, NodeStatus.UP, now.minusSeconds(100))));
        for (int i = 0; i < phones; i++) {
            String phone = ep("p" + i);
            String home = i % 2 == 0 ? a : b;
            String uri = "sip:p" + i + "@10.0." + (i % 250) + ".1:5060";
            Instant t = now.minusSeconds(90).plusMillis(i);
            changes.addAll(reference.apply(obs.registered(home, phone, uri, t)));
            changes.addAll(reference.apply(obs.endpoint(home, phone, EndpointState.ONLINE, 0, t)));
            changes.addAll(reference.apply(obs.device(home, phone, DeviceState.NOT_INUSE, t)));
            if (i % 3 == 0) {
                changes.addAll(reference.apply(obs.device(home, phone, DeviceState.INUSE, t.plusSeconds(10))));
            }
            if (i % 5 == 0) {
                changes.addAll(reference.apply(obs.removed(home, phone, uri, t.plusSeconds(20))));
            }
            if (i % 7 == 0) {
                String other = home.equals(a) ? b : a;
                changes.addAll(reference.apply(
                        obs.registered(other, phone, "sip:moved" + i + "@10.1.0.1:5060", t.plusSeconds(30))));
            }
        }
        return changes;
    }

    private List<EndpointId> endpoints(int phones) {
        List<EndpointId> out = new ArrayList<>();
        for (int i = 0; i < phones; i++) {
            out.add(EndpointId.parse(ep("p" + i)));
        }
        return out;
    }

    private List<String> view(io.github.astreg.core.registry.EndpointRegistry r, int phones) {
        return RegistryView.of(r, endpoints(phones)).stream()
                .filter(l -> !l.startsWith("node ") || l.contains(unique))
                .toList();
    }

    @Test
    void writesLandAndReadBackLikeTheRegistry() throws Exception {
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        List<EndpointStateEvent> changes = scenario(reference, 20);
        EndpointSink sink = fixture.newSink();
        sink.write(changes);
        assertThat(view(fixture.registry(), 20)).containsExactlyElementsOf(view(reference, 20));
    }

    @Test
    void R3_replayedBatchChangesNothing() throws Exception {
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        List<EndpointStateEvent> changes = scenario(reference, 10);
        EndpointSink sink = fixture.newSink();
        sink.write(changes);
        List<String> once = view(fixture.registry(), 10);
        sink.write(changes);
        sink.write(changes.subList(0, changes.size() / 2));
        assertThat(view(fixture.registry(), 10)).containsExactlyElementsOf(once);
    }

    @Test
    void R3_olderChangeIsIgnoredByTheStore() throws Exception {
        String pbx = node("pbx1");
        String phone = ep("1001");
        String uri = "sip:1001@10.0.0.1:5060";
        EndpointSink sink = fixture.newSink();
        EndpointStateEvent up = obs.node(pbx, NodeStatus.UP, now);
        EndpointStateEvent newer = obs.registered(pbx, phone, uri, now.minusSeconds(10));
        EndpointStateEvent older = obs.status(pbx, phone, uri, ContactStatus.UNREACHABLE, now.minusSeconds(20));
        EndpointStateEvent newerDevice = obs.device(pbx, phone, DeviceState.INUSE, now.minusSeconds(10));
        EndpointStateEvent olderDevice = obs.device(pbx, phone, DeviceState.NOT_INUSE, now.minusSeconds(20));
        sink.write(List.of(up, newer, newerDevice));
        sink.write(List.of(older, olderDevice));
        EndpointId id = EndpointId.parse(phone);
        assertThat(fixture.registry().locate(id)).isPresent();
        assertThat(fixture.registry().find(id).orElseThrow().deviceState()).isEqualTo(DeviceState.INUSE);
    }

    @Test
    void R3_tombstoneKeepsALateOlderRegistrationOut() throws Exception {
        String pbx = node("pbx1");
        String phone = ep("1001");
        String uri = "sip:1001@10.0.0.1:5060";
        EndpointSink sink = fixture.newSink();
        sink.write(List.of(obs.node(pbx, NodeStatus.UP, now), obs.registered(pbx, phone, uri, now.minusSeconds(30))));
        sink.write(List.of(obs.removed(pbx, phone, uri, now.minusSeconds(10))));
        sink.write(List.of(obs.registered(pbx, phone, uri, now.minusSeconds(20))));
        assertThat(fixture.registry().locate(EndpointId.parse(phone))).isEmpty();
        sink.write(List.of(obs.registered(pbx, phone, uri, now.minusSeconds(5))));
        assertThat(fixture.registry().locate(EndpointId.parse(phone))).isPresent();
    }

    @Test
    void largeBatchLandsWhole() throws Exception {
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        List<EndpointStateEvent> changes = scenario(reference, 700);
        fixture.newSink().write(changes);
        assertThat(view(fixture.registry(), 700)).containsExactlyElementsOf(view(reference, 700));
    }

    @Test
    void R3_twoSinksWritingInDifferentOrdersConverge() throws Exception {
        InMemoryEndpointRegistry reference = InMemoryEndpointRegistry.create();
        List<EndpointStateEvent> changes = scenario(reference, 40);
        EndpointSink first = fixture.newSink();
        EndpointSink second = fixture.newSink();
        List<List<EndpointStateEvent>> batches = new ArrayList<>();
        for (int i = 0; i < changes.size(); i += 17) {
            batches.add(changes.subList(i, Math.min(changes.size(), i + 17)));
        }
        List<List<EndpointStateEvent>> reversed = new ArrayList<>(batches);
        Collections.reverse(reversed);
        List<List<EndpointStateEvent>> shuffled = new ArrayList<>(batches);
        Collections.shuffle(shuffled, new Random(42));
        Thread t1 = new Thread(() -> writeAll(first, reversed), "contract-writer-1");
        Thread t2 = new Thread(() -> writeAll(second, shuffled), "contract-writer-2");
        t1.start();
        t2.start();
        t1.join(60_000);
        t2.join(60_000);
        assertThat(t1.isAlive() || t2.isAlive()).as("writers finished").isFalse();
        assertThat(view(fixture.registry(), 40)).containsExactlyElementsOf(view(reference, 40));
    }

    private static void writeAll(EndpointSink sink, List<List<EndpointStateEvent>> batches) {
        for (List<EndpointStateEvent> batch : batches) {
            try {
                sink.write(batch);
            } catch (Exception e) {
                throw new AssertionError("write failed", e);
            }
        }
    }

    @Test
    void pipelineDrivenSinkEqualsThePipelinesRegistry() throws Exception {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        Pipeline pipeline = Pipeline.builder(registry)
                .config(PipelineConfig.builder()
                        .batchSize(64)
                        .flushInterval(Duration.ofMillis(5))
                        .build())
                .sink(fixture.newSink())
                .build();
        try {
            pipeline.start();
            InMemoryEndpointRegistry scratch = InMemoryEndpointRegistry.create();
            // feed raw observations: replay the scenario's inputs through the pipeline
            List<EndpointStateEvent> inputs = new ArrayList<>();
            scenarioInputs(inputs, 60);
            inputs.forEach(pipeline::receive);
            scratch.applyAll(inputs);
            assertThat(pipeline.awaitFlushed(Duration.ofSeconds(30)))
                    .as("flushed")
                    .isTrue();
            assertThat(view(fixture.registry(), 60)).containsExactlyElementsOf(view(registry, 60));
            assertThat(view(registry, 60)).containsExactlyElementsOf(view(scratch, 60));
        } finally {
            pipeline.close();
        }
    }

    private void scenarioInputs(List<EndpointStateEvent> out, int phones) {
        String a = node("a");
        String b = node("b");
        out.add(obs.node(a, NodeStatus.UP, now.minusSeconds(100)));
        out.add(obs.node(b, NodeStatus.UP, now.minusSeconds(100)));
        for (int i = 0; i < phones; i++) {
            String phone = ep("p" + i);
            String home = i % 2 == 0 ? a : b;
            String uri = "sip:p" + i + "@10.0." + (i % 250) + ".1:5060";
            Instant t = now.minusSeconds(90).plusMillis(i);
            out.add(obs.registered(home, phone, uri, t));
            out.add(obs.device(home, phone, i % 4 == 0 ? DeviceState.INUSE : DeviceState.NOT_INUSE, t));
            if (i % 5 == 0) {
                out.add(obs.removed(home, phone, uri, t.plusSeconds(20)));
            }
        }
    }

    /** For subclasses that add tests: the node ids this run uses. */
    protected NodeId testNode(String name) {
        return NodeId.of(node(name));
    }
}
