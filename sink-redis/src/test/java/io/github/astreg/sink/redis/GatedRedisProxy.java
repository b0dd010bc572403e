package io.github.astreg.sink.redis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy in front of the loopback Redis that can stop a client's commands half way through a
 * pipeline, so that a test decides what another client does between two commands of one batch:
 * {@link #holdAfter} lets the next {@code n} commands of a name through and holds everything after
 * them until {@link #release}. Commands are told apart by reading the RESP arrays clients send;
 * replies pass through untouched.
 *
 * <p>Threads: one acceptor, {@code redis-proxy-accept}, and two per connection, {@code
 * redis-proxy-up-N} and {@code redis-proxy-down-N}, all daemons owned by this proxy and ended by
 * {@link #close}.
 */
final class GatedRedisProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    /** The command name counted down to the hold, upper case; null when not armed. */
    private String holdCommand;

    private int passBeforeHold;
    private boolean holding;
    private CountDownLatch held = new CountDownLatch(1);
    private volatile boolean closed;
    private int connections;

    GatedRedisProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "redis-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /**
     * Lets the next {@code n} commands named {@code command} through (with everything before them),
     * then holds every later command of every connection until {@link #release}.
     */
    void holdAfter(String command, int n) {
        synchronized (lock) {
            holdCommand = command.toUpperCase(Locale.ROOT);
            passBeforeHold = n;
            holding = false;
            held = new CountDownLatch(1);
        }
    }

    /** Waits until the proxy holds commands back; false when it did not within {@code timeout}. */
    boolean awaitHeld(Duration timeout) throws InterruptedException {
        CountDownLatch latch;
        synchronized (lock) {
            latch = held;
        }
        return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets every held command through and disarms the gate. */
    void release() {
        synchronized (lock) {
            holdCommand = null;
            holding = false;
            lock.notifyAll();
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                int n;
                synchronized (lock) {
                    n = ++connections;
                }
                start("redis-proxy-up-" + n, () -> forwardCommands(client, upstream));
                start("redis-proxy-down-" + n, () -> forwardBytes(upstream, client));
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException("proxy accept failed", e);
                }
                return;
            }
        }
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    /** Client to Redis, one whole command at a time, waiting at the gate before each. */
    private void forwardCommands(Socket from, Socket to) {
        try (InputStream in = new BufferedInputStream(from.getInputStream());
                OutputStream out = to.getOutputStream()) {
            while (true) {
                ByteArrayOutputStream command = new ByteArrayOutputStream();
                String header = line(in, command);
                if (header == null) {
                    return;
                }
                if (!header.startsWith("*")) {
                    throw new IOException("not a RESP array: " + header);
                }
                int args = Integer.parseInt(header.substring(1));
                String name = null;
                for (int i = 0; i < args; i++) {
                    String len = line(in, command);
                    if (len == null || !len.startsWith("$")) {
                        throw new IOException("not a RESP bulk string: " + len);
                    }
                    byte[] arg = in.readNBytes(Integer.parseInt(len.substring(1)) + 2);
                    command.write(arg);
                    if (i == 0) {
                        name = new String(arg, 0, arg.length - 2, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
                    }
                }
                gate(name);
                out.write(command.toByteArray());
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the connection or the proxy closed: nothing left to forward
        } finally {
            closeQuietly(to);
        }
    }

    /** Blocks while holding; counts {@code name} down to the hold. */
    private void gate(String name) throws InterruptedException {
        synchronized (lock) {
            while (holding && !closed) {
                lock.wait();
            }
            if (holdCommand != null && holdCommand.equals(name)) {
                if (--passBeforeHold == 0) {
                    // this one passes; whatever comes after it waits
                    holding = true;
                    held.countDown();
                }
            }
        }
    }

    private static String line(InputStream in, ByteArrayOutputStream copy) throws IOException {
        StringBuilder s = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            copy.write(c);
            if (c == '\n') {
                return s.substring(0, s.length() - 1); // without the CR
            }
            s.append((char) c);
        }
        return null;
    }

    private static void forwardBytes(Socket from, Socket to) {
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // closed
        } finally {
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignore) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        release();
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
