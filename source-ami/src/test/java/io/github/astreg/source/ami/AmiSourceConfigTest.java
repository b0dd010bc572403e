package io.github.astreg.source.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.model.NodeId;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AmiSourceConfigTest {
    private static final String SECRET = "s3cr3t-never-printed";

    @Test
    void defaults() {
        AmiSourceConfig c = AmiSourceConfig.builder("pbx1", "astreg", SECRET).build();
        assertThat(c.port()).isEqualTo(5038);
        assertThat(c.nodeId()).isEmpty();
        assertThat(c.tls()).isFalse();
        assertThat(c.eventMask()).isEqualTo("system,call");
        assertThat(c.keepaliveInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.readTimeout()).isGreaterThan(c.keepaliveInterval());
        assertThat(c.contactPollInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.contactPollDelay()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.pollSpacing()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.listConnection()).isTrue();
        assertThat(c.secret()).isEqualTo(SECRET);
    }

    @Test
    void secretIsNeverPrinted() {
        AmiSourceConfig c = AmiSourceConfig.builder("pbx1", "astreg", SECRET).build();
        assertThat(c.toString()).doesNotContain(SECRET).contains("secret=****").contains("pbx1");
        assertThatThrownBy(() -> AmiSourceConfig.builder("pbx1", "astreg", SECRET)
                        .port(0)
                        .build())
                .hasMessageNotContaining(SECRET);
        Map<String, String> m = new HashMap<>(Map.of("host", "pbx1", "username", "u", "secret", SECRET, "port", "x"));
        assertThatThrownBy(() -> AmiSourceConfig.fromMap(m)).hasMessageNotContaining(SECRET);
    }

    @Test
    void everyBadFieldIsReportedAtOnce() {
        assertThatThrownBy(() -> AmiSourceConfig.builder(" ", null, "")
                        .port(70000)
                        .eventMask("system;call")
                        .keepaliveInterval(Duration.ofSeconds(20))
                        .readTimeout(Duration.ofSeconds(10))
                        .contactPollInterval(Duration.ZERO)
                        .pollSpacing(Duration.ofMillis(-1))
                        .reconnectDelay(Duration.ofSeconds(5), Duration.ofSeconds(1))
                        .eventQueueCapacity(1)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(
                        "host:",
                        "username:",
                        "secret:",
                        "port:",
                        "eventMask:",
                        "readTimeout:",
                        "contactPollInterval:",
                        "pollSpacing:",
                        "reconnectDelayMax:",
                        "eventQueueCapacity:");
    }

    @Test
    void fromMapReadsEveryKey() {
        Map<String, String> m = new HashMap<>();
        m.put("host", "10.0.0.5");
        m.put("port", "5039");
        m.put("username", "astreg");
        m.put("secret", SECRET);
        m.put("node", "pbx-eu-1");
        m.put("tls", "yes");
        m.put("eventMask", "system,call,reporting");
        m.put("connectTimeout", "2s");
        m.put("actionTimeout", "PT20S");
        m.put("keepaliveInterval", "3s");
        m.put("readTimeout", "9s");
        m.put("contactPollInterval", "1m");
        m.put("contactPollDelay", "100ms");
        m.put("pollSpacing", "0s");
        m.put("reconnectDelayMin", "100ms");
        m.put("reconnectDelayMax", "10s");
        m.put("eventQueueCapacity", "5000");
        m.put("serverZone", "Europe/Berlin");
        m.put("listConnection", "off");
        AmiSourceConfig c = AmiSourceConfig.fromMap(m);
        assertThat(c.host()).isEqualTo("10.0.0.5");
        assertThat(c.port()).isEqualTo(5039);
        assertThat(c.nodeId()).contains(NodeId.of("pbx-eu-1"));
        assertThat(c.tls()).isTrue();
        assertThat(c.eventMask()).isEqualTo("system,call,reporting");
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.actionTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.keepaliveInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(c.contactPollInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.contactPollDelay()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.pollSpacing()).isZero();
        assertThat(c.reconnectDelayMin()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.reconnectDelayMax()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.eventQueueCapacity()).isEqualTo(5000);
        assertThat(c.serverZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(c.listConnection()).isFalse();
        assertThat(c.toString()).contains("listConnection=false");
        assertThat(c.toBuilder().build().listConnection()).isFalse();
        assertThat(AmiSourceConfig.builder("pbx1", "astreg", SECRET)
                        .listConnection(false)
                        .build()
                        .listConnection())
                .isFalse();
        assertThat(AmiSourceConfig.fromMap(m).toString()).isEqualTo(c.toString());
        assertThat(c.toBuilder().build().toString()).isEqualTo(c.toString());
    }

    @Test
    void fromMapReportsUnknownKeysAndBadValuesTogether() {
        Map<String, String> m = new HashMap<>();
        m.put("host", "pbx1");
        m.put("username", "astreg");
        m.put("secret", SECRET);
        m.put("pollInterval", "5s");
        m.put("tls", "maybe");
        m.put("listConnection", "both");
        m.put("node", "bad node!");
        m.put("keepaliveInterval", "soon");
        m.put("serverZone", "Mars/Olympus");
        assertThatThrownBy(() -> AmiSourceConfig.fromMap(m))
                .hasMessageContainingAll(
                        "pollInterval: unknown key",
                        "tls:",
                        "listConnection: must be true or false, was 'both'",
                        "node:",
                        "keepaliveInterval:",
                        "serverZone:");
    }

    /**
     * A trust store password or type without a trust store would be ignored (the JDK's trust used
     * instead of the one meant): an error reported with the others, naming the field, never the password.
     */
    @Test
    void trustStorePasswordOrTypeWithoutTrustStoreIsAnError() {
        String storePassword = "store-Pw-7731";
        assertThatThrownBy(() -> AmiSourceConfig.builder("pbx1", "astreg", SECRET)
                        .tls(true)
                        .trustStore(null, storePassword, "JKS")
                        .port(0)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(
                        "trustStorePassword: only used with trustStore", "trustStoreType: only used with trustStore",
                        "'JKS'", "port:")
                .satisfies(e ->
                        assertThat(e.getMessage()).doesNotContain(storePassword).doesNotContain(SECRET));

        Map<String, String> m = new HashMap<>(Map.of(
                "host",
                "pbx1",
                "username",
                "astreg",
                "secret",
                SECRET,
                "tls",
                "true",
                "trustStorePassword",
                storePassword,
                "eventQueueCapacity",
                "1"));
        assertThatThrownBy(() -> AmiSourceConfig.fromMap(m))
                .hasMessageContainingAll("trustStorePassword: only used with trustStore", "eventQueueCapacity:")
                .hasMessageNotContaining("trustStoreType")
                .satisfies(e ->
                        assertThat(e.getMessage()).doesNotContain(storePassword).doesNotContain(SECRET));

        Map<String, String> typeOnly = new HashMap<>(
                Map.of("host", "pbx1", "username", "astreg", "secret", SECRET, "tls", "true", "trustStoreType", "JKS"));
        assertThatThrownBy(() -> AmiSourceConfig.fromMap(typeOnly))
                .hasMessageContaining("trustStoreType: only used with trustStore")
                .hasMessageNotContaining("trustStorePassword");

        // the default type, a null or empty password: nothing set, nothing ignored
        assertThat(AmiSourceConfig.builder("pbx1", "astreg", SECRET)
                        .tls(true)
                        .trustStore(null, null, "pkcs12")
                        .build()
                        .trustStore())
                .isEmpty();
        Map<String, String> empty = new HashMap<>(Map.of(
                "host",
                "pbx1",
                "username",
                "astreg",
                "secret",
                SECRET,
                "tls",
                "true",
                "trustStorePassword",
                "",
                "trustStoreType",
                "PKCS12"));
        assertThat(AmiSourceConfig.fromMap(empty).trustStore()).isEmpty();
    }
}
