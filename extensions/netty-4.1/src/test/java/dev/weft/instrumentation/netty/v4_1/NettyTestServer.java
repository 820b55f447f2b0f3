package dev.weft.instrumentation.netty.v4_1;

import dev.weft.bootstrap.WeftBridge;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A plain Netty HTTP server, as an application would write one, on a free port. Its pipeline
 * comes in the shapes a Netty application builds (see {@link Shape}); one event-loop thread
 * serves every connection, so every request of a test runs on the same thread one after the
 * other. What the application saw is kept for the tests to compare with what Weft recorded.
 *
 * <p>Paths: {@code /fail...} answers 500, {@code /later...} answers 200 (500 if the path has
 * "fail") 50 ms later from another thread, {@code /held...} waits for the test to answer it,
 * {@code /hang} never answers, {@code /close} closes the connection without answering,
 * {@code /void} answers with a void promise, {@code /chunked} answers in three writes,
 * {@code /stream} writes a chunked response's head and first chunk and never ends it,
 * {@code /context} answers with the ids the handler saw for each message of the request,
 * {@code /names} with the pipeline's handler names, {@code /nested} decodes a request of its own
 * with a second codec, {@code /replace-codec} answers then replaces its codec,
 * {@code /orders...} and {@code /users...} answer 200, anything else 404.
 */
final class NettyTestServer implements AutoCloseable {

  /** The pipelines tested. */
  enum Shape {
    /** HttpServerCodec, HttpObjectAggregator, the application: requests arrive whole. */
    AGGREGATED,
    /** HttpServerCodec and the application, which reads the request and its content itself. */
    STREAMING,
    /** HttpRequestDecoder and HttpResponseEncoder added separately, then the aggregator. */
    SPLIT,
    /** HttpServerCodec, then the application put right after it with addAfter("codec", ...). */
    AFTER_CODEC,
    /** AGGREGATED with WebSocketServerProtocolHandler on /ws: the codec leaves on upgrade. */
    WEBSOCKET
  }

  final Shape shape;
  final int port;
  final Map<String, ChannelHandlerContext> held = new ConcurrentHashMap<>();
  /** The ids the event loop had current just after each /context response was written. */
  final Queue<String> idsBetweenRequests = new ConcurrentLinkedQueue<>();
  /** The ids the inner application of /nested saw. */
  final Queue<String> nestedIds = new ConcurrentLinkedQueue<>();
  /** Requests whose decoding failed, as the application saw them (method and uri). */
  final Queue<String> decoderFailures = new ConcurrentLinkedQueue<>();
  /** Exceptions that reached the application's exceptionCaught. */
  final Queue<Throwable> exceptions = new ConcurrentLinkedQueue<>();
  /** Pipeline names seen when a WebSocket frame arrived. */
  final Queue<List<String>> webSocketPipelines = new ConcurrentLinkedQueue<>();

  private final EventLoopGroup boss = new NioEventLoopGroup(1);
  private final EventLoopGroup workers = new NioEventLoopGroup(1);
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final Channel server;

