package dev.weft.instrumentation.executors;

import dev.weft.bootstrap.WeftBridge;
import java.util.concurrent.Callable;

/** The {@link Callable} counterpart of {@link ContextRunnable}. */
public final class ContextCallable<V> implements Callable<V> {

  private final Callable<V> task;
  private final Object context;

  ContextCallable(Callable<V> task, Object context) {
    this.task = task;
    this.context = context;
  }

  /** The application's own task. */
  public Callable<V> task() {
    return task;
  }

  @Override
  public V call() throws Exception {
    Object scope = WeftBridge.context().attach(context);
    try {
      return task.call();
    } finally {
      WeftBridge.context().detach(scope);
    }
  }

  @Override
  public String toString() {
    return String.valueOf(task);
  }
}
