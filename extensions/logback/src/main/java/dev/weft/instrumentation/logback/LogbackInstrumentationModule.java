package dev.weft.instrumentation.logback;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * Logback: every event created while a span is current carries {@code trace_id},
 * {@code span_id} and {@code trace_flags} in its MDC property map (so {@code %X{trace_id}} and
 * any JSON encoder see them), and with {@code weft.logs.format=json} a console appender writes
 * each event as one JSON line.
 */
public final class LogbackInstrumentationModule extends InstrumentationModule {

  public LogbackInstrumentationModule() {
    super("logback");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new LoggingEventInstrumentation(), new ConsoleOutputInstrumentation());
  }
}
