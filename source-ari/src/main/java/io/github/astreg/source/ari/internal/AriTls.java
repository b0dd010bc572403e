package io.github.astreg.source.ari.internal;

import io.github.astreg.source.ari.AriSourceConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS trust of one source, built once from its config: a netty {@link SslContext} for REST calls and
 * the websocket. Per source, unlike ari4java's static, trust-everything
 * default. Host names are verified unless {@code trustAll} is set.
 */
public final class AriTls {
    private final boolean trustAll;
    private final SslContext netty;

    private AriTls(boolean trustAll, SslContext netty) {
        this.trustAll = trustAll;
        this.netty = netty;
    }

    /**
     * Builds the trust of {@code config}; empty for {@code http://}.
     *
     * @throws IllegalArgumentException when the trust store cannot be read (its password is not shown)
     */
    public static Optional<AriTls> of(AriSourceConfig config) {
        if (!config.isTls()) {
            return Optional.empty();
        }
        try {
            TrustManagerFactory tmf;
            if (config.trustAll()) {
                tmf = InsecureTrustManagerFactory.INSTANCE;
            } else if (config.trustStore().isPresent()) {
                KeyStore ks = KeyStore.getInstance(config.trustStoreType());
                try (InputStream in = Files.newInputStream(config.trustStore().get())) {
                    ks.load(
                            in,
                            config.trustStorePassword().map(String::toCharArray).orElse(null));
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
            } else {
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init((KeyStore) null);
            }
            SslContext netty = SslContextBuilder.forClient()
                    .trustManager(tmf)
                    .endpointIdentificationAlgorithm(config.trustAll() ? null : "HTTPS")
                    .build();
            return Optional.of(new AriTls(config.trustAll(), netty));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS trust for " + config.hostAndPort() + ": "
                    + e.getClass().getSimpleName()
                    + (config.trustStore().isPresent()
                            ? " reading trust store " + config.trustStore().get()
                            : ""));
        }
    }

    public boolean trustAll() {
        return trustAll;
    }

    public SslContext netty() {
        return netty;
    }
}
