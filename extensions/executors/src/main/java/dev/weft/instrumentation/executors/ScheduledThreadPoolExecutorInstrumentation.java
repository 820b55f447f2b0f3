package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.named;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One-shot {@code schedule} calls carry the context (through {@code FutureTask}); periodic ones
 * ({@code scheduleAtFixedRate}, {@code scheduleWithFixedDelay}) do not: a job that runs every
 * minute for the life of the service is not part of the request that happened to schedule it.
 */
public final class ScheduledThreadPoolExecutorInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.util.concurrent.ScheduledThreadPoolExecutor");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("scheduleAtFixedRate").or(named("scheduleWithFixedDelay")),
        TaskArgumentAdvice.class.getName() + "$SuppressCapture");
  }
}
