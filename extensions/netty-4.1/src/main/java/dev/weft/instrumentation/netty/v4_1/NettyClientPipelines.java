package dev.weft.instrumentation.netty.v4_1;

import dev.weft.bootstrap.WeftBridge;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.util.List;

/**
 * Where Weft's client handler goes in a pipeline, and when it leaves. A helper class of the
 * module, defined next to Netty. Called from the pipeline's own methods: nothing here throws.
 *
 * <p>One {@link NettyClientHandler} per pipeline, right after the client codec: an {@code
 * HttpClientCodec}, or, for an {@code HttpResponseDecoder} and an {@code HttpRequestEncoder} added
 * separately, after whichever of the two comes later (once both are there). Reactor Netty's
 * pipelines (codec named {@code reactor.left.httpCodec}) are left to the reactor-netty-1 module,
 * which places a handler of its own kind.
 */
public final class NettyClientPipelines {

  private NettyClientPipelines() {}

  /** {@code ctx}'s handler is now in {@code pipeline}. */
  public static void added(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (!isClientCodec(handler) || ctx.isRemoved()) {
        return;
      }
      ChannelHandler existing = pipeline.get(NettyClientHandler.NAME);
      if (existing instanceof NettyClientHandler) {
        NettyClientHandler weft = (NettyClientHandler) existing;
        if (weft.codecsStillIn(pipeline)) {
          return; // one per pipeline
        }
        pipeline.remove(weft);
      }
      ChannelHandler decoder;
      ChannelHandler encoder;
      if (handler instanceof HttpClientCodec) {
        decoder = handler;
        encoder = handler;
      } else {
        decoder =
            handler instanceof HttpResponseDecoder
                ? handler
                : pipeline.get(HttpResponseDecoder.class);
        encoder =
            handler instanceof HttpRequestEncoder ? handler : pipeline.get(HttpRequestEncoder.class);
        if (decoder == null || encoder == null) {
          return; // the other half may come later
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
      pipeline.addAfter(
          afterCtx.name(),
          NettyClientHandler.NAME,
          new NettyClientHandler(decoder, encoder, NettyServerPipelines.MODULE));
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, NettyServerPipelines.MODULE);
    }
  }

  /** {@code ctx}'s handler has left {@code pipeline}: if it was a codec, Weft's handler goes. */
  public static void removed(ChannelPipeline pipeline, ChannelHandlerContext ctx) {
    try {
      ChannelHandler handler = ctx.handler();
      if (!isClientCodec(handler)) {
        return;
      }
      ChannelHandler existing = pipeline.get(NettyClientHandler.NAME);
      if (existing instanceof NettyClientHandler
          && ((NettyClientHandler) existing).serves(handler)) {
        pipeline.remove(existing);
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, NettyServerPipelines.MODULE);
    }
  }

  /**
   * {@code msg} is written through {@code ctx}, on any thread: an HTTP request written off its
   * channel's event loop, in a context, is a child of that context when Weft's handler starts its
   * call on the event loop.
   */
  public static void writing(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HttpRequest)) {
      return;
    }
    try {
      if (!ctx.channel().isRegistered() || ctx.channel().eventLoop().inEventLoop()) {
        return; // the handler runs now, in this thread's context
      }
      Object context = WeftBridge.context().current();
      if (context == null) {
        return;
      }
      ChannelHandler handler = ctx.pipeline().get(NettyClientHandler.NAME);
      if (handler != null && handler.getClass() == NettyClientHandler.class) {
        ((NettyClientHandler) handler).writtenIn((HttpRequest) msg, context);
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, NettyServerPipelines.MODULE);
    }
  }

  static boolean isClientCodec(ChannelHandler handler) {
    return handler instanceof HttpClientCodec
        || handler instanceof HttpResponseDecoder
        || handler instanceof HttpRequestEncoder;
  }

  /** A codec that a framework with its own module put there. */
  private static boolean framework(ChannelPipeline pipeline, ChannelHandler codec) {
    if (codec.getClass().getName().startsWith("io.vertx.")) {
      return true;
    }
    ChannelHandlerContext ctx = pipeline.context(codec);
    return ctx != null && ctx.name().startsWith("reactor.");
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
