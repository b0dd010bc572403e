package io.github.astreg.source.ami.internal;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.InetAddress;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;
import org.asteriskjava.manager.event.DisconnectEvent;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.internal.ManagerConnectionImpl;
import org.asteriskjava.util.SocketConnectionFacade;
import org.asteriskjava.util.internal.SocketConnectionFacadeImpl;
import org.asteriskjava.util.internal.streamreader.FastScanner;
import org.asteriskjava.util.internal.streamreader.FastScannerFactory;

/**
 * asterisk-java's connection with a socket that counts the event frames it reads
 * ({@link WireCounter}) and remembers the reader thread, so that {@code close()} can wait for it.
 * One instance per connection attempt; asterisk-java's own reconnect is stopped by logging off.
 *
 * <p>With TLS the socket is opened by {@link AmiTls} (host name verified, handshake done) instead of
 * asterisk-java's {@code SocketConnectionFacadeImpl}, which uses the JVM's default factory without host
 * name verification and whose constructors taking a socket are package-private. Lines are then read with
 * asterisk-java's own scanner and {@code \r\n} delimiter, so framing is the same as without TLS.
 *
 * <p><b>Ending the event pump.</b> When its socket ends, asterisk-java 3.41's reader thread queues a
 * {@code DisconnectEvent} for its {@code AsyncEventPump}, then stops the pump: it queues a poison item
 * and only then sets the pump's stop flag ({@code AsyncEventPump.stop()}). A pump that takes the poison
 * before the flag is set goes back to {@code queue.poll(1, MINUTES)} with nothing left to wake it and
 * lingers for a minute; interrupting it makes asterisk-java log {@code ERROR ... AsyncEventPump -
 * java.lang.InterruptedException}. So {@link #dispatchEvent} holds the pump on that last
 * {@code DisconnectEvent} until the reader waits for the poison to be taken, which it does only after
 * setting the flag: the pump then takes the poison, sees the flag and ends by itself.
 */
public final class AmiConnection extends ManagerConnectionImpl {
    private static final String PUMP_SUFFIX = ":AsyncEventPump";
    /** Longest hold of the pump; the reader needs microseconds from the DisconnectEvent to the flag. */
    private static final long PUMP_HOLD_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final WireCounter counter;
    private final Optional<AmiTls> tls;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private volatile Thread readerThread;

    /**
     * @param tls when present, sockets are opened by it (asterisk-java's {@code ssl} flag is then not
     *     used)
     */
    public AmiConnection(WireCounter counter, Optional<AmiTls> tls, int connectTimeoutMillis, int readTimeoutMillis) {
        this.counter = counter;
        this.tls = tls;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.readTimeoutMillis = readTimeoutMillis;
        setSocketTimeout(connectTimeoutMillis);
        setSocketReadTimeout(readTimeoutMillis);
    }

    public WireCounter counter() {
        return counter;
    }

    /** The thread that read this connection's socket, once it read a line. */
    public Thread readerThread() {
        return readerThread;
    }

    /**
     * Passes the event on to asterisk-java; on the event pump's last item, the {@code DisconnectEvent}
     * its reader queues when the socket ended, then holds the pump until the reader has set the pump's
     * stop flag (see the class comment), at most a second.
     */
    @Override
    public void dispatchEvent(ManagerEvent event, Integer requiredHandlingTime) {
        super.dispatchEvent(event, requiredHandlingTime);
        if (event instanceof DisconnectEvent) {
            holdPumpUntilItsStopFlagIsSet();
        }
    }

    private void holdPumpUntilItsStopFlagIsSet() {
        Thread reader = readerThread;
        if (reader == null || !Thread.currentThread().getName().equals(reader.getName() + PUMP_SUFFIX)) {
            return; // not this connection's pump (asterisk-java dispatches nothing else, but be sure)
        }
        long deadline = System.nanoTime() + PUMP_HOLD_MAX_NANOS;
        // AsyncEventPump.stop(): queue.add(poison); stop = true; poison.await(5, SECONDS). A reader parked
        // on a CountDownLatch is in that await, so the flag is set.
        while (reader.isAlive() && !waitsOnLatch(reader) && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(50_000);
        }
    }

    private static boolean waitsOnLatch(Thread t) {
        Object blocker = LockSupport.getBlocker(t);
        return blocker != null && blocker.getClass().getEnclosingClass() == CountDownLatch.class;
    }

    /**
     * Waits (at most {@code timeoutMillis}) for this connection's reader thread and event pump to end,
     * after the socket was closed. The pump ends by itself right after its reader ({@link
     * #dispatchEvent}); should it still be idle in its one-minute poll after 50 ms (its reader did not
     * reach the stop flag within the hold), {@code interruptPump} ends it, at the price of an ERROR line
     * from asterisk-java. Only {@code close()} asks for that; between reconnects such a pump is a
     * daemon that ends within a minute.
     *
     * @param interruptPump whether to interrupt a pump that is still idle
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
        String pumpName = reader.getName() + PUMP_SUFFIX;
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
        String pumpName = reader.getName() + PUMP_SUFFIX;
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(pumpName) && t.isAlive());
    }

    /**
     * Called by asterisk-java's {@code connect()} before its reader thread starts and before any
     * action is written: a TLS failure thrown here ends {@code login()} with nothing sent.
     */
    @Override
    protected SocketConnectionFacade createSocket() throws IOException {
        if (tls.isPresent()) {
            SSLSocket socket = tls.get().open(getHostname(), getPort(), connectTimeoutMillis, readTimeoutMillis);
            return new CountingSocket(new TlsLines(socket));
        }
        return new CountingSocket(super.createSocket());
    }

    /** AMI lines over an already verified TLS socket, read as asterisk-java reads them. */
    private final class TlsLines implements SocketConnectionFacade {
        private final SSLSocket socket;
        private final FastScanner scanner;
        private final BufferedWriter writer;

        TlsLines(SSLSocket socket) throws IOException {
            this.socket = socket;
            try {
                this.scanner = FastScannerFactory.getReader(
                        new InputStreamReader(socket.getInputStream(), getEncoding()),
                        SocketConnectionFacadeImpl.CRNL_PATTERN);
                this.writer = new BufferedWriter(new OutputStreamWriter(socket.getOutputStream(), getEncoding()));
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        @Override
        public String readLine() throws IOException {
            try {
                return scanner.next();
            } catch (IllegalStateException | NoSuchElementException e) {
                // asterisk-java's reader expects an IOException at the end of the stream
                throw new IOException("No more lines available: " + e.getMessage(), e);
            }
        }

        @Override
        public void write(String s) throws IOException {
            writer.write(s);
        }

        @Override
        public void flush() throws IOException {
            writer.flush();
        }

        @Override
        public void close() throws IOException {
            try {
                socket.close();
            } finally {
                scanner.close();
            }
        }

        @Override
        public boolean isConnected() {
            return socket.isConnected();
        }

        @Override
        public InetAddress getLocalAddress() {
            return socket.getLocalAddress();
        }

        @Override
        public int getLocalPort() {
            return socket.getLocalPort();
        }

        @Override
        public InetAddress getRemoteAddress() {
            return socket.getInetAddress();
        }

        @Override
        public int getRemotePort() {
            return socket.getPort();
        }
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
