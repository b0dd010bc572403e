package io.github.astreg.source.ari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.model.NodeId;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AriSourceConfigTest {
    private static final String SECRET = "Sup3r-Secret!";

    @Test
    void defaults() {
        AriSourceConfig c = AriSourceConfig.builder("http://10.0.0.5:8088", "astreg", SECRET)
                .build();
        assertThat(c.baseUrl()).isEqualTo(URI.create("http://10.0.0.5:8088/"));
        assertThat(c.application()).isEqualTo("astreg");
        assertThat(c.technologies()).containsExactly("PJSIP");
        assertThat(c.nodeId()).isEmpty();
        assertThat(c.isTls()).isFalse();
        assertThat(c.trustAll()).isFalse();
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.pingInterval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.reconnectDelayMin()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.reconnectDelayMax()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.eventQueueCapacity()).isEqualTo(100_000);
        assertThat(c.snapshotConcurrency()).isEqualTo(4);
        assertThat(c.hostAndPort()).isEqualTo("10.0.0.5:8088");
    }

    @Test
    void urlIsNormalised() {
        assertThat(AriSourceConfig.builder("HTTPS://pbx.example.com/ari/", "u", SECRET)
                        .build()
                        .baseUrl())
                .isEqualTo(URI.create("https://pbx.example.com/"));
        assertThat(AriSourceConfig.builder("http://h:8088/asterisk", "u", SECRET)
                        .build()
                        .baseUrl())
                .isEqualTo(URI.create("http://h:8088/asterisk/"));
        assertThat(AriSourceConfig.builder("https://h", "u", SECRET).build().hostAndPort())
                .isEqualTo("h:443");
    }

    @Test
    void everyBadFieldIsReportedAtOnceAndThePasswordNever() {
        assertThatThrownBy(() -> AriSourceConfig.builder("ftp://h", "", "bad\npass-" + SECRET)
                        .application("no spaces")
                        .technologies(List.of("PJSIP", "PJSIP", "bad/tech"))
                        .connectTimeout(Duration.ZERO)
                        .pingInterval(Duration.ofSeconds(30))
                        .readTimeout(Duration.ofSeconds(10))
                        .reconnectDelay(Duration.ofSeconds(5), Duration.ofSeconds(1))
                        .eventQueueCapacity(1)
                        .snapshotConcurrency(0)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("url:")
                .hasMessageContaining("username:")
                .hasMessageContaining("password:")
                .hasMessageContaining("application:")
                .hasMessageContaining("'PJSIP' is listed twice")
                .hasMessageContaining("'bad/tech'")
                .hasMessageContaining("connectTimeout:")
                .hasMessageContaining("readTimeout:")
                .hasMessageContaining("reconnectDelayMax:")
                .hasMessageContaining("eventQueueCapacity:")
                .hasMessageContaining("snapshotConcurrency: must be 1..64, was 0")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        assertThatThrownBy(() -> AriSourceConfig.builder("http://h", "u", SECRET)
                        .snapshotConcurrency(65)
                        .build())
                .hasMessageContaining("snapshotConcurrency: must be 1..64, was 65");
        assertThat(AriSourceConfig.builder("http://h", "u", SECRET)
                        .snapshotConcurrency(1)
                        .build()
                        .snapshotConcurrency())
                .isEqualTo(1);
    }

    @Test
    void urlsWithCredentialsQueriesOrNoHostAreRefused() {
        for (String url : List.of("http://user:pw@h:8088", "http://h:8088/?x=1", "http:///x", "h:8088", "")) {
            assertThatThrownBy(() -> AriSourceConfig.builder(url, "u", SECRET).build())
                    .as(url)
                    .hasMessageContaining("url:")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw@"));
        }
    }

    @Test
    void toStringMasksThePassword() {
        AriSourceConfig c = AriSourceConfig.builder("http://h:8088", "astreg", SECRET)
                .trustStore(Path.of("/etc/trust.p12"), "store-" + SECRET, "PKCS12")
                .build();
        assertThat(c.toString())
                .doesNotContain(SECRET)
                .contains("password=****")
                .contains("username=astreg")
                .contains("/etc/trust.p12");
    }

    @Test
    void fromMapReadsEveryKey() {
        Map<String, String> m = new HashMap<>();
        m.put("url", "https://pbx1.example.com:8089");
        m.put("username", "astreg");
        m.put("password", SECRET);
        m.put("application", "astreg-collector-2");
        m.put("node", "pbx-eu-1");
        m.put("technologies", "PJSIP, SIP");
        m.put("trustAll", "yes");
        m.put("connectTimeout", "2s");
        m.put("requestTimeout", "PT3S");
        m.put("pingInterval", "500ms");
        m.put("readTimeout", "2");
        m.put("reconnectDelayMin", "100ms");
        m.put("reconnectDelayMax", "1m");
        m.put("eventQueueCapacity", "5000");
        m.put("snapshotConcurrency", "8");
        AriSourceConfig c = AriSourceConfig.fromMap(m);
        assertThat(c.isTls()).isTrue();
        assertThat(c.application()).isEqualTo("astreg-collector-2");
        assertThat(c.nodeId()).contains(NodeId.of("pbx-eu-1"));
        assertThat(c.technologies()).containsExactly("PJSIP", "SIP");
        assertThat(c.trustAll()).isTrue();
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.pingInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.reconnectDelayMin()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.reconnectDelayMax()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.eventQueueCapacity()).isEqualTo(5000);
        assertThat(c.snapshotConcurrency()).isEqualTo(8);
    }

    @Test
    void fromMapReportsUnknownKeysAndBadValuesTogether() {
        Map<String, String> m = new HashMap<>();
        m.put("url", "http://h:8088");
        m.put("username", "astreg");
        m.put("password", SECRET);
        m.put("secret", SECRET);
        m.put("node", "bad node!");
        m.put("trustAll", "maybe");
        m.put("pingInterval", "soon");
        m.put("eventQueueCapacity", "lots");
        m.put("snapshotConcurrency", "many");
        assertThatThrownBy(() -> AriSourceConfig.fromMap(m))
                .hasMessageContaining("secret: unknown key")
                .hasMessageContaining("node:")
                .hasMessageContaining("trustAll:")
                .hasMessageContaining("pingInterval:")
                .hasMessageContaining("eventQueueCapacity:")
                .hasMessageContaining("snapshotConcurrency: must be a number, was 'many'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        assertThatThrownBy(() -> AriSourceConfig.fromMap(Map.of()))
                .hasMessageContaining("url: required")
                .hasMessageContaining("username: required")
                .hasMessageContaining("password: required");
    }

    @Test
    void trustStoreAndTrustAllExcludeEachOther() {
        assertThatThrownBy(() -> AriSourceConfig.builder("https://h", "u", SECRET)
                        .trustAll(true)
                        .trustStore(Path.of("/x.p12"), "pw", "PKCS12")
                        .build())
                .hasMessageContaining("trustStore: cannot be combined with trustAll=true");
    }
}
