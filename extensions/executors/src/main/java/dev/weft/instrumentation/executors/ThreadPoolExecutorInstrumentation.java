package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.executors.TaskContexts;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code ThreadPoolExecutor.execute(Runnable)}: a plain runnable (a lambda, most often) is queued
 * inside a {@code ContextRunnable} when a context is current; a {@code Future} (what
 * {@code submit} queues) carries its context already and is queued as it is.
 *
 * <p>{@code addWorker}, where the pool creates and starts a worker thread, captures nothing: the
 * worker must not keep, for its whole life, the context of the request that made the pool grow.
 */
public final class ThreadPoolExecutorInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.util.concurrent.ThreadPoolExecutor");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("execute").and(takesArguments(1)).and(takesArgument(0, Runnable.class)),
        ThreadPoolExecutorInstrumentation.class.getName() + "$ExecuteAdvice");
    transformer.applyAdviceToMethod(
        named("addWorker"), ThreadPoolExecutorInstrumentation.class.getName() + "$AddWorkerAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ExecuteAdvice {

    private ExecuteAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
      task = TaskContexts.wrapUnlessFuture(task);
    }
  }

  @SuppressWarnings("unused")
  public static final class AddWorkerAdvice {

    private AddWorkerAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter() {
      TaskContexts.suppress();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit() {
      TaskContexts.unsuppress();
    }
  }
}
