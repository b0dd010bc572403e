package io.github.astreg.sink.redis.internal;

import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The pub/sub subscriber's connection: RESP2, with a keepalive {@link #sendPing()} that only writes.
 *
 * <p>Why not {@code JedisPubSub.ping()}: Jedis 8.0.2 flushes the PING and only then queues the
 * handler that is to pair it with its reply, on the caller's thread, while the reader thread reads
 * the reply. In RESP3 (what Jedis 8 negotiates by default; CLIENT LIST showed resp=3) Redis answers a PING in subscribed mode with a plain
 * {@code +PONG}, which the reader can only accept through that queue; when the reply wins the race
 * (a loaded machine, the pinging thread descheduled between the two steps), the reader finds the
 * queue empty and throws {@code JedisException: Unexpected message : PONG}, ending the
 * subscription. In RESP2 Redis answers a PING in subscribed mode with the pub/sub array {@code
 * ["pong", ""]}, which {@code JedisPubSub} hands to {@code onPong} by itself, with no pairing: so
 * this connection speaks RESP2 and pings without queueing anything (with RESP2, {@code
 * JedisPubSub.ping()} would queue a handler that no reply ever takes, for ever).
 *
 * <p>Not {@link Connection#ping()}, which waits for the answer: here only the reader thread reads.
 *
 * <p>Threads: the subscriber's reader thread sends SUBSCRIBE and then only reads; {@link #sendPing()}
 * is called by the listeners thread, only after the subscription was confirmed, so the two never
 * write at the same time. {@link #disconnect()} may be called from any thread.
 */
public final class SubscriberConnection extends Connection {
    SubscriberConnection(HostAndPort target, JedisClientConfig config) {
        super(target, config);
    }

    /** Set by {@link #disconnect()}: from then on nothing connects this connection again. */
    private volatile boolean ended;

    /**
     * Sends a PING and returns at once; the answer reaches the subscription's {@code onPong}.
     *
     * @throws JedisConnectionException when the connection was closed or broke
     */
    public synchronized void sendPing() {
        if (!isConnected() || isBroken()) {
            throw new JedisConnectionException("subscriber connection closed");
        }
        sendCommand(Protocol.Command.PING);
        flush();
    }

    /**
     * Jedis' {@code sendCommand} connects a disconnected connection again: a ping racing {@link
     * #disconnect()} would open a new socket (not authenticated, never subscribed, never read) that
     * nothing closes. Once disconnected, this refuses; a socket opened while {@link #disconnect()}
     * ran is closed again. Not locked, so that {@link #disconnect()} never waits for a ping.
     */
    @Override
    public void connect() {
        if (ended) {
            throw new JedisConnectionException("subscriber connection closed");
        }
        super.connect();
        if (ended) {
            super.disconnect();
            throw new JedisConnectionException("subscriber connection closed");
        }
    }

    @Override
    public void disconnect() {
        ended = true;
        super.disconnect();
    }
}
