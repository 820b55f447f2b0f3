package dev.weft.instrumentation.jul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The jul module with {@code weft.logs.format=json}: the JDK's SimpleFormatter returns one JSON
 * line per record, non-ASCII escaped, ending with the platform's line separator. Weft is installed
 * once per JVM, so this class runs in a JVM of its own (surefire's reuseForks=false in the pom).
 */
class JulJsonLinesTest {

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("jul").with("weft.logs.format", "json");

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN_ID = "00f067aa0ba902b7";
  private static final long MILLIS = 1_764_340_502_123L; // 2025-11-28T14:35:02.123Z

  private static final List<String> lines = new CopyOnWriteArrayList<>();

  private static Logger logger;
  private static Handler handler;

  @BeforeAll
  static void configure() {
    handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            lines.add(getFormatter().format(record));
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    handler.setFormatter(new SimpleFormatter());
    logger = Logger.getLogger("weft.test.jul.json");
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.ALL);
    logger.addHandler(handler);
  }

  @AfterAll
  static void restore() {
    logger.removeHandler(handler);
  }

  @BeforeEach
  void clear() {
    lines.clear();
  }

  private static LogRecord record(Level level, String message) {
    LogRecord record = new LogRecord(level, message);
    record.setMillis(MILLIS);
    record.setLoggerName(logger.getName());
    return record;
  }

  @Test
  void aRecordInASpanIsOneAsciiLineWithTheIdsAndTheException() {
    LogRecord record = record(Level.SEVERE, "order {0}: é \"x\"");
    record.setParameters(new Object[] {42});
    record.setThrown(
        JulModuleTest.withoutStack(new IllegalStateException("bad é", new IOException("disk"))));
    SpanContext ids =
        SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault());
    Span span = Span.wrap(ids);
    try (Scope ignored = Context.root().with(span).makeCurrent()) {
      logger.log(record);
    }
    // printStackTrace ends each line with the platform's separator, escaped in the JSON string.
    String nl = System.lineSeparator().replace("\r", "\\r").replace("\n", "\\n");
    assertEquals(
        "{\"timestamp\":\"2025-11-28T14:35:02.123Z\",\"level\":\"ERROR\","
            + "\"service\":\"weft-module-test\",\"logger\":\"weft.test.jul.json\","
            + "\"thread\":\"" + Thread.currentThread().getName() + "\","
            + "\"message\":\"order 42: \\u00E9 \\\"x\\\"\","
            + "\"trace_id\":\"" + TRACE_ID + "\",\"span_id\":\"" + SPAN_ID + "\","
            + "\"trace_flags\":\"01\",\"context\":{},"
            + "\"exception\":{\"class\":\"java.lang.IllegalStateException\","
            + "\"message\":\"bad \\u00E9\","
            + "\"stack_trace\":\"java.lang.IllegalStateException: bad \\u00E9" + nl
            + "Caused by: java.io.IOException: disk" + nl + "\"}}"
            + System.lineSeparator(),
        lines.get(0));
    assertEquals(1, lines.size());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "jul"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "logs"));
  }

  @Test
  void outsideASpanTheLineHasNoIdsAndJulsLevelsHaveTheNamesLogToolsUse() {
    Level[] levels = {
      Level.SEVERE, Level.WARNING, Level.INFO, Level.CONFIG, Level.FINE, Level.FINER, Level.FINEST
    };
    String[] names = {"ERROR", "WARN", "INFO", "DEBUG", "DEBUG", "TRACE", "TRACE"};
    for (Level level : levels) {
      logger.log(record(level, "m"));
    }
    assertEquals(levels.length, lines.size());
    for (int i = 0; i < levels.length; i++) {
      assertEquals(
          "{\"timestamp\":\"2025-11-28T14:35:02.123Z\",\"level\":\"" + names[i] + "\","
              + "\"service\":\"weft-module-test\",\"logger\":\"weft.test.jul.json\","
              + "\"thread\":\"" + Thread.currentThread().getName() + "\",\"message\":\"m\","
              + "\"context\":{}}"
              + System.lineSeparator(),
          lines.get(i),
          levels[i].getName());
    }
  }
}
