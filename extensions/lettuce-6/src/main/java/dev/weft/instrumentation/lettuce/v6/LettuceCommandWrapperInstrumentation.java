package dev.weft.instrumentation.lettuce.v6;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.lettuce.core.internal.ExceptionFactory;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.RedisCommand;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.CancellationException;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Completion of commands that are not futures: the reactive API's
 * {@code RedisPublisher.SubscriptionCommand} (a {@code CommandWrapper}; 6.0 overrides
 * {@code complete}, {@code completeExceptionally} and {@code cancel}, later 6.x inherit them).
 * Reported at entry, so the subscriber's own work on the I/O thread is not timed. A command
 * completed with an error reply gets the exception Lettuce itself makes of it for the subscriber.
 * Wrappers Weft did not see dispatched are ignored by the runtime.
 */
public final class LettuceCommandWrapperInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return Lettuce6Loaders.HAS_LETTUCE_6;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "io.lettuce.core.protocol.CommandWrapper", "io.lettuce.core.RedisPublisher$SubscriptionCommand");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String prefix = LettuceCommandWrapperInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        named("complete").and(takesArguments(0)), prefix + "$CompleteAdvice");
    transformer.applyAdviceToMethod(
        named("completeExceptionally").and(takesArguments(1)), prefix + "$FailAdvice");
    transformer.applyAdviceToMethod(
        named("cancel").and(takesArguments(0)), prefix + "$CancelAdvice");
  }

  @SuppressWarnings("unused")
  public static final class CompleteAdvice {

    private CompleteAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.This RedisCommand<?, ?, ?> command) {
      CommandOutput<?, ?, ?> output = command.getOutput();
      Throwable error =
          output != null && output.hasError()
              ? ExceptionFactory.createExecutionException(output.getError())
              : null;
      LettuceCommands.completed(command, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class FailAdvice {

    private FailAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This RedisCommand<?, ?, ?> command, @Advice.Argument(0) Throwable error) {
      LettuceCommands.completed(command, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class CancelAdvice {

    private CancelAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.This RedisCommand<?, ?, ?> command) {
      LettuceCommands.completed(command, new CancellationException());
    }
  }
}
