package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.Executor;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Every dependent stage of a {@code CompletableFuture} ({@code thenApply}, {@code thenCombine},
 * {@code whenComplete}, ... and their {@code Async} forms) is a {@code UniCompletion} (or its
 * subclass {@code BiCompletion}), built on the thread that declares the stage. An async stage
 * keeps its executor in the field {@code executor} and hands itself to it later, from whichever
 * thread completes its source. Wrapping that executor when the stage is built makes the stage run
 * in the context of the code that declared it. Synchronous stages (no executor) are untouched.
 */
public final class UniCompletionInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.util.concurrent.CompletableFuture$UniCompletion");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isConstructor(), UniCompletionInstrumentation.class.getName() + "$ConstructorAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {

    private ConstructorAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.FieldValue(value = "executor", readOnly = false) Executor executor) {
      if (executor != null) {
        executor = TaskContexts.wrap(executor);
      }
    }
  }
}
