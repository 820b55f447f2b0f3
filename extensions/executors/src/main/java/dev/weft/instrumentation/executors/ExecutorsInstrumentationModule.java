package dev.weft.instrumentation.executors;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * Carries the trace context from the thread that hands work over to the thread that runs it:
 * JDK thread pools, {@code CompletableFuture} async stages and plain threads. It records no
 * metrics and creates no spans; it only makes the right context current, so that the spans the
 * other modules create on the other thread join the request's trace.
 */
public final class ExecutorsInstrumentationModule extends InstrumentationModule {

  public ExecutorsInstrumentationModule() {
    super("executors");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(
        new FutureTaskInstrumentation(),
        new ThreadPoolExecutorInstrumentation(),
        new ScheduledThreadPoolExecutorInstrumentation(),
        new ForkJoinPoolInstrumentation(),
        new ThreadPerTaskExecutorInstrumentation(),
        new CompletableFutureInstrumentation(),
        new UniCompletionInstrumentation(),
        new ThreadInstrumentation(),
        new VirtualThreadInstrumentation(),
        new JettyThreadPoolInstrumentation());
  }

  /** JDK-only helpers: defined once in the bootstrap loader, so every loader's pools share them. */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        TaskContexts.class.getName(),
        ContextRunnable.class.getName(),
        ContextCallable.class.getName(),
        ContextExecutor.class.getName());
  }
}
