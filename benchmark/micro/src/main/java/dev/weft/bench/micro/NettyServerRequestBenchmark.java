package dev.weft.bench.micro;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
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
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One HTTP request to an in-process plain Netty server (HttpServerCodec, HttpObjectAggregator and
 * a handler, no framework) over loopback, with the JDK's own client on a kept-alive connection.
 */
@State(Scope.Benchmark)
public class NettyServerRequestBenchmark {

  private static final byte[] BODY = "hello".getBytes(StandardCharsets.UTF_8);

  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private Channel server;
  private HttpClient client;
  private HttpRequest request;

  @Setup(Level.Trial)
  public void start() throws InterruptedException {
    boss = new NioEventLoopGroup(1);
    workers = new NioEventLoopGroup(2);
    server =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast("codec", new HttpServerCodec());
                    ch.pipeline().addLast("aggregator", new HttpObjectAggregator(65536));
                    ch.pipeline().addLast("handler", new Hello());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    int port = ((InetSocketAddress) server.localAddress()).getPort();
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/users/42")).GET().build();
  }

  @Benchmark
  public String request() throws Exception {
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  @TearDown(Level.Trial)
  public void stop() throws InterruptedException {
    server.close().sync();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  /** Answers every request with 200 and a small body, keeping the connection open. */
  private static final class Hello extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
      ByteBuf body = Unpooled.wrappedBuffer(BODY);
      FullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
      ctx.writeAndFlush(response);
    }
  }
}
