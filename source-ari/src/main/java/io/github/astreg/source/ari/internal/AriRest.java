package io.github.astreg.source.ari.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.source.ari.AriSourceConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Blocking ARI REST calls (version probe, identity, subscriptions, snapshot) on the source's netty event
 * loop: the caller (the source's own thread, never the event loop) waits for each answer at most the
 * configured request timeout, and the wait ends at once when the source closes (the event loop shuts
 * down and fails the call) or the caller is interrupted. One keep-alive connection is reused for
 * sequential calls. No thread of its own, none of the JDK's.
 *
 * <p>{@link #getEach} runs many GETs with a bounded number in flight (the snapshot's device states):
 * each request in flight has a keep-alive connection of its own, opened for that call and closed at its
 * end, and the event loop writes the next request of a connection as soon as its answer has arrived
 * (it never waits); the answers are handed to the caller on the caller's thread.
 *
 * <p>The credentials travel in an {@code Authorization} header built once; they never appear in URLs,
 * logs or exception messages. Not for concurrent use: one caller at a time.
 */
public final class AriRest {
    private static final int MAX_BODY = 16 * 1024 * 1024;

    private final URI base;
    private final String host;
    private final int port;
    private final String authorization;
    private final long connectTimeoutMs;
    private final long requestTimeoutMs;
    private final Optional<SslContext> ssl;
    private final EventLoopGroup group;
    private final ObjectMapper mapper = new ObjectMapper();
    private volatile Channel channel;
    private volatile Batch batch;
    private volatile boolean aborted;

    public AriRest(AriSourceConfig config, Optional<AriTls> tls, EventLoopGroup group) {
        this.base = config.baseUrl().resolve("ari/");
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : (config.isTls() ? 443 : 80);
        this.authorization = "Basic "
                + Base64.getEncoder()
                        .encodeToString((config.username() + ":" + config.password()).getBytes(StandardCharsets.UTF_8));
        this.connectTimeoutMs = config.connectTimeout().toMillis();
        this.requestTimeoutMs = config.requestTimeout().toMillis();
        this.ssl = tls.map(AriTls::netty);
        this.group = group;
    }

    /** The {@code Authorization} header value (for the websocket handshake). */
    public String authorization() {
        return authorization;
    }

    /** Escapes one path segment, {@code /} included ({@code PJSIP/1001} → {@code PJSIP%2F1001}). */
    public static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Reverses {@link #segment}. */
    public static String unsegment(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** GETs {@code path} (relative to {@code /ari/}) and parses the JSON answer. */
    public JsonNode get(String path) throws IOException {
        byte[] body = call(HttpMethod.GET, path);
        return body.length == 0 ? mapper.nullNode() : mapper.readTree(body);
    }

    /** POSTs to {@code path} (relative to {@code /ari/}, query included) without a body. */
    public void post(String path) throws IOException {
        call(HttpMethod.POST, path);
    }

    /** One answer of {@link #getEach}: the path asked (relative to {@code /ari/}), the status and the body. */
    public static final class Reply {
        private final String path;
        private final int status;
        private final byte[] body;

        Reply(String path, int status, byte[] body) {
            this.path = path;
            this.status = status;
            this.body = body;
        }

        public String path() {
            return path;
        }

        public int status() {
            return status;
        }

        /** Whether the status is 2xx. */
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The body as JSON (a JSON null for an empty body). */
        public JsonNode json(ObjectMapper mapper) throws IOException {
            return body.length == 0 ? mapper.nullNode() : mapper.readTree(body);
        }

        /** The body as text, for messages. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** This answer as the exception {@link #get} would have thrown for it. */
        public AriHttpException failure() {
            return new AriHttpException("GET", "/ari/" + path, status, text());
        }
    }

    /** Receives the answers of {@link #getEach}, on the thread that called it. */
    @FunctionalInterface
    public interface ReplyHandler {
        void reply(Reply reply) throws IOException;
    }

    /**
     * GETs every path (relative to {@code /ari/}) with at most {@code concurrency} requests in flight,
     * each on a keep-alive connection of its own (opened for this call, closed at its end), and hands
     * every answer, whatever its status, to {@code handler} on the calling thread in the order the
     * answers arrive. Each request has the request timeout. A connection Asterisk closes after an answer
     * is replaced. A transport failure or timeout, or an exception of the handler, ends the call: the
     * connections are closed and the exception is thrown. The event loop only writes requests and
     * copies answers; it never waits.
     *
     * @param concurrency at least 1
     */
    public void getEach(List<String> paths, int concurrency, ReplyHandler handler) throws IOException {
        getEach(paths, concurrency, () -> false, handler);
    }

    /**
     * {@link #getEach(List, int, ReplyHandler)} that gives up when {@code cancelled} holds: it is read
     * once the batch is visible to {@link #cancelBatch}, so a cancellation that races with the start of
     * the call is never lost (the canceller sets its flag, then calls {@link #cancelBatch}).
     */
    public void getEach(List<String> paths, int concurrency, BooleanSupplier cancelled, ReplyHandler handler)
            throws IOException {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
        }
        if (paths.isEmpty()) {
            return;
        }
        if (aborted) {
            throw new IOException("closed");
        }
        Batch b = new Batch(List.copyOf(paths));
        batch = b;
        try {
            if (aborted) { // abort() may have run before this batch was visible to it
                throw new IOException("closed");
            }
            if (cancelled.getAsBoolean()) { // cancelBatch() may have run before this batch was visible to it
                throw new IOException("cancelled");
            }
            int lanes = Math.min(concurrency, paths.size());
            for (int i = 0; i < lanes; i++) {
                b.openLane();
            }
            // every request in flight is bounded on the event loop; this only guards against a lost wake-up
            long guardMs = requestTimeoutMs + connectTimeoutMs + 1000;
            for (int received = 0; received < paths.size(); received++) {
                Object o = b.results.poll(guardMs, TimeUnit.MILLISECONDS);
                if (o == null) {
                    throw new IOException("GET batch: no answer within " + guardMs + " ms");
                }
                if (o instanceof Throwable) {
                    Throwable t = (Throwable) o;
                    throw t instanceof IOException ? (IOException) t : new IOException(t.getMessage(), t);
                }
                handler.reply((Reply) o);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } finally {
            batch = null;
            b.close();
        }
    }

    /**
     * Ends a {@link #getEach} call in flight at once, whatever its answers still outstanding: the caller
     * gets {@code why} as an {@link IOException} and the batch's connections are closed. Later calls
     * are not affected. Any thread; never blocks.
     */
    public void cancelBatch(String why) {
        Batch b = batch;
        if (b != null) {
            b.results.add(new IOException(why));
            b.close();
        }
    }

    /** Closes the connections, failing a call in flight, and refuses further calls; any thread. */
    public void abort() {
        aborted = true;
        Channel c = channel;
        if (c != null) {
            c.close();
        }
        Batch b = batch;
        if (b != null) {
            b.close();
        }
    }

    private byte[] call(HttpMethod method, String path) throws IOException {
        if (aborted) {
            throw new IOException("closed");
        }
        Channel c = channel;
        if (c == null || !c.isActive()) {
            c = connect();
        }
        Handler handler = c.pipeline().get(Handler.class);
        Promise<Answer> answer = c.eventLoop().newPromise();
        handler.expect(answer);
        c.writeAndFlush(request(method, path));
        Answer a = await(answer, requestTimeoutMs, c, method + " /ari/" + path);
        if (!a.keepAlive) {
            c.close();
        }
        if (a.status >= 200 && a.status < 300) {
            return a.body;
        }
        throw new AriHttpException(method.name(), "/ari/" + path, a.status, new String(a.body, StandardCharsets.UTF_8));
    }

    private FullHttpRequest request(HttpMethod method, String path) {
        URI uri = base.resolve(path);
        String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target, Unpooled.EMPTY_BUFFER);
        req.headers()
                .set(HttpHeaderNames.HOST, host + ":" + port)
                .set(HttpHeaderNames.AUTHORIZATION, authorization)
                .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return req;
    }

    private Bootstrap bootstrap(Supplier<ChannelHandler> last) {
        return new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        ssl.ifPresent(s -> p.addLast("tls", s.newHandler(ch.alloc(), host, port)));
                        p.addLast("http", new HttpClientCodec());
                        p.addLast("aggregator", new HttpObjectAggregator(MAX_BODY));
                        p.addLast("rest", last.get());
                    }
                });
    }

    private Channel connect() throws IOException {
        Bootstrap b = bootstrap(Handler::new);
        ChannelFuture f;
        try {
            f = b.connect(host, port);
        } catch (RuntimeException e) {
            throw new IOException("cannot connect: " + e.getMessage(), e);
        }
        Channel c = f.channel();
        channel = c;
        if (aborted) {
            c.close();
            throw new IOException("closed");
        }
        try {
            if (!f.await(connectTimeoutMs + 1000, TimeUnit.MILLISECONDS)) {
                c.close();
                throw new IOException("connect to " + host + ":" + port + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new InterruptedIOException("interrupted");
        }
        if (!f.isSuccess()) {
            Throwable t = f.cause();
            throw new IOException(
                    t == null ? "connect failed" : t.getClass().getSimpleName() + ": " + t.getMessage(), t);
        }
        return c;
    }

    private static Answer await(Promise<Answer> p, long timeoutMs, Channel c, String what) throws IOException {
        try {
            if (!p.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                c.close();
                throw new IOException(what + ": no answer within " + timeoutMs + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new InterruptedIOException("interrupted");
        }
        if (!p.isSuccess()) {
            Throwable t = p.cause();
            throw new IOException(what + ": " + (t == null ? "failed" : t.getMessage()), t);
        }
        return p.getNow();
    }

    /**
     * One {@link #getEach} call: the paths, the index of the next one to ask, the answers for the
     * caller, and the connections ("lanes"). Lanes run on the event loop; the caller only reads
     * {@link #results}.
     */
    private final class Batch {
        final List<String> paths;
        final AtomicInteger next = new AtomicInteger();
        /** {@link Reply} or the {@link Throwable} that ends the batch. */
        final LinkedBlockingQueue<Object> results = new LinkedBlockingQueue<>();

        final Set<Channel> channels = ConcurrentHashMap.newKeySet();
        volatile boolean finished;

        Batch(List<String> paths) {
            this.paths = paths;
        }

        /** Starts a connection that asks for paths until none is left; never waits. */
        void openLane() {
            if (finished || group.isShuttingDown()) {
                results.add(new IOException("closed"));
                return;
            }
            ChannelFuture f;
            try {
                f = bootstrap(() -> new Lane(this)).connect(host, port);
            } catch (RuntimeException e) {
                results.add(new IOException("cannot connect: " + e.getMessage(), e));
                return;
            }
            channels.add(f.channel());
            if (finished) {
                f.channel().close();
            }
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    Throwable t = done.cause();
                    results.add(new IOException(
                            "connect to " + host + ":" + port + " failed: "
                                    + (t == null ? "?" : t.getClass().getSimpleName() + ": " + t.getMessage()),
                            t));
                }
            });
        }

        void close() {
            finished = true;
            for (Channel c : channels) {
                c.close();
            }
        }
    }

    /** One connection of a {@link Batch}: one request in flight at a time; event loop only. */
    private final class Lane extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final Batch batch;
        private String pending;
        private ScheduledFuture<?> timeout;

        Lane(Batch batch) {
            this.batch = batch;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            super.channelActive(ctx);
            sendNext(ctx);
        }

        private void sendNext(ChannelHandlerContext ctx) {
            int i = batch.finished ? batch.paths.size() : batch.next.getAndIncrement();
            if (i >= batch.paths.size()) {
                ctx.close();
                return;
            }
            String path = batch.paths.get(i);
            pending = path;
            timeout = ctx.executor()
                    .schedule(
                            () -> {
                                if (path.equals(pending)) {
                                    fail(new IOException(
                                            "GET /ari/" + path + ": no answer within " + requestTimeoutMs + " ms"));
                                    ctx.close();
                                }
                            },
                            requestTimeoutMs,
                            TimeUnit.MILLISECONDS);
            ctx.writeAndFlush(request(HttpMethod.GET, path));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
            String path = pending;
            if (path == null) {
                return; // an answer nobody asked for
            }
            pending = null;
            timeout.cancel(false);
            byte[] body = new byte[msg.content().readableBytes()];
            msg.content().getBytes(msg.content().readerIndex(), body);
            batch.results.add(new Reply(path, msg.status().code(), body));
            if (HttpUtil.isKeepAlive(msg)) {
                sendNext(ctx);
            } else {
                ctx.close();
                if (batch.next.get() < batch.paths.size()) {
                    batch.openLane(); // Asterisk ended the session: carry on over a new one
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            fail(new IOException("connection closed"));
            batch.channels.remove(ctx.channel());
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }

        private void fail(Throwable t) {
            String path = pending;
            pending = null;
            if (path != null) {
                if (timeout != null) {
                    timeout.cancel(false);
                }
                String m = t.getMessage();
                batch.results.add(
                        m != null && m.startsWith("GET ") ? t : new IOException("GET /ari/" + path + ": " + m, t));
            }
        }
    }

    /** What one response carried, copied out of netty's buffers. */
    private static final class Answer {
        final int status;
        final byte[] body;
        final boolean keepAlive;

        Answer(int status, byte[] body, boolean keepAlive) {
            this.status = status;
            this.body = body;
            this.keepAlive = keepAlive;
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private volatile Promise<Answer> pending;

        void expect(Promise<Answer> p) {
            pending = p;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
            byte[] body = new byte[msg.content().readableBytes()];
            msg.content().getBytes(msg.content().readerIndex(), body);
            Promise<Answer> p = pending;
            pending = null;
            if (p != null) {
                p.trySuccess(new Answer(msg.status().code(), body, HttpUtil.isKeepAlive(msg)));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            fail(new IOException("connection closed"));
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }

        private void fail(Throwable t) {
            Promise<Answer> p = pending;
            pending = null;
            if (p != null) {
                p.tryFailure(t);
            }
        }
    }
}