  NettyTestServer(Shape shape) throws InterruptedException {
    this.shape = shape;
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    build(ch.pipeline());
                  }
                });
    server = bootstrap.bind("127.0.0.1", 0).sync().channel();
    port = ((InetSocketAddress) server.localAddress()).getPort();
  }

  private void build(ChannelPipeline p) {
    switch (shape) {
      case AGGREGATED:
        p.addLast("codec", new HttpServerCodec());
        p.addLast("aggregator", new HttpObjectAggregator(1 << 20));
        p.addLast("app", new App());
        break;
      case STREAMING:
        p.addLast("codec", new HttpServerCodec());
        p.addLast("app", new App());
        break;
      case SPLIT:
        p.addLast("decoder", new HttpRequestDecoder());
        p.addLast("encoder", new HttpResponseEncoder());
        p.addLast("aggregator", new HttpObjectAggregator(1 << 20));
        p.addLast("app", new App());
        break;
      case AFTER_CODEC:
        p.addLast("codec", new HttpServerCodec());
        p.addAfter("codec", "app", new App());
        break;
      case WEBSOCKET:
        p.addLast("codec", new HttpServerCodec());
        p.addLast("aggregator", new HttpObjectAggregator(1 << 20));
        p.addLast("ws", new WebSocketServerProtocolHandler("/ws"));
        p.addLast("app", new App());
        break;
      default:
        throw new IllegalArgumentException(shape.toString());
    }
  }

  /** The ids Weft's log enrichment sees on this thread: "traceId/spanId", or "none". */
  static String currentIds() {
    String[] ids = WeftBridge.logs().currentIds();
    return ids == null ? "none" : ids[1] + "/" + ids[3];
  }

  /** Answers a /held request from the calling thread (the test's). */
  void answerHeld(String path, int status) {
    respond(held.remove(path), status, "held");
  }

  static ChannelFuture respond(ChannelHandlerContext ctx, int status, String body) {
    return ctx.writeAndFlush(response(status, body));
  }

  static FullHttpResponse response(int status, String body) {
    ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), content);
    response.headers().set("Content-Length", content.readableBytes());
    response.headers().set("Content-Type", "text/plain");
    return response;
  }

  static String path(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  @Override
  public void close() throws InterruptedException {
    server.close().sync();
    later.shutdownNow();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  /** The application's handler: one per channel. */
  private final class App extends ChannelInboundHandlerAdapter {
    private HttpRequest request;
    private final List<String> idsSeen = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof TextWebSocketFrame) {
          webSocketPipelines.add(ctx.pipeline().names());
          ctx.writeAndFlush(new TextWebSocketFrame("echo " + ((TextWebSocketFrame) msg).text()));
          return;
        }
        if (msg instanceof HttpRequest) {
          request = (HttpRequest) msg;
          idsSeen.clear();
          if (request.decoderResult().isFailure()) {
            decoderFailures.add(request.method().name() + " " + request.uri());
            FullHttpResponse bad = response(400, "bad request");
            bad.headers().set("Connection", "close");
            ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
            request = null;
            return;
          }
        }
        if (request != null) {
          idsSeen.add(currentIds());
        }
        if (msg instanceof LastHttpContent && request != null) {
          HttpRequest r = request;
          request = null;
          handle(ctx, r, String.join(",", idsSeen));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      exceptions.add(cause);
      ctx.close();
    }

    private void handle(ChannelHandlerContext ctx, HttpRequest r, String ids) {
      String path = path(r.uri());
      if (path.startsWith("/fail")) {
        respond(ctx, 500, "failed");
      } else if (path.startsWith("/later")) {
        int status = path.contains("fail") ? 500 : 200;
        later.schedule(() -> respond(ctx, status, "later"), 50, TimeUnit.MILLISECONDS);
      } else if (path.startsWith("/held")) {
        held.put(path, ctx);
      } else if (path.equals("/hang")) {
        // never answered
      } else if (path.equals("/close")) {
        ctx.close();
      } else if (path.equals("/stream")) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("Transfer-Encoding", "chunked");
        ctx.write(head);
        ctx.writeAndFlush(
            new DefaultHttpContent(Unpooled.copiedBuffer("line 0\n", StandardCharsets.UTF_8)));
      } else if (path.equals("/void")) {
        ctx.writeAndFlush(response(200, "void"), ctx.voidPromise());
      } else if (path.equals("/chunked")) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("Content-Length", 10);
        ctx.write(head);
        ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("01234", StandardCharsets.UTF_8)));
        ctx.writeAndFlush(
            new DefaultLastHttpContent(Unpooled.copiedBuffer("56789", StandardCharsets.UTF_8)));
      } else if (path.equals("/context")) {
        respond(ctx, 200, ids)
            .addListener(
                f -> ctx.executor().execute(() -> idsBetweenRequests.add(currentIds())));
      } else if (path.equals("/names")) {
        respond(ctx, 200, String.join(",", ctx.pipeline().names()));
      } else if (path.equals("/nested")) {
        respond(ctx, 200, nested());
      } else if (path.equals("/replace-codec")) {
        respond(ctx, 200, "replacing")
            .addListener(f -> ctx.pipeline().replace("codec", "codec", new HttpServerCodec()));
      } else if (path.startsWith("/orders") || path.startsWith("/users")) {
        respond(ctx, 200, "ok");
      } else {
        respond(ctx, 404, "not found");
      }
    }

    /** Decodes a request of its own with a second codec, as a proxy or a test tool might. */
    private String nested() {
      EmbeddedChannel inner =
          new EmbeddedChannel(
              new HttpServerCodec(),
              new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  nestedIds.add(currentIds());
                  if (msg instanceof LastHttpContent) {
                    ctx.writeAndFlush(response(200, "inner"));
                  }
                  ReferenceCountUtil.release(msg);
                }
              });
      inner.writeInbound(
          Unpooled.copiedBuffer(
              "GET /inner/1 HTTP/1.1\r\nHost: inner\r\nContent-Length: 0\r\n\r\n",
              StandardCharsets.US_ASCII));
      StringBuilder answer = new StringBuilder();
      for (Object out = inner.readOutbound(); out != null; out = inner.readOutbound()) {
        if (out instanceof ByteBuf) {
          answer.append(((ByteBuf) out).toString(StandardCharsets.US_ASCII));
        }
        ReferenceCountUtil.release(out);
      }
      inner.finish();
      int end = answer.indexOf("\r\n");
      return end < 0 ? answer.toString() : answer.substring(0, end);
    }
  }
}
