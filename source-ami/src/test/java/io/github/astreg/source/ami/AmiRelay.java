package io.github.astreg.source.ami;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A TCP relay on 127.0.0.1 in front of an AMI port that records, per connection, what the client
 * sent and what it received, so that a test can tell the source's event session from its list
 * session, read what each carried, and cut one of them. Threads {@code ami-relay-*} (daemon) are
 * owned by it and end on {@link #close()}.
 */
final class AmiRelay implements AutoCloseable {
    private final int upstreamPort;
    private final ServerSocket server;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    /** Applied to each chunk the client sends before it is forwarded (tests that tamper with it); or null. */
    private final UnaryOperator<String> fromClientFilter;

    AmiRelay(int upstreamPort) throws IOException {
        this(upstreamPort, null);
    }

    AmiRelay(int upstreamPort, UnaryOperator<String> fromClientFilter) throws IOException {
        this.upstreamPort = upstreamPort;
        this.fromClientFilter = fromClientFilter;
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        start("ami-relay-accept", this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every connection accepted so far, oldest first. */
    List<Link> links() {
        return List.copyOf(links);
    }

    /** The connections still open. */
    List<Link> open() {
        return links.stream().filter(l -> !l.isClosed()).toList();
    }

    /** The open connection whose client logged in with {@code Events: off}, if exactly one did. */
    Link openListSession() {
        List<Link> off = open().stream().filter(Link::eventsOff).toList();
        if (off.size() != 1) {
            throw new AssertionError("expected one open session with events off, found " + off.size());
        }
        return off.get(0);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getByName("127.0.0.1"), upstreamPort);
                Link link = new Link(client, upstream);
                links.add(link);
                start("ami-relay-up", () -> link.pump(client, upstream, link.fromClient, fromClientFilter));
                start("ami-relay-down", () -> link.pump(upstream, client, link.fromServer, null));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Link l : links) {
            l.cut();
        }
    }

    /** One client connection and its upstream twin. */
    static final class Link {
        private final Socket client;
        private final Socket upstream;
        private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
        private final ByteArrayOutputStream fromServer = new ByteArrayOutputStream();
        private volatile boolean closed;
        private volatile boolean muted;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        /** Whether either side closed the connection (or the relay cut it). */
        boolean isClosed() {
            return closed;
        }

        /** What the client sent. */
        String sent() {
            synchronized (fromClient) {
                return fromClient.toString(StandardCharsets.UTF_8);
            }
        }

        /** Whether the client's Login asked for no events. */
        boolean eventsOff() {
            for (Map<String, String> f : frames(sent())) {
                if ("login".equalsIgnoreCase(f.get("action"))) {
                    return "off".equalsIgnoreCase(f.get("events"));
                }
            }
            return false;
        }

        /** The actions the client sent, in order, lower case. */
        List<String> actions() {
            return frames(sent()).stream()
                    .filter(f -> f.containsKey("action"))
                    .map(f -> f.get("action").toLowerCase(Locale.ROOT))
                    .toList();
        }

        /** The frames the client received (the banner line excluded), headers keyed in lower case. */
        List<Map<String, String>> received() {
            String text;
            synchronized (fromServer) {
                text = fromServer.toString(StandardCharsets.UTF_8);
            }
            int banner = text.indexOf("\r\n");
            return frames(banner < 0 ? "" : text.substring(banner + 2));
        }

        /** Received frames that are live events: an {@code Event} that answers no action of the client. */
        List<Map<String, String>> liveEvents() {
            return received().stream()
                    .filter(f -> f.containsKey("event") && !f.containsKey("actionid"))
                    .toList();
        }

        /** From now on, drops what the server sends and keeps the connection open: a half-open link. */
        void mute() {
            muted = true;
        }

        /** Closes both sides, as a network failure would. */
        void cut() {
            closed = true;
            closeQuietly(client);
            closeQuietly(upstream);
        }

        private void pump(Socket from, Socket to, ByteArrayOutputStream record, UnaryOperator<String> filter) {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    byte[] chunk = filter == null
                            ? java.util.Arrays.copyOf(buf, n)
                            : filter.apply(new String(buf, 0, n, StandardCharsets.UTF_8))
                                    .getBytes(StandardCharsets.UTF_8);
                    if (record == fromServer && muted) {
                        continue;
                    }
                    synchronized (record) {
                        record.write(chunk, 0, chunk.length);
                    }
                    out.write(chunk);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                cut();
            }
        }

        private static List<Map<String, String>> frames(String text) {
            List<Map<String, String>> out = new ArrayList<>();
            for (String block : text.split("\r\n\r\n")) {
                Map<String, String> f = new LinkedHashMap<>();
                for (String line : block.split("\r\n")) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        f.putIfAbsent(
                                line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                line.substring(colon + 1).trim());
                    }
                }
                if (!f.isEmpty()) {
                    out.add(f);
                }
            }
            return out;
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
