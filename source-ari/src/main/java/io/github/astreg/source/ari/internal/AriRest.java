package io.github.astreg.source.ari.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.source.ari.AriSourceConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;

/**
 * Blocking ARI REST calls (version probe, identity, subscriptions, snapshot) over
 * {@link HttpURLConnection}: every call has the configured connect and read timeouts, runs on the
 * caller's thread (the source's own thread, never a netty event loop), and starts no thread of its own
 * beyond the JDK's keep-alive cache. {@link #abort()} cuts an in-flight call short, from any thread.
 *
 * <p>The credentials travel in an {@code Authorization} header built once; they never appear in URLs,
 * logs or exception messages.
 */
public final class AriRest {
    private static final int MAX_BODY = 16 * 1024 * 1024;

    private final URI base;
    private final String authorization;
    private final int connectTimeoutMs;
    private final int readTimeoutMs;
    private final Optional<AriTls> tls;
    private final ObjectMapper mapper = new ObjectMapper();
    private volatile HttpURLConnection inFlight;
    private volatile boolean aborted;

    public AriRest(AriSourceConfig config, Optional<AriTls> tls) {
        this.base = config.baseUrl().resolve("ari/");
        this.authorization = "Basic "
                + Base64.getEncoder()
                        .encodeToString((config.username() + ":" + config.password()).getBytes(StandardCharsets.UTF_8));
        this.connectTimeoutMs =
                (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis());
        this.readTimeoutMs =
                (int) Math.min(Integer.MAX_VALUE, config.requestTimeout().toMillis());
        this.tls = tls;
    }

    /** The {@code Authorization} header value (for the websocket handshake). */
    public String authorization() {
        return authorization;
    }

    /** Escapes one path segment, {@code /} included ({@code PJSIP/1001} → {@code PJSIP%2F1001}). */
    public static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** GETs {@code path} (relative to {@code /ari/}) and parses the JSON answer. */
    public JsonNode get(String path) throws IOException {
        byte[] body = call("GET", path);
        return body.length == 0 ? mapper.nullNode() : mapper.readTree(body);
    }

    /** POSTs to {@code path} (relative to {@code /ari/}, query included) without a body. */
    public void post(String path) throws IOException {
        call("POST", path);
    }

    /** Cuts the call in flight (if any) and refuses further calls. */
    public void abort() {
        aborted = true;
        HttpURLConnection c = inFlight;
        if (c != null) {
            c.disconnect();
        }
    }

    private byte[] call(String method, String path) throws IOException {
        if (aborted) {
            throw new IOException("closed");
        }
        HttpURLConnection c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
        if (c instanceof HttpsURLConnection && tls.isPresent()) {
            HttpsURLConnection https = (HttpsURLConnection) c;
            https.setSSLSocketFactory(tls.get().jdk().getSocketFactory());
            if (tls.get().trustAll()) {
                https.setHostnameVerifier((host, session) -> true);
            }
        }
        inFlight = c;
        try {
            c.setRequestMethod(method);
            c.setConnectTimeout(connectTimeoutMs);
            c.setReadTimeout(readTimeoutMs);
            c.setUseCaches(false);
            c.setInstanceFollowRedirects(false);
            c.setRequestProperty("Authorization", authorization);
            c.setRequestProperty("Accept", "application/json");
            if (method.equals("POST")) {
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(0);
            }
            if (aborted) {
                throw new IOException("closed");
            }
            int status = c.getResponseCode();
            if (status >= 200 && status < 300) {
                try (InputStream in = c.getInputStream()) {
                    return readAll(in);
                }
            }
            String body = "";
            try (InputStream err = c.getErrorStream()) {
                if (err != null) {
                    body = new String(readAll(err), StandardCharsets.UTF_8);
                }
            } catch (IOException ignored) {
                // the status says enough
            }
            throw new AriHttpException(method, "/ari/" + path, status, body);
        } finally {
            inFlight = null;
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            if (out.size() > MAX_BODY) {
                throw new IOException("answer larger than " + MAX_BODY + " bytes");
            }
        }
        return out.toByteArray();
    }
}
