package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.Callable;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code java.util.concurrent.ThreadPerTaskExecutor} (JDK 21 and later): what
 * {@code Executors.newVirtualThreadPerTaskExecutor()} and {@code newThreadPerTaskExecutor}
 * return. Each task gets a new (often virtual) thread, which Weft's {@code Thread} advice does
 * not cover, so the task itself carries the context. Absent on JDK 17: nothing is woven there.
 */
public final class ThreadPerTaskExecutorInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.util.concurrent.ThreadPerTaskExecutor");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isPublic().and(named("execute").or(named("submit"))).and(takesArgument(0, Runnable.class)),
        TaskArgumentAdvice.class.getName() + "$RunnableUnlessFuture");
    transformer.applyAdviceToMethod(
        isPublic().and(named("submit")).and(takesArgument(0, Callable.class)),
        TaskArgumentAdvice.class.getName() + "$CallableTask");
  }
}
