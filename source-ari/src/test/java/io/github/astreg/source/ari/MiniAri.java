package io.github.astreg.source.ari;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A minimal, test-only ARI server (REST + events websocket) on netty, for the source's connection
 * machinery: version probe, identity, subscription, snapshot, live frames, disconnects. The protocol
 * behaviour Asterisk really has is tested through the test kit's FakeAsterisk.
 */
final class MiniAri implements AutoCloseable {
    static final DateTimeFormatter ARI_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    final String user = "astreg";
    final String password = "s3cret-pass";
    volatile String apiVersion = "10.0.0";
    volatile String systemName = "pbx1";
    volatile String entityId = "02:00:00:00:00:01";
    volatile Instant startup = Instant.parse("2026-11-26T05:32:37.653Z");
    volatile boolean pingSupported = true;
    volatile boolean answerPings = true;
    /** How many subscription requests still answer 404 (the app is not registered yet). */
    final java.util.concurrent.atomic.AtomicInteger subscriptionsNotFound =
            new java.util.concurrent.atomic.AtomicInteger();

    final Map<String, String[]> endpoints = new ConcurrentHashMap<>(); // "PJSIP/1001" -> {state, channels}
    final Map<String, String> devices = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Device-state answers are sent this long after the request (scheduled: the server never blocks). */
    volatile long deviceDelayMs;
    /** When set, device-state requests are counted down here and their answers held until {@link #releaseDevices()}. */
    volatile java.util.concurrent.CountDownLatch holdDevices;

    private final java.util.Queue<Runnable> heldAnswers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Device name -> the raw 200 body to answer with instead of a well-formed one. */
    final Map<String, String> deviceBodies = new ConcurrentHashMap<>();
    /** When not 0, device-state requests are answered with this status. */
    volatile int deviceFailStatus;
    /** Device-state requests received and not yet answered, and the most there ever were. */
    final java.util.concurrent.atomic.AtomicInteger devicesInFlight = new java.util.concurrent.atomic.AtomicInteger();

    final java.util.concurrent.atomic.AtomicInteger maxDevicesInFlight =
            new java.util.concurrent.atomic.AtomicInteger();
    final List<Channel> sockets = new CopyOnWriteArrayList<>();
    /** TCP connections of clients (HTTP and websocket) open right now. */
    final java.util.concurrent.atomic.AtomicInteger openConnections = new java.util.concurrent.atomic.AtomicInteger();

    volatile int wsConnects;

    private EventLoopGroup group;
    private io.netty.handler.ssl.SslContext tls;

    /** Serves https/wss with this context (before {@link #start()}). */
    MiniAri tls(io.netty.handler.ssl.SslContext context) {
        this.tls = context;
        return this;
    }

    private Channel server;
    private int port;

