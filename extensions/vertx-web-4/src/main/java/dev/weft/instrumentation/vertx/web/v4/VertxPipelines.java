package dev.weft.instrumentation.vertx.web.v4;

import dev.weft.bootstrap.WeftBridge;
import dev.weft.instrumentation.netty.v4_1.NettyServerHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.util.List;

/**
 * Where Weft's handler goes in a Vert.x HTTP/1.x server pipeline, and when it leaves. A helper
 * class of the module, defined next to Netty. Called from the pipeline's own methods: nothing here
 * throws.
 *
 * <p>Vert.x 4 and 5 build an HTTP/1.x server channel with two codec halves of their own, {@code
 * httpDecoder} (a {@code VertxHttpRequestDecoder}, a Netty {@link HttpRequestDecoder}) and {@code
 * httpEncoder} (a {@code VertxHttpResponseEncoder}, a Netty {@link HttpResponseEncoder}), ahead of
 * Vert.x's connection handler (the encoder class is package-private in 4.x: both are recognised as
 * Netty codec halves of a class in {@code io.vertx.}). Once both are in the pipeline, one of the
 * netty-4.1 module's handlers ({@link NettyServerHandler}) goes right after the later of the two,
 * counting every request under the fixed endpoint {@link #UNMATCHED} until Vert.x Web names its
 * route ({@link VertxRoutes}). Vert.x's HTTP client uses Netty's client codec: not matched. When
 * either half leaves (an {@code h2c} upgrade, the channel's end), Weft's handler leaves too.
 */
public final class VertxPipelines {

  static final String MODULE = "vertx-web-4";

  /** Weft's handler's name in the pipeline: {@link VertxRoutes} finds it by this name. */
  static final String NAME = "weft.vertx.http.server";

  /**
   * The endpoint of a request no route template describes (no route with a path handled it: a
   * 404, a request only path-less routes served, a server with no Vert.x Web router): the fixed
   * value {@code /}, as the reactor-netty-1 and servlet modules count requests no mapping
   * describes. Never the raw path.
   */
  static final String UNMATCHED = "/";

  private VertxPipelines() {}

  /** {@code ctx}'s handler is now in {@code pipeline}. */
  public static void added(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (!isVertxCodec(handler) || ctx.isRemoved()) {
        return;
      }
      ChannelHandler decoder =
          handler instanceof HttpRequestDecoder ? handler : pipeline.get(HttpRequestDecoder.class);
      ChannelHandler encoder =
          handler instanceof HttpResponseEncoder
              ? handler
              : pipeline.get(HttpResponseEncoder.class);
      if (!isVertxCodec(decoder) || !isVertxCodec(encoder)) {
        return; // the other half comes next
      }
      ChannelHandler existing = pipeline.get(NAME);
      if (existing instanceof NettyServerHandler) {
        if (((NettyServerHandler) existing).codecsStillIn(pipeline)) {
          return; // one per pipeline
        }
        pipeline.remove(existing);
      }
      ChannelHandler after = later(pipeline, decoder, encoder);
      ChannelHandlerContext afterCtx = pipeline.context(after);
      if (afterCtx == null) {
        return;
      }
      pipeline.addAfter(
          afterCtx.name(),
          NAME,
          new NettyServerHandler(decoder, encoder, after, UNMATCHED, MODULE));
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  /** {@code ctx}'s handler has left {@code pipeline}: if it was a codec half, Weft's goes. */
  public static void removed(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (!isVertxCodec(handler)) {
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

  /** One half of Vert.x's own HTTP/1.x server codec. */
  static boolean isVertxCodec(ChannelHandler handler) {
    return (handler instanceof HttpRequestDecoder || handler instanceof HttpResponseEncoder)
        && handler.getClass().getName().startsWith("io.vertx.");
  }

  /** Which of two handlers in the pipeline comes later. */
  private static ChannelHandler later(
      ChannelPipeline pipeline, ChannelHandler a, ChannelHandler b) {
    ChannelHandlerContext ca = pipeline.context(a);
    ChannelHandlerContext cb = pipeline.context(b);
    if (ca == null || cb == null) {
      return ca == null ? b : a;
    }
    List<String> names = pipeline.names();
    return names.indexOf(ca.name()) > names.indexOf(cb.name()) ? a : b;
  }
}
