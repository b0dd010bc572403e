package io.github.astreg.source.ari;

import static io.github.astreg.source.ari.PollUntil.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointStateEvent;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** https/wss with per-source trust: the JDK's default trust, a trust store, or trust-all. */
class AriTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final List<EndpointStateEvent> events = new CopyOnWriteArrayList<>();
    private MiniAri ari;
    private AriEndpointSource source;

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        if (ari != null) {
            ari.close();
        }
    }

    private X509Bundle serve(String san) throws Exception {
        X509Bundle cert = new CertificateBuilder()
                .secureRandom(new java.security.SecureRandom()) // the default (a "strong" one) can block for long
                .subject("CN=asterisk-test")
                .addSanIpAddress(san)
                .setIsCertificateAuthority(true)
                .ecp256()
                .buildSelfSigned();
        ari = new MiniAri()
                .tls(SslContextBuilder.forServer(cert.toKeyManagerFactory()).build());
        ari.endpoints.put("PJSIP/1001", new String[] {"online", "0"});
        for (int i = 1; i <= 6; i++) { // in calls: their device states are asked over the snapshot's connections
            ari.endpoints.put("PJSIP/200" + i, new String[] {"online", "1"});
            ari.devices.put("PJSIP/200" + i, "INUSE");
        }
        ari.start();
        return cert;
    }

    private void start(AriSourceConfig config) {
        source = AriEndpointSource.builder(config).build();
        source.start(events::add);
    }

    private AriSourceConfig.Builder config() {
        return AriSourceConfig.builder(ari.url(), ari.user, ari.password)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200));
    }

    @Test
    void aTrustStoreWithTheServersCertificateConnects() throws Exception {
        X509Bundle cert = serve("127.0.0.1");
        File store = cert.toTempKeyStoreFile("store-pass".toCharArray());
        start(config().trustStore(store.toPath(), "store-pass", "PKCS12").build());
        awaitTrue(WAIT, "UP over wss", () -> source.isConnected());
        assertThat(ari.wsConnects).isEqualTo(1);
        assertThat(ari.subscriptions()).contains("endpoint:PJSIP");
        // the device-state connections verify the server the same way
        assertThat(source.counters()).containsEntry("deviceStatesFetched", 6L);
    }

    @Test
    void theDefaultTrustRefusesASelfSignedCertificate() throws Exception {
        serve("127.0.0.1");
        start(config().build());
        awaitTrue(WAIT, "several refused attempts", () -> source.counters().get("reconnects") >= 3);
        assertThat(source.isConnected()).isFalse();
        assertThat(ari.requests).isEmpty(); // not one request got through the handshake
    }

    @Test
    void theHostNameIsVerified() throws Exception {
        X509Bundle cert = serve("10.9.8.7"); // trusted, but issued for another address
        File store = cert.toTempKeyStoreFile("store-pass".toCharArray());
        start(config().trustStore(store.toPath(), "store-pass", "PKCS12").build());
        awaitTrue(WAIT, "several refused attempts", () -> source.counters().get("reconnects") >= 3);
        assertThat(source.isConnected()).isFalse();
        assertThat(ari.requests).isEmpty();
    }

    @Test
    void trustAllAcceptsAnything() throws Exception {
        serve("10.9.8.7");
        start(config().trustAll(true).build());
        awaitTrue(WAIT, "UP over wss", () -> source.isConnected());
    }
}
