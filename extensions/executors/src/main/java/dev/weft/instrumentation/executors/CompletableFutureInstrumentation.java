package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.Executor;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Every way a {@code CompletableFuture} hands work to an executor goes through a private
 * {@code ...Stage} method whose first argument is that executor (JDK 11 to 25):
 * {@code supplyAsync} and {@code runAsync}, with or without an executor, through the static
 * {@code asyncSupplyStage(Executor, Supplier)} and {@code asyncRunStage(Executor, Runnable)}; each
 * dependent stage ({@code thenApplyAsync}, {@code thenCombineAsync}, {@code handleAsync}, ...)
 * through {@code uniApplyStage(Executor, ...)}, {@code biApplyStage(Executor, ...)} and the like,
 * called on the thread that declares the stage (the synchronous forms pass a null executor, left
 * as it is). Wrapping that executor makes the task run in the declaring code's context, whatever
 * the executor is (the common pool, a thread per task when the common pool has one thread, or the
 * application's own), both when the source is already complete (the stage method hands the task
 * to the executor at once, as a {@code ForkJoinTask}, which the pools' own advice leaves alone)
 * and when it completes later (the stage keeps the wrapped executor; see also
 * {@link UniCompletionInstrumentation}).
 */
public final class CompletableFutureInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.util.concurrent.CompletableFuture");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        nameEndsWith("Stage").and(takesArgument(0, Executor.class)),
        TaskArgumentAdvice.class.getName() + "$ExecutorArgument");
  }
}
