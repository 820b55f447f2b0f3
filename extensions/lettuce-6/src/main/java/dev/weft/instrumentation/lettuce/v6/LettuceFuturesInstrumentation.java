package dev.weft.instrumentation.lettuce.v6;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code io.lettuce.core.internal.Futures.awaitOrCancel(future, timeout, unit)}, where the sync
 * API waits for each command: on timeout it cancels the command, then throws
 * {@code RedisCommandTimeoutException}. The command is counted with what the application gets,
 * the timeout, not with the cancellation that precedes it.
 */
public final class LettuceFuturesInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return Lettuce6Loaders.HAS_LETTUCE_6;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.lettuce.core.internal.Futures");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("awaitOrCancel").and(isStatic()).and(takesArguments(3)),
        LettuceFuturesInstrumentation.class.getName() + "$AwaitAdvice");
  }

  @SuppressWarnings("unused")
  public static final class AwaitAdvice {

    private AwaitAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object future) {
      return LettuceCommands.awaitStarted(future);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object previous, @Advice.Thrown Throwable thrown) {
      LettuceCommands.awaitEnded(previous, thrown);
    }
  }
}
