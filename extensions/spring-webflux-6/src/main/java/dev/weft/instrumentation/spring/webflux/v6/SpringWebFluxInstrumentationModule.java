package dev.weft.instrumentation.spring.webflux.v6;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Collections;
import java.util.List;

/**
 * Spring WebFlux's route templates (Spring Framework 6.x and 7.x) as the endpoint of requests that
 * the reactor-netty-1 module counts: the pattern WebFlux matched ({@code
 * HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE}, set for annotated controllers, {@code
 * RouterFunction} routes and resource handlers) is handed, when the handler is about to be
 * invoked, to Weft's handler in the request's Reactor Netty channel. Records nothing itself.
 */
public final class SpringWebFluxInstrumentationModule extends InstrumentationModule {

  public SpringWebFluxInstrumentationModule() {
    super("spring-webflux-6");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.singletonList(new DispatcherHandlerInstrumentation());
  }

  /** Typed against Spring WebFlux, Reactor Netty and Netty; named as text. */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Collections.singletonList(
        SpringWebFluxInstrumentationModule.class.getPackage().getName() + ".WebFluxRoutes");
  }
}
