package dev.weft.smoke.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain Netty HTTP/1.x server (4.2 here; netty-41-service builds the same source on 4.1): {@link ServerBootstrap}, {@link HttpServerCodec}, {@link
 * HttpObjectAggregator} and one handler, no framework.
 *
 * <pre>
 * java [-javaagent:weft-agent.jar] -jar netty-service.jar [--port N (default 0: a free port)]
 * </pre>
 *
 * <ul>
 *   <li>{@code /orders/<id>}: 200 {@code order <id>}
 *   <li>{@code /fail}: 500
 *   <li>{@code /later?status=S}: answered with status {@code S} (default 200) by another thread,
 *       a scheduler, 5 ms after the handler returned
 *   <li>anything else: 404
 * </ul>
 *
 * It logs exactly one line per request, through SLF4J and Logback on the event loop while the
 * handler runs: {@code request <method> <uri> -> <status> on <connection id>} (the URI as sent,
 * query included),
 * with Weft's {@code trace_id}/{@code span_id}/{@code trace_flags} from the MDC (see
 * logback.xml). Once listening it prints {@code netty-service listening on
 * http://127.0.0.1:<port>} to stdout.
 */
public final class NettyService {

  private static final Logger LOG = LoggerFactory.getLogger("dev.weft.smoke.netty.Requests");

  private NettyService() {}

  public static void main(String[] args) throws Exception {
    int port = 0;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--port") && i + 1 < args.length) {
        port = Integer.parseInt(args[++i]);
      } else {
        System.err.println("usage: java -jar netty-service.jar [--port N]");
        System.exit(2);
      }
    }

    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(named("later-"));
    // NioEventLoopGroup: in Netty 4.1 and (deprecated) 4.2 alike, so one source builds both.
    EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("netty-boss"));
    // Threads named netty-worker-<n>-<m>: the handler (and its log line) runs on them.
    EventLoopGroup workers = new NioEventLoopGroup(2, new DefaultThreadFactory("netty-worker"));
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    channel
                        .pipeline()
                        .addLast("codec", new HttpServerCodec())
                        .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                        .addLast("app", new AppHandler(later));
                  }
                });
    Channel server =
        bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync()
            .channel();
    int actualPort = ((InetSocketAddress) server.localAddress()).getPort();
    System.out.println("netty-service listening on http://127.0.0.1:" + actualPort);
    System.out.flush();

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  later.shutdownNow();
                  boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                  workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                },
                "netty-service-stop"));
    server.closeFuture().sync();
  }

  /** The application's one handler, after the aggregator. */
  static final class AppHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ScheduledExecutorService later;

    AppHandler(ScheduledExecutorService later) {
      this.later = later;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      String uri = request.uri();
      QueryStringDecoder decoded = new QueryStringDecoder(uri);
      String path = decoded.path();
      boolean keepAlive = HttpUtil.isKeepAlive(request);

      if (path.equals("/later")) {
        List<String> asked = decoded.parameters().get("status");
        int status = asked == null || asked.isEmpty() ? 200 : Integer.parseInt(asked.get(0));
        log(ctx, request, status);
        // The handler returns at once; another thread writes the response 5 ms later.
        later.schedule(
            () -> respond(ctx, keepAlive, status, "later " + status + "\n"),
            5,
            TimeUnit.MILLISECONDS);
        return;
      }

      int status;
      String body;
      if (path.startsWith("/orders/") && path.length() > "/orders/".length()) {
        status = 200;
        body = "order " + path.substring("/orders/".length()) + "\n";
      } else if (path.equals("/fail")) {
        status = 500;
        body = "fail: deliberate 500\n";
      } else {
        status = 404;
        body = "no route for " + path + "\n";
      }
      log(ctx, request, status);
      respond(ctx, keepAlive, status, body);
    }

    private static void log(ChannelHandlerContext ctx, FullHttpRequest request, int status) {
      LOG.info("request {} {} -> {} on {}", request.method(), request.uri(), status,
          ctx.channel().id().asShortText());
    }

    private static void respond(
        ChannelHandlerContext ctx, boolean keepAlive, int status, String body) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
              Unpooled.wrappedBuffer(bytes));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
      if (keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(response);
      } else {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LoggerFactory.getLogger(NettyService.class).warn("closing a connection", cause);
      ctx.close();
    }
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
