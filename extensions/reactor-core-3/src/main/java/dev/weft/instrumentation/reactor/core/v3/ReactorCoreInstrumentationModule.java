package dev.weft.instrumentation.reactor.core.v3;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * Carries the trace context through Reactor Core 3 chains: the context current when a chain is
 * subscribed is current again in every signal its operators pass on (whatever thread emits it: a
 * scheduler's worker, a client's event loop, a timer) and in every task a Reactor scheduler runs
 * for it. It records no metrics and creates no spans; the spans other modules create inside the
 * chain, and the log lines written there, join the request's trace. With tracing off nothing is
 * registered at all.
 */
public final class ReactorCoreInstrumentationModule extends InstrumentationModule {

  public ReactorCoreInstrumentationModule() {
    super("reactor-core-3");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new HooksInstrumentation(), new SchedulersInstrumentation());
  }

  /**
   * Typed against Reactor: defined in the class loader of Reactor's {@code Hooks} before it is
   * woven. Named as text: a class literal would load them where this module is loaded.
   */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    String pkg = ReactorCoreInstrumentationModule.class.getPackage().getName() + ".";
    return Arrays.asList(
        pkg + "ReactorContexts", pkg + "ContextSubscriber", pkg + "ContextTask");
  }
}
