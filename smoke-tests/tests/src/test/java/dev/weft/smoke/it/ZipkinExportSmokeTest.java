package dev.weft.smoke.it;

import static dev.weft.smoke.it.TraceTestSupport.LABELS_PROPERTY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.ZipkinServer;
import dev.weft.testing.traces.ZipkinSpan;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spans to a real Zipkin server (otel.traces.exporter=zipkin): a request with a known W3C
 * traceparent is read back through Zipkin's own query API, in the caller's trace, under the
 * caller's span.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ZipkinExportSmokeTest extends ServiceSmokeTest {

  static final String SERVICE_NAME = "checkout-zipkin";

  @TempDir Path tempDir;

  @Test
  void requestWithTraceparentIsReadBackFromZipkin() throws Exception {
    try (ZipkinServer zipkin = ZipkinServer.start(tempDir.resolve("zipkin"))) {
      int appPort = SmokeEnv.freePort();
      int metricsPort = SmokeEnv.freePort();
      service = TraceTestSupport.startService(
          "ZipkinExport", SmokeEnv.currentJava(), appPort, metricsPort, Map.of(),
          LABELS_PROPERTY,
          "-Dotel.service.name=" + SERVICE_NAME,
          "-Dotel.traces.exporter=zipkin",
          "-Dotel.exporter.zipkin.endpoint=" + zipkin.spansEndpoint(),
          "-Dotel.bsp.schedule.delay=100");
      HttpClient client = Http.newClient();
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      String traceId = TraceTestSupport.newTraceId();
      String parentId = TraceTestSupport.newSpanId();
      assertEquals(List.of(200), TraceTestSupport.sendAll(client, List.of(TraceTestSupport.get(
          appPort, "/users/42?secret=s3cr3t", "traceparent",
          TraceTestSupport.traceparent(traceId, parentId, true)))));

      List<ZipkinSpan> trace = zipkin.awaitTrace(traceId, 1, Duration.ofSeconds(30));
      assertEquals(1, trace.size(), "one span in the trace: " + trace);
      ZipkinSpan span = trace.get(0);
      assertEquals(traceId, span.traceId(), span.json());
      assertEquals(parentId, span.parentId(), "the caller's span is the parent: " + span.json());
      assertNotEquals(parentId, span.id(), span.json());
      assertTrue(span.id().matches("[0-9a-f]{16}"), span.json());
      assertEquals("SERVER", span.kind(), span.json());
      assertEquals(SERVICE_NAME, span.serviceName(), span.json());
      // Zipkin lower-cases span names.
      assertEquals("get /users/", span.name(), span.json());
      assertEquals("/users/", span.tag("http.route"), span.json());
      assertEquals("GET", span.tag("http.request.method"), span.json());
      assertEquals("200", span.tag("http.response.status_code"), span.json());
      assertEquals("/users/42", span.tag("url.path"), span.json());
      assertFalse(span.json().contains("s3cr3t"), "the query string leaked: " + span.json());

      MetricsScrape scrape = Http.scrape(client, metricsPort);
      assertEquals(0.0, TraceTestSupport.droppedTotal(scrape),
          "no span dropped: " + scrape.series("weft_spans_dropped_total"));
      assertEquals(List.of(), TraceTestSupport.weftProblems(service));
      assertEquals(List.of(), TraceTestSupport.foreignStderrLines(service));
    }
  }
}
