package dev.weft.instrumentation.netty.v4_1;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.netty.channel.ChannelHandlerContext;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves {@code io.netty.channel.AbstractChannelHandlerContext#write(Object, boolean,
 * ChannelPromise)}, where every write and write-and-flush of a message goes on its way through
 * the pipeline (private in 4.1.0, package-private in 4.2.x, the same signature). An HTTP request
 * written from a thread other than its channel's event loop reaches Weft's client handler later,
 * on the event loop; the context current where it was written is kept for it there
 * ({@link NettyClientPipelines#writing}). Every other write passes with an {@code instanceof}.
 */
public final class ChannelHandlerContextInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader ->
        loader != null
            && loader.getResource("io/netty/handler/codec/http/HttpClientCodec.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.netty.channel.AbstractChannelHandlerContext");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("write")
            .and(takesArguments(3))
            .and(takesArgument(1, boolean.class))
            .and(takesArgument(2, named("io.netty.channel.ChannelPromise"))),
        ChannelHandlerContextInstrumentation.class.getName() + "$WriteAdvice");
  }

  /** A message is written through the pipeline, from any thread. */
  @SuppressWarnings("unused")
  public static final class WriteAdvice {

    private WriteAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This ChannelHandlerContext ctx, @Advice.Argument(0) Object msg) {
      NettyClientPipelines.writing(ctx, msg);
    }
  }
}
