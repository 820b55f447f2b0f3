package dev.weft.instrumentation.reactor.netty.v1;

import dev.weft.bootstrap.WeftBridge;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Where Weft's handler goes in a Reactor Netty server pipeline, and when it leaves. A helper class
 * of the module, defined next to Netty. Called from the pipeline's own methods: nothing here
 * throws.
 *
 * <p>Reactor Netty names its HTTP/1.1 server codec {@code reactor.left.httpCodec} (an {@code
 * HttpServerCodec}); the netty-4.1 module leaves exactly these pipelines alone, and this module
 * puts one {@link ReactorNettyServerHandler} right after that codec. When the codec leaves the
 * pipeline (an {@code h2c} upgrade, a WebSocket upgrade), Weft's handler leaves too.
 */
public final class ReactorNettyPipelines {

  static final String MODULE = "reactor-netty-1";

  /** Reactor Netty's name for its HTTP/1.1 server codec ({@code NettyPipeline.HttpCodec}). */
  static final String CODEC_NAME = "reactor.left.httpCodec";

  private ReactorNettyPipelines() {}

  /** {@code ctx}'s handler is now in {@code pipeline}. */
  public static void added(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (!(handler instanceof HttpServerCodec)
          || !CODEC_NAME.equals(ctx.name())
          || ctx.isRemoved()) {
        return;
      }
      ChannelHandler existing = pipeline.get(ReactorNettyServerHandler.NAME);
      if (existing instanceof ReactorNettyServerHandler) {
        if (pipeline.context(((ReactorNettyServerHandler) existing).codec) != null) {
          return; // one per pipeline
        }
        pipeline.remove(existing);
      }
      pipeline.addAfter(CODEC_NAME, ReactorNettyServerHandler.NAME,
          new ReactorNettyServerHandler(handler));
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  /** {@code ctx}'s handler has left {@code pipeline}: if it was the codec, Weft's handler goes. */
  public static void removed(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (!(handler instanceof HttpServerCodec)) {
        return;
      }
      ChannelHandler existing = pipeline.get(ReactorNettyServerHandler.NAME);
      if (existing instanceof ReactorNettyServerHandler
          && ((ReactorNettyServerHandler) existing).serves(handler)) {
        pipeline.remove(existing);
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }
}
