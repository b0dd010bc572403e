package io.github.astreg.testkit.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AMI side of a fake node: a TCP listener on 127.0.0.1 and one {@link AmiSession} per client.
 *
 * <p>Threads: {@code astreg-fake-<node>-ami-accept} accepts connections; each session has a reader
 * {@code astreg-fake-<node>-ami-<n>-reader} and a writer {@code astreg-fake-<node>-ami-<n>-writer}.
 * All are daemon threads and end when {@link #stop()} or {@link #close()} runs.
 */
public final class AmiServer implements NodeModel.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AmiServer.class);

    private final NodeModel model;
    private final NodeSpec spec;
    private final FaultState faults;
    private final AmiRenderer renderer;
    private final AmiActions actions;
    private final Set<AmiSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sessionCounter = new AtomicInteger();
    private final AtomicLong badInput = new AtomicLong();
    private final AtomicLong logins = new AtomicLong();
    private volatile ServerSocket server;
    private volatile Thread acceptor;
    private volatile int port;
    private volatile boolean warnedBadInput;

    public AmiServer(NodeModel model, FaultState faults, int fixedPort) {
        this.model = model;
        this.spec = model.spec();
        this.faults = faults;
        this.renderer = new AmiRenderer(spec);
        this.actions = new AmiActions(model);
        this.port = fixedPort;
    }

    /** Binds (the same port again after a restart) and starts accepting. */
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
        acceptor = Threads.start("astreg-fake-" + spec.node() + "-ami-accept", () -> acceptLoop(ss));
    }

    public int port() {
        return port;
    }

    /** Stops listening and drops every connection without a word (a crash). */
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
                LOG.debug("closing AMI listener", e);
            }
        }
        dropConnections();
    }

    @Override
    public void close() {
        stop();
    }

    /** Lets every connection write what is queued (e.g. a Shutdown event), then stops: a clean shutdown. */
    public void drainAndStop(long maxMillis) {
        for (AmiSession s : List.copyOf(sessions)) {
            s.raw("", true);
        }
        long end = System.nanoTime() + maxMillis * 1_000_000L;
        while (!sessions.isEmpty() && System.nanoTime() < end) {
            if (!Threads.sleep(10)) {
                break;
            }
        }
        stop();
    }

    /** Closes every client connection; the listener keeps accepting. */
    public void dropConnections() {
        for (AmiSession s : List.copyOf(sessions)) {
            s.close();
        }
    }

    /** Every open connection goes silent and stays open; new connections behave normally. */
    public void stallConnections() {
        for (AmiSession s : sessions) {
            s.stall();
        }
    }

    /** Writes raw text to every logged-in connection, after what is queued. */
    public void injectRaw(String text, boolean closeAfter) {
        synchronized (model) {
            for (AmiSession s : sessions) {
                if (s.authenticated()) {
                    s.raw(text, closeAfter);
                }
            }
        }
    }

    /**
     * Writes raw text, taken to be events, to every logged-in connection that receives events (not
     * those logged in with {@code Events: off}), after what is queued.
     */
    public void injectRawEvents(String text) {
        synchronized (model) {
            for (AmiSession s : sessions) {
                if (s.authenticated() && s.receivesEvents()) {
                    s.raw(text, false);
                }
            }
        }
    }

    public int sessionCount() {
        return sessions.size();
    }

    public long logins() {
        return logins.get();
    }

    public long badInputCount() {
        return badInput.get();
    }

    @Override
    public void accept(Happening h) {
        if (sessions.isEmpty()) {
            return;
        }
        renderer.render(h).ifPresent(r -> {
            for (AmiSession s : sessions) {
                s.event(r);
            }
        });
    }

    void badInput(String what, String sample) {
        badInput.incrementAndGet();
        String shortened = sample.length() > 80 ? sample.substring(0, 80) + "..." : sample;
        if (!warnedBadInput) {
            warnedBadInput = true;
            LOG.warn("fake {} AMI: {}: {}", spec.node(), what, shortened);
        } else {
            LOG.debug("fake {} AMI: {}: {}", spec.node(), what, shortened);
        }
    }

    void loggedIn() {
        logins.incrementAndGet();
    }

    void removed(AmiSession s) {
        sessions.remove(s);
    }

    NodeModel model() {
        return model;
    }

    FaultState faults() {
        return faults;
    }

    AmiActions actions() {
        return actions;
    }

    private void acceptLoop(ServerSocket ss) {
        while (!ss.isClosed()) {
            try {
                Socket socket = ss.accept();
                socket.setTcpNoDelay(true);
                int n = sessionCounter.incrementAndGet();
                AmiSession s = new AmiSession(this, socket, "astreg-fake-" + spec.node() + "-ami-" + n, port, n);
                sessions.add(s);
                s.start();
            } catch (SocketException e) {
                if (!ss.isClosed()) {
                    LOG.debug("AMI accept failed", e);
                }
            } catch (IOException e) {
                LOG.debug("AMI accept failed", e);
            }
        }
    }
}
