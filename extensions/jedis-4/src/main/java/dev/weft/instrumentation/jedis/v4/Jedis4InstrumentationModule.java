package dev.weft.instrumentation.jedis.v4;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * Redis RED metrics and spans for Jedis 4.x and 5.x ({@code Jedis}, {@code JedisPool},
 * {@code UnifiedJedis}/{@code JedisPooled}, pipelines and transactions): every command is
 * written through {@code Connection.sendCommand(CommandArguments)} and every reply read through
 * {@code readProtocolWithCheckingBroken()}, in order.
 */
public final class Jedis4InstrumentationModule extends InstrumentationModule {

  public Jedis4InstrumentationModule() {
    super("jedis-4");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new Jedis4ConnectionInstrumentation(), new Jedis4PoolInstrumentation());
  }
}
