package io.github.astreg.sink.redis.internal;

import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.json.EventJsonException;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.sink.redis.RedisSinkConfig;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * Follows the {@code <prefix>events} channel and hands decoded changes to a consumer.
 *
 * <p>Threads (daemons, stopped by {@link #close()}, also when a listener calls it): {@code astreg-redis-subscriber-<channel>} reads
 * the subscription on its own connection and only queues raw messages (bounded, 10 000; when full,
 * messages are dropped and counted); {@code astreg-redis-listeners-<channel>} decodes them, runs the
 * consumer, and every {@link #PING_EVERY} pings the subscription: a link that stays silent for three
 * pings is closed, which makes the reader reconnect (half-open TCP links are noticed this way).
 * The ping is written on the {@link SubscriberConnection} (RESP2), never through {@code
 * JedisPubSub.ping()}, which races its own answer in RESP3 (see there). After any error the reader
 * logs one WARN, reconnects with backoff (100 ms doubling to 5 s) for ever. Messages published while
 * the link was down are not replayed (at-most-once).
 */
public final class EventSubscriber implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventSubscriber.class);
    /** Interval of the subscription keepalive ping. */
    public static final Duration PING_EVERY = Duration.ofSeconds(5);

    private static final int CAPACITY = 10_000;
    private static final int SHOWN = 120;

    private final RedisSinkConfig config;
    private final UnifiedJedis client;
    private final String channel;
    private final Consumer<EndpointStateEvent> consumer;
    private final Duration pingEvery;
    private final Duration silentAfter;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Thread reader;
    private final Thread dispatcher;
    private final CountDownLatch firstSubscribe = new CountDownLatch(1);
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong pongs = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean subscribed;
    private volatile SubscriberConnection current;
    private volatile long lastPongNanos;

    public EventSubscriber(
            RedisSinkConfig config, UnifiedJedis client, String channel, Consumer<EndpointStateEvent> consumer) {
        this(config, client, channel, consumer, PING_EVERY, PING_EVERY.multipliedBy(3));
    }

    /**
     * With another keepalive: a ping every {@code pingEvery} once subscribed, and the link closed
     * (so reopened) when no pong came for {@code silentAfter}. Tests ping far more often than
     * {@link #PING_EVERY} to exercise pings interleaved with messages.
     */
    public EventSubscriber(
            RedisSinkConfig config,
            UnifiedJedis client,
            String channel,
            Consumer<EndpointStateEvent> consumer,
            Duration pingEvery,
            Duration silentAfter) {
        if (pingEvery.isNegative() || pingEvery.isZero() || silentAfter.compareTo(pingEvery) <= 0) {
            throw new IllegalArgumentException(
                    "need 0 < pingEvery < silentAfter, got " + pingEvery + ", " + silentAfter);
        }
        this.pingEvery = pingEvery;
        this.silentAfter = silentAfter;
        this.config = config;
        this.client = client;
        this.channel = channel;
        this.consumer = consumer;
        this.reader = new Thread(this::readLoop, "astreg-redis-subscriber-" + channel);
        this.reader.setDaemon(true);
        this.dispatcher = new Thread(this::dispatchLoop, "astreg-redis-listeners-" + channel);
        this.dispatcher.setDaemon(true);
    }

    public void start() {
        reader.start();
        dispatcher.start();
    }

    /** Waits until the subscription is active (it may drop again later); false on timeout. */
    public boolean awaitSubscribed(Duration timeout) throws InterruptedException {
        if (!firstSubscribe.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!subscribed && System.nanoTime() < deadline && !closed) {
            Thread.sleep(10);
        }
        return subscribed;
    }

    public boolean isSubscribed() {
        return subscribed;
    }

    /**
     * {@code received}, {@code dropped} (queue full), {@code malformed}, {@code reconnects}, {@code
     * pongs} (keepalive answers).
     */
    public java.util.Map<String, Long> counters() {
        return java.util.Map.of(
                "received", received.get(),
                "dropped", dropped.get(),
                "malformed", malformed.get(),
                "reconnects", reconnects.get(),
                "pongs", pongs.get());
    }

    private void readLoop() {
        long backoffMs = 100;
        int attempt = 0;
        boolean warned = false;
        while (!closed) {
            SubscriberConnection conn = null;
            try {
                conn = RedisClients.subscriberConnection(config, client, attempt);
                current = conn;
                if (closed) {
                    break;
                }
                Handler h = new Handler();
                lastPongNanos = System.nanoTime();
                h.proceed(conn, channel);
                if (!closed) {
                    // proceed only returns once nothing is subscribed any more
                    throw new IllegalStateException("the subscription ended without an error");
                }
            } catch (RuntimeException e) {
                if (closed) {
                    break;
                }
                if (subscribedSinceLastFailure) {
                    // this link had worked: a new outage, so retry fast and warn once for it (the
                    // failed attempts of one outage only log at DEBUG)
                    subscribedSinceLastFailure = false;
                    backoffMs = 100;
                    warned = false;
                }
                if (!warned) {
                    log.warn(
                            "subscription to {} lost or not possible ({}); reconnecting with backoff,"
                                    + " changes published until it is back are not delivered",
                            channel,
                            e.toString());
                    warned = true;
                } else {
                    log.debug("subscription to {} failed again: {}", channel, e.toString());
                }
            } finally {
                subscribed = false;
                current = null;
                if (conn != null) {
                    try {
                        conn.close();
                    } catch (RuntimeException ignore) {
                        // already broken
                    }
                }
            }
            if (closed) {
                break;
            }
            attempt++;
            reconnects.incrementAndGet();
            try {
                Thread.sleep(backoffMs);
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            }
            backoffMs = Math.min(backoffMs * 2, 5000);
        }
    }

    private volatile boolean subscribedSinceLastFailure;

    private void dispatchLoop() {
        long lastPing = System.nanoTime();
        boolean warnedMalformed = false;
        while (!closed) {
            String msg;
            try {
                msg = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (msg != null) {
                EndpointStateEvent event = null;
                try {
                    event = EventJson.readEvent(msg);
                } catch (EventJsonException | IllegalArgumentException e) {
                    malformed.incrementAndGet();
                    if (!warnedMalformed) {
                        log.warn("ignoring malformed message on {} ({}): {}", channel, e.getMessage(), shorten(msg));
                        warnedMalformed = true;
                    } else {
                        log.debug("ignoring malformed message on {}: {}", channel, shorten(msg));
                    }
                }
                if (event != null) {
                    try {
                        consumer.accept(event);
                    } catch (RuntimeException e) {
                        log.warn("listener of {} failed; change skipped for it", channel, e);
                    }
                }
            }
            long now = System.nanoTime();
            if (now - lastPing >= pingEvery.toNanos()) {
                lastPing = now;
                keepalive(now);
            }
        }
    }

    private void keepalive(long now) {
        // current before subscribed: subscribed is reset before current changes, so a true
        // subscribed read afterwards means c is the confirmed subscription (or a closed one, whose
        // ping fails harmlessly); never a connection whose SUBSCRIBE is still on its way
        SubscriberConnection c = current;
        if (c == null || !subscribed) {
            return;
        }
        if (now - lastPongNanos > silentAfter.toNanos()) {
            // INFO: the reader's WARN for this outage follows, with the closed link as its cause
            log.info("subscription to {} silent for {}: closing it", channel, silentAfter);
            try {
                c.disconnect();
            } catch (RuntimeException ignore) {
                // the reader notices
            }
            return;
        }
        try {
            c.sendPing();
        } catch (RuntimeException e) {
            log.debug("ping on {} failed: {}", channel, e.toString());
        }
    }

    private static String shorten(String s) {
        String t = s.length() > SHOWN ? s.substring(0, SHOWN) + "...(" + s.length() + " chars)" : s;
        StringBuilder out = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return out.toString();
    }

    /**
     * Stops both threads and closes the connection; idempotent. Waits for the reader (so the
     * subscription's connection is closed when this returns) and for the listeners thread, except when
     * called on the listeners thread itself (a listener closing the registry): that thread cannot wait
     * for itself, is not interrupted (the caller's code goes on after close()), and ends as soon as the
     * listener returns, since {@code closed} is set.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        SubscriberConnection c = current;
        if (c != null) {
            try {
                c.disconnect();
            } catch (RuntimeException ignore) {
                // closing anyway
            }
        }
        boolean onListenersThread = Thread.currentThread() == dispatcher;
        reader.interrupt();
        if (!onListenersThread) {
            dispatcher.interrupt();
        }
        join(reader);
        if (!onListenersThread) {
            join(dispatcher);
        }
    }

    private static void join(Thread t) {
        if (t.getState() == Thread.State.NEW) {
            return;
        }
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("thread {} did not stop within 5 s", t.getName());
        }
    }

    private final class Handler extends JedisPubSub {
        @Override
        public void onSubscribe(String ch, int count) {
            subscribed = true;
            subscribedSinceLastFailure = true;
            lastPongNanos = System.nanoTime();
            if (reconnects.get() > 0) {
                log.info("subscription to {} is back", ch);
            }
            firstSubscribe.countDown();
        }

        @Override
        public void onMessage(String ch, String message) {
            received.incrementAndGet();
            if (!queue.offer(message)) {
                if (dropped.incrementAndGet() == 1) {
                    log.warn("listeners of {} too slow: queue of {} full, dropping changes", ch, CAPACITY);
                }
            }
        }

        @Override
        public void onPong(String pattern) {
            pongs.incrementAndGet();
            lastPongNanos = System.nanoTime();
        }
    }
}
