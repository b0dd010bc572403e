package io.github.astreg.testkit.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One AMI client connection: a reader thread parsing actions and a writer thread. */
final class AmiSession {
    private static final Logger LOG = LoggerFactory.getLogger(AmiSession.class);
    /** Asterisk's manager input buffer holds 1024 characters per line. */
    static final int MAX_LINE = 1024;

    private static final int QUEUE_LIMIT = 200_000;
    private static final Set<String> ALL = Set.of("all");

    private final AmiServer server;
    private final Socket socket;
    private final String threadPrefix;
    private final int localPort;
    private final long sessionNumber;
    private final BlockingQueue<Out> out = new LinkedBlockingQueue<>();
    private volatile boolean authenticated;
    private volatile Set<String> mask = ALL;
    private volatile boolean stalled;
    private volatile boolean closed;
    private String challenge;

    /** One queued write. */
    private record Out(String text, boolean response, boolean closeAfter) {}

    AmiSession(AmiServer server, Socket socket, String threadPrefix, int localPort, long sessionNumber) {
        this.server = server;
        this.sessionNumber = sessionNumber;
        this.socket = socket;
        this.threadPrefix = threadPrefix;
        this.localPort = localPort;
    }

    void start() {
        enqueue(new Out(
                "Asterisk Call Manager/" + server.model().spec().version().amiVersion() + "\r\n", false, false));
        Threads.start(threadPrefix + "-writer", this::writeLoop);
        Threads.start(threadPrefix + "-reader", this::readLoop);
    }

    boolean authenticated() {
        return authenticated && !closed;
    }

    void stall() {
        stalled = true;
    }

    void event(AmiRenderer.Rendered r) {
        if (!authenticated || closed || stalled) {
            return;
        }
        Set<String> m = mask;
        if (m.contains("all") || m.contains(r.category())) {
            enqueue(new Out(r.text(), false, false));
        }
    }

    /** Whether this client asked for events (its mask is not {@code off}). */
    boolean receivesEvents() {
        return !mask.isEmpty();
    }

    void raw(String text, boolean closeAfter) {
        enqueue(new Out(text, false, closeAfter));
    }

    private void enqueue(Out o) {
        if (closed) {
            return;
        }
        if (out.size() >= QUEUE_LIMIT) {
            server.badInput("client does not read, event dropped", socket.toString());
            return;
        }
        out.add(o);
    }

    void respond(AmiFrame f) {
        enqueue(new Out(f.render(), true, false));
    }

