package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.sink.redis.RedisSinkConfig.Deployment;
import io.github.astreg.sink.redis.RedisSinkConfig.HostAndPortText;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisSinkConfigTest {

    @Test
    void standaloneDefaults() {
        RedisSinkConfig c = RedisSinkConfig.builder().uri("redis://10.0.0.5").build();
        assertThat(c.deployment()).isEqualTo(Deployment.STANDALONE);
        assertThat(c.endpoints()).containsExactly(new HostAndPortText("10.0.0.5", 6379));
        assertThat(c.keyPrefix()).isEqualTo("astreg:");
        assertThat(c.staleAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.heartbeatTtl()).isEqualTo(c.staleAfter());
        assertThat(c.tombstoneRetention()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.tls()).isFalse();
        assertThat(c.password()).isEmpty();
        assertThat(c.resyncAfterDataLoss()).isTrue();
    }

    @Test
    void uriCarriesTlsDatabaseAndCredentialsWhichAreTakenOutOfIt() {
        RedisSinkConfig c = RedisSinkConfig.builder()
                .uri("rediss://app:p%40ss:w0rd@[::1]:6380/3")
                .build();
        assertThat(c.tls()).isTrue();
        assertThat(c.database()).isEqualTo(3);
        assertThat(c.user()).contains("app");
        assertThat(c.password()).contains("p@ss:w0rd");
        assertThat(c.endpoints()).containsExactly(new HostAndPortText("::1", 6380));
        assertThat(c.toString()).doesNotContain("p@ss").doesNotContain("w0rd").contains("password=****");
        assertThat(c.toString()).contains("[::1]:6380");
    }

    @Test
    void explicitCredentialsWinOverTheUri() {
        RedisSinkConfig c = RedisSinkConfig.builder()
                .password("explicit")
                .uri("redis://:fromuri@host:6379")
                .build();
        assertThat(c.password()).contains("explicit");
    }

    @Test
    void sentinelAndCluster() {
        RedisSinkConfig s = RedisSinkConfig.builder()
                .sentinels("s1:26379, s2:26379")
                .sentinelMaster("mymaster")
                .sentinelPassword("sentinel-secret")
                .build();
        assertThat(s.deployment()).isEqualTo(Deployment.SENTINEL);
        assertThat(s.endpoints()).hasSize(2);
        assertThat(s.toString()).contains("master=mymaster").doesNotContain("sentinel-secret");
        RedisSinkConfig k = RedisSinkConfig.builder()
                .clusterNodes(List.of(new HostAndPortText("n1", 7000), new HostAndPortText("n2", 7001)))
                .build();
        assertThat(k.deployment()).isEqualTo(Deployment.CLUSTER);
    }

    @Test
    void everyBadFieldIsReportedAtOnceWithoutThePassword() {
        assertThatThrownBy(() -> RedisSinkConfig.builder()
                        .sentinels("s1:26379")
                        .clusterNodes("n1:7000")
                        .password("hunter2")
                        .keyPrefix("bad{prefix}")
                        .staleAfter(Duration.ZERO)
                        .tombstoneRetention(Duration.ofSeconds(-1))
                        .poolSize(0)
                        .database(-1)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deployment: set only one")
                .hasMessageContaining("keyPrefix")
                .hasMessageContaining("staleAfter")
                .hasMessageContaining("tombstoneRetention")
                .hasMessageContaining("poolSize")
                .hasMessageContaining("database")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void nothingConfiguredIsAnError() {
        assertThatThrownBy(() -> RedisSinkConfig.builder().build())
                .hasMessageContaining("set exactly one of uri, sentinels");
        assertThatThrownBy(() -> RedisSinkConfig.builder().sentinels("s:1").build())
                .hasMessageContaining("sentinelMaster: required");
        assertThatThrownBy(() -> RedisSinkConfig.builder()
                        .clusterNodes("n:1")
                        .database(2)
                        .build())
                .hasMessageContaining("Cluster only has database 0");
    }

    @Test
    void badUriNeverEchoesIt() {
        assertThatThrownBy(() -> RedisSinkConfig.builder().uri("http://:topsecret@host"))
                .hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> RedisSinkConfig.builder().uri("redis://:topsecret@host/notanumber"))
                .hasMessageNotContaining("topsecret");
    }

    @Test
    void fromMapReadsEveryKey() {
        RedisSinkConfig c = RedisSinkConfig.fromMap(Map.ofEntries(
                Map.entry("sentinels", "s1:26379,s2:26380"),
                Map.entry("sentinelMaster", "mymaster"),
                Map.entry("database", "2"),
                Map.entry("user", "app"),
                Map.entry("password", "pw"),
                Map.entry("sentinelUser", "sent"),
                Map.entry("sentinelPassword", "spw"),
                Map.entry("tls", "true"),
                Map.entry("keyPrefix", "pbx:"),
                Map.entry("staleAfter", "45s"),
                Map.entry("heartbeatTtl", "PT1M"),
                Map.entry("tombstoneRetention", "20m"),
                Map.entry("connectTimeout", "500ms"),
                Map.entry("socketTimeout", "3s"),
                Map.entry("poolSize", "4"),
                Map.entry("clientName", "astreg-eu"),
                Map.entry("resyncAfterDataLoss", "false")));
        assertThat(c.deployment()).isEqualTo(Deployment.SENTINEL);
        assertThat(c.database()).isEqualTo(2);
        assertThat(c.user()).contains("app");
        assertThat(c.sentinelUser()).contains("sent");
        assertThat(c.tls()).isTrue();
        assertThat(c.keyPrefix()).isEqualTo("pbx:");
        assertThat(c.staleAfter()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.heartbeatTtl()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.tombstoneRetention()).isEqualTo(Duration.ofMinutes(20));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.socketTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.poolSize()).isEqualTo(4);
        assertThat(c.clientName()).isEqualTo("astreg-eu");
        assertThat(c.resyncAfterDataLoss()).isFalse();
    }

    @Test
    void fromMapReportsEveryBadKeyAtOnce() {
        assertThatThrownBy(() -> RedisSinkConfig.fromMap(Map.of(
                        "uri", "redis://h:6379",
                        "password", "sekrit-value",
                        "staleAfter", "soon",
                        "poolSize", "many",
                        "tls", "maybe",
                        "sentinals", "typo:1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("staleAfter")
                .hasMessageContaining("poolSize")
                .hasMessageContaining("tls")
                .hasMessageContaining("sentinals: unknown key")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sekrit-value"));
    }

    @Test
    void hostAndPortParsing() {
        assertThat(HostAndPortText.parse(" [fe80::1]:7000 ")).isEqualTo(new HostAndPortText("fe80::1", 7000));
        assertThatThrownBy(() -> HostAndPortText.parse("nohost")).hasMessageContaining("not a host:port");
        assertThatThrownBy(() -> HostAndPortText.parse("h:99999")).hasMessageContaining("not a host:port");
    }
}
