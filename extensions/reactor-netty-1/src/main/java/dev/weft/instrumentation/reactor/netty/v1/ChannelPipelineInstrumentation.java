package dev.weft.instrumentation.reactor.netty.v1;

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
 * way of adding and removing a handler ends: {@code callHandlerAdded0(ctx)} (Reactor Netty's codec
 * gets Weft's handler right after it) and {@code callHandlerRemoved0(ctx)} (when the codec goes,
 * Weft's handler goes too). Both private methods exist with these names and signatures from Netty
 * 4.1.0 to 4.2.x. Only in class loaders that see Reactor Netty's HTTP server.
 */
public final class ChannelPipelineInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    // A Netty without Reactor Netty's HTTP server: the netty-4.1 module's, or no HTTP server.
    return loader ->
        loader != null
            && loader.getResource("reactor/netty/http/server/HttpServer.class") != null;
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
      ReactorNettyPipelines.added(pipeline, ctx);
    }
  }

  /** A handler has left the pipeline. */
  @SuppressWarnings("unused")
  public static final class HandlerRemovedAdvice {

    private HandlerRemovedAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This ChannelPipeline pipeline, @Advice.Argument(0) ChannelHandlerContext ctx) {
      ReactorNettyPipelines.removed(pipeline, ctx);
    }
  }
}
