package io.github.astreg.testkit.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of one RFC 6455 websocket after the HTTP upgrade: unmasked text frames out (from a
 * writer thread, in queue order), masked frames in (ping answered, close echoed, text ignored).
 */
final class WebSocketSession {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketSession.class);
    private static final int QUEUE_LIMIT = 200_000;
    private static final byte[] CLOSE_MARK = new byte[0];

    private final Socket socket;
    private final String threadPrefix;
    private final Consumer<WebSocketSession> onClose;
    private final BlockingQueue<byte[]> out = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile boolean stalled;

    WebSocketSession(Socket socket, String threadPrefix, Consumer<WebSocketSession> onClose) {
        this.socket = socket;
        this.threadPrefix = threadPrefix;
        this.onClose = onClose;
    }

    /** Starts the writer thread; the calling thread becomes the reader until the socket closes. */
    void run(InputStream in) {
        Threads.start(threadPrefix + "-ws-writer", this::writeLoop);
        readLoop(in);
    }

    boolean isOpen() {
        return !closed;
    }

    void stall() {
        stalled = true;
    }

    void sendText(String text) {
        enqueue(frame(0x1, text.getBytes(StandardCharsets.UTF_8)));
    }

    void sendRaw(byte[] bytes) {
        enqueue(bytes);
    }

    /** Closes the TCP connection once everything queued before has been written. */
    void closeAfterQueued() {
        enqueue(CLOSE_MARK);
    }

    /** Sends a close frame, then closes the TCP connection. */
    void closeGracefully(int code) {
        byte[] payload = new byte[] {(byte) (code >> 8), (byte) code};
        enqueue(frame(0x8, payload));
        enqueue(CLOSE_MARK);
    }

    private void enqueue(byte[] b) {
        if (closed || stalled) {
            return;
        }
        if (out.size() >= QUEUE_LIMIT) {
            LOG.debug("websocket client does not read; frame dropped");
            return;
        }
        out.add(b);
    }

    /** Closes the TCP connection at once, without a close frame. */
    void abort() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing websocket", e);
        }
        out.clear();
        out.add(CLOSE_MARK);
        onClose.accept(this);
    }

    static byte[] frame(int opcode, byte[] payload) {
        int len = payload.length;
        int headerLen = len < 126 ? 2 : (len <= 0xFFFF ? 4 : 10);
        byte[] f = new byte[headerLen + len];
        f[0] = (byte) (0x80 | opcode);
        if (len < 126) {
            f[1] = (byte) len;
        } else if (len <= 0xFFFF) {
            f[1] = 126;
            f[2] = (byte) (len >> 8);
            f[3] = (byte) len;
        } else {
            f[1] = 127;
            long l = len;
            for (int i = 0; i < 8; i++) {
                f[2 + i] = (byte) (l >> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, 0, f, headerLen, len);
        return f;
    }

    private void writeLoop() {
        try {
            OutputStream os = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            while (!closed) {
                byte[] b = out.poll(500, TimeUnit.MILLISECONDS);
                if (b == null) {
                    continue;
                }
                if (stalled) {
                    out.clear();
                    continue;
                }
                if (b == CLOSE_MARK) {
                    os.flush();
                    break;
                }
                os.write(b);
                if (out.isEmpty()) {
                    os.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("websocket write failed", e);
        } finally {
            if (!stalled) {
                abort();
            }
        }
    }

    private void readLoop(InputStream raw) {
        DataInputStream in = new DataInputStream(raw);
        boolean closing = false;
        try {
            while (!closed) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                int opcode = b0 & 0x0F;
                boolean masked = (b1 & 0x80) != 0;
                long len = b1 & 0x7F;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                if (len > 1 << 20) {
                    LOG.debug("websocket frame too large: {}", len);
                    break;
                }
                byte[] mask = new byte[4];
                if (masked) {
                    in.readFully(mask);
                }
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                if (masked) {
                    for (int i = 0; i < payload.length; i++) {
                        payload[i] ^= mask[i & 3];
                    }
                }
                if (stalled) {
                    continue;
                }
                if (opcode == 0x9) {
                    enqueue(frame(0xA, payload));
                } else if (opcode == 0x8) {
                    enqueue(frame(0x8, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]));
                    enqueue(CLOSE_MARK);
                    closing = true;
                    return;
                }
            }
        } catch (EOFException e) {
            LOG.debug("websocket peer closed");
        } catch (IOException e) {
            LOG.debug("websocket read ended", e);
        } finally {
            if (!stalled && !closing) {
                abort();
            }
        }
    }
}
