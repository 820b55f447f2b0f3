package dev.weft.instrumentation.hikaricp;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Collections;
import java.util.List;

/**
 * Pool metrics for HikariCP: connections active, idle, pending and max per pool, read from the
 * pool itself at each scrape, and the time the application waits for a connection. Statements
 * run through the pool are counted by the jdbc module, once.
 */
public final class HikariCpInstrumentationModule extends InstrumentationModule {

  public HikariCpInstrumentationModule() {
    super("hikaricp");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.singletonList(new HikariPoolInstrumentation());
  }
}
