package dev.weft.instrumentation.lettuce.v6;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Redis RED metrics and spans for Lettuce 6.x and 7.x. Every command of the sync, async and reactive
 * APIs (pipelined or not, inside MULTI or not) passes through
 * {@code RedisChannelHandler.dispatch}, on the caller's thread: it is timed from there to its
 * completion, which happens on Lettuce's I/O thread (or on the thread that times it out or
 * cancels it; a sync call that times out counts with the timeout it throws). Where each
 * connection goes is learnt when {@code RedisClient} connects it.
 */
public final class Lettuce6InstrumentationModule extends InstrumentationModule {

  public Lettuce6InstrumentationModule() {
    super("lettuce-6");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(
        new LettuceClientInstrumentation(),
        new LettuceDispatchInstrumentation(),
        new LettuceCommandWrapperInstrumentation(),
        new LettuceFuturesInstrumentation());
  }

  /**
   * JDK-only: defined once in the bootstrap loader. Named as text, so that naming it does not
   * load it where this module's classes are loaded.
   */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Collections.singletonList(
        Lettuce6InstrumentationModule.class.getPackage().getName() + ".LettuceCommands");
  }
}
