package dev.weft.instrumentation.vertx.web.v4;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves Netty's one pipeline class, {@code io.netty.channel.DefaultChannelPipeline}, where every
 * way of adding and removing a handler ends: {@code callHandlerAdded0(ctx)} (once Vert.x's HTTP/1.x
 * decoder and encoder are both in, Weft's handler goes right after the later of the two) and
 * {@code callHandlerRemoved0(ctx)} (when either leaves, on an {@code h2c} upgrade or at the
 * channel's end, Weft's handler leaves too). Both private methods exist with these names and
 * signatures from Netty 4.1.0 to 4.2.x. Only in class loaders that see Vert.x's HTTP server.
 */
public final class ChannelPipelineInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    // The decoder is in io.vertx.core.http.impl in 4.x and 5.0.x, in its http1 sub-package in 5.2.
    return loader ->
        loader != null
            && (loader.getResource("io/vertx/core/http/impl/VertxHttpRequestDecoder.class") != null
                || loader.getResource("io/vertx/core/http/impl/http1/VertxHttpRequestDecoder.class")
                    != null);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.netty.channel.DefaultChannelPipeline");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String self = ChannelPipelineInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        named("callHandlerAdded0").and(takesArguments(1)), self + "$HandlerAddedAdvice");
    transformer.applyAdviceToMethod(
        named("callHandlerRemoved0").and(takesArguments(1)), self + "$HandlerRemovedAdvice");
  }

  /** A handler is in the pipeline. */
  @SuppressWarnings("unused")
  public static final class HandlerAddedAdvice {

    private HandlerAddedAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This ChannelPipeline pipeline, @Advice.Argument(0) ChannelHandlerContext ctx) {
      VertxPipelines.added(pipeline, ctx);
    }
  }

  /** A handler has left the pipeline. */
  @SuppressWarnings("unused")
  public static final class HandlerRemovedAdvice {

    private HandlerRemovedAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This ChannelPipeline pipeline, @Advice.Argument(0) ChannelHandlerContext ctx) {
      VertxPipelines.removed(pipeline, ctx);
    }
  }
}
