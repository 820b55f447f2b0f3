package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.named;
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
 */
public final class ThreadInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.lang.Thread");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("start").and(takesArguments(0)), ThreadInstrumentation.class.getName() + "$StartAdvice");
    transformer.applyAdviceToMethod(
        named("run").and(takesArguments(0)), ThreadInstrumentation.class.getName() + "$RunAdvice");
  }

  @SuppressWarnings("unused")
  public static final class StartAdvice {

    private StartAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.This Thread thread) {
      TaskContexts.threadStarting(thread);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.This Thread thread, @Advice.Thrown Throwable thrown) {
      if (thrown != null) {
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
