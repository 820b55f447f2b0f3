package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.Callable;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code ForkJoinPool} (the common pool included): {@code execute}, {@code submit} and (JDK 25)
 * one-shot {@code schedule} of a {@code Runnable} or {@code Callable}. Tasks that are already
 * {@code ForkJoinTask}s (a {@code RecursiveTask}, a {@code CompletableFuture} stage) are not
 * wrapped here: the stages carry their context through their executor (see
 * {@link CompletableFutureInstrumentation}).
 */
public final class ForkJoinPoolInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.util.concurrent.ForkJoinPool");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isPublic()
            .and(named("execute").or(named("submit")).or(named("schedule")))
            .and(takesArgument(0, Runnable.class)),
        TaskArgumentAdvice.class.getName() + "$RunnableUnlessFuture");
    transformer.applyAdviceToMethod(
        isPublic()
            .and(named("submit").or(named("schedule")))
            .and(takesArgument(0, Callable.class)),
        TaskArgumentAdvice.class.getName() + "$CallableTask");
  }
}
