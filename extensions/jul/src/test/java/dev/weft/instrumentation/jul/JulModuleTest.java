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
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
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
 * JSON lines are in {@link JulJsonLinesTest}, which runs in a JVM of its own.
 */
class JulModuleTest {

  private static final String FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";
  private static final String FORMAT =
      "%4$s %3$s trace_id=%7$s span_id=%8$s flags=%9$s - %5$s%6$s%n";
  /** What SimpleFormatter falls back to when the configured format fails with its six arguments. */
  private static final String JDK_DEFAULT_FORMAT =
      "%1$tb %1$td, %1$tY %1$tl:%1$tM:%1$tS %1$Tp %2$s%n%4$s: %5$s%6$s%n";

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
    assertEquals("INFO weft.test.jul trace_id= span_id= flags= - before" + nl, lines.get(0));
    assertEquals(
        "INFO weft.test.jul trace_id=" + TRACE_ID + " span_id=" + SPAN_ID + " flags=01 - inside"
            + nl,
        lines.get(1));
    assertEquals("WARNING weft.test.jul trace_id= span_id= flags= - after" + nl, lines.get(2));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "jul"));
  }

  @Test
  void anUnsampledSpansIdsAreThereWithItsFlags() {
    try (Scope ignored = inSpan(TraceFlags.getDefault())) {
      logger.info("unsampled");
    }
    assertEquals(
        "INFO weft.test.jul trace_id=" + TRACE_ID + " span_id=" + SPAN_ID + " flags=00 - unsampled"
            + System.lineSeparator(),
        lines.get(0));
  }

  @Test
  void theMessageIsFormattedWithItsParametersAndTheThrowableFollowsIt() {
    String nl = System.lineSeparator();
    LogRecord record = new LogRecord(Level.SEVERE, "order {0} failed for {1}");
    record.setParameters(new Object[] {42, "Zoë"});
    record.setLoggerName(logger.getName());
    record.setThrown(withoutStack(new IllegalStateException("bad", new IOException("disk"))));
    try (Scope ignored = inSpan(TraceFlags.getSampled())) {
      logger.log(record);
    }
    assertEquals(
        "SEVERE weft.test.jul trace_id=" + TRACE_ID + " span_id=" + SPAN_ID + " flags=01"
            + " - order 42 failed for Zoë" + nl
            + "java.lang.IllegalStateException: bad" + nl
            + "Caused by: java.io.IOException: disk" + nl
            + nl,
        lines.get(0));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "jul"));
  }

  @Test
  void aFormatThatNamesNoIdIsLeftToSimpleFormatter() {
    System.setProperty(FORMAT_PROPERTY, "%4$s: %5$s [%3$s]%n");
    try {
      SimpleFormatter own = new SimpleFormatter();
      LogRecord record = new LogRecord(Level.INFO, "plain");
      record.setLoggerName("shop");
      try (Scope ignored = inSpan(TraceFlags.getSampled())) {
        assertEquals("INFO: plain [shop]" + System.lineSeparator(), own.format(record));
      }
    } finally {
      System.setProperty(FORMAT_PROPERTY, FORMAT);
    }
    // The ids come back for the formatter of the format that names them.
    try (Scope ignored = inSpan(TraceFlags.getSampled())) {
      logger.info("again");
    }
    assertEquals(
        "INFO weft.test.jul trace_id=" + TRACE_ID + " span_id=" + SPAN_ID + " flags=01 - again"
            + System.lineSeparator(),
        lines.get(0));
  }

  @Test
  void whenWeftFailsSimpleFormatterFormatsAsItWouldWithoutItAndTheFailureIsCounted() {
    // A record whose time cannot be read the first time: Weft's text fails, SimpleFormatter's
    // own (which reads it again) does not.
    Instant time = Instant.ofEpochMilli(1_764_340_502_123L);
    AtomicInteger reads = new AtomicInteger();
    LogRecord record =
        new LogRecord(Level.INFO, "order {0}") {
          @Override
          public Instant getInstant() {
            if (reads.getAndIncrement() == 0) {
              throw new IllegalStateException("no time yet");
            }
            return time;
          }
        };
    record.setParameters(new Object[] {7});
    record.setLoggerName(logger.getName());
    record.setSourceClassName("shop.Orders");
    record.setSourceMethodName("accept");
    try (Scope ignored = inSpan(TraceFlags.getSampled())) {
      logger.log(record);
    }
    // The configured format fails with six arguments, so SimpleFormatter uses its default.
    assertEquals(
        String.format(
            JDK_DEFAULT_FORMAT,
            ZonedDateTime.ofInstant(time, ZoneId.systemDefault()),
            "shop.Orders accept",
            logger.getName(),
            "INFO",
            "order 7",
            ""),
        lines.get(0));
    assertEquals(1, weft.counter("weft_agent_errors_total", "module", "jul"));
  }

  /** {@code t} and its causes with no stack frames, so its printed trace is known text. */
  static <T extends Throwable> T withoutStack(T t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      c.setStackTrace(new StackTraceElement[0]);
    }
    return t;
  }
}
