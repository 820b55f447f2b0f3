package dev.weft.instrumentation.executors;

import dev.weft.bootstrap.WeftBridge;

/**
 * A task handed to another thread, with the trace context that was current when it was handed
 * over. It runs the application's task unchanged, with that context current around it.
 */
public final class ContextRunnable implements Runnable {

  private final Runnable task;
  private final Object context;

  ContextRunnable(Runnable task, Object context) {
    this.task = task;
    this.context = context;
  }

  /** The application's own task. */
  public Runnable task() {
    return task;
  }

  @Override
  public void run() {
    Object scope = WeftBridge.context().attach(context);
    try {
      task.run();
    } finally {
      WeftBridge.context().detach(scope);
    }
  }

  /** The task's own text, so that a log line or a pool's toString reads as without Weft. */
  @Override
  public String toString() {
    return String.valueOf(task);
  }
}
