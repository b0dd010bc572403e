package io.github.astreg.source.ari.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.astreg.source.ari.AriSourceConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Blocking ARI REST calls (version probe, identity, subscriptions, snapshot) on the source's netty event
 * loop: the caller (the source's own thread, never the event loop) waits for each answer at most the
 * configured request timeout, and the wait ends at once when the source closes (the event loop shuts
 * down and fails the call) or the caller is interrupted. One keep-alive connection is reused for
 * sequential calls. No thread of its own, none of the JDK's.
 *
 * <p>The credentials travel in an {@code Authorization} header built once; they never appear in URLs,
 * logs or exception messages. Not for concurrent use: one call at a time.
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

    /** GETs {@code path} (relative to {@code /ari/}) and parses the JSON answer. */
    public JsonNode get(String path) throws IOException {
        byte[] body = call(HttpMethod.GET, path);
        return body.length == 0 ? mapper.nullNode() : mapper.readTree(body);
    }

    /** POSTs to {@code path} (relative to {@code /ari/}, query included) without a body. */
    public void post(String path) throws IOException {
        call(HttpMethod.POST, path);
    }

    /** Closes the connection, failing a call in flight, and refuses further calls; any thread. */
    public void abort() {
        aborted = true;
        Channel c = channel;
        if (c != null) {
            c.close();
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
        String target = base.resolve(path).getRawPath()
                + (base.resolve(path).getRawQuery() == null
                        ? ""
                        : "?" + base.resolve(path).getRawQuery());
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target, Unpooled.EMPTY_BUFFER);
        req.headers()
                .set(HttpHeaderNames.HOST, host + ":" + port)
                .set(HttpHeaderNames.AUTHORIZATION, authorization)
                .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        c.writeAndFlush(req);
        Answer a = await(answer, requestTimeoutMs, c, method + " /ari/" + path);
        if (!a.keepAlive) {
            c.close();
        }
        if (a.status >= 200 && a.status < 300) {
            return a.body;
        }
        throw new AriHttpException(method.name(), "/ari/" + path, a.status, new String(a.body, StandardCharsets.UTF_8));
    }

    private Channel connect() throws IOException {
        Bootstrap b = new Bootstrap()
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
                        p.addLast("rest", new Handler());
                    }
                });
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
