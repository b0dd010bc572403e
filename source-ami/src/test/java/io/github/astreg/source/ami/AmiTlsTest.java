package io.github.astreg.source.ami;

import static io.github.astreg.source.ami.SourceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.model.NodeStatus;
import io.github.astreg.testkit.FakeAsterisk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AMI over TLS: the source verifies the certificate chain against its trust store and the host name
 * against the configured host before asterisk-java sends anything. The AMI server is a FakeAsterisk
 * behind a TLS-terminating proxy on 127.0.0.1 that records what the client sent after the handshake.
 * Certificates are made at test time with the JDK's keytool: a test CA, certificates it signed for
 * {@code localhost} and for {@code pbx-other.example}, and a self-signed one for {@code localhost}.
 */
class AmiTlsTest {
    private static final String SECRET = "tls-Secret-8150";
    private static final String STORE_PASSWORD = "store-Pass-2291";

    @TempDir
    static Path dir;

    private static Path trustStore;
    private static Path localhostKeys;
    private static Path otherNameKeys;
    private static Path selfSignedKeys;

    @BeforeAll
    static void makeCertificates() throws Exception {
        Path ca = dir.resolve("ca.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=astreg test CA",
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                ca.toString(),
                "-storepass",
                STORE_PASSWORD,
                "-storetype",
                "PKCS12");
        Path caPem = dir.resolve("ca.pem");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "ca",
                "-file",
                caPem.toString(),
                "-keystore",
                ca.toString(),
                "-storepass",
                STORE_PASSWORD);
        trustStore = dir.resolve("trust.p12");
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caPem.toString(),
                "-keystore",
                trustStore.toString(),
                "-storepass",
                STORE_PASSWORD,
                "-storetype",
                "PKCS12");
        localhostKeys = signed(ca, caPem, "localhost");
        otherNameKeys = signed(ca, caPem, "pbx-other.example");
        selfSignedKeys = dir.resolve("self.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "san=dns:localhost",
                "-validity",
                "2",
                "-keystore",
                selfSignedKeys.toString(),
                "-storepass",
                STORE_PASSWORD,
                "-storetype",
                "PKCS12");
    }

    /** A key store with a key and a certificate for {@code name} signed by the test CA. */
    private static Path signed(Path ca, Path caPem, String name) throws Exception {
        Path keys = dir.resolve(name + ".p12");
        Path csr = dir.resolve(name + ".csr");
        Path pem = dir.resolve(name + ".pem");
        keytool(
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + name,
                "-validity",
                "2",
                "-keystore",
                keys.toString(),
                "-storepass",
                STORE_PASSWORD,
                "-storetype",
                "PKCS12");
        keytool(
                "-certreq",
                "-alias",
                "server",
                "-file",
                csr.toString(),
                "-keystore",
                keys.toString(),
                "-storepass",
                STORE_PASSWORD);
        keytool(
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-infile",
                csr.toString(),
                "-outfile",
                pem.toString(),
                "-ext",
                "san=dns:" + name,
                "-validity",
                "2",
                "-keystore",
                ca.toString(),
                "-storepass",
                STORE_PASSWORD);
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caPem.toString(),
                "-keystore",
                keys.toString(),
                "-storepass",
                STORE_PASSWORD);
        keytool(
                "-importcert",
                "-alias",
                "server",
                "-file",
                pem.toString(),
                "-keystore",
                keys.toString(),
                "-storepass",
                STORE_PASSWORD);
        return keys;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }

    private static FakeAsterisk pbx() {
        return FakeAsterisk.builder("pbx1")
                .systemName("pbx1")
                .amiCredentials("astreg", SECRET)
                .build()
                .start();
    }

    private static SourceHarness source(FakeAsterisk pbx, TlsProxy proxy, boolean withTrustStore) {
        return source(pbx, proxy, withTrustStore, "localhost");
    }

    private static SourceHarness source(FakeAsterisk pbx, TlsProxy proxy, boolean withTrustStore, String host) {
        return new SourceHarness(pbx, b -> {
            b.host(host).port(proxy.port()).secret(SECRET).tls(true);
            if (withTrustStore) {
                b.trustStore(trustStore, STORE_PASSWORD, "PKCS12");
            }
            return b.reconnectDelay(Duration.ofMillis(200), Duration.ofSeconds(1));
        });
    }

    @Test
    void aCertificateForTheConfiguredHostConnectsAndLogsIn() throws Exception {
        try (TlsProxy proxy = new TlsProxy(localhostKeys, pbx())) {
            FakeAsterisk pbx = proxy.upstreamOwner;
            try (SourceHarness h = source(pbx, proxy, true).start()) {
                h.awaitConnected();
                await("UP", () -> h.nodeChanges(NodeStatus.UP) == 1);
                // the event session and the list session, each over a verified TLS connection
                assertThat(pbx.amiLogins()).isEqualTo(2);
                assertThat(h.counter("tlsFailures")).isZero();
                assertThat(proxy.handshakes.get()).isEqualTo(2);
                // what the proxy saw is what the source sent: the recording works
                assertThat(proxy.received().toLowerCase(java.util.Locale.ROOT)).contains("action: login");
            }
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefusedBeforeAnythingIsSent() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try (TlsProxy proxy = new TlsProxy(otherNameKeys, pbx());
                SourceHarness h = source(proxy.upstreamOwner, proxy, true).start()) {
            await("two TLS failures", () -> h.counter("tlsFailures") >= 2);
            assertRefused(h, proxy);
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log)
                .contains("TLS handshake with AMI at localhost:")
                .contains("not logging in")
                .contains("No subject alternative DNS name matching localhost");
        assertThat(log).doesNotContain(SECRET).doesNotContain(STORE_PASSWORD);
    }

    @Test
    void anAddressAsHostNeedsAnAddressInTheCertificate() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        // the same server as in the first test, but configured by address: the certificate names
        // only localhost, so 127.0.0.1 is not its name
        try (TlsProxy proxy = new TlsProxy(localhostKeys, pbx());
                SourceHarness h =
                        source(proxy.upstreamOwner, proxy, true, "127.0.0.1").start()) {
            await("two TLS failures", () -> h.counter("tlsFailures") >= 2);
            assertRefused(h, proxy);
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("127.0.0.1 found");
    }

    @Test
    void aCertificateThatDoesNotChainToTheTrustStoreIsRefused() throws Exception {
        try (TlsProxy proxy = new TlsProxy(selfSignedKeys, pbx());
                SourceHarness h = source(proxy.upstreamOwner, proxy, true).start()) {
            await("two TLS failures", () -> h.counter("tlsFailures") >= 2);
            assertRefused(h, proxy);
        }
    }

    @Test
    void withoutATrustStoreTheJdkTrustIsUsedAndRefusesThePrivateCa() throws Exception {
        try (TlsProxy proxy = new TlsProxy(localhostKeys, pbx());
                SourceHarness h = source(proxy.upstreamOwner, proxy, false).start()) {
            await("two TLS failures", () -> h.counter("tlsFailures") >= 2);
            assertRefused(h, proxy);
        }
    }

    /**
     * A server that accepts the TCP connection but never answers the handshake (a plain port, a
     * stalled server): the read timeout ends the handshake, which is a TLS failure, logged as such.
     */
    @Test
    void aHandshakeWithoutAnswerIsATlsFailure() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Thread acceptor = new Thread(
                    () -> {
                        while (!silent.isClosed()) {
                            try {
                                held.add(silent.accept()); // held open, never read nor written
                            } catch (IOException e) {
                                return; // closed
                            }
                        }
                    },
                    "silent-tls-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            try (SourceHarness h = new SourceHarness(
                            pbx(),
                            b -> b.host("localhost")
                                    .port(silent.getLocalPort())
                                    .secret(SECRET)
                                    .tls(true)
                                    .trustStore(trustStore, STORE_PASSWORD, "PKCS12")
                                    .keepaliveInterval(Duration.ofMillis(100))
                                    .readTimeout(Duration.ofMillis(300))
                                    .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(200)))
                    .start()) {
                await("two TLS failures", () -> h.counter("tlsFailures") >= 2);
                assertThat(h.counter("connectFailures")).isGreaterThanOrEqualTo(h.counter("tlsFailures"));
                assertThat(h.counter("authFailures")).isZero();
                assertThat(h.source.isConnected()).isFalse();
                assertThat(h.events).isEmpty();
                assertThat(held.size()).isGreaterThanOrEqualTo(2);
            }
        } finally {
            System.setErr(original);
            for (Socket s : held) {
                s.close();
            }
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log)
                .contains("TLS handshake with AMI at localhost:")
                .contains("no answer to the TLS handshake within 300 ms")
                .doesNotContain("cannot connect to AMI");
        assertThat(log).doesNotContain(SECRET).doesNotContain(STORE_PASSWORD);
    }

    private static void assertRefused(SourceHarness h, TlsProxy proxy) {
        assertThat(h.source.isConnected()).isFalse();
        assertThat(h.events).isEmpty();
        assertThat(h.counter("connectFailures")).isGreaterThanOrEqualTo(h.counter("tlsFailures"));
        assertThat(h.counter("authFailures")).isZero();
        // the client aborted every handshake: no Challenge, no Login, no byte of AMI reached the server
        assertThat(proxy.attempts.get()).isGreaterThanOrEqualTo(2);
        assertThat(proxy.handshakes.get()).isZero();
        assertThat(proxy.received()).isEmpty();
        assertThat(proxy.upstreamOwner.amiLogins()).isZero();
    }

    @Test
    void anUnreadableTrustStoreIsRefusedWhenTheSourceIsCreated() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.p12"), "not a key store");
        AmiSourceConfig config = AmiSourceConfig.builder("localhost", "astreg", SECRET)
                .tls(true)
                .trustStore(garbage, STORE_PASSWORD, "PKCS12")
                .build();
        assertThatThrownBy(() -> AmiEndpointSource.create(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("localhost:5038")
                .hasMessageContaining(garbage.toString())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(STORE_PASSWORD));
    }

    @Test
    void trustStoreSettingsAreReadFromTheMapAndNeedTls() {
        Map<String, String> base = Map.of(
                "host", "pbx1.example.net",
                "username", "astreg",
                "secret", SECRET,
                "tls", "true",
                "trustStore", "/etc/astreg/ami-ca.p12",
                "trustStorePassword", STORE_PASSWORD,
                "trustStoreType", "JKS");
        AmiSourceConfig config = AmiSourceConfig.fromMap(base);
        assertThat(config.trustStore()).contains(Path.of("/etc/astreg/ami-ca.p12"));
        assertThat(config.trustStorePassword()).contains(STORE_PASSWORD);
        assertThat(config.trustStoreType()).isEqualTo("JKS");
        assertThat(config.toString()).contains("ami-ca.p12").doesNotContain(STORE_PASSWORD);
        assertThat(config.toBuilder().build().trustStore()).isEqualTo(config.trustStore());

        Map<String, String> withoutTls = new java.util.HashMap<>(base);
        withoutTls.put("tls", "false");
        withoutTls.put("trustStoreType", " ");
        assertThatThrownBy(() -> AmiSourceConfig.fromMap(withoutTls))
                .hasMessageContaining("trustStore: only used with tls=true")
                .hasMessageContaining("trustStoreType: required")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(STORE_PASSWORD));
    }

    /**
     * A TLS server on 127.0.0.1 that forwards to a FakeAsterisk's plain AMI port once the handshake
     * succeeded, recording what the client sent. Threads {@code tls-proxy-*} are owned by it and end
     * on {@link #close()}.
     */
    private static final class TlsProxy implements AutoCloseable {
        final FakeAsterisk upstreamOwner;
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger handshakes = new AtomicInteger();
        private final int upstreamPort;
        private final SSLServerSocket server;
        private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
        private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        TlsProxy(Path keys, FakeAsterisk upstream) throws Exception {
            this.upstreamPort = upstream.amiPort();
            this.upstreamOwner = upstream;
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keys)) {
                ks.load(in, STORE_PASSWORD.toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, STORE_PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            Thread t = new Thread(this::accept, "tls-proxy-accept");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        String received() {
            synchronized (fromClient) {
                return fromClient.toString(StandardCharsets.ISO_8859_1);
            }
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    SSLSocket client = (SSLSocket) server.accept();
                    sockets.add(client);
                    attempts.incrementAndGet();
                    Thread t = new Thread(() -> serve(client), "tls-proxy-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void serve(SSLSocket client) {
            try {
                client.setSoTimeout(10_000);
                client.startHandshake();
                handshakes.incrementAndGet();
                Socket upstream = new Socket(InetAddress.getByName("127.0.0.1"), upstreamPort);
                sockets.add(upstream);
                Thread back = new Thread(() -> pump(upstream, client, null), "tls-proxy-down");
                back.setDaemon(true);
                back.start();
                pump(client, upstream, fromClient);
            } catch (IOException e) {
                closeQuietly(client); // refused handshake: the client saw the certificate and left
            }
        }

        private static void pump(Socket from, Socket to, ByteArrayOutputStream record) {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (record != null) {
                        synchronized (record) {
                            record.write(buf, 0, n);
                        }
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                closeQuietly(s);
            }
            upstreamOwner.close();
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
