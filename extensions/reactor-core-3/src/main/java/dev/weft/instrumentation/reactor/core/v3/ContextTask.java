package dev.weft.instrumentation.reactor.core.v3;

/**
 * A task handed to a Reactor scheduler, with the trace context that was current when it was handed
 * over: it runs the application's task unchanged, with that context current around it.
 */
final class ContextTask implements Runnable {

  private final Runnable task;
  private final Object context;

  ContextTask(Runnable task, Object context) {
    this.task = task;
    this.context = context;
  }

  @Override
  public void run() {
    Object scope = ReactorContexts.enter(context);
    try {
      task.run();
    } finally {
      ReactorContexts.leave(scope);
    }
  }

  /** The task's own text, so that a log line or a scheduler's toString reads as without Weft. */
  @Override
  public String toString() {
    return String.valueOf(task);
  }
}
