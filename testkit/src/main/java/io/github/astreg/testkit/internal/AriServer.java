package io.github.astreg.testkit.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.testkit.internal.AriRenderer.AriEvent;
import io.github.astreg.testkit.internal.NodeModel.EndpointInfo;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ARI side of a fake node: a small HTTP/1.1 server on 127.0.0.1 serving the REST resources
 * astreg needs and upgrading {@code /ari/events} to a websocket (REST and websocket share one
 * port, as on Asterisk).
 *
 * <p>Threads: {@code astreg-fake-<node>-ari-accept} accepts; each connection is served by
 * {@code astreg-fake-<node>-ari-<n>-http}, which becomes the websocket reader after an upgrade,
 * plus {@code astreg-fake-<node>-ari-<n>-ws-writer}. All daemon; all end on {@link #stop()}.
 */
public final class AriServer implements NodeModel.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AriServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_HEADER_LINE = 8192;
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

    private final NodeModel model;
    private final NodeSpec spec;
    private final FaultState faults;
    private final AriRenderer renderer;
    private final Map<String, App> apps = new ConcurrentHashMap<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Map<String, String> stasisDevices = new ConcurrentHashMap<>();
    private final AtomicInteger connectionCounter = new AtomicInteger();
    private final AtomicLong badInput = new AtomicLong();
    private volatile ServerSocket server;
    private volatile Thread acceptor;
    private volatile int port;
    private volatile boolean warned;

    /** One Stasis application: its subscriptions and its websockets. Guarded by the model lock. */
    private static final class App {
        final String name;
        final Set<String> endpointIds = new TreeSet<>();
        final Set<String> deviceNames = new TreeSet<>();
        final List<Ws> sockets = new ArrayList<>();

        App(String name) {
            this.name = name;
        }
    }

    private record Ws(WebSocketSession session, boolean subscribeAll) {}

    public AriServer(NodeModel model, FaultState faults, int fixedPort) {
        this.model = model;
        this.spec = model.spec();
        this.faults = faults;
        this.renderer = new AriRenderer(spec);
        this.port = fixedPort;
    }

    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        port = ss.getLocalPort();
        server = ss;
        model.addListener(this);
        acceptor = Threads.start("astreg-fake-" + spec.node() + "-ari-accept", () -> acceptLoop(ss));
    }

    public int port() {
        return port;
    }

    /** Stops listening and drops every connection without a close frame. */
    public synchronized void stop() {
        model.removeListener(this);
        ServerSocket ss = server;
        server = null;
        if (ss != null) {
            try {
                ss.close();
                Thread t = acceptor;
                if (t != null && t != Thread.currentThread()) {
                    // the socket is only released once the accepting thread has left accept()
                    t.join(2000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                LOG.debug("closing ARI listener", e);
            }
        }
        dropConnections(false);
        for (Socket s : List.copyOf(connections)) {
            closeQuietly(s);
        }
        synchronized (model) {
            apps.clear();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Lets every websocket write what is queued, closes them (TCP, as Asterisk does), then stops. */
    public void drainAndStop(long maxMillis) {
        List<WebSocketSession> all = new ArrayList<>();
        synchronized (model) {
            for (App a : apps.values()) {
                for (Ws w : a.sockets) {
                    all.add(w.session());
                }
            }
        }
        for (WebSocketSession ws : all) {
            ws.closeAfterQueued();
        }
        long end = System.nanoTime() + maxMillis * 1_000_000L;
        while (websocketCount() > 0 && System.nanoTime() < end) {
            if (!Threads.sleep(10)) {
                break;
            }
        }
        stop();
    }

    /** Closes every websocket: with a close frame (graceful) or by dropping TCP. */
    public void dropConnections(boolean graceful) {
        List<WebSocketSession> all = new ArrayList<>();
        synchronized (model) {
            for (App a : apps.values()) {
                for (Ws w : a.sockets) {
                    all.add(w.session());
                }
            }
        }
        for (WebSocketSession s : all) {
            if (graceful) {
                s.closeGracefully(1001);
            } else {
                s.abort();
            }
        }
    }

    /** Every open websocket goes silent and stays open. */
    public void stallConnections() {
        synchronized (model) {
            for (App a : apps.values()) {
                for (Ws w : a.sockets) {
                    w.session().stall();
                }
            }
        }
    }

    /** Sends raw bytes (already framed or deliberately broken) to every websocket. */
    public void injectRaw(byte[] bytes, boolean closeAfter) {
        synchronized (model) {
            for (App a : apps.values()) {
                for (Ws w : a.sockets) {
                    w.session().sendRaw(bytes);
                    if (closeAfter) {
                        w.session().closeAfterQueued();
                    }
                }
            }
        }
    }

    /** A text frame that is not JSON, to every websocket. */
    public void injectGarbageFrame() {
        injectRaw(WebSocketSession.frame(0x1, "this is not json {".getBytes(StandardCharsets.UTF_8)), false);
    }

    /** Half a frame then a TCP close, to every websocket. */
    public void injectTruncatedFrame() {
        byte[] full = WebSocketSession.frame(
                0x1, "{\"type\":\"DeviceStateChanged\",\"device_state\":{".getBytes(StandardCharsets.UTF_8));
        byte[] half = java.util.Arrays.copyOf(full, full.length / 2);
        injectRaw(half, true);
    }

    public int websocketCount() {
        synchronized (model) {
            int n = 0;
            for (App a : apps.values()) {
                for (Ws w : a.sockets) {
                    if (w.session().isOpen()) {
                        n++;
                    }
                }
            }
            return n;
        }
    }

    public long badInputCount() {
        return badInput.get();
    }

    // ------------------------------------------------------------------ events

    @Override
    public void accept(Happening h) {
        if (apps.isEmpty()) {
            return;
        }
        Optional<AriEvent> rendered = renderer.render(h);
        if (rendered.isEmpty()) {
            return;
        }
        AriEvent e = rendered.get();
        for (App app : apps.values()) {
            if (app.sockets.isEmpty()) {
                continue;
            }
            boolean bySubscription = matchesSubscription(app, e);
            String text = null;
            for (Ws w : app.sockets) {
                boolean deliver;
                switch (e.kind()) {
                    case ENDPOINT_ONLY:
                        deliver = bySubscription;
                        break;
                    case EVERY_APP:
                        deliver = true;
                        break;
                    default:
                        deliver = bySubscription || w.subscribeAll();
                }
                if (!deliver) {
                    continue;
                }
                if (text == null) {
                    Map<String, Object> body = new LinkedHashMap<>(e.body());
                    body.put("asterisk_id", spec.entityId());
                    body.put("application", app.name);
                    text = json(body);
                }
                w.session().sendText(text);
            }
        }
    }

    private static boolean matchesSubscription(App app, AriEvent e) {
        switch (e.kind()) {
            case DEVICE:
                return app.deviceNames.contains("__AST_DEVICE_STATE_ALL_TOPIC")
                        || e.device().map(app.deviceNames::contains).orElse(false);
            case ENDPOINT_ONLY:
            case ENDPOINT_OR_ALL:
                for (String id : e.endpointIds()) {
                    String tech = id.substring(0, id.indexOf('/'));
                    if (app.endpointIds.contains(id) || app.endpointIds.contains(tech)) {
                        return true;
                    }
                }
                return false;
            default:
                return false;
        }
    }

    // ------------------------------------------------------------------ HTTP

    private void acceptLoop(ServerSocket ss) {
        while (!ss.isClosed()) {
            try {
                Socket s = ss.accept();
                s.setTcpNoDelay(true);
                connections.add(s);
                int n = connectionCounter.incrementAndGet();
                String prefix = "astreg-fake-" + spec.node() + "-ari-" + n;
                Threads.start(prefix + "-http", () -> serve(s, prefix));
            } catch (SocketException e) {
                if (!ss.isClosed()) {
                    LOG.debug("ARI accept failed", e);
                }
            } catch (IOException e) {
                LOG.debug("ARI accept failed", e);
            }
        }
    }

    /** A parsed HTTP request. */
    private record Request(
            String method, String rawPath, Map<String, String> query, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private void serve(Socket s, String prefix) {
        boolean upgraded = false;
        try {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                Request r;
                try {
                    r = read(in);
                } catch (IllegalArgumentException bad) {
                    bad("bad HTTP request", bad.getMessage());
                    respond(out, 400, Map.of("message", "Bad request"), true);
                    return;
                }
                if (r == null) {
                    return;
                }
                Duration d = faults.responseDelay();
                if (!d.isZero() && !Threads.sleep(d.toMillis())) {
                    return;
                }
                boolean close = "close".equalsIgnoreCase(r.header("connection"));
                if (r.rawPath().equals("/ari/events") && "websocket".equalsIgnoreCase(r.header("upgrade"))) {
                    upgraded = upgrade(s, in, out, r, prefix);
                    return;
                }
                handle(r, out, close);
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.debug("ARI connection ended", e);
        } finally {
            if (!upgraded) {
                connections.remove(s);
                closeQuietly(s);
            }
        }
    }

    private Request read(InputStream in) throws IOException {
        String line = readLine(in);
        if (line == null) {
            return null;
        }
        while (line.isEmpty()) {
            line = readLine(in);
            if (line == null) {
                return null;
            }
        }
        String[] parts = line.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/")) {
            throw new IllegalArgumentException(line);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String h;
        while ((h = readLine(in)) != null && !h.isEmpty()) {
            int c = h.indexOf(':');
            if (c <= 0) {
                throw new IllegalArgumentException(h);
            }
            headers.put(
                    h.substring(0, c).trim().toLowerCase(Locale.ROOT),
                    h.substring(c + 1).trim());
        }
        if (h == null) {
            return null;
        }
        byte[] body = new byte[0];
        String cl = headers.get("content-length");
        if (cl != null) {
            int n;
            try {
                n = Integer.parseInt(cl.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Content-Length " + cl);
            }
            if (n < 0 || n > (1 << 20)) {
                throw new IllegalArgumentException("Content-Length " + cl);
            }
            body = in.readNBytes(n);
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            while (true) {
                String size = readLine(in);
                if (size == null) {
                    return null;
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    readLine(in);
                    break;
                }
                bo.write(in.readNBytes(n));
                readLine(in);
            }
            body = bo.toByteArray();
        }
        String target = parts[1];
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        Map<String, String> query = new LinkedHashMap<>();
        if (q >= 0) {
            for (String kv : target.substring(q + 1).split("&")) {
                if (kv.isEmpty()) {
                    continue;
                }
                int e = kv.indexOf('=');
                String k = decode(e < 0 ? kv : kv.substring(0, e));
                String v = e < 0 ? "" : decode(kv.substring(e + 1));
                query.merge(k, v, (a, b) -> a + "," + b);
            }
        }
        return new Request(parts[0].toUpperCase(Locale.ROOT), path, query, headers, body);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
            if (b.size() > MAX_HEADER_LINE) {
                throw new IllegalArgumentException("header line too long");
            }
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    private boolean authorized(Request r) {
        String key = r.query().get("api_key");
        if (key != null) {
            return key.equals(spec.ariUser() + ":" + spec.ariPassword());
        }
        String auth = r.header("authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded =
                        new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
                return decoded.equals(spec.ariUser() + ":" + spec.ariPassword());
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return false;
    }

    private void handle(Request r, OutputStream out, boolean close) throws IOException {
        if (!r.rawPath().startsWith("/ari/")) {
            respond(out, 404, Map.of("message", "Resource not found"), close);
            return;
        }
        if (!authorized(r)) {
            String body = json(Map.of("message", "Authentication required"));
            writeResponse(
                    out,
                    401,
                    "application/json",
                    body,
                    close,
                    "WWW-Authenticate: Basic realm=\"Asterisk REST Interface\"\r\n");
            return;
        }
        Optional<FaultState.AriError> injected = faults.ariFailure(r.rawPath());
        if (injected.isPresent()) {
            respond(
                    out,
                    injected.get().status(),
                    Map.of("message", injected.get().message()),
                    close);
            return;
        }
        String[] seg = r.rawPath().substring(5).split("/", -1);
        String m = r.method();
        Object body;
        int status = 200;
        try {
            if (seg.length == 2 && seg[0].equals("asterisk") && seg[1].equals("info") && m.equals("GET")) {
                body = info();
            } else if (seg.length == 2 && seg[0].equals("asterisk") && seg[1].equals("ping") && m.equals("GET")) {
                Map<String, Object> ping = new LinkedHashMap<>();
                ping.put("asterisk_id", spec.entityId());
                ping.put("ping", "pong");
                ping.put("timestamp", AriTime.format(spec.clock().instant()));
                body = ping;
            } else if (seg.length == 2 && seg[0].equals("api-docs") && seg[1].equals("resources.json")) {
                body = resources();
            } else if (seg[0].equals("endpoints") && m.equals("GET") && seg.length <= 3) {
                body = endpoints(seg);
            } else if (seg[0].equals("deviceStates") && seg.length <= 2) {
                body = deviceStates(seg, m, r);
                if (body == null) {
                    status = 204;
                }
            } else if (seg[0].equals("channels") && seg.length == 1 && m.equals("GET")) {
                body = model.channels().stream().map(AriRenderer::channel).toArray();
            } else if (seg[0].equals("applications")) {
                body = applications(seg, m, r);
            } else {
                throw new HttpError(404, "Resource not found");
            }
        } catch (HttpError e) {
            respond(out, e.status, Map.of("message", e.getMessage()), close);
            return;
        }
        if (status == 204) {
            writeResponse(out, 204, null, "", close, "");
            return;
        }
        respond(out, status, body, close);
    }

    /** An HTTP error answer with Asterisk's message. */
    private static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private Map<String, Object> info() {
        Map<String, Object> build = new LinkedHashMap<>();
        build.put("os", "Linux");
        build.put("kernel", "6.1.0-fake");
        build.put("machine", "x86_64");
        build.put("options", "OPTIONAL_API");
        build.put("date", "2026-01-01 00:00:00 UTC");
        build.put("user", "root");
        Map<String, Object> system = new LinkedHashMap<>();
        system.put("version", spec.version().asteriskVersion());
        system.put("entity_id", spec.entityId());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", spec.systemName().orElse(""));
        config.put("default_language", "en");
        config.put("setid", Map.of("user", "", "group", ""));
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("startup_time", AriTime.format(model.startedAt()));
        status.put("last_reload_time", AriTime.format(model.reloadedAt()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("build", build);
        m.put("system", system);
        m.put("config", config);
        m.put("status", status);
        return m;
    }

    private Map<String, Object> resources() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_copyright", "Copyright (C) 2012 - 2013, Digium, Inc.");
        m.put("_author", "David M. Lee, II <dlee@digium.com>");
        m.put("_svn_revision", "$Revision$");
        m.put("apiVersion", spec.version().ariVersion());
        m.put("swaggerVersion", "1.1");
        m.put("basePath", "http://127.0.0.1:" + port + "/ari");
        List<Map<String, Object>> apis = new ArrayList<>();
        String[][] list = {
            {"asterisk", "Asterisk resources"},
            {"endpoints", "Endpoint resources"},
            {"channels", "Channel resources"},
            {"bridges", "Bridge resources"},
            {"recordings", "Recording resources"},
            {"sounds", "Sound resources"},
            {"playbacks", "Playback control resources"},
            {"deviceStates", "Device state resources"},
            {"mailboxes", "Mailboxes resources"},
            {"events", "WebSocket resource"},
            {"applications", "Stasis application resources"}
        };
        for (String[] a : list) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", "/api-docs/" + a[0] + ".{format}");
            e.put("description", a[1]);
            apis.add(e);
        }
        m.put("apis", apis);
        return m;
    }

    private Object endpoints(String[] seg) {
        List<EndpointInfo> all = model.endpoints();
        if (seg.length == 1) {
            return all.stream().map(this::endpointJson).toArray();
        }
        String tech = decode(seg[1]);
        List<Object> of = new ArrayList<>();
        for (EndpointInfo e : all) {
            if (e.spec().technology().equalsIgnoreCase(tech)) {
                of.add(endpointJson(e));
            }
        }
        boolean knownTech = tech.equalsIgnoreCase("PJSIP")
                || (tech.equalsIgnoreCase("SIP") && spec.version().hasChanSip());
        if (seg.length == 2) {
            if (!knownTech) {
                throw new HttpError(404, "No Endpoints found - invalid tech " + tech);
            }
            return of;
        }
        String resource = decode(seg[2]);
        for (EndpointInfo e : all) {
            if (e.spec().technology().equalsIgnoreCase(tech)
                    && e.spec().resource().equals(resource)) {
                return endpointJson(e);
            }
        }
        throw new HttpError(404, "Endpoint not found");
    }

    private Map<String, Object> endpointJson(EndpointInfo e) {
        return AriRenderer.endpoint(
                new Happening.EndpointView(e.spec().technology(), e.spec().resource(), e.ariState(), e.channelIds()));
    }

    private Object deviceStates(String[] seg, String method, Request r) {
        if (seg.length == 1) {
            if (!method.equals("GET")) {
                throw new HttpError(405, "Method not allowed");
            }
            List<Map<String, Object>> out = new ArrayList<>();
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(stasisDevices).entrySet()) {
                out.add(deviceJson(e.getKey(), e.getValue()));
            }
            return out;
        }
        String name = decode(seg[1]);
        if (method.equals("GET")) {
            if (name.startsWith("Stasis:")) {
                String st = stasisDevices.get(name);
                if (st == null) {
                    return deviceJson(name, "UNKNOWN");
                }
                return deviceJson(name, st);
            }
            int slash = name.indexOf('/');
            if (slash > 0) {
                String id = name.substring(0, slash).toUpperCase(Locale.ROOT).equals("PJSIP")
                        ? "PJSIP" + name.substring(slash)
                        : name;
                Optional<EndpointInfo> e = model.endpoint(id);
                if (e.isPresent()) {
                    return deviceJson(e.get().spec().id(), e.get().deviceState());
                }
                return deviceJson(name, "INVALID");
            }
            return deviceJson(name, "UNKNOWN");
        }
        if (!name.startsWith("Stasis:")) {
            throw new HttpError(409, "Cannot modify device state of non-Stasis device");
        }
        if (method.equals("DELETE")) {
            stasisDevices.remove(name);
            return null;
        }
        if (method.equals("PUT")) {
            String state = r.query().get("deviceState");
            if (state == null || state.isEmpty()) {
                throw new HttpError(400, "deviceState is required");
            }
            stasisDevices.put(name, state.toUpperCase(Locale.ROOT));
            return null;
        }
        throw new HttpError(400, "deviceState is required");
    }

    private static Map<String, Object> deviceJson(String name, String state) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("state", state);
        return m;
    }

    private Object applications(String[] seg, String method, Request r) {
        synchronized (model) {
            if (seg.length == 1) {
                List<Object> out = new ArrayList<>();
                for (App a : apps.values()) {
                    out.add(appJson(a));
                }
                return out;
            }
            App app = apps.get(decode(seg[1]));
            if (app == null) {
                throw new HttpError(404, "Application not found");
            }
            if (seg.length == 2 && method.equals("GET")) {
                return appJson(app);
            }
            if (seg.length == 3
                    && seg[2].equals("subscription")
                    && (method.equals("POST") || method.equals("DELETE"))) {
                String sources = r.query().get("eventSource");
                if (sources == null || sources.isEmpty()) {
                    throw new HttpError(400, "Missing parameter eventSource");
                }
                for (String src : sources.split(",")) {
                    applySubscription(app, src.trim(), method.equals("POST"));
                }
                return appJson(app);
            }
            throw new HttpError(404, "Resource not found");
        }
    }

    private void applySubscription(App app, String src, boolean add) {
        int colon = src.indexOf(':');
        if (colon < 0) {
            throw new HttpError(400, "Invalid event source URI scheme");
        }
        String scheme = src.substring(0, colon);
        String name = src.substring(colon + 1);
        switch (scheme) {
            case "endpoint": {
                if (name.isEmpty()) {
                    throw new HttpError(400, "Invalid endpoint name");
                }
                String tech = name.contains("/") ? name.substring(0, name.indexOf('/')) : name;
                boolean knownTech = tech.equals("PJSIP")
                        || (tech.equals("SIP") && spec.version().hasChanSip());
                if (!knownTech) {
                    throw new HttpError(422, "Event source does not exist");
                }
                if (name.contains("/") && model.endpoint(name).isEmpty()) {
                    throw new HttpError(422, "Event source does not exist");
                }
                if (add) {
                    app.endpointIds.add(name);
                } else {
                    app.endpointIds.remove(name);
                }
                return;
            }
            case "deviceState": {
                String n = name.isEmpty() ? "__AST_DEVICE_STATE_ALL_TOPIC" : name;
                if (add) {
                    app.deviceNames.add(n);
                } else {
                    app.deviceNames.remove(n);
                }
                return;
            }
            case "channel":
            case "bridge":
                throw new HttpError(422, "Event source does not exist");
            default:
                throw new HttpError(400, "Invalid event source URI scheme");
        }
    }

    private static Map<String, Object> appJson(App a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", a.name);
        m.put("channel_ids", List.of());
        m.put("bridge_ids", List.of());
        m.put("endpoint_ids", List.copyOf(a.endpointIds));
        m.put("device_names", List.copyOf(a.deviceNames));
        m.put("events_allowed", List.of());
        m.put("events_disallowed", List.of());
        return m;
    }

    private boolean upgrade(Socket s, InputStream in, OutputStream out, Request r, String prefix) throws IOException {
        if (!authorized(r)) {
            writeResponse(
                    out,
                    401,
                    "application/json",
                    json(Map.of("message", "Authentication required")),
                    true,
                    "WWW-Authenticate: Basic realm=\"Asterisk REST Interface\"\r\n");
            return false;
        }
        String appName = r.query().get("app");
        String key = r.header("sec-websocket-key");
        if (appName == null || appName.isEmpty()) {
            respond(out, 400, Map.of("message", "Missing parameter app"), true);
            return false;
        }
        if (key == null || !"13".equals(r.header("sec-websocket-version"))) {
            respond(out, 400, Map.of("message", "Bad websocket handshake"), true);
            return false;
        }
        String accept;
        try {
            accept = Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-1")
                            .digest((key.trim() + WS_GUID).getBytes(StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 missing", e);
        }
        StringBuilder resp = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Accept: ")
                .append(accept)
                .append("\r\n");
        String proto = r.header("sec-websocket-protocol");
        if (proto != null && proto.contains("ari")) {
            resp.append("Sec-WebSocket-Protocol: ari\r\n");
        }
        resp.append("\r\n");
        boolean subscribeAll = "true".equalsIgnoreCase(r.query().get("subscribeAll"));
        WebSocketSession ws = new WebSocketSession(s, prefix, this::removed);
        synchronized (model) {
            out.write(resp.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            for (String name : appName.split(",")) {
                App app = apps.computeIfAbsent(name, App::new);
                app.sockets.add(new Ws(ws, subscribeAll));
            }
        }
        try {
            ws.run(in);
        } finally {
            connections.remove(s);
        }
        return true;
    }

    private void removed(WebSocketSession ws) {
        synchronized (model) {
            for (App a : apps.values()) {
                a.sockets.removeIf(w -> w.session() == ws);
            }
        }
    }

    private void respond(OutputStream out, int status, Object body, boolean close) throws IOException {
        writeResponse(out, status, "application/json", json(body), close, "");
    }

    private void writeResponse(OutputStream out, int status, String type, String body, boolean close, String extra)
            throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("HTTP/1.1 ")
                .append(status)
                .append(' ')
                .append(reason(status))
                .append("\r\n")
                .append("Server: Asterisk/")
                .append(spec.version().asteriskVersion())
                .append("\r\n")
                .append("Date: ")
                .append(HTTP_DATE.format(ZonedDateTime.now(spec.clock()).withZoneSameInstant(ZoneOffset.UTC)))
                .append("\r\n")
                .append("Cache-Control: no-cache, no-store\r\n")
                .append(extra);
        if (type != null && status != 204) {
            sb.append("Content-Type: ").append(type).append("\r\n");
        }
        sb.append("Content-Length: ").append(status == 204 ? 0 : b.length).append("\r\n");
        if (close) {
            sb.append("Connection: close\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (status != 204) {
            out.write(b);
        }
        out.flush();
    }

    private static String reason(int status) {
        switch (status) {
            case 200:
                return "OK";
            case 204:
                return "No Content";
            case 400:
                return "Bad Request";
            case 401:
                return "Unauthorized";
            case 404:
                return "Not Found";
            case 405:
                return "Method Not Allowed";
            case 409:
                return "Conflict";
            case 422:
                return "Unprocessable Entity";
            default:
                return "Error";
        }
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    private void bad(String what, String sample) {
        badInput.incrementAndGet();
        String shortened = sample == null ? "" : (sample.length() > 80 ? sample.substring(0, 80) + "..." : sample);
        if (!warned) {
            warned = true;
            LOG.warn("fake {} ARI: {}: {}", spec.node(), what, shortened);
        } else {
            LOG.debug("fake {} ARI: {}: {}", spec.node(), what, shortened);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("closing ARI socket", e);
        }
    }
}
