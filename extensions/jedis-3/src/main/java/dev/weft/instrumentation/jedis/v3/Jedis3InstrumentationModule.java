package dev.weft.instrumentation.jedis.v3;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * Redis RED metrics and spans for Jedis 3.x: every command is written through one method of
 * {@code redis.clients.jedis.Connection} and every reply read through another, in order, so
 * pipelines and transactions are counted command by command. Jedis 4 and later are the
 * {@code jedis-4} module's.
 */
public final class Jedis3InstrumentationModule extends InstrumentationModule {

  public Jedis3InstrumentationModule() {
    super("jedis-3");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new Jedis3ConnectionInstrumentation(), new Jedis3LibraryWorkInstrumentation());
  }
}
