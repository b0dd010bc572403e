package io.github.astreg.source.ari.internal;

import io.netty.bootstrap.Bootstrap;
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
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One ARI events websocket ({@code /ari/events?app=…}) on a netty event loop the source owns.
 *
 * <p>The listener's methods run on the event-loop thread and must only hand work off (never block):
 * {@link Listener#onOpen()} once the handshake completed, {@link Listener#onText(String)} per text
 * message, and {@link Listener#onClosed(Throwable)} exactly once when the connection ends for any
 * reason (connect failure, handshake failure or timeout, close frame, TCP close, read timeout, or
 * {@link #close()}). A ping is sent after {@code pingInterval} without writes; a connection that
 * delivers nothing for {@code readTimeout} (Asterisk answers pings) is closed, so half-open links are
 * noticed. There is no reconnect here: the source decides.
 */
public final class AriWebSocket {
    private static final int MAX_MESSAGE = 16 * 1024 * 1024;

    /** Callbacks of one connection, on the event-loop thread. */
    public interface Listener {
        void onOpen();

        void onText(String text);

        /** @param cause why it ended, or null for a clean close */
        void onClosed(Throwable cause);
    }

    private final Channel channel;

    private AriWebSocket(Channel channel) {
        this.channel = channel;
    }

    /** Starts connecting; the outcome arrives at the listener. Never throws for network problems. */
    public static AriWebSocket connect(
            EventLoopGroup group,
            URI wsUri,
            String authorization,
            Optional<SslContext> ssl,
            Duration connectTimeout,
            Duration pingInterval,
            Duration readTimeout,
            Listener listener) {
        AtomicBoolean ended = new AtomicBoolean();
        Handler handler = new Handler(listener, ended);
        String host = wsUri.getHost();
        int port = wsUri.getPort() > 0 ? wsUri.getPort() : (wsUri.getScheme().equals("wss") ? 443 : 80);
        HttpHeaders headers = new DefaultHttpHeaders().set(HttpHeaderNames.AUTHORIZATION, authorization);
        WebSocketClientProtocolConfig wsConfig = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(wsUri)
                .version(WebSocketVersion.V13)
                .customHeaders(headers)
                .maxFramePayloadLength(MAX_MESSAGE)
                .handshakeTimeoutMillis(connectTimeout.toMillis())
                .dropPongFrames(true)
                .handleCloseFrames(true)
                .build();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        ssl.ifPresent(s -> p.addLast("tls", s.newHandler(ch.alloc(), host, port)));
                        p.addLast(
                                "idle",
                                new IdleStateHandler(
                                        readTimeout.toMillis(), pingInterval.toMillis(), 0, TimeUnit.MILLISECONDS));
                        p.addLast("http", new HttpClientCodec());
                        p.addLast("http-aggregator", new HttpObjectAggregator(65536));
                        p.addLast("ws", new WebSocketClientProtocolHandler(wsConfig));
                        p.addLast("ws-aggregator", new WebSocketFrameAggregator(MAX_MESSAGE));
                        p.addLast("astreg", handler);
                    }
                });
        ChannelFuture f = b.connect(host, port);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                handler.end(done.cause() == null ? new IOException("connect failed") : done.cause());
            }
        });
        return new AriWebSocket(f.channel());
    }

    /** Closes the connection (the listener hears {@code onClosed}); any thread; idempotent. */
    public void close() {
        channel.close();
    }

    private static final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final Listener listener;
        private final AtomicBoolean ended;
        private volatile Throwable cause;

        Handler(Listener listener, AtomicBoolean ended) {
            this.listener = listener;
            this.ended = ended;
        }

        void end(Throwable why) {
            if (ended.compareAndSet(false, true)) {
                listener.onClosed(why);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                listener.onOpen();
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                cause = new IOException("websocket handshake timed out");
                ctx.close();
            } else if (evt instanceof IdleStateEvent) {
                IdleState state = ((IdleStateEvent) evt).state();
                if (state == IdleState.READER_IDLE) {
                    cause = new IOException("nothing received within the read timeout (half-open link?)");
                    ctx.close();
                } else if (state == IdleState.WRITER_IDLE) {
                    ctx.writeAndFlush(new PingWebSocketFrame());
                }
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame) {
                listener.onText(frame.content().toString(StandardCharsets.UTF_8));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
            if (cause == null) {
                cause = t;
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            end(cause);
            super.channelInactive(ctx);
        }
    }
}
