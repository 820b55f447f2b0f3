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
    p.setProperty("weft.traces.enabled", "false");
    WeftConfig config = WeftConfig.load(null, p, new HashMap<>());
    LogEnricher logs =
        new LogEnricher(Tracing.disabled(), config.logs(), config.serviceName(), new AgentErrors());
    try (Scope s = span(TRACE, SPAN, TraceFlags.getSampled())) {
      assertNull(logs.currentIds());
    }
  }

  @Test
  void asciiJsonLineEscapesNonAsciiAndEndsWithTheLineSeparator() throws Exception {
    LogEnricher logs = enricher("weft.logs.format", "json");
    assertTrue(logs.json());
    String line;
    try (Scope s = span(TRACE, SPAN, TraceFlags.getSampled())) {
      line = logs.asciiJsonLine(0L, "ERROR", "shop", "main", "é \"x\"", logs.withIds(null), null);
    }
    assertEquals(
        "{\"timestamp\":\"1970-01-01T00:00:00.000Z\",\"level\":\"ERROR\",\"service\":\"checkout\","
            + "\"logger\":\"shop\",\"thread\":\"main\",\"message\":\"\\u00E9 \\\"x\\\"\","
            + "\"trace_id\":\"" + TRACE + "\",\"span_id\":\"" + SPAN + "\",\"trace_flags\":\"01\","
            + "\"context\":{}}"
            + System.lineSeparator(),
        line);
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
