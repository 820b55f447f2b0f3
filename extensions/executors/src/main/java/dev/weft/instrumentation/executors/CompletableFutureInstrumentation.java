package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.Executor;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code CompletableFuture.supplyAsync} and {@code runAsync}, with or without an executor, go
 * through the static {@code asyncSupplyStage(Executor, Supplier)} and
 * {@code asyncRunStage(Executor, Runnable)} (JDK 11 to 25). Wrapping their executor makes the
 * task run in the caller's context, whatever the executor is (the common pool, a thread per task
 * when the common pool has one thread, or the application's own).
 */
public final class CompletableFutureInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.util.concurrent.CompletableFuture");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isStatic()
            .and(named("asyncSupplyStage").or(named("asyncRunStage")))
            .and(takesArgument(0, Executor.class)),
        TaskArgumentAdvice.class.getName() + "$ExecutorArgument");
  }
}
