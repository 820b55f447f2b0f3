package dev.weft.instrumentation.executors;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import net.bytebuddy.asm.Advice;

/**
 * The advice shared by the pools: the method's first argument (the task, or the executor a
 * {@code CompletableFuture} stage will use) is replaced on entry by one that carries the
 * current context (with no context current, the argument is left as it is); and the
 * suppression of capture around pool-internal work.
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

  /**
   * Around pool-internal work (a pool starting a worker thread, a periodic task being scheduled):
   * nothing is captured on this thread while it runs.
   */
  @SuppressWarnings("unused")
  public static final class SuppressCapture {

    private SuppressCapture() {}

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
