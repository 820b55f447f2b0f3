package dev.weft.instrumentation.executors;

import dev.weft.bootstrap.executors.TaskContexts;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import net.bytebuddy.asm.Advice;

/**
 * The advice shared by the pools: the method's first argument (the task, or the executor a
 * {@code CompletableFuture} stage will use) is replaced on entry by one that carries the
 * current context. With no context current, the argument is left as it is.
 */
final class TaskArgumentAdvice {

  private TaskArgumentAdvice() {}

  /** A {@code Runnable} first argument; a {@code Future} passed as one is left as it is. */
  @SuppressWarnings("unused")
  public static final class RunnableUnlessFuture {

    private RunnableUnlessFuture() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
      task = TaskContexts.wrapUnlessFuture(task);
    }
  }

  /** A {@code Callable} first argument. */
  @SuppressWarnings("unused")
  public static final class CallableTask {

    private CallableTask() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(value = 0, readOnly = false) Callable<?> task) {
      task = TaskContexts.wrap(task);
    }
  }

  /** An {@code Executor} first argument. */
  @SuppressWarnings("unused")
  public static final class ExecutorArgument {

    private ExecutorArgument() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(value = 0, readOnly = false) Executor executor) {
      executor = TaskContexts.wrap(executor);
    }
  }
}
