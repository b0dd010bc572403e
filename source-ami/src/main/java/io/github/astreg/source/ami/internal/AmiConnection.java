package io.github.astreg.source.ami.internal;

import java.io.IOException;
import java.net.InetAddress;
import org.asteriskjava.manager.internal.ManagerConnectionImpl;
import org.asteriskjava.util.SocketConnectionFacade;

/**
 * asterisk-java's connection with a socket that counts the event frames it reads
 * ({@link WireCounter}) and remembers the reader thread, so that {@code close()} can wait for it.
 * One instance per connection attempt; asterisk-java's own reconnect is stopped by logging off.
 */
public final class AmiConnection extends ManagerConnectionImpl {
    private final WireCounter counter;
    private volatile Thread readerThread;

    public AmiConnection(WireCounter counter) {
        this.counter = counter;
    }

    public WireCounter counter() {
        return counter;
    }

    /** The thread that read this connection's socket, once it read a line. */
    public Thread readerThread() {
        return readerThread;
    }

    /**
     * Waits (at most {@code timeoutMillis}) for this connection's reader thread and event pump to end,
     * after the socket was closed. asterisk-java 3.41 stops its pump with a poison item before it sets
     * the stop flag, so a pump that takes the poison first idles for a minute before it notices: it
     * is not a daemon, so it would hold the JVM. Interrupting it once its reader is gone makes it
     * re-check the flag and end (asterisk-java logs the interrupt at ERROR, so this is only done
     * when the source closes; between reconnects an idle pump is harmless and ends within a minute).
     *
     * @param interruptPump whether to interrupt an idle pump
     * @return whether both threads ended
     */
    public boolean awaitThreads(long timeoutMillis, boolean interruptPump) throws InterruptedException {
        Thread reader = readerThread;
        if (reader == null) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        reader.join(Math.max(1, timeoutMillis));
        if (reader.isAlive()) {
            return false;
        }
        String pumpName = reader.getName() + ":AsyncEventPump";
        Thread pump = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(pumpName))
                .findFirst()
                .orElse(null);
        if (pump == null) {
            return true;
        }
        pump.join(50);
        while (interruptPump && pump.isAlive() && System.nanoTime() - deadline < 0) {
            pump.interrupt();
            pump.join(50);
        }
        return !pump.isAlive();
    }

    /** Whether this connection's reader or event pump may still be running. */
    public boolean hasLiveThreads() {
        Thread reader = readerThread;
        if (reader == null) {
            return false;
        }
        if (reader.isAlive()) {
            return true;
        }
        String pumpName = reader.getName() + ":AsyncEventPump";
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(pumpName) && t.isAlive());
    }

    @Override
    protected SocketConnectionFacade createSocket() throws IOException {
        return new CountingSocket(super.createSocket());
    }

    private final class CountingSocket implements SocketConnectionFacade {
        private final SocketConnectionFacade delegate;

        CountingSocket(SocketConnectionFacade delegate) {
            this.delegate = delegate;
        }

        @Override
        public String readLine() throws IOException {
            if (readerThread == null) {
                readerThread = Thread.currentThread();
            }
            String line = delegate.readLine();
            counter.onLine(line);
            return line;
        }

        @Override
        public void write(String s) throws IOException {
            delegate.write(s);
        }

        @Override
        public void flush() throws IOException {
            delegate.flush();
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }

        @Override
        public boolean isConnected() {
            return delegate.isConnected();
        }

        @Override
        public InetAddress getLocalAddress() {
            return delegate.getLocalAddress();
        }

        @Override
        public int getLocalPort() {
            return delegate.getLocalPort();
        }

        @Override
        public InetAddress getRemoteAddress() {
            return delegate.getRemoteAddress();
        }

        @Override
        public int getRemotePort() {
            return delegate.getRemotePort();
        }
    }
}
