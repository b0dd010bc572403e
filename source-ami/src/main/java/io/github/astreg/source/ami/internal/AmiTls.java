package io.github.astreg.source.ami.internal;

import io.github.astreg.source.ami.AmiSourceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS trust of one AMI source, built once from its config, and the opening of its sockets.
 *
 * <p>asterisk-java 3.41 opens TLS sockets with {@code SSLSocketFactory.getDefault()} and never turns
 * on endpoint identification, so any certificate the JVM trusts is accepted for any host. This class
 * opens the socket itself (called from {@link AmiConnection#createSocket()}), with HTTPS endpoint
 * identification, and completes the handshake before asterisk-java gets the socket: a certificate
 * that does not chain to the trust or does not name {@code host} fails here, on the source's thread,
 * before asterisk-java reads the banner or sends the Challenge and Login actions.
 */
public final class AmiTls {
    private final SSLSocketFactory factory;

    private AmiTls(SSLSocketFactory factory) {
        this.factory = factory;
    }

    /**
     * The trust of {@code config}: its trust store if one is set, else the JDK's default trust
     * (which honours {@code -Djavax.net.ssl.trustStore}); empty without TLS.
     *
     * @throws IllegalArgumentException when the trust store cannot be read (its password is not shown)
     */
    public static Optional<AmiTls> of(AmiSourceConfig config) {
        if (!config.tls()) {
            return Optional.empty();
        }
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (config.trustStore().isPresent()) {
                KeyStore ks = KeyStore.getInstance(config.trustStoreType());
                try (InputStream in = Files.newInputStream(config.trustStore().get())) {
                    ks.load(
                            in,
                            config.trustStorePassword().map(String::toCharArray).orElse(null));
                }
                tmf.init(ks);
            } else {
                tmf.init((KeyStore) null);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return Optional.of(new AmiTls(context.getSocketFactory()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS trust for AMI at " + config.host() + ":"
                    + config.port() + ": " + e.getClass().getSimpleName()
                    + config.trustStore().map(p -> " reading trust store " + p).orElse(""));
        }
    }

    /**
     * Connects to {@code host:port} and completes the TLS handshake, verifying the certificate chain
     * and that the certificate names {@code host} (a DNS name, or an IP address for an address).
     *
     * @param readTimeoutMillis the socket's read timeout; also bounds the handshake
     * @throws SSLException when the handshake or the verification fails, or the server does not
     *     answer the handshake within the read timeout (the socket is closed)
     * @throws IOException when the TCP connection fails
     */
    public SSLSocket open(String host, int port, int connectTimeoutMillis, int readTimeoutMillis) throws IOException {
        Socket plain = new Socket();
        SSLSocket tls = null;
        try {
            plain.setSoTimeout(readTimeoutMillis);
            plain.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            // layered over a connected socket with the configured host, so that SNI and the
            // identification both use the name the user configured, not a resolved address
            tls = (SSLSocket) factory.createSocket(plain, host, port, true);
            SSLParameters params = tls.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(params);
            tls.setSoTimeout(readTimeoutMillis);
            try {
                tls.startHandshake();
            } catch (SocketTimeoutException e) {
                // the TCP connection was accepted but no handshake answer came (not a TLS port, a
                // stalled server): a TLS failure, not a failure to connect
                throw new SSLException("no answer to the TLS handshake within " + readTimeoutMillis
                        + " ms (is the port AMI over TLS?)");
            }
            return tls;
        } catch (IOException | RuntimeException e) {
            closeQuietly(tls != null ? tls : plain);
            throw e;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // the handshake already failed; that is the error worth reporting
        }
    }
}
