package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code ThreadPoolExecutor.execute(Runnable)}: a plain runnable (a lambda, most often) is queued
 * inside a {@code ContextRunnable} when a context is current; a {@code Future} (what
 * {@code submit} queues) carries its context already and is queued as it is.
 *
 * <p>{@code addWorker}, where the pool creates and starts a worker thread, captures nothing: the
 * worker must not keep, for its whole life, the context of the request that made the pool grow.
 */
public final class ThreadPoolExecutorInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.util.concurrent.ThreadPoolExecutor");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("execute").and(takesArguments(1)).and(takesArgument(0, Runnable.class)),
        TaskArgumentAdvice.class.getName() + "$RunnableUnlessFuture");
    transformer.applyAdviceToMethod(
        named("addWorker"), TaskArgumentAdvice.class.getName() + "$SuppressCapture");
  }
}