    MiniAri start() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("mini-ari", true), NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        openConnections.incrementAndGet();
                        ch.closeFuture().addListener(f -> openConnections.decrementAndGet());
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new Handler());
                    }
                });
        server = b.bind("127.0.0.1", port).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
        return this;
    }

    int port() {
        return port;
    }

    String url() {
        return (tls != null ? "https" : "http") + "://127.0.0.1:" + port;
    }

    /** Stops listening and drops every connection without a close frame (a crash). */
    void crash() {
        if (group == null || group.isShuttingDown()) {
            return;
        }
        for (Channel c : sockets) {
            c.close();
        }
        sockets.clear();
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    /** Sends a close frame then closes TCP, as Asterisk does on shutdown. */
    void closeSockets() {
        for (Channel c : sockets) {
            c.writeAndFlush(new CloseWebSocketFrame()).addListener(ChannelFutureListener.CLOSE);
        }
        sockets.clear();
    }

    void send(String frame) {
        for (Channel c : sockets) {
            c.writeAndFlush(new TextWebSocketFrame(frame));
        }
    }

    /** Stops holding device-state answers and sends the held ones (to connections still open). */
    void releaseDevices() {
        holdDevices = null;
        for (Runnable r = heldAnswers.poll(); r != null; r = heldAnswers.poll()) {
            r.run();
        }
    }

    List<String> subscriptions() {
        List<String> out = new ArrayList<>();
        for (String r : requests) {
            if (r.startsWith("POST /ari/applications/")) {
                out.add(r.substring(r.indexOf("eventSource=") + "eventSource=".length()));
            }
        }
        return out;
    }

    @Override
    public void close() {
        crash();
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        private WebSocketServerHandshaker handshaker;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof FullHttpRequest) {
                http(ctx, (FullHttpRequest) msg);
            } else if (msg instanceof PingWebSocketFrame) {
                if (answerPings) {
                    ctx.writeAndFlush(new PongWebSocketFrame(
                            ((WebSocketFrame) msg).content().retain()));
                }
            } else if (msg instanceof CloseWebSocketFrame) {
                handshaker.close(ctx.channel(), ((CloseWebSocketFrame) msg).retain());
            }
        }

        private void http(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            String path = q.path();
            requests.add(req.method() + " " + req.uri());
            String expected = "Basic "
                    + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                respond(ctx, HttpResponseStatus.UNAUTHORIZED, "{\"message\":\"Authentication required\"}");
                return;
            }
            if (path.equals("/ari/events")) {
                WebSocketServerHandshakerFactory f =
                        new WebSocketServerHandshakerFactory("ws://127.0.0.1:" + port + "/ari/events", null, false);
                handshaker = f.newHandshaker(req);
                handshaker.handshake(ctx.channel(), req).addListener(done -> {
                    if (done.isSuccess()) {
                        wsConnects++;
                        sockets.add(ctx.channel());
                    }
                });
                return;
            }
            String method = req.method().name();
            if (method.equals("GET") && path.equals("/ari/api-docs/resources.json")) {
                respond(
                        ctx,
                        HttpResponseStatus.OK,
                        "{\"apiVersion\":\"" + apiVersion + "\",\"swaggerVersion\":\"1.1\"}");
            } else if (method.equals("GET") && path.equals("/ari/asterisk/info")) {
                ObjectNode info = JSON.createObjectNode();
                info.putObject("system").put("version", "22.10.1").put("entity_id", entityId);
                info.putObject("config").put("name", systemName).put("default_language", "en");
                info.putObject("status")
                        .put("startup_time", ARI_TIME.format(startup))
                        .put("last_reload_time", ARI_TIME.format(startup));
                respond(ctx, HttpResponseStatus.OK, info.toString());
            } else if (method.equals("GET") && path.equals("/ari/asterisk/ping") && pingSupported) {
                respond(
                        ctx,
                        HttpResponseStatus.OK,
                        "{\"ping\":\"pong\",\"timestamp\":\"" + ARI_TIME.format(Instant.now()) + "\",\"asterisk_id\":\""
                                + entityId + "\"}");
            } else if (method.equals("POST")
                    && path.startsWith("/ari/applications/")
                    && path.endsWith("/subscription")) {
                if (subscriptionsNotFound.getAndDecrement() > 0) {
                    respond(ctx, HttpResponseStatus.NOT_FOUND, "{\"message\":\"Application not found\"}");
                } else {
                    respond(ctx, HttpResponseStatus.OK, "{\"name\":\"astreg\"}");
                }
            } else if (method.equals("GET") && path.startsWith("/ari/endpoints/")) {
                String tech = path.substring("/ari/endpoints/".length());
                ArrayNode list = JSON.createArrayNode();
                endpoints.forEach((id, v) -> {
                    if (id.startsWith(tech + "/")) {
                        ObjectNode ep = list.addObject()
                                .put("technology", tech)
                                .put("resource", id.substring(tech.length() + 1))
                                .put("state", v[0]);
                        ArrayNode ch = ep.putArray("channel_ids");
                        for (int i = 0; i < Integer.parseInt(v[1]); i++) {
                            ch.add("ch-" + i);
                        }
                    }
                });
                if (list.isEmpty()) {
                    respond(
                            ctx,
                            HttpResponseStatus.NOT_FOUND,
                            "{\"message\":\"No Endpoints found - invalid tech " + tech + "\"}");
                } else {
                    respond(ctx, HttpResponseStatus.OK, list.toString());
                }
            } else if (method.equals("GET") && req.uri().startsWith("/ari/deviceStates/")) {
                String raw = req.uri().substring("/ari/deviceStates/".length());
                if (raw.contains("/")) {
                    respond(ctx, HttpResponseStatus.NOT_FOUND, "{\"message\":\"Resource not found\"}");
                    return;
                }
                String name = QueryStringDecoder.decodeComponent(raw);
                int now = devicesInFlight.incrementAndGet();
                maxDevicesInFlight.accumulateAndGet(now, Math::max);
                Runnable answer = () -> {
                    devicesInFlight.decrementAndGet();
                    String state = devices.get(name);
                    if (deviceFailStatus != 0) {
                        respond(
                                ctx,
                                HttpResponseStatus.valueOf(deviceFailStatus),
                                "{\"message\":\"Internal Server Error\"}");
                    } else if (deviceBodies.containsKey(name)) {
                        respond(ctx, HttpResponseStatus.OK, deviceBodies.get(name));
                    } else if (state == null) {
                        respond(ctx, HttpResponseStatus.NOT_FOUND, "{\"message\":\"Device not found\"}");
                    } else {
                        respond(ctx, HttpResponseStatus.OK, "{\"name\":\"" + name + "\",\"state\":\"" + state + "\"}");
                    }
                };
                long delay = deviceDelayMs;
                java.util.concurrent.CountDownLatch hold = holdDevices;
                if (hold != null) {
                    // held on this (the server's) event loop, never blocking it; answered when released
                    heldAnswers.add(() -> ctx.executor().execute(answer));
                    hold.countDown();
                } else if (delay > 0) {
                    ctx.executor().schedule(answer, delay, TimeUnit.MILLISECONDS);
                } else {
                    answer.run();
                }
            } else {
                respond(ctx, HttpResponseStatus.NOT_FOUND, "{\"message\":\"Resource not found\"}");
            }
        }

        private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            ctx.writeAndFlush(r);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            sockets.remove(ctx.channel());
            super.channelInactive(ctx);
        }
    }
}