    void respondRaw(String text) {
        enqueue(new Out(text, true, false));
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.removed(this);
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing AMI socket", e);
        }
        out.clear();
        out.add(new Out("", false, true));
    }

    private void writeLoop() {
        try {
            OutputStream os = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            while (!closed) {
                Out o = out.poll(500, TimeUnit.MILLISECONDS);
                if (o == null) {
                    continue;
                }
                if (closed) {
                    break;
                }
                while (stalled && !closed) {
                    out.clear();
                    Threads.sleep(100);
                }
                if (closed) {
                    break;
                }
                if (o.response()) {
                    Duration d = server.faults().responseDelay();
                    if (!d.isZero()) {
                        os.flush();
                        if (!Threads.sleep(d.toMillis())) {
                            break;
                        }
                    }
                }
                if (!o.text().isEmpty()) {
                    os.write(o.text().getBytes(StandardCharsets.UTF_8));
                    if (out.isEmpty()) {
                        os.flush();
                    }
                }
                if (o.closeAfter()) {
                    os.flush();
                    close();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("AMI write failed", e);
        } finally {
            close();
        }
    }

    private void readLoop() {
        try {
            InputStream in = socket.getInputStream();
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            ByteArrayOutputStream line = new ByteArrayOutputStream(128);
            boolean oversize = false;
            int b;
            while (!closed && (b = in.read()) != -1) {
                if (b == '\n') {
                    if (oversize) {
                        oversize = false;
                        line.reset();
                        continue;
                    }
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    if (text.endsWith("\r")) {
                        text = text.substring(0, text.length() - 1);
                    }
                    if (text.isEmpty()) {
                        if (!headers.isEmpty()) {
                            List<Map.Entry<String, String>> message = headers;
                            headers = new ArrayList<>();
                            if (!stalled) {
                                handle(message);
                            }
                        }
                        continue;
                    }
                    int colon = text.indexOf(':');
                    if (colon < 0) {
                        server.badInput("header line without colon", text);
                        headers.add(Map.entry(text, ""));
                    } else {
                        String value = text.substring(colon + 1);
                        headers.add(Map.entry(text.substring(0, colon).trim(), value.strip()));
                    }
                    continue;
                }
                if (oversize) {
                    continue;
                }
                line.write(b);
                if (line.size() > MAX_LINE) {
                    server.badInput(
                            "line longer than " + MAX_LINE + " characters dumped",
                            line.toString(StandardCharsets.UTF_8));
                    line.reset();
                    oversize = true;
                }
            }
        } catch (IOException e) {
            LOG.debug("AMI read ended", e);
        } finally {
            if (!stalled) {
                close();
            }
        }
    }

    static String header(List<Map.Entry<String, String>> headers, String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    private void handle(List<Map.Entry<String, String>> m) {
        String action = header(m, "Action");
        String actionId = header(m, "ActionID");
        if (action == null || action.isEmpty()) {
            server.badInput("message without Action", m.toString());
            respond(AmiFrame.response("Error", actionId).add("Message", "Missing action in request"));
            return;
        }
        String a = action.toLowerCase(Locale.ROOT);
        if (!authenticated && !a.equals("login") && !a.equals("challenge") && !a.equals("logoff")) {
            respond(AmiFrame.response("Error", actionId).add("Message", "Permission denied"));
            return;
        }
        java.util.Optional<String> failure = server.faults().failure(action);
        if (failure.isPresent()) {
            respond(AmiFrame.response("Error", actionId).add("Message", failure.get()));
            return;
        }
        switch (a) {
            case "challenge":
                challenge(m, actionId);
                return;
            case "login":
                login(m, actionId);
                return;
            case "logoff":
                enqueue(new Out(
                        AmiFrame.response("Goodbye", actionId)
                                .add("Message", "Thanks for all the fish.")
                                .render(),
                        true,
                        true));
                return;
            case "events":
                events(m, actionId);
                return;
            case "userevent":
                userEvent(m, actionId);
                return;
            default:
                server.actions().handle(a, m, actionId, this);
        }
    }

    private void challenge(List<Map.Entry<String, String>> m, String actionId) {
        String type = header(m, "AuthType");
        if (type == null || !type.equalsIgnoreCase("MD5")) {
            respond(AmiFrame.response("Error", actionId).add("Message", "Must specify AuthType"));
            return;
        }
        if (challenge == null) {
            challenge = Long.toString(
                    100_000_000L + (Math.abs((long) System.identityHashCode(this) * 7919L) % 899_999_999L));
        }
        respond(AmiFrame.response("Success", actionId).add("Challenge", challenge));
    }

    private void login(List<Map.Entry<String, String>> m, String actionId) {
        NodeSpec spec = server.model().spec();
        String user = header(m, "Username");
        boolean ok = false;
        if (spec.amiUser().equals(user)) {
            String authType = header(m, "AuthType");
            if (authType != null && authType.equalsIgnoreCase("MD5")) {
                String key = header(m, "Key");
                if (challenge != null && key != null) {
                    String expected = HexFormat.of().formatHex(NodeModel.md5(challenge + spec.amiSecret()));
                    ok = expected.equalsIgnoreCase(key);
                }
            } else {
                ok = spec.amiSecret().equals(header(m, "Secret"));
            }
        }
        if (!ok) {
            enqueue(new Out(
                    AmiFrame.response("Error", actionId)
                            .add("Message", "Authentication failed")
                            .render(),
                    true,
                    true));
            return;
        }
        String events = header(m, "Events");
        if (events != null) {
            mask = parseMask(events);
        }
        NodeModel model = server.model();
        synchronized (model) {
            respond(AmiFrame.response("Success", actionId).add("Message", "Authentication accepted"));
            if (mask.contains("all") || mask.contains("system")) {
                java.time.Instant now = spec.clock().instant();
                long uptime =
                        Math.max(0, now.getEpochSecond() - model.startedAt().getEpochSecond());
                long reload =
                        Math.max(0, now.getEpochSecond() - model.reloadedAt().getEpochSecond());
                enqueue(new Out(
                        new AmiFrame()
                                .add("Event", "FullyBooted")
                                .add("Privilege", "system,all")
                                .add("Uptime", uptime)
                                .add("LastReload", reload)
                                .add("Status", "Fully Booted")
                                .render(),
                        false,
                        false));
            }
            authenticated = true;
            server.loggedIn();
            String remote = "IPV4/TCP/127.0.0.1/" + socket.getPort();
            model.publish(new Happening.Security(
                    spec.clock().instant(),
                    "SuccessfulAuth",
                    "AMI",
                    user,
                    String.format("0x7f%010x", sessionNumber * 0x1000L),
                    "IPV4/TCP/127.0.0.1/" + localPort,
                    remote));
        }
    }

    private void events(List<Map.Entry<String, String>> m, String actionId) {
        String em = header(m, "EventMask");
        if (em == null) {
            respond(AmiFrame.response("Error", actionId).add("Message", "Invalid event mask"));
            return;
        }
        mask = parseMask(em);
        respond(AmiFrame.response("Success", actionId).add("Events", mask.isEmpty() ? "Off" : "On"));
    }

    private void userEvent(List<Map.Entry<String, String>> m, String actionId) {
        String name = header(m, "UserEvent");
        if (name == null || name.isEmpty()) {
            respond(AmiFrame.response("Error", actionId).add("Message", "Missing UserEvent"));
            return;
        }
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (Map.Entry<String, String> h : m) {
            if (!h.getKey().equalsIgnoreCase("Action") && !h.getKey().equalsIgnoreCase("UserEvent")) {
                fields.add(h);
            }
        }
        NodeModel model = server.model();
        synchronized (model) {
            respond(AmiFrame.response("Success", actionId).add("Message", "Event Sent"));
            model.userEvent(name, fields, false);
        }
    }

    static Set<String> parseMask(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("on") || v.equals("yes") || v.equals("true") || v.equals("all")) {
            return ALL;
        }
        if (v.equals("off") || v.equals("no") || v.equals("false") || v.isEmpty()) {
            return Set.of();
        }
        Set<String> s = new HashSet<>();
        for (String part : v.split(",")) {
            if (!part.isBlank()) {
                s.add(part.trim());
            }
        }
        return Set.copyOf(s);
    }
}
