package dev.weft.instrumentation.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The logback module in process: Logback's real logger context, whose test appenders keep the
 * events they receive; a line logged inside a span carries the span's ids in its MDC, a line outside
 * carries none, and the thread's own MDC is never written.
 */
class LogbackModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("logback");

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN_ID = "00f067aa0ba902b7";

  private LoggerContext context;
  private ListAppender<ILoggingEvent> direct;
  private ListAppender<ILoggingEvent> behindAsync;
  private AsyncAppender async;
  private Logger logger;
  private Logger asyncLogger;

  @BeforeEach
  void setUp() {
    // The context SLF4J is bound to: from Logback 1.3 on, it is what gives the context its MDC.
    context = (LoggerContext) LoggerFactory.getILoggerFactory();
    direct = new ListAppender<>();
    direct.setContext(context);
    direct.start();
    behindAsync = new ListAppender<>();
    behindAsync.setContext(context);
    behindAsync.start();
    async = new AsyncAppender();
    async.setContext(context);
    async.addAppender(behindAsync);
    async.start();
    logger = context.getLogger("weft.test.direct");
    logger.setAdditive(false);
    logger.setLevel(Level.INFO);
    logger.addAppender(direct);
    asyncLogger = context.getLogger("weft.test.async");
    asyncLogger.setAdditive(false);
    asyncLogger.setLevel(Level.INFO);
    asyncLogger.addAppender(async);
  }

  @AfterEach
  void tearDown() {
    MDC.clear();
    logger.detachAndStopAllAppenders();
    asyncLogger.detachAndStopAllAppenders();
  }

  private static Scope inSpan(String traceId, String spanId, TraceFlags flags) {
    Span span =
        Span.wrap(SpanContext.create(traceId, spanId, flags, TraceState.getDefault()));
    return Context.root().with(span).makeCurrent();
  }

  @Test
  void aLineInsideASpanCarriesItsIdsAndALineOutsideCarriesNone() {
    logger.info("before");
    try (Scope ignored = inSpan(TRACE_ID, SPAN_ID, TraceFlags.getSampled())) {
      logger.info("inside");
      // The ids belong to the event only: the thread's MDC is not written.
      assertNull(MDC.get("trace_id"));
    }
    logger.info("after");

    List<ILoggingEvent> events = direct.list;
    assertEquals(3, events.size());
    Map<String, String> before = events.get(0).getMDCPropertyMap();
    Map<String, String> inside = events.get(1).getMDCPropertyMap();
    Map<String, String> after = events.get(2).getMDCPropertyMap();
    assertEquals("inside", events.get(1).getMessage());
    assertEquals(TRACE_ID, inside.get("trace_id"));
    assertEquals(SPAN_ID, inside.get("span_id"));
    assertEquals("01", inside.get("trace_flags"));
    assertEquals(3, inside.size(), inside.toString());
    assertTrue(before.isEmpty(), before.toString());
    assertTrue(after.isEmpty(), after.toString());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "logback"));
  }

  @Test
  void theApplicationsOwnMdcIsKeptAndItsKeysWin() {
    MDC.put("user", "alice");
    MDC.put("span_id", "set-by-the-application");
    try (Scope ignored = inSpan(TRACE_ID, SPAN_ID, TraceFlags.getDefault())) {
      logger.info("inside");
    }
    MDC.remove("span_id");
    logger.info("outside");
    Map<String, String> inside = direct.list.get(0).getMDCPropertyMap();
    assertEquals("alice", inside.get("user"));
    assertEquals(TRACE_ID, inside.get("trace_id"));
    assertEquals("set-by-the-application", inside.get("span_id"));
    assertEquals("00", inside.get("trace_flags"));
    Map<String, String> outside = direct.list.get(1).getMDCPropertyMap();
    assertEquals(Map.of("user", "alice"), outside);
    assertFalse(MDC.getCopyOfContextMap().containsKey("trace_id"));
  }

  @Test
  void anAsyncAppenderSeesTheIdsOfTheThreadThatLogged() throws InterruptedException {
    try (Scope ignored = inSpan(TRACE_ID, SPAN_ID, TraceFlags.getSampled())) {
      asyncLogger.info("inside");
    }
    asyncLogger.info("outside");
    // The AsyncAppender hands events to its worker; stop() drains the queue.
    async.stop();
    assertEquals(2, behindAsync.list.size());
    Map<String, String> inside = behindAsync.list.get(0).getMDCPropertyMap();
    assertEquals(TRACE_ID, inside.get("trace_id"));
    assertEquals(SPAN_ID, inside.get("span_id"));
    assertTrue(behindAsync.list.get(1).getMDCPropertyMap().isEmpty());
  }
}
