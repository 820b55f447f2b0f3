package dev.weft.runtime.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tracing runtime with the real SDK and a collecting exporter. */
class TracingTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT = "00f067aa0ba902b7";

  private final List<SpanData> exported = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicLong> dropped = new ConcurrentHashMap<>();
  private Tracing tracing;

  @AfterEach
  void stop() {
    if (tracing != null) {
      tracing.shutdown();
    }
  }

  private Tracing tracing(SpanExporter exporter, String... keyValues) throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.service.name", "checkout");
    p.setProperty("weft.metrics.labels", "region=eu-west-1,cluster=blue");
    p.setProperty("otel.bsp.schedule.delay", "10");
    for (int i = 0; i < keyValues.length; i += 2) {
      p.setProperty(keyValues[i], keyValues[i + 1]);
    }
    tracing =
        Tracing.create(
            WeftConfig.load(null, p, new HashMap<>()),
            exporter,
            (reason, n) -> dropped.computeIfAbsent(reason, r -> new AtomicLong()).addAndGet(n),
            new AgentErrors());
    return tracing;
  }

  private SpanExporter collecting() {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        exported.addAll(spans);
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
    };
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void serverSpanContinuesTheCallersTraceAndClientCarriesIt() throws Exception {
    Tracing t = tracing(collecting());
    ServerSpan server =
        t.startServer(
            "GET", "/users/*", "http", "/users/42", "00-" + TRACE + "-" + PARENT + "-01",
            "vendor=x", "tenant=acme");
    ClientSpan client = t.startClient("POST", "http", "worker", 8080, "/jobs");
    String[] headers = client.headers();
    client.end(201, null);
    server.end(200, null, "/users/{id}");

    await(() -> exported.size() == 2, "two spans");
    SpanData s = exported.stream().filter(d -> d.getKind() == SpanKind.SERVER).findFirst().get();
    SpanData c = exported.stream().filter(d -> d.getKind() == SpanKind.CLIENT).findFirst().get();
    assertEquals(TRACE, s.getTraceId());
    assertEquals(PARENT, s.getParentSpanId());
    assertEquals("GET /users/{id}", s.getName());
    assertEquals(TRACE, c.getTraceId());
    assertEquals(s.getSpanId(), c.getParentSpanId());
    assertEquals("checkout", s.getResource().getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey("service.name")));
    assertEquals("eu-west-1", s.getResource().getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey("region")));

    Map<String, String> h = new HashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    assertEquals("00-" + TRACE + "-" + c.getSpanId() + "-01", h.get("traceparent"));
    assertEquals("vendor=x", h.get("tracestate"));
    assertEquals("tenant=acme", h.get("baggage"));
    assertEquals(TRACE, server.sampledTraceId());
  }

  @Test
  void malformedHeadersStartANewTrace() throws Exception {
    Tracing t = tracing(collecting());
    String[] bad = {
      "garbage",
      "00-" + TRACE + "-" + PARENT + "-zz",
      "00-00000000000000000000000000000000-" + PARENT + "-01",
      "\u0000\u00ff\u0001binary",
      "00-" + TRACE + "-" + PARENT + "-01" + "x".repeat(20_000),
    };
    for (String header : bad) {
      t.startServer("GET", "/", "http", "/", header, "\u0000", "=;=;,,").end(200, null, null);
    }
    await(() -> exported.size() == bad.length, "all spans");
    for (SpanData d : exported) {
      assertNotEquals(TRACE, d.getTraceId());
      assertFalse(d.getParentSpanContext().isValid());
    }
  }

  @Test
  void parentBasedRatioFollowsTheCallersDecision() throws Exception {
    Tracing t =
        tracing(
            collecting(),
            "otel.traces.sampler", "parentbased_traceidratio",
            "otel.traces.sampler.arg", "0");
    // Ratio 0: no root trace is sampled; a caller's sampled flag wins either way.
    for (int i = 0; i < 50; i++) {
      ServerSpan root = t.startServer("GET", "/", "http", "/", null, null, null);
      assertNull(root.sampledTraceId());
      // An unsampled span still propagates, flagged 00, so downstream agrees.
      ClientSpan c = t.startClient("GET", "http", "down", 80, "/");
      String tp = c.headers()[1];
      assertEquals(0, Integer.parseInt(tp.substring(tp.length() - 2), 16) & 1, tp);
      c.end(200, null);
      root.end(200, null, null);
    }
    for (int i = 0; i < 20; i++) {
      t.startServer("GET", "/", "http", "/", "00-" + TRACE + "-" + PARENT + "-01", null, null)
          .end(200, null, null);
      t.startServer("GET", "/", "http", "/", "00-" + TRACE.replace('4', '5') + "-" + PARENT + "-00", null, null)
          .end(200, null, null);
    }
    await(() -> exported.size() == 20, "the 20 sampled requests");
    Thread.sleep(100); // nothing else may arrive; the pipeline flushes every 10 ms
    assertEquals(20, exported.size());
    for (SpanData d : exported) {
      assertEquals(TRACE, d.getTraceId());
    }
  }

  @Test
  void fullQueueAndFailedExportsAreCounted() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    SpanExporter stuck =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(Collection<SpanData> spans) {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return CompletableResultCode.ofFailure();
          }

          @Override
          public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
          }
        };
    Tracing t =
        tracing(stuck, "otel.bsp.max.queue.size", "10", "otel.bsp.max.export.batch.size", "5");
    int spans = 1000;
    for (int i = 0; i < spans; i++) {
      t.startServer("GET", "/", "http", "/", null, null, null).end(200, null, null);
    }
    release.countDown();
    await(
        () -> total() == spans,
        "every span counted as delivered-or-dropped (dropped " + dropped + ")");
    assertTrue(dropped.get("queue_full").get() >= spans - 10 - 5, dropped.toString());
    assertTrue(dropped.get("export_failed").get() >= 1, dropped.toString());
  }

  private long total() {
    long n = 0;
    for (AtomicLong v : dropped.values()) {
      n += v.get();
    }
    return n;
  }

  @Test
  void contextBridgeCarriesOnlyWhatIsThere() throws Exception {
    Tracing t = tracing(collecting());
    ContextBridge bridge = t.contextBridge();
    assertNull(bridge.current(), "nothing to carry outside a request");
    ServerSpan server = t.startServer("GET", "/", "http", "/", null, null, null);
    Object captured = bridge.current();
    assertNotNull(captured);
    server.end(200, null, null);
    assertNull(bridge.current());
    List<Object> seen = new ArrayList<>();
    Thread other =
        new Thread(
            () -> {
              Object scope = bridge.attach(captured);
              seen.add(bridge.current());
              bridge.detach(scope);
              seen.add(bridge.current());
            });
    other.start();
    other.join();
    assertSame(captured, seen.get(0));
    assertNull(seen.get(1));
  }

  @Test
  void exporterNonePassesTheCallersContextOnAndRecordsNothing() throws Exception {
    Properties p = new Properties();
    p.setProperty("otel.traces.exporter", "none");
    Tracing through =
        Tracing.create(
            WeftConfig.load(null, p, new HashMap<>()), collecting(), DroppedSpans.NONE, new AgentErrors());
    tracing = through;
    assertTrue(through.enabled());
    assertFalse(through.recording());
    String traceparent = "00-" + TRACE + "-" + PARENT + "-01";
    ServerSpan server = through.startServer("GET", "/orders", "http", "/orders", traceparent, "k=v", null);
    try {
      // Everything started under the request is the caller's own span: its ids go downstream and
      // into log lines, and the callee's parent in the backend is the caller's span.
      assertEquals(TRACE, through.currentSpanContext().getTraceId());
      assertEquals(PARENT, through.currentSpanContext().getSpanId());
      ClientSpan client = through.startClient("GET", "http", "inventory", 8080, "/stock");
      String[] headers = client.headers();
      assertEquals("traceparent", headers[0]);
      assertEquals(traceparent, headers[1]);
      assertEquals("tracestate", headers[2]);
      assertEquals("k=v", headers[3]);
      client.end(200, null);
      DbSpan db = through.startDb("postgresql", "SELECT", "orders", "SELECT ?", "db", 5432);
      db.end(null);
      assertEquals(List.of("traceparent", traceparent, "tracestate", "k=v"),
          List.of(through.currentHeaders()));
    } finally {
      server.end(200, null, null);
    }
    assertNull(through.currentSpanContext());
    // A request without a caller's context has no ids to pass on, and nothing is ever exported.
    ServerSpan root = through.startServer("GET", "/", "http", "/", null, null, null);
    assertNull(through.currentSpanContext());
    assertEquals(0, through.currentHeaders().length);
    root.end(200, null, null);
    through.shutdown();
    assertEquals(List.of(), exported);
    assertNotSame(ContextBridge.NOOP, through.contextBridge());
  }

  @Test
  void tracingOffCostsNothing() throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.traces.enabled", "false");
    Tracing off =
        Tracing.create(
            WeftConfig.load(null, p, new HashMap<>()), collecting(), DroppedSpans.NONE, new AgentErrors());
    assertFalse(off.enabled());
    assertNull(off.startServer("GET", "/", "http", "/", null, null, null));
    assertNull(off.startClient("GET", "http", "h", 1, "/"));
    assertSame(ContextBridge.NOOP, off.contextBridge());
  }
}
