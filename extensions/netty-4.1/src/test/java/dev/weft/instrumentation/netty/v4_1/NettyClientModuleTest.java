package dev.weft.instrumentation.netty.v4_1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.WeftAgentExtension;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The netty-4.1 module's client half in process: real Netty HTTP clients ({@code HttpClientCodec},
 * or a response decoder and request encoder added apart) against a real JDK HTTP server on a free
 * loopback port, a raw socket server for what the JDK server cannot do (100 Continue, a close
 * before the response), and a woven Netty server that calls out from inside its requests.
 */
class NettyClientModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("netty-4.1");

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER = "00f067aa0ba902b7";

  /** The traceparent header of each request the JDK server received, in order ("-": none). */
  private static final List<String> received = new CopyOnWriteArrayList<>();

  private static HttpServer server;
  private static int port;
  private static EventLoopGroup group;

  @BeforeAll
  static void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String tp = exchange.getRequestHeaders().getFirst("traceparent");
          received.add(tp == null ? "-" : tp);
          int status = exchange.getRequestURI().getPath().startsWith("/fail") ? 500 : 200;
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    port = server.getAddress().getPort();
    group = new NioEventLoopGroup(2);
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop(0);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void clear() {
    received.clear();
  }

  /** A client connection; its responses (status codes, -1 for none) arrive in {@link #statuses}. */
  static final class Client implements AutoCloseable {
    final Channel channel;
    final BlockingQueue<Integer> statuses = new LinkedBlockingQueue<>();
    final List<String> names = new ArrayList<>();

    Client(EventLoopGroup on, int port, boolean split) throws Exception {
      Bootstrap b =
          new Bootstrap()
              .group(on)
              .channel(NioSocketChannel.class)
              .handler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      if (split) {
                        ch.pipeline().addLast("decoder", new HttpResponseDecoder());
                        ch.pipeline().addLast("encoder", new HttpRequestEncoder());
                      } else {
                        ch.pipeline().addLast("codec", new HttpClientCodec());
                      }
                      ch.pipeline().addLast("aggregator", new HttpObjectAggregator(1 << 16));
                      ch.pipeline()
                          .addLast(
                              "app",
                              new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                  if (msg instanceof FullHttpResponse
                                      && ((FullHttpResponse) msg).status().code() >= 200) {
                                    statuses.add(((FullHttpResponse) msg).status().code());
                                  }
                                  ReferenceCountUtil.release(msg);
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                  statuses.add(-1);
                                }
                              });
                    }
                  });
      channel = b.connect("127.0.0.1", port).sync().channel();
      names.addAll(channel.pipeline().names());
    }

    void write(String path, String... headers) {
      channel.writeAndFlush(request(port(), path, headers));
    }

    private int port() {
      return ((InetSocketAddress) channel.remoteAddress()).getPort();
    }

    int next() throws InterruptedException {
      Integer status = statuses.poll(10, TimeUnit.SECONDS);
      assertNotNull(status, "no response within 10 s");
      return status;
    }

    int get(String path, String... headers) throws InterruptedException {
      write(path, headers);
      return next();
    }

    @Override
    public void close() throws InterruptedException {
      channel.close().await(10, TimeUnit.SECONDS);
    }
  }

  static FullHttpRequest request(int port, String path, String... headers) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set("Host", "127.0.0.1:" + port);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.headers().set(headers[i], headers[i + 1]);
    }
    return request;
  }

  private static String[] labels(String status, String errorType) {
    return new String[] {
      "method", "GET", "host", "127.0.0.1", "status", status, "error_type", errorType
    };
  }

  private static String traceparent(SpanData span) {
    return "00-"
        + span.getTraceId()
        + "-"
        + span.getSpanId()
        + "-"
        + span.getSpanContext().getTraceFlags().asHex();
  }

  /** The traceparent of a call in a trace Weft started: random ids, so the random flag too. */
  private static String traceparentInANewTrace(SpanData span) {
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-03";
  }

  private static void noWeftErrors() {
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "netty-4.1"));
  }

  @Test
  void nCallsWithKServerErrorsOnOneKeptAliveConnectionMoveTheCounterByExactlyThat()
      throws Exception {
    int n = 7;
    int k = 3;
    try (Client client = new Client(group, port, false)) {
      assertEquals(Arrays.asList("codec", "weft.http.client", "aggregator", "app"),
          client.names.subList(0, 4));
      for (int i = 0; i < n - k; i++) {
        assertEquals(200, client.get("/users/" + i + "?token=secret"));
      }
      for (int i = 0; i < k; i++) {
        assertEquals(500, client.get("/fail/" + i));
      }
    }
    assertEquals(n - k, weft.awaitCounter("http_client_requests_total", n - k, labels("200", "")));
    assertEquals(k, weft.awaitCounter("http_client_requests_total", k, labels("500", "")));
    assertEquals(
        n - k, weft.histogramCount("http_client_request_duration_seconds", labels("200", "")));
    assertEquals(k, weft.histogramCount("http_client_request_duration_seconds", labels("500", "")));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_client_requests_total");
    assertEquals(2, changed.size(), changed.toString());
    List<SpanData> spans = weft.awaitSpans(n);
    assertEquals(n, spans.size());
    assertEquals(n, received.size());
    for (int i = 0; i < n; i++) {
      SpanData span = spans.get(i);
      assertEquals(SpanKind.CLIENT, span.getKind());
      assertEquals("GET", span.getName());
      String url = span.getAttributes().get(AttributeKey.stringKey("url.full"));
      assertFalse(url.contains("?"), url);
      assertEquals(traceparent(span), received.get(i));
    }
    assertEquals("http://127.0.0.1:" + port + "/users/0",
        spans.get(0).getAttributes().get(AttributeKey.stringKey("url.full")));
    noWeftErrors();
  }

  @Test
  void pipelinedRequestsOnASplitCodecMatchTheirResponsesInOrder() throws Exception {
    try (Client client = new Client(group, port, true)) {
      assertEquals(
          Arrays.asList("decoder", "encoder", "weft.http.client", "aggregator", "app"),
          client.names.subList(0, 5));
      client.write("/users/a");
      client.write("/fail/b");
      client.write("/users/c");
      int[] statuses = {client.next(), client.next(), client.next()};
      assertEquals("[200, 500, 200]", Arrays.toString(statuses));
    }
    assertEquals(2, weft.awaitCounter("http_client_requests_total", 2, labels("200", "")));
    assertEquals(1, weft.awaitCounter("http_client_requests_total", 1, labels("500", "")));
    assertEquals(2, weft.changedSeries("http_client_requests_total").size());
    noWeftErrors();
  }

  @Test
  void aCallIsAChildOfTheContextCurrentWhereItIsWrittenOnOrOffTheLoopAndAnAppsTraceparentIsKept()
      throws Exception {
    Span caller =
        Span.wrap(
            SpanContext.create(TRACE, CALLER, TraceFlags.getSampled(), TraceState.getDefault()));
    String own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    try (Client client = new Client(group, port, false)) {
      client.channel.eventLoop().execute(() -> {
        try (Scope ignored = Context.root().with(caller).makeCurrent()) {
          client.write("/users/child");
        }
      });
      assertEquals(200, client.next());
      assertEquals(200, client.get("/users/own", "traceparent", own));
      // Written from this thread, not the event loop: the write reaches Weft's handler later,
      // on the event loop, still a child of the context current here.
      try (Scope ignored = Context.root().with(caller).makeCurrent()) {
        client.write("/users/elsewhere");
      }
      assertEquals(200, client.next());
      assertEquals(200, client.get("/users/none")); // no context here: a trace of its own
    }
    List<SpanData> spans = weft.awaitSpans(4);
    assertEquals(4, spans.size());
    SpanData child = spans.get(0);
    assertEquals(TRACE, child.getTraceId());
    assertEquals(CALLER, child.getParentSpanId());
    SpanData elsewhere = spans.get(2);
    assertEquals(TRACE, elsewhere.getTraceId());
    assertEquals(CALLER, elsewhere.getParentSpanId());
    SpanData none = spans.get(3);
    assertFalse(none.getParentSpanContext().isValid(), none.toString());
    assertEquals(
        Arrays.asList(traceparent(child), own, traceparent(elsewhere), traceparent(none)),
        received);
    assertEquals(4, weft.awaitCounter("http_client_requests_total", 4, labels("200", "")));
  }

  /**
   * A proxy forwards the headers it received, its caller's {@code traceparent} among them: a
   * header of the call's own trace is replaced by the call's, so the next service's span is the
   * call's child, not a sibling of the proxy's span; its {@code tracestate} goes with it.
   */
  @Test
  void aForwardedTraceparentOfTheSameTraceIsReplacedByTheCalls() throws Exception {
    Span caller =
        Span.wrap(
            SpanContext.create(TRACE, CALLER, TraceFlags.getSampled(), TraceState.getDefault()));
    String forwarded = "00-" + TRACE + "-" + CALLER + "-01";
    try (Client client = new Client(group, port, false)) {
      client.channel.eventLoop().execute(() -> {
        try (Scope ignored = Context.root().with(caller).makeCurrent()) {
          client.write("/users/proxied", "traceparent", forwarded, "tracestate", "up=1");
        }
      });
      assertEquals(200, client.next());
    }
    SpanData call = weft.awaitSpans(1).get(0);
    assertEquals(CALLER, call.getParentSpanId());
    assertEquals(Arrays.asList(traceparent(call)), received);
  }

  @Test
  void aCloseBeforeTheResponseIsAnErrorAndA100ContinueIsNotTheResponse() throws Exception {
    try (ServerSocket raw = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Thread t =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < 2; i++) {
                    try (Socket s = raw.accept()) {
                      readHead(s.getInputStream());
                      OutputStream out = s.getOutputStream();
                      if (i == 0) {
                        out.write(
                            ("HTTP/1.1 100 Continue\r\n\r\n"
                                    + "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        readHead(s.getInputStream()); // until the client closes
                      }
                      // i == 1: closed with no response
                    }
                  }
                } catch (Exception ignored) {
                  // the test fails on its own assertions
                }
              });
      t.setDaemon(true);
      t.start();
      try (Client client = new Client(group, raw.getLocalPort(), false)) {
        assertEquals(204, client.get("/continue"));
      }
      try (Client client = new Client(group, raw.getLocalPort(), false)) {
        assertEquals(-1, client.get("/closed"));
      }
    }
    assertEquals(1, weft.awaitCounter("http_client_requests_total", 1, labels("204", "")));
    assertEquals(
        1,
        weft.awaitCounter(
            "http_client_requests_total", 1, labels("error", "ClosedChannelException")));
    assertEquals(2, weft.changedSeries("http_client_requests_total").size());
    noWeftErrors();
  }

  /** Reads a request head (to its blank line), or until the stream ends. */
  private static void readHead(InputStream in) throws Exception {
    int state = 0;
    int c;
    while ((c = in.read()) >= 0) {
      state = (c == '\r' || c == '\n') ? state + 1 : 0;
      if (state == 4) {
        return;
      }
    }
  }

  @Test
  void aCallFromInsideAServerRequestOnTheSameEventLoopIsItsChild() throws Exception {
    ServerBootstrap sb =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast("codec", new HttpServerCodec());
                    ch.pipeline().addLast("aggregator", new HttpObjectAggregator(1 << 16));
                    ch.pipeline().addLast("app", new Proxy());
                  }
                });
    Channel proxy = sb.bind("127.0.0.1", 0).sync().channel();
    try {
      int proxyPort = ((InetSocketAddress) proxy.localAddress()).getPort();
      try (Client client = new Client(group, proxyPort, false)) {
        assertEquals(200, client.get("/proxy"));
      }
    } finally {
      proxy.close().await(10, TimeUnit.SECONDS);
    }
    // The test's own client call, the proxy's SERVER span, and its call out.
    List<SpanData> spans = weft.awaitSpans(3);
    assertEquals(3, spans.size(), spans.toString());
    SpanData serverSpan = null;
    SpanData outCall = null;
    for (SpanData s : spans) {
      if (s.getKind() == SpanKind.SERVER) {
        serverSpan = s;
      } else if (s.getAttributes().get(AttributeKey.stringKey("url.full")).endsWith("/users/out")) {
        outCall = s;
      }
    }
    assertNotNull(serverSpan);
    assertNotNull(outCall);
    assertEquals(serverSpan.getSpanId(), outCall.getParentSpanId());
    assertEquals(serverSpan.getTraceId(), outCall.getTraceId());
    assertEquals(Arrays.asList(traceparentInANewTrace(outCall)), received);
    assertEquals(2, weft.awaitCounter("http_client_requests_total", 2, labels("200", "")));
    noWeftErrors();
  }

  /**
   * A server handler that answers with the status of a call it makes out on a connection opened
   * on its own event loop when its client connected (reading waits for that connection).
   */
  private static final class Proxy extends ChannelInboundHandlerAdapter {
    private Channel out;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.channel().config().setAutoRead(false);
      Bootstrap b =
          new Bootstrap()
              .group(ctx.channel().eventLoop())
              .channel(NioSocketChannel.class)
              .handler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline().addLast(new HttpClientCodec());
                      ch.pipeline().addLast(new HttpObjectAggregator(1 << 16));
                      ch.pipeline()
                          .addLast(
                              new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext o, Object r) {
                                  int code = ((FullHttpResponse) r).status().code();
                                  ReferenceCountUtil.release(r);
                                  FullHttpResponse response =
                                      new DefaultFullHttpResponse(
                                          HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code));
                                  response.headers().set("Content-Length", "0");
                                  ctx.writeAndFlush(response);
                                }
                              });
                    }
                  });
      b.connect("127.0.0.1", port)
          .addListener(
              f -> {
                out = ((io.netty.channel.ChannelFuture) f).channel();
                ctx.channel().config().setAutoRead(true);
                ctx.read();
              });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      if (msg instanceof FullHttpRequest) {
        // Written in the request's processing, on its event loop: the SERVER span is current.
        out.writeAndFlush(request(port, "/users/out"));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (out != null) {
        out.close();
      }
    }
  }
}
