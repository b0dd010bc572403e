package io.github.astreg.source.ami;

import static io.github.astreg.source.ami.SourceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.Location;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Steps 12 and 13 of the recording: a phone moves to pbx2; another is registered on both nodes. */
class AmiTwoNodesTest {

    @Test
    void movesBetweenNodesAndRegistrationsOnBoth() {
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        List<EndpointStateEvent> events = new CopyOnWriteArrayList<>();
        try (FakeAsterisk pbx1 = FakeAsterisk.builder("pbx1")
                        .systemName("pbx1")
                        .timestampEvents(true)
                        .build()
                        .start();
                FakeAsterisk pbx2 = FakeAsterisk.builder("pbx2")
                        .systemName("pbx2")
                        .timestampEvents(true)
                        .build()
                        .start();
                AmiEndpointSource s1 = AmiEndpointSource.create(
                        SourceHarness.fastConfig(pbx1, "astregpass").build());
                AmiEndpointSource s2 = AmiEndpointSource.create(
                        SourceHarness.fastConfig(pbx2, "astregpass").build())) {
            s1.start(e -> {
                events.add(e);
                registry.apply(e);
            });
            s2.start(e -> {
                events.add(e);
                registry.apply(e);
            });
            await("both connected", () -> s1.isConnected() && s2.isConnected());
            EndpointId e1001 = EndpointId.pjsip("1001");
            EndpointId e1002 = EndpointId.pjsip("1002");

            String on1 = pbx1.register("1001", Registration.from("127.0.0.1", 5064));
            await(
                    "1001 on pbx1",
                    () -> registry.locate(e1001)
                            .map(l -> l.node().equals(NodeId.of("pbx1")))
                            .orElse(false));
            // 12: the phone moves: unregisters on pbx1, registers on pbx2
            pbx1.unregister("1001");
            String on2 = pbx2.register("1001", Registration.from("127.0.0.1", 5066));
            await(
                    "1001 on pbx2",
                    () -> registry.locate(e1001)
                            .map(l -> l.node().equals(NodeId.of("pbx2"))
                                    && l.uri().equals(on2))
                            .orElse(false));
            await("the pbx1 contact is gone", () -> registry.locateAll(e1001).size() == 1);
            assertThat(registry.locateAll(e1001)).extracting(Location::uri).containsExactly(on2);
            assertThat(on1).isNotEqualTo(on2);

            // 13: 1002 registered on both: both are live, the newest registration wins
            pbx1.register("1002", Registration.from("127.0.0.1", 5062));
            await("1002 on pbx1", () -> registry.locate(e1002).isPresent());
            String second = pbx2.register("1002", Registration.from("127.0.0.1", 5067));
            await("1002 on both", () -> registry.locateAll(e1002).size() == 2);
            await(
                    "newest wins",
                    () -> registry.locate(e1002)
                            .map(l -> l.uri().equals(second))
                            .orElse(false));
            assertThat(registry.locate(e1002).orElseThrow().node()).isEqualTo(NodeId.of("pbx2"));
            assertThat(events.stream().map(EndpointStateEvent::node).distinct())
                    .containsExactlyInAnyOrder(NodeId.of("pbx1"), NodeId.of("pbx2"));
        }
    }
}
