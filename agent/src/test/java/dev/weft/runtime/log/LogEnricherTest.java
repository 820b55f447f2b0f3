package dev.weft.runtime.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ids handed to log advice, with the real tracing runtime and a current span. */
class LogEnricherTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  private Tracing tracing;

  @AfterEach
  void stop() {
    if (tracing != null) {
      tracing.shutdown();
    }
  }

  private LogEnricher enricher(String... keyValues) throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.service.name", "checkout");
    for (int i = 0; i < keyValues.length; i += 2) {
      p.setProperty(keyValues[i], keyValues[i + 1]);
    }
    WeftConfig config = WeftConfig.load(null, p, new HashMap<>());
    tracing = Tracing.create(config, new NoExport(), (reason, n) -> {}, new AgentErrors());
    return new LogEnricher(tracing, config.logs(), config.serviceName(), new AgentErrors());
  }

  private static Scope span(String trace, String span, TraceFlags flags) {
    return Context.root()
        .with(Span.wrap(SpanContext.create(trace, span, flags, TraceState.getDefault())))
        .makeCurrent();
  }

  @Test
  void idsOnlyWhileASpanIsCurrent() throws Exception {
    LogEnricher logs = enricher();
    assertNull(logs.currentIds(), "no span");
    Map<String, String> mdc = Collections.singletonMap("order", "42");
    assertSame(mdc, logs.withIds(mdc), "outside a span the event's map is left as it is");

    try (Scope s = span(TRACE, SPAN, TraceFlags.getSampled())) {
      assertArrayEquals(
          new String[] {"trace_id", TRACE, "span_id", SPAN, "trace_flags", "01"}, logs.currentIds());
      assertSame(logs.currentIds(), logs.currentIds(), "one array per span and thread");
      Map<String, String> with = logs.withIds(mdc);
      assertEquals(4, with.size());
      assertEquals(TRACE, with.get("trace_id"));
      assertEquals("42", with.get("order"));
      assertEquals(1, mdc.size(), "the application's map is not written");
    }
    try (Scope s = span(TRACE, "1111111111111111", TraceFlags.getDefault())) {
      assertEquals("1111111111111111", logs.currentIds()[3], "a new span, new ids");
      assertEquals("00", logs.currentIds()[5], "not sampled: flags 00, ids still there");
    }
    try (Scope s = Context.root().with(Span.getInvalid()).makeCurrent()) {
      assertNull(logs.currentIds(), "an invalid span has no ids");
    }
    assertNull(logs.currentIds(), "ended: nothing left on the thread");
  }

  @Test
  void theApplicationsOwnKeysWin() throws Exception {
    LogEnricher logs = enricher();
    try (Scope s = span(TRACE, SPAN, TraceFlags.getSampled())) {
      Map<String, String> mdc = new HashMap<>();
      mdc.put("trace_id", "set-by-the-app");
      assertEquals("set-by-the-app", logs.withIds(mdc).get("trace_id"));
      assertEquals(SPAN, logs.withIds(mdc).get("span_id"));
    }
  }

  @Test
  void keyNamesAreConfigurable() throws Exception {
    LogEnricher logs =
        enricher(
            "weft.logs.trace_id.key", "traceId",
            "weft.logs.span_id.key", "dd.span_id",
            "weft.logs.trace_flags.key", "sampled-flags");
    try (Scope s = span(TRACE, SPAN, TraceFlags.getSampled())) {
      Map<String, String> with = logs.withIds(null);
      assertEquals(TRACE, with.get("traceId"));
      assertEquals(SPAN, with.get("dd.span_id"));
      assertEquals("01", with.get("sampled-flags"));
      assertEquals(3, with.size());
    }
  }

  @Test
  void tracesSwitchedOffMeansNoIds() throws Exception {
    Properties p = new Properties();
    p.setProperty("otel.traces.exporter", "none");
    WeftConfig config = WeftConfig.load(null, p, new HashMap<>());
    LogEnricher logs =
        new LogEnricher(Tracing.disabled(), config.logs(), config.serviceName(), new AgentErrors());
    try (Scope s = span(TRACE, SPAN, TraceFlags.getSampled())) {
      assertNull(logs.currentIds());
    }
  }

  @Test
  void julFormatGetsTheIdsAsArgumentsSevenToNine() throws Exception {
    LogEnricher logs = enricher();
    Formatter f = new SimpleFormatter();
    LogRecord r = new LogRecord(Level.INFO, "order {0} accepted");
    r.setParameters(new Object[] {42});
    r.setLoggerName("shop");
    String format = "%4$s %3$s trace_id=%7$s span_id=%8$s flags=%9$s - %5$s%6$s%n";
    try (Scope s = span(TRACE, SPAN, TraceFlags.getSampled())) {
      assertEquals(
          "INFO shop trace_id=" + TRACE + " span_id=" + SPAN + " flags=01 - order 42 accepted"
              + System.lineSeparator(),
          JulLines.simpleFormat(f, r, format, logs.currentIds()));
    }
    assertEquals(
        "INFO shop trace_id= span_id= flags= - order 42 accepted" + System.lineSeparator(),
        JulLines.simpleFormat(f, r, format, logs.currentIds()));
    assertTrue(JulLines.namesIds(format));
    assertTrue(!JulLines.namesIds("%1$tc %2$s%n%4$s: %5$s%6$s%n"), "the JDK default names none");
    assertNull(JulLines.format(logs, f, r, "%1$tc %2$s%n%4$s: %5$s%6$s%n"), "then JUL formats itself");
  }

  @Test
  void julLevelsUnderTheNamesLogToolsUse() {
    assertEquals("ERROR", JulLines.level(Level.SEVERE));
    assertEquals("WARN", JulLines.level(Level.WARNING));
    assertEquals("INFO", JulLines.level(Level.INFO));
    assertEquals("DEBUG", JulLines.level(Level.CONFIG));
    assertEquals("DEBUG", JulLines.level(Level.FINE));
    assertEquals("TRACE", JulLines.level(Level.FINER));
    assertEquals("TRACE", JulLines.level(Level.FINEST));
    assertEquals("INFO", JulLines.level(null));
  }

  @Test
  void julJsonLineIsAsciiAndCarriesTheIds() throws Exception {
    LogEnricher logs = enricher("weft.logs.format", "json");
    LogRecord r = new LogRecord(Level.SEVERE, "é \"x\"");
    r.setLoggerName("shop");
    r.setThrown(new IllegalStateException("bad", new java.io.IOException("io")));
    String line;
    try (Scope s = span(TRACE, SPAN, TraceFlags.getSampled())) {
      line = logs.julFormat(new SimpleFormatter(), r, "%5$s");
    }
    assertTrue(line.endsWith(System.lineSeparator()));
    assertTrue(line.contains("\"level\":\"ERROR\""), line);
    assertTrue(line.contains("\"message\":\"\\u00E9 \\\"x\\\"\""), line);
    assertTrue(line.contains("\"trace_id\":\"" + TRACE + "\""), line);
    assertTrue(line.contains("\"thread\":\"" + Thread.currentThread().getName() + "\""), line);
    assertTrue(line.contains("Caused by: java.io.IOException: io"), line);
  }

  private static final class NoExport implements SpanExporter {
    @Override
    public CompletableResultCode export(java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
