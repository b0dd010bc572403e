package io.github.astreg.reliability;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies everything written to {@code System.err} and {@code System.out} into a buffer while it is
 * open. slf4j-simple looks {@code System.err} up on every write, so every logger of every component
 * (and of asterisk-java, netty, Jedis, H2) lands here too.
 */
final class LogCapture implements AutoCloseable {
    private final PrintStream originalErr = System.err;
    private final PrintStream originalOut = System.out;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    private LogCapture() {
        System.setErr(new PrintStream(new Tee(originalErr, buffer), true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new Tee(originalOut, buffer), true, StandardCharsets.UTF_8));
    }

    static LogCapture start() {
        return new LogCapture();
    }

    String text() {
        synchronized (buffer) {
            return buffer.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        System.setErr(originalErr);
        System.setOut(originalOut);
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final ByteArrayOutputStream b;

        Tee(OutputStream a, ByteArrayOutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
        }
    }
}
