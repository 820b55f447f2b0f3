package dev.weft.instrumentation.netty.v4_1;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves Netty's one pipeline class, {@code io.netty.channel.DefaultChannelPipeline} (every
 * channel's, {@code EmbeddedChannel}'s included), where every way of adding, replacing and
 * removing a handler ends:
 *
 * <ul>
 *   <li>{@code callHandlerAdded0(ctx)}, run once a handler is in the pipeline (at once, or when the
 *       channel registers): an HTTP server codec gets Weft's server handler right after it, an
 *       HTTP client codec Weft's client handler ({@link NettyClientPipelines});
 *   <li>{@code callHandlerRemoved0(ctx)}, run once a handler has left it ({@code remove},
 *       {@code replace}, {@code removeIfExists}, the channel's end): when the codec goes (a
 *       WebSocket or HTTP/2 upgrade takes it out), Weft's handler goes too;
 *   <li>{@code addAfter(group, baseName, name, handler)}: a handler the application puts right
 *       after the codec goes right after Weft's handler instead, so that it still sees the
 *       requests inside their context and its responses pass Weft's handler. Its place among the
 *       application's own handlers is the one it asked for.
 * </ul>
 *
 * Both private methods exist with these names and signatures from 4.1.0 to 4.2.x.
 */
public final class ChannelPipelineInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    // A Netty without netty-codec-http (a Redis or Kafka client's) has no HTTP server to see.
    return loader ->
        loader != null
            && loader.getResource("io/netty/handler/codec/http/HttpServerCodec.class") != null;
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
    transformer.applyAdviceToMethod(
        named("addAfter")
            .and(takesArguments(4))
            .and(takesArgument(1, String.class))
            .and(takesArgument(2, String.class)),
        self + "$AddAfterAdvice");
  }

  /** A handler is in the pipeline. */
  @SuppressWarnings("unused")
  public static final class HandlerAddedAdvice {

    private HandlerAddedAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This ChannelPipeline pipeline, @Advice.Argument(0) ChannelHandlerContext ctx) {
      NettyServerPipelines.added(pipeline, ctx);
      NettyClientPipelines.added(pipeline, ctx);
    }
  }

  /** A handler has left the pipeline. */
  @SuppressWarnings("unused")
  public static final class HandlerRemovedAdvice {

    private HandlerRemovedAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This ChannelPipeline pipeline, @Advice.Argument(0) ChannelHandlerContext ctx) {
      NettyServerPipelines.removed(pipeline, ctx);
      NettyClientPipelines.removed(pipeline, ctx);
    }
  }

  /** "Right after the codec" means right after Weft's handler, which sits right after it. */
  @SuppressWarnings("unused")
  public static final class AddAfterAdvice {

    private AddAfterAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This ChannelPipeline pipeline,
        @Advice.Argument(value = 1, readOnly = false) String baseName) {
      baseName = NettyServerPipelines.baseAfter(pipeline, baseName);
    }
  }
}
