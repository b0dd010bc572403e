package io.github.astreg.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** JDK-only ARI client for tests: REST with basic auth and one events websocket. */
final class AriTestClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final FakeAsterisk pbx;
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    final List<String> raw = new ArrayList<>();
    volatile boolean wsClosed;
    WebSocket ws;

    AriTestClient(FakeAsterisk pbx) {
        this.pbx = pbx;
    }

    HttpResponse<String> request(String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pbx.ariPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header(
                        "Authorization",
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString("astreg:astregpass".getBytes(StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10))
                .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = request("GET", path);
        if (r.statusCode() != 200) {
            throw new AssertionError(path + " -> " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    AriTestClient connect(String app, boolean subscribeAll) throws Exception {
        ws = http.newWebSocketBuilder()
                .buildAsync(
                        URI.create("ws://127.0.0.1:" + pbx.ariPort() + "/ari/events?app=" + app + "&subscribeAll="
                                + subscribeAll + "&api_key=astreg:astregpass"),
                        new WebSocket.Listener() {
                            final StringBuilder buf = new StringBuilder();

                            @Override
                            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                                buf.append(data);
                                if (last) {
                                    String text = buf.toString();
                                    buf.setLength(0);
                                    synchronized (raw) {
                                        raw.add(text);
                                    }
                                    try {
                                        events.add(JSON.readTree(text));
                                    } catch (Exception e) {
                                        events.add(JSON.createObjectNode()
                                                .put("type", "UNPARSEABLE")
                                                .put("text", text));
                                    }
                                }
                                webSocket.request(1);
                                return null;
                            }

                            @Override
                            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                                wsClosed = true;
                                return null;
                            }

                            @Override
                            public void onError(WebSocket webSocket, Throwable error) {
                                wsClosed = true;
                            }
                        })
                .get(10, TimeUnit.SECONDS);
        PollUntil.poll(() -> pbx.ariWebsockets() > 0, Duration.ofSeconds(5));
        return this;
    }

    JsonNode next() throws InterruptedException {
        JsonNode n = events.poll(5, TimeUnit.SECONDS);
        if (n == null) {
            throw new AssertionError("no ARI event within 5 s");
        }
        return n;
    }

    List<JsonNode> drain(Duration quiet) throws InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        JsonNode n;
        while ((n = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
            out.add(n);
        }
        return out;
    }

    List<String> types(List<JsonNode> evs) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : evs) {
            out.add(n.path("type").asText());
        }
        return out;
    }

    /** Opens a websocket with a raw socket (handshake only), for tests that watch the TCP connection itself. */
    static java.net.Socket rawWebsocket(FakeAsterisk pbx, String app) throws Exception {
        java.net.Socket s = new java.net.Socket("127.0.0.1", pbx.ariPort());
        s.setSoTimeout(5000);
        s.getOutputStream()
                .write(("GET /ari/events?app=" + app + "&subscribeAll=true&api_key=astreg:astregpass HTTP/1.1\r\n"
                                + "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
        StringBuilder head = new StringBuilder();
        java.io.InputStream in = s.getInputStream();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("handshake closed: " + head);
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new AssertionError("handshake failed: " + head);
        }
        if (!head.toString().contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")) {
            throw new AssertionError("bad accept key: " + head);
        }
        PollUntil.poll(() -> pbx.ariWebsockets() > 0, Duration.ofSeconds(5));
        return s;
    }

    /** Reads until the server closes the connection; fails on timeout. Returns the bytes read. */
    static long readToEof(java.net.Socket s) throws Exception {
        long n = 0;
        java.io.InputStream in = s.getInputStream();
        while (in.read() != -1) {
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        if (ws != null) {
            ws.abort();
        }
    }
}
