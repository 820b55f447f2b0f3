package dev.weft.instrumentation.reactor.netty.v1;

import dev.weft.bootstrap.WeftBridge;
import dev.weft.instrumentation.netty.v4_1.NettyClientHandler;
import dev.weft.instrumentation.netty.v4_1.NettyServerHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Where Weft's handler goes in a Reactor Netty server pipeline, and when it leaves. A helper class
 * of the module, defined next to Netty. Called from the pipeline's own methods: nothing here
 * throws.
 *
 * <p>Reactor Netty names its HTTP/1.1 server codec {@code reactor.left.httpCodec} (an {@code
 * HttpServerCodec}); the netty-4.1 module leaves exactly these pipelines alone, and this module
 * puts one of the netty-4.1 module's handlers ({@link NettyServerHandler}) right after that codec,
 * counting every request under the fixed endpoint {@link #UNMATCHED} until a web framework names
 * its route. When the codec leaves the
 * pipeline (an {@code h2c} upgrade, a WebSocket upgrade), Weft's handler leaves too.
 *
 * <p>Its HTTP/1.1 client codec has the same name (an {@code HttpClientCodec}): a {@link
 * ReactorNettyClientHandler} goes right after it, named as the netty-4.1 module's client handler
 * ({@code weft.http.client}), and leaves with it.
 */
public final class ReactorNettyPipelines {

  static final String MODULE = "reactor-netty-1";

  /** Reactor Netty's name for its HTTP/1.1 server codec ({@code NettyPipeline.HttpCodec}). */
  static final String CODEC_NAME = "reactor.left.httpCodec";

  /**
   * The last handler of every Reactor Netty pipeline ({@code NettyPipeline.ReactiveBridge}): an
   * {@code HttpServerCodec} in a pipeline that has it is Reactor Netty's, whatever its name (on a
   * server that speaks HTTP/1.1 and h2c on one port, Netty adds the codec under a made-up name).
   */
  static final String BRIDGE_NAME = "reactor.right.reactiveBridge";

  /** Weft's handler's name in the pipeline: the spring-webflux-6 module finds it by this name. */
  static final String NAME = "weft.reactor.http.server";

  /**
   * The endpoint of a request no route template describes (no route matched, a server with no
   * framework on top): the fixed value {@code /}, as the servlet modules count requests no mapping
   * describes. Never the raw path.
   */
  static final String UNMATCHED = "/";

  private ReactorNettyPipelines() {}

  /** {@code ctx}'s handler is now in {@code pipeline}. */
  public static void added(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (ctx.isRemoved()) {
        return;
      }
      if (handler instanceof HttpClientCodec) {
        if (CODEC_NAME.equals(ctx.name())) {
          clientCodecAdded(pipeline, handler);
        }
        return;
      }
      if (!(handler instanceof HttpServerCodec)
          || !(CODEC_NAME.equals(ctx.name()) || pipeline.get(BRIDGE_NAME) != null)) {
        return;
      }
      ChannelHandler existing = pipeline.get(NAME);
      if (existing instanceof NettyServerHandler) {
        if (((NettyServerHandler) existing).codecsStillIn(pipeline)) {
          return; // one per pipeline
        }
        pipeline.remove(existing);
      }
      pipeline.addAfter(ctx.name(), NAME,
          new NettyServerHandler(handler, handler, handler, UNMATCHED, MODULE));
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  /** Reactor Netty's HTTP/1.1 client codec is in {@code pipeline}: Weft's client handler follows. */
  private static void clientCodecAdded(ChannelPipeline pipeline, ChannelHandler codec) {
    ChannelHandler existing = pipeline.get(NettyClientHandler.NAME);
    if (existing instanceof NettyClientHandler) {
      if (((NettyClientHandler) existing).codecsStillIn(pipeline)) {
        return; // one per pipeline
      }
      pipeline.remove(existing);
    }
    pipeline.addAfter(CODEC_NAME, NettyClientHandler.NAME, new ReactorNettyClientHandler(codec));
  }

  /** {@code ctx}'s handler has left {@code pipeline}: if it was the codec, Weft's handler goes. */
  public static void removed(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (handler instanceof HttpClientCodec) {
        ChannelHandler client = pipeline.get(NettyClientHandler.NAME);
        if (client instanceof ReactorNettyClientHandler
            && ((ReactorNettyClientHandler) client).serves(handler)) {
          pipeline.remove(client);
        }
        return;
      }
      if (!(handler instanceof HttpServerCodec)) {
        return;
      }
      ChannelHandler existing = pipeline.get(NAME);
      if (existing instanceof NettyServerHandler
          && ((NettyServerHandler) existing).serves(handler)) {
        pipeline.remove(existing);
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }
}
