package dev.weft.instrumentation.executors;

import java.util.concurrent.Executor;

/**
 * An executor that remembers the context current when a {@code CompletableFuture} stage was
 * created. A dependent async stage ({@code thenApplyAsync} and the like) is handed to its
 * executor by whichever thread completes the stage before it; wrapping the stage's executor at
 * creation makes the stage run in the context of the code that created it, not of the code that
 * happened to complete its source.
 */
public final class ContextExecutor implements Executor {

  private final Executor executor;
  private final Object context;

  ContextExecutor(Executor executor, Object context) {
    this.executor = executor;
    this.context = context;
  }

  @Override
  public void execute(Runnable command) {
    executor.execute(
        command == null || command instanceof ContextRunnable
            ? command
            : new ContextRunnable(command, context));
  }

  @Override
  public String toString() {
    return String.valueOf(executor);
  }
}
