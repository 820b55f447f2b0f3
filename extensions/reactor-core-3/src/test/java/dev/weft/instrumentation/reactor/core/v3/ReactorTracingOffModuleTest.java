package dev.weft.instrumentation.reactor.core.v3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.WeftBridge;
import dev.weft.testing.WeftAgentExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * With tracing off there is no context to carry: the module is woven but registers no hook, so
 * the application's operators are assembled exactly as without Weft (no lifted publisher, no
 * wrapped task), and cost nothing per signal.
 */
class ReactorTracingOffModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("reactor-core-3").with("weft.traces.enabled", "false");

  @Test
  void operatorsAreAssembledAsWithoutWeft() {
    assertTrue(weft.appliedModules().contains("reactor-core-3"), weft.appliedModules().toString());
    assertEquals(ContextBridge.NOOP, WeftBridge.context());
    Mono<Integer> mono = Mono.just(1).map(x -> x + 1);
    assertEquals("MonoMapFuseable", mono.getClass().getSimpleName());
    Flux<Integer> flux = Flux.range(0, 3).publishOn(Schedulers.parallel()).filter(x -> x > 0);
    assertEquals("FluxFilterFuseable", flux.getClass().getSimpleName());
    assertEquals(2, flux.count().block().intValue());
  }
}
