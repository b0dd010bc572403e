package io.github.astreg.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FakeClusterTest {

    @Test
    void phoneMovesFromPbx1ToPbx2() throws Exception {
        try (FakeCluster cluster = FakeCluster.of("pbx1", "pbx2").start();
                AmiTestClient a1 = new AmiTestClient(cluster.node("pbx1").amiPort());
                AmiTestClient a2 = new AmiTestClient(cluster.node("pbx2").amiPort())) {
            assertThat(cluster.node("pbx1").amiPort())
                    .isNotEqualTo(cluster.node("pbx2").amiPort());
            a1.login("astreg", "astregpass", "system");
            a2.login("astreg", "astregpass", "system");
            a1.drain(Duration.ofMillis(200));
            a2.drain(Duration.ofMillis(200));
            cluster.register("pbx1", "1001", Registration.from("127.0.0.1", 5061));
            assertThat(cluster.registeredOn("1001")).containsExactly("pbx1");
            cluster.move("1001", "pbx2", Registration.from("127.0.0.1", 5066));
            assertThat(cluster.registeredOn("1001")).containsExactly("pbx2");
            assertThat(cluster.node("pbx1").deviceState("1001")).isEqualTo("UNAVAILABLE");
            assertThat(cluster.node("pbx2").deviceState("1001")).isEqualTo("NOT_INUSE");

            List<Map<String, String>> e1 = a1.drain(Duration.ofMillis(300));
            assertThat(e1.stream().map(m -> m.get("Event") + " " + m.get("ContactStatus") + " " + m.get("SystemName")))
                    .containsExactly(
                            "ContactStatus NonQualified pbx1",
                            "PeerStatus null pbx1",
                            "ContactStatus Reachable pbx1",
                            "PeerStatus null pbx1",
                            "ContactStatus Removed pbx1");
            List<String> e2 = a2.drain(Duration.ofMillis(300)).stream()
                    .map(m -> m.get("Event") + " " + m.get("SystemName"))
                    .collect(Collectors.toList());
            assertThat(e2).containsExactly("ContactStatus pbx2", "PeerStatus pbx2", "ContactStatus pbx2");

            cluster.registerAlsoOn("1002", "pbx1", Registration.from("127.0.0.1", 5062));
            cluster.registerAlsoOn("1002", "pbx2", Registration.from("127.0.0.1", 5067));
            assertThat(cluster.registeredOn("1002")).containsExactly("pbx1", "pbx2");
            cluster.node("pbx1").crash();
            assertThat(cluster.registeredOn("1002")).containsExactly("pbx2");
        }
    }

    @Test
    void builderRejectsDuplicatesAndEmpty() {
        assertThatThrownBy(() -> FakeCluster.builder().build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FakeCluster.builder().node("a", b -> b).node("a", b -> b))
                .isInstanceOf(IllegalArgumentException.class);
        try (FakeCluster c = FakeCluster.builder()
                .node("x", b -> b.pjsipEndpoints("2001"))
                .build()
                .start()) {
            assertThatThrownBy(() -> c.node("y")).isInstanceOf(IllegalArgumentException.class);
            assertThat(c.node("x").contactUris("2001")).isEmpty();
        }
    }
}
