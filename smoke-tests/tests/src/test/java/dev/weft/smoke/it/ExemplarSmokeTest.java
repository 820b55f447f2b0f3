package dev.weft.smoke.it;

import static dev.weft.smoke.it.TraceTestSupport.LABELS_PROPERTY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Metrics link to traces: an OpenMetrics scrape shows exemplars on the server and client
 * request-duration buckets, and the span an exemplar names is one the backend received.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ExemplarSmokeTest extends ServiceSmokeTest {

  static final int REQUESTS = 20;

  /** A bucket sample line followed by its exemplar. */
  static final Pattern EXEMPLAR = Pattern.compile(
      "^(http_request_duration_seconds_bucket\\{[^}]*\\}) \\S+ # \\{([^}]*)\\} (\\S+)(?: (\\S+))?$",
      Pattern.MULTILINE);
  static final Pattern CLIENT_EXEMPLAR = Pattern.compile(
      "^(http_client_request_duration_seconds_bucket\\{[^}]*\\}) \\S+ # \\{([^}]*)\\} (\\S+)(?: (\\S+))?$",
      Pattern.MULTILINE);
  static final Pattern TRACE_ID = Pattern.compile("(?:^|,)trace_id=\"([0-9a-f]{32})\"");
  static final Pattern SPAN_ID = Pattern.compile("(?:^|,)span_id=\"([0-9a-f]{16})\"");

  @Test
  void openMetricsExemplarsNameTracesTheBackendReceived() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int appPort = SmokeEnv.freePort();
      int metricsPort = SmokeEnv.freePort();
      service = TraceTestSupport.startService(
          "Exemplars", SmokeEnv.currentJava(), appPort, metricsPort, Map.of(),
          LABELS_PROPERTY,
          "-Dotel.service.name=checkout-exemplars",
          "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
          "-Dotel.bsp.schedule.delay=100");
      HttpClient client = Http.newClient();
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      List<HttpRequest> requests = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        requests.add(TraceTestSupport.get(appPort, "/hello"));
      }
      assertEquals("", TraceTestSupport.unexpectedStatuses(
          TraceTestSupport.sendAll(client, requests), 200));
      TraceTestSupport.awaitRequestsCounted(service, client, metricsPort, "/hello", REQUESTS);

      HttpResponse<String> scrape = Http.get(client, Http.url(metricsPort, "/metrics"),
          "application/openmetrics-text; version=1.0.0; charset=utf-8");
      assertEquals(200, scrape.statusCode());
      assertTrue(scrape.headers().firstValue("Content-Type").orElse("")
          .startsWith("application/openmetrics-text"), scrape.headers().toString());

      Matcher m = EXEMPLAR.matcher(scrape.body());
      List<String[]> exemplars = new ArrayList<>();
      while (m.find()) {
        String series = m.group(1);
        String labels = m.group(2);
        Matcher trace = TRACE_ID.matcher(labels);
        Matcher span = SPAN_ID.matcher(labels);
        assertTrue(trace.find() && span.find(),
            "an exemplar must carry trace_id and span_id: " + m.group());
        assertTrue(series.contains("endpoint=\"/hello\""), "exemplar on another series: "
            + m.group());
        Double.parseDouble(m.group(3)); // the exemplar's value: a duration in seconds
        exemplars.add(new String[] {trace.group(1), span.group(1), m.group()});
      }
      assertFalse(exemplars.isEmpty(),
          "no exemplar on any http_request_duration_seconds bucket:\n" + relevant(scrape.body()));

      // Each exemplar names a span the backend received: that request's SERVER span.
      for (String[] exemplar : exemplars) {
        List<ReceivedSpan> spans = receiver.awaitSpans(
            s -> s.traceId().equals(exemplar[0]) && s.spanId().equals(exemplar[1]), 1,
            Duration.ofSeconds(30));
        assertEquals(1, spans.size(), exemplar[2]);
        assertEquals("SERVER", spans.get(0).kind());
        assertEquals("/hello", spans.get(0).attribute("http.route"));
      }
    }
  }

  /**
   * The client histogram too: each call the handoff service makes (one per request, from a pool
   * thread) is a CLIENT span, and the exemplars on http_client_request_duration_seconds name
   * CLIENT spans the backend received.
   */
  @Test
  void clientDurationExemplarsNameClientSpansTheBackendReceived() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int appPort = SmokeEnv.freePort();
      int metricsPort = SmokeEnv.freePort();
      service =
          ServiceProcess.builder("ClientExemplars")
              .java(SmokeEnv.currentJava())
              .agent(SmokeEnv.agentJar())
              .jvmArgs(
                  "-Dweft.metrics.port=" + metricsPort,
                  "-Dotel.service.name=handoff-exemplars",
                  "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
                  "-Dotel.bsp.schedule.delay=100")
              .jar(SmokeEnv.chainServicesJar())
              .args("handoff", Integer.toString(appPort))
              .start();
      service.awaitStdoutLine("handoff listening on " + appPort, Services.STARTUP);
      HttpClient client = Http.newClient();
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
      for (int i = 0; i < REQUESTS; i++) {
        HttpResponse<String> r = Http.get(client, Http.url(appPort, "/handoff/submit"));
        assertEquals("submit:leaf", r.body());
      }
      HttpResponse<String> scrape = Http.get(client, Http.url(metricsPort, "/metrics"),
          "application/openmetrics-text; version=1.0.0; charset=utf-8");
      Matcher m = CLIENT_EXEMPLAR.matcher(scrape.body());
      List<String[]> exemplars = new ArrayList<>();
      while (m.find()) {
        Matcher trace = TRACE_ID.matcher(m.group(2));
        Matcher span = SPAN_ID.matcher(m.group(2));
        assertTrue(trace.find() && span.find(), "trace_id and span_id: " + m.group());
        assertTrue(m.group(1).contains("host=\"127.0.0.1\""), m.group());
        exemplars.add(new String[] {trace.group(1), span.group(1), m.group()});
      }
      assertFalse(exemplars.isEmpty(),
          "no exemplar on any http_client_request_duration_seconds bucket:\n" + scrape.body());
      for (String[] exemplar : exemplars) {
        List<ReceivedSpan> spans = receiver.awaitSpans(
            s -> s.traceId().equals(exemplar[0]) && s.spanId().equals(exemplar[1]), 1,
            Duration.ofSeconds(30));
        assertEquals(1, spans.size(), exemplar[2]);
        assertEquals("CLIENT", spans.get(0).kind(), exemplar[2]);
      }
    }
  }

  private static String relevant(String body) {
    StringBuilder s = new StringBuilder();
    for (String line : body.split("\n")) {
      if (line.startsWith("http_request_duration_seconds")) {
        s.append(line).append('\n');
      }
    }
    return s.toString();
  }
}
