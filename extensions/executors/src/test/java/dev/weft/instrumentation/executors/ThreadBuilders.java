package dev.weft.instrumentation.executors;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;

/**
 * JDK 21+ thread builders and JDK 25's structured task scope, reached by reflection: the tests
 * compile for JDK 17 (the build's JDK) and run on JDK 25 too, where these entry points are added.
 */
final class ThreadBuilders {

  private ThreadBuilders() {}

  /** {@code Thread.ofVirtual()}. */
  static Object ofVirtual() throws Exception {
    return Thread.class.getMethod("ofVirtual").invoke(null);
  }

  /** {@code Thread.ofPlatform()}. */
  static Object ofPlatform() throws Exception {
    return Thread.class.getMethod("ofPlatform").invoke(null);
  }

  /** {@code builder.start(task)}. */
  static Thread start(Object builder, Runnable task) throws Exception {
    return (Thread) builderMethod("start", Runnable.class).invoke(builder, task);
  }

  /** {@code builder.unstarted(task)}. */
  static Thread unstarted(Object builder, Runnable task) throws Exception {
    return (Thread) builderMethod("unstarted", Runnable.class).invoke(builder, task);
  }

  /** {@code builder.factory()}. */
  static ThreadFactory factory(Object builder) throws Exception {
    return (ThreadFactory) builderMethod("factory").invoke(builder);
  }

  /** {@code Thread.startVirtualThread(task)}. */
  static Thread startVirtualThread(Runnable task) throws Exception {
    return (Thread) Thread.class.getMethod("startVirtualThread", Runnable.class).invoke(null, task);
  }

  /** {@code thread.isVirtual()}. */
  static boolean isVirtual(Thread thread) throws Exception {
    return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
  }

  private static Method builderMethod(String name, Class<?>... types) throws Exception {
    return Class.forName("java.lang.Thread$Builder").getMethod(name, types);
  }

  /**
   * JDK 25's (fifth preview) {@code try (var scope = StructuredTaskScope.open()) { var s =
   * scope.fork(task); scope.join(); return s.get(); }}, or with {@code open(Joiner, configure)}
   * where {@code threadFactory} is not null.
   */
  static <T> T forkAndJoin(Callable<T> task, ThreadFactory threadFactory) throws Exception {
    Class<?> scopeType = Class.forName("java.util.concurrent.StructuredTaskScope");
    Object scope;
    if (threadFactory == null) {
      scope = scopeType.getMethod("open").invoke(null);
    } else {
      Class<?> joiner = Class.forName("java.util.concurrent.StructuredTaskScope$Joiner");
      Class<?> config = Class.forName("java.util.concurrent.StructuredTaskScope$Configuration");
      Object awaitAll = joiner.getMethod("awaitAllSuccessfulOrThrow").invoke(null);
      Method withFactory = config.getMethod("withThreadFactory", ThreadFactory.class);
      java.util.function.Function<Object, Object> configure =
          c -> {
            try {
              return withFactory.invoke(c, threadFactory);
            } catch (ReflectiveOperationException e) {
              throw new IllegalStateException(e);
            }
          };
      scope =
          scopeType
              .getMethod("open", joiner, java.util.function.Function.class)
              .invoke(null, awaitAll, configure);
    }
    try {
      Object subtask = scopeType.getMethod("fork", Callable.class).invoke(scope, task);
      scopeType.getMethod("join").invoke(scope);
      @SuppressWarnings("unchecked")
      T result =
          (T)
              Class.forName("java.util.concurrent.StructuredTaskScope$Subtask")
                  .getMethod("get")
                  .invoke(subtask);
      return result;
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    } finally {
      scopeType.getMethod("close").invoke(scope);
    }
  }
}
