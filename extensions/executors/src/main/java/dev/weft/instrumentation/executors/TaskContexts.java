package dev.weft.instrumentation.executors;

import dev.weft.bootstrap.WeftBridge;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;

/**
 * What the executors module's advice calls: capture the current trace context where work is
 * handed over, make it current where the work runs. With tracing off the bridge reports no
 * context and every method here returns its argument unchanged.
 *
 * <p>Nothing here may throw into the application; the advice that calls it suppresses anything
 * that does, and the task then runs as it would without Weft.
 */
public final class TaskContexts {

  /**
   * Threads started with a context, until their {@code run} begins. Only plain
   * {@code java.lang.Thread} objects and virtual threads are entered, and each entry is removed when its thread runs
   * (or fails to start), so the map holds only threads between {@code start} and {@code run}.
   */
  private static final ConcurrentHashMap<Thread, Object> STARTING = new ConcurrentHashMap<>();

  /**
   * Depth of pool-internal calls on this thread (a pool creating its worker thread, a periodic
   * task being scheduled) during which nothing is captured: a pool's worker thread must not keep
   * the context of the request that happened to make the pool grow, for the rest of its life.
   */
  private static final ThreadLocal<int[]> SUPPRESSED = new ThreadLocal<>();

  private TaskContexts() {}

  /** A runnable that carries the current context, or {@code task} itself if there is none. */
  public static Runnable wrap(Runnable task) {
    if (task == null || task instanceof ContextRunnable) {
      return task;
    }
    // The context first: with tracing off (or outside any request) that is the only cost.
    Object context = WeftBridge.context().current();
    return context == null || isSuppressed() ? task : new ContextRunnable(task, context);
  }

  /**
   * Like {@link #wrap(Runnable)}, but a {@link Future} is left as it is: a pool's queue and
   * {@code shutdownNow()} must keep handing back the application's futures (they carry their
   * context themselves, from {@code FutureTask}'s constructor).
   */
  public static Runnable wrapUnlessFuture(Runnable task) {
    return task instanceof Future ? task : wrap(task);
  }

  /** A callable that carries the current context, or {@code task} itself if there is none. */
  public static <V> Callable<V> wrap(Callable<V> task) {
    if (task == null || task instanceof ContextCallable) {
      return task;
    }
    Object context = WeftBridge.context().current();
    return context == null || isSuppressed() ? task : new ContextCallable<>(task, context);
  }

  /** An executor that hands the current context to every task, or {@code executor} itself. */
  public static Executor wrap(Executor executor) {
    if (executor == null || executor instanceof ContextExecutor) {
      return executor;
    }
    Object context = WeftBridge.context().current();
    return context == null ? executor : new ContextExecutor(executor, context);
  }

  /** Entered around pool-internal work that must not capture the caller's context. */
  public static void suppress() {
    int[] depth = SUPPRESSED.get();
    if (depth == null) {
      depth = new int[1];
      SUPPRESSED.set(depth);
    }
    depth[0]++;
  }

  /** Leaves what {@link #suppress} entered. */
  public static void unsuppress() {
    int[] depth = SUPPRESSED.get();
    if (depth != null && depth[0] > 0) {
      depth[0]--;
    }
  }

  static boolean isSuppressed() {
    int[] depth = SUPPRESSED.get();
    return depth != null && depth[0] > 0;
  }

  /**
   * {@code thread} is about to start. A plain {@code java.lang.Thread} (whose {@code run} is
   * Thread's own, calling the runnable it was built with) takes the current context along, and so
   * does a virtual thread (any way one starts: see {@code VirtualThreadInstrumentation}; its
   * {@code run} cannot be overridden). Other subclasses are left alone: they are pools' worker
   * threads or override {@code run}, where Weft could not make the context current anyway.
   */
  public static boolean threadStarting(Thread thread) {
    if (thread == null
        || (thread.getClass() != Thread.class
            && !"java.lang.VirtualThread".equals(thread.getClass().getName()))) {
      return false;
    }
    return noteStarting(thread);
  }

  /**
   * Notes the current context for {@code thread}, unless it has started already (a second
   * {@code start} fails, and must not take away what the first one noted before the thread got
   * to run) or another call noted one first. Returns whether this call noted it: only then may
   * a failed {@code start} forget it.
   */
  private static boolean noteStarting(Thread thread) {
    Object context = WeftBridge.context().current();
    if (context == null || isSuppressed() || thread.getState() != Thread.State.NEW) {
      return false;
    }
    return STARTING.putIfAbsent(thread, context) == null;
  }

  /** {@code Thread.start} threw after this start noted a context: the thread will never run. */
  public static void threadNotStarted(Thread thread) {
    if (thread != null) {
      STARTING.remove(thread);
    }
  }

  /**
   * {@code Thread.run} begins on {@code thread}: makes the context it was started with current;
   * returns the scope for {@link #threadDone}, or null.
   */
  public static Object threadRunning(Thread thread) {
    Object context = thread == null || STARTING.isEmpty() ? null : STARTING.remove(thread);
    return context == null ? null : WeftBridge.context().attach(context);
  }

  /** {@code Thread.run} ends: restores what was current before. */
  public static void threadDone(Object scope) {
    if (scope != null) {
      WeftBridge.context().detach(scope);
    }
  }

  /** Threads started but not yet running; for tests. */
  static int threadsStarting() {
    return STARTING.size();
  }
}
