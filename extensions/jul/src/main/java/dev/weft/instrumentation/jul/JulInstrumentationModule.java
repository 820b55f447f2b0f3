package dev.weft.instrumentation.jul;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Collections;
import java.util.List;

/**
 * java.util.logging has no MDC; its formatter is the hook. {@code SimpleFormatter} (what the
 * default {@code ConsoleHandler} uses) gets the current trace id, span id and trace flags as
 * format arguments 7, 8 and 9, and with {@code weft.logs.format=json} formats each record as one
 * JSON line.
 */
public final class JulInstrumentationModule extends InstrumentationModule {

  public JulInstrumentationModule() {
    super("jul");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.singletonList(new SimpleFormatterInstrumentation());
  }

  /** JDK-only helper: defined once in the bootstrap loader, next to SimpleFormatter. */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Collections.singletonList(getClass().getPackage().getName() + ".SimpleFormatterLines");
  }
}
