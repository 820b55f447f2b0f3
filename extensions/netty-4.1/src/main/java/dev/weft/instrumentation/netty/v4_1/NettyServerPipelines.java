package dev.weft.instrumentation.netty.v4_1;

import dev.weft.bootstrap.WeftBridge;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.List;

/**
 * Where Weft's handler goes in a pipeline, and when it leaves. A helper class of the module,
 * defined next to Netty. Called from the pipeline's own methods: nothing here throws.
 *
 * <p>One Weft handler per pipeline, right after the server codec: an {@code HttpServerCodec}, or,
 * for an {@code HttpRequestDecoder} and an {@code HttpResponseEncoder} added separately, after
 * whichever of the two comes later (once both are there: Weft must see requests decoded and
 * responses before they are encoded). A decoder with no encoder gets nothing: its responses could
 * not be seen. Requests decoded by a second codec inside another request's processing (an
 * {@code EmbeddedChannel} of the application's) are part of that request: see
 * {@link NettyServerHandler}.
 *
 * <p>Pipelines that a framework with routes builds are left to that framework's module (issue 18),
 * which gives route templates instead of raw paths: Reactor Netty (Spring WebFlux, Spring Cloud
 * Gateway: its codec is named {@code reactor.left.httpCodec}) and Vert.x (its codecs are
 * Vert.x's own subclasses).
 */
public final class NettyServerPipelines {

  static final String MODULE = "netty-4.1";

  private NettyServerPipelines() {}

  /** {@code ctx}'s handler is now in {@code pipeline}. */
  public static void added(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (!isServerCodec(handler) || ctx.isRemoved()) {
        return;
      }
      ChannelHandler existing = pipeline.get(NettyServerHandler.NAME);
      if (existing instanceof NettyServerHandler) {
        NettyServerHandler weft = (NettyServerHandler) existing;
        if (weft.codecsStillIn(pipeline)) {
          return; // one per pipeline: a second codec (a duplicate) adds nothing
        }
        // Its codec was replaced by this one: the new codec gets a handler of its own.
        pipeline.remove(weft);
      }
      ChannelHandler decoder;
      ChannelHandler encoder;
      if (handler instanceof HttpServerCodec) {
        decoder = handler;
        encoder = handler;
      } else {
        decoder =
            handler instanceof HttpRequestDecoder
                ? handler
                : pipeline.get(HttpRequestDecoder.class);
        encoder =
            handler instanceof HttpResponseEncoder
                ? handler
                : pipeline.get(HttpResponseEncoder.class);
        if (decoder == null || encoder == null) {
          return; // the other half may come later; without it, responses are not seen
        }
      }
      if (framework(pipeline, decoder) || framework(pipeline, encoder)) {
        return;
      }
      ChannelHandler after = decoder == encoder ? decoder : later(pipeline, decoder, encoder);
      ChannelHandlerContext afterCtx = pipeline.context(after);
      if (afterCtx == null) {
        return;
      }
      NettyServerHandler weft = new NettyServerHandler(decoder, encoder, after);
      pipeline.addAfter(afterCtx.name(), NettyServerHandler.NAME, weft);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  /** {@code ctx}'s handler has left {@code pipeline}: if it was a codec, Weft's handler goes. */
  public static void removed(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (!isServerCodec(handler)) {
        return;
      }
      ChannelHandler existing = pipeline.get(NettyServerHandler.NAME);
      if (existing instanceof NettyServerHandler
          && ((NettyServerHandler) existing).serves(handler)) {
        pipeline.remove(existing);
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  /**
   * The base name {@code addAfter} should use: Weft's handler's when {@code baseName} is the
   * codec Weft's handler sits right after, else {@code baseName} itself.
   */
  public static String baseAfter(ChannelPipeline pipeline, String baseName) {
    try {
      if (baseName == null || NettyServerHandler.NAME.equals(baseName)) {
        return baseName;
      }
      ChannelHandler existing = pipeline.get(NettyServerHandler.NAME);
      if (existing instanceof NettyServerHandler
          && ((NettyServerHandler) existing).placedAfter == pipeline.get(baseName)) {
        return NettyServerHandler.NAME;
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
    return baseName;
  }

  static boolean isServerCodec(ChannelHandler handler) {
    return handler instanceof HttpServerCodec
        || handler instanceof HttpRequestDecoder
        || handler instanceof HttpResponseEncoder;
  }

  /** A codec that a framework with its own module put there. */
  private static boolean framework(ChannelPipeline pipeline, ChannelHandler codec) {
    if (codec.getClass().getName().startsWith("io.vertx.")) {
      return true;
    }
    ChannelHandlerContext ctx = pipeline.context(codec);
    // Reactor Netty names its codec reactor.left.httpCodec, except where Netty adds it under a
    // made-up name (HTTP/1.1 beside h2c); every Reactor Netty pipeline ends in its bridge.
    return ctx != null
        && (ctx.name().startsWith("reactor.left.")
            || pipeline.get(REACTOR_NETTY_BRIDGE) != null);
  }

  /** The last handler of every Reactor Netty pipeline ({@code NettyPipeline.ReactiveBridge}). */
  static final String REACTOR_NETTY_BRIDGE = "reactor.right.reactiveBridge";

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
