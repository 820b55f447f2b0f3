package dev.weft.instrumentation.log4j2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The log4j2 module in process: a real Log4j 2 logger context with an appender that keeps each
 * event's context data as it arrives; a line logged inside a span carries the span's ids, a line
 * outside carries none, and the thread context is never written.
 */
class Log4j2ModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("log4j2");

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN_ID = "00f067aa0ba902b7";

  /** The context data of each event the appender received (copied: events may be reused). */
  private static final List<Map<String, String>> received = new CopyOnWriteArrayList<>();

  private static Logger logger;
  private static Logger asyncLogger;

  /** Keeps what it receives; Log4j's own appenders write bytes, this one keeps the event. */
  private static final class KeepingAppender extends AbstractAppender {
    KeepingAppender() {
      super("weft-keeping", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      received.add(event.getContextData().toMap());
    }
  }

  @BeforeAll
  static void configure() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Configuration config = context.getConfiguration();
    KeepingAppender appender = new KeepingAppender();
    appender.start();
    config.addAppender(appender);
    LoggerConfig loggerConfig = new LoggerConfig("weft.test", Level.INFO, false);
    loggerConfig.addAppender(appender, null, null);
    config.addLogger("weft.test", loggerConfig);
    // The same appender behind Log4j's Async appender, which hands events to its own thread.
    AsyncAppender async =
        AsyncAppender.newBuilder()
            .setName("weft-async")
            .setAppenderRefs(
                new AppenderRef[] {AppenderRef.createAppenderRef("weft-keeping", null, null)})
            .setConfiguration(config)
            .build();
    async.start();
    config.addAppender(async);
    LoggerConfig asyncConfig = new LoggerConfig("weft.test.async", Level.INFO, false);
    asyncConfig.addAppender(async, null, null);
    config.addLogger("weft.test.async", asyncConfig);
    context.updateLoggers();
    logger = context.getLogger("weft.test");
    asyncLogger = context.getLogger("weft.test.async");
  }

  @BeforeEach
  void clear() {
    received.clear();
  }

  @AfterEach
  void clearThreadContext() {
    ThreadContext.clearMap();
  }

  private static Scope inSpan(TraceFlags flags) {
    Span span = Span.wrap(SpanContext.create(TRACE_ID, SPAN_ID, flags, TraceState.getDefault()));
    return Context.root().with(span).makeCurrent();
  }

  @Test
  void aLineInsideASpanCarriesItsIdsAndALineOutsideCarriesNone() {
    logger.info("before");
    try (Scope ignored = inSpan(TraceFlags.getSampled())) {
      logger.info("inside");
      // The ids belong to the event only: the thread context is not written.
      assertNull(ThreadContext.get("trace_id"));
    }
    logger.info("after");
    assertEquals(3, received.size());
    assertTrue(received.get(0).isEmpty(), received.get(0).toString());
    assertEquals(
        Map.of("trace_id", TRACE_ID, "span_id", SPAN_ID, "trace_flags", "01"), received.get(1));
    assertTrue(received.get(2).isEmpty(), received.get(2).toString());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "log4j2"));
  }

  @Test
  void theApplicationsThreadContextIsKeptAndItsKeysWin() {
    ThreadContext.put("user", "alice");
    ThreadContext.put("span_id", "set-by-the-application");
    try (Scope ignored = inSpan(TraceFlags.getDefault())) {
      logger.info("inside");
    }
    ThreadContext.remove("span_id");
    logger.info("outside");
    assertEquals(2, received.size());
    assertEquals(
        Map.of(
            "user", "alice",
            "trace_id", TRACE_ID,
            "span_id", "set-by-the-application",
            "trace_flags", "00"),
        received.get(0));
    assertEquals(Map.of("user", "alice"), received.get(1));
    assertNull(ThreadContext.get("trace_id"));
  }

  @Test
  void theAsyncAppenderSeesTheIdsOfTheThreadThatLogged() throws InterruptedException {
    try (Scope ignored = inSpan(TraceFlags.getSampled())) {
      asyncLogger.info("inside");
    }
    asyncLogger.info("outside");
    long deadline = System.currentTimeMillis() + 10_000;
    while (received.size() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(2, received.size());
    assertEquals(
        Map.of("trace_id", TRACE_ID, "span_id", SPAN_ID, "trace_flags", "01"), received.get(0));
    assertTrue(received.get(1).isEmpty(), received.get(1).toString());
  }
}
