package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code new Thread(runnable).start()}: {@code start} notes the starting thread's context,
 * {@code run} (Thread's own, which calls the runnable) makes it current on the new thread. The
 * thread object is not changed; see {@code TaskContexts.threadStarting} for which threads count.
 * On JDK 21 and later a thread started into a thread container (a thread-per-task executor's or
 * a structured task scope's platform threads) goes through {@code start(ThreadContainer)}
 * instead, woven the same way. Virtual threads override both: see
 * {@link VirtualThreadInstrumentation}.
 */
public final class ThreadInstrumentation implements TypeInstrumentation {

  /** The JDK-internal type of {@code Thread.start(ThreadContainer)}'s argument (JDK 21+). */
  static final String THREAD_CONTAINER = "jdk.internal.vm.ThreadContainer";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.lang.Thread");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("start")
            .and(
                takesArguments(0)
                    .or(takesArguments(1).and(takesArgument(0, named(THREAD_CONTAINER))))),
        ThreadInstrumentation.class.getName() + "$StartAdvice");
    transformer.applyAdviceToMethod(
        named("run").and(takesArguments(0)), ThreadInstrumentation.class.getName() + "$RunAdvice");
  }

  @SuppressWarnings("unused")
  public static final class StartAdvice {

    private StartAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean onEnter(@Advice.This Thread thread) {
      return TaskContexts.threadStarting(thread);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.This Thread thread,
        @Advice.Enter boolean noted,
        @Advice.Thrown Throwable thrown) {
      if (noted && thrown != null) {
        TaskContexts.threadNotStarted(thread);
      }
    }
  }

  @SuppressWarnings("unused")
  public static final class RunAdvice {

    private RunAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Thread thread) {
      return TaskContexts.threadRunning(thread);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object scope) {
      TaskContexts.threadDone(scope);
    }
  }
}
