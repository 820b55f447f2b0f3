package dev.weft.instrumentation.jul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
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
 * The jul module in process: a real java.util.logging logger whose handler formats each record
 * with the JDK's SimpleFormatter, configured with a format that names the trace arguments
 * {@code %7$s} to {@code %9$s}; inside a span they are the span's ids, outside they are empty.
 */
class JulModuleTest {

  private static final String FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";
  private static final String FORMAT = "%4$s %5$s trace_id=%7$s span_id=%8$s flags=%9$s%n";

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("jul");

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN_ID = "00f067aa0ba902b7";

  /** Each line the handler's formatter made, in order. */
  private static final List<String> lines = new CopyOnWriteArrayList<>();

  private static Logger logger;
  private static Handler handler;
  private static String formatBefore;

  @BeforeAll
  static void configure() {
    formatBefore = System.getProperty(FORMAT_PROPERTY);
    System.setProperty(FORMAT_PROPERTY, FORMAT);
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
    logger = Logger.getLogger("weft.test.jul");
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.INFO);
    logger.addHandler(handler);
  }

  @AfterAll
  static void restore() {
    logger.removeHandler(handler);
    if (formatBefore == null) {
      System.clearProperty(FORMAT_PROPERTY);
    } else {
      System.setProperty(FORMAT_PROPERTY, formatBefore);
    }
  }

  @BeforeEach
  void clear() {
    lines.clear();
  }

  private static Scope inSpan(TraceFlags flags) {
    Span span = Span.wrap(SpanContext.create(TRACE_ID, SPAN_ID, flags, TraceState.getDefault()));
    return Context.root().with(span).makeCurrent();
  }

  @Test
  void aLineInsideASpanCarriesItsIdsAndALineOutsideCarriesNone() {
    String nl = System.lineSeparator();
    logger.info("before");
    try (Scope ignored = inSpan(TraceFlags.getSampled())) {
      logger.info("inside");
    }
    logger.warning("after");
    assertEquals(3, lines.size());
    assertEquals("INFO before trace_id= span_id= flags=" + nl, lines.get(0));
    assertEquals(
        "INFO inside trace_id=" + TRACE_ID + " span_id=" + SPAN_ID + " flags=01" + nl,
        lines.get(1));
    assertEquals("WARNING after trace_id= span_id= flags=" + nl, lines.get(2));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "jul"));
  }

  @Test
  void anUnsampledSpansIdsAreThereWithItsFlags() {
    try (Scope ignored = inSpan(TraceFlags.getDefault())) {
      logger.info("unsampled");
    }
    assertEquals(
        "INFO unsampled trace_id=" + TRACE_ID + " span_id=" + SPAN_ID + " flags=00"
            + System.lineSeparator(),
        lines.get(0));
  }
}
