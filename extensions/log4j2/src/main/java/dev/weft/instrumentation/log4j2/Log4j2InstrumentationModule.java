package dev.weft.instrumentation.log4j2;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * Log4j 2: every event created while a span is current carries {@code trace_id},
 * {@code span_id} and {@code trace_flags} in its context data (so {@code %X{trace_id}} and
 * JSON layouts see them), and with {@code weft.logs.format=json} a console appender writes each
 * event as one JSON line.
 */
public final class Log4j2InstrumentationModule extends InstrumentationModule {

  public Log4j2InstrumentationModule() {
    super("log4j2");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new ContextDataInjectorInstrumentation(), new ConsoleOutputInstrumentation());
  }
}
