package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sampling set through the standard OTEL_* variables: parentbased_traceidratio at 0.1 exports
 * about a tenth of new traces (checked against the binomial 99.9% interval), and for requests
 * that carry a caller's context the downstream follows the caller's decision exactly.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SamplingSmokeTest extends ServiceSmokeTest {

  static final int NEW_TRACES = 2000;
  static final double RATIO = 0.1;
  /** Two-sided 99.9%: P(|Z| > 3.29) = 0.001. */
  static final double Z = 3.29;
  static final int WITH_PARENT = 100;

  @Test
  void ratioSamplerExportsItsShareAndFollowsTheCallersDecision() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int appPort = SmokeEnv.freePort();
      int metricsPort = SmokeEnv.freePort();
      service = TraceTestSupport.startService(
          "Sampling", SmokeEnv.currentJava(), appPort, metricsPort,
          Map.of(
              "OTEL_SERVICE_NAME", "checkout-sampling",
              "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
              "OTEL_TRACES_SAMPLER_ARG", Double.toString(RATIO),
              "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
              "OTEL_BSP_SCHEDULE_DELAY", "100"));
      HttpClient client = Http.newClient();
      MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
      assertTrue(service.weftLines().stream()
              .anyMatch(l -> l.contains("sampler parentbased_traceidratio 0.1")),
          "the start-up line names the sampler: " + service.weftLines());

      List<HttpRequest> requests = new ArrayList<>();
      for (int i = 0; i < NEW_TRACES; i++) {
        requests.add(TraceTestSupport.get(appPort, "/users/new-" + i));
      }
      Map<String, String> sampledParents = new HashMap<>();
      Map<String, String> unsampledParents = new HashMap<>();
      for (int i = 0; i < WITH_PARENT; i++) {
        String trace = TraceTestSupport.newTraceId();
        String parent = TraceTestSupport.newSpanId();
        sampledParents.put(trace, parent);
        requests.add(TraceTestSupport.get(appPort, "/users/sampled-" + i, "traceparent",
            TraceTestSupport.traceparent(trace, parent, true)));
        String unsampledTrace = TraceTestSupport.newTraceId();
        unsampledParents.put(unsampledTrace, TraceTestSupport.newSpanId());
        requests.add(TraceTestSupport.get(appPort, "/users/unsampled-" + i, "traceparent",
            TraceTestSupport.traceparent(unsampledTrace, unsampledParents.get(unsampledTrace),
                false)));
      }
      java.util.Collections.shuffle(requests, new java.util.Random(7));
      assertEquals("", TraceTestSupport.unexpectedStatuses(
          TraceTestSupport.sendAll(client, requests), 200));

      // Every request counted, so every span ended and queued; then a sampled marker closes the
      // run: the export queue is in order, so once it is in, every earlier span is in too.
      int total = NEW_TRACES + 2 * WITH_PARENT;
      MetricsScrape after = TraceTestSupport.awaitRequestsCounted(
          service, client, metricsPort, "/users/", TraceTestSupport.requestsTotal(before, "/users/")
              + total);
      assertEquals(total, TraceTestSupport.requestsTotal(after, "/users/")
          - TraceTestSupport.requestsTotal(before, "/users/"),
          "every request is counted in the metrics, sampled or not");
      String marker = TraceTestSupport.newTraceId();
      assertEquals(List.of(200), TraceTestSupport.sendAll(client, List.of(TraceTestSupport.get(
          appPort, "/hello", "traceparent",
          TraceTestSupport.traceparent(marker, TraceTestSupport.newSpanId(), true)))));
      receiver.awaitSpans(s -> s.traceId().equals(marker), 1, Duration.ofSeconds(30));

      // New traces: the sampler's share, within the binomial 99.9% interval.
      List<ReceivedSpan> fresh = receiver.spans(s -> path(s).startsWith("/users/new-"));
      double mean = NEW_TRACES * RATIO;
      double sd = Math.sqrt(NEW_TRACES * RATIO * (1 - RATIO));
      long low = (long) Math.ceil(mean - Z * sd);
      long high = (long) Math.floor(mean + Z * sd);
      int exported = fresh.size();
      System.out.printf("sampling: %d of %d new traces exported at ratio %s; 99.9%% interval"
          + " [%d, %d]%n", exported, NEW_TRACES, RATIO, low, high);
      assertTrue(low <= exported && exported <= high,
          "exported " + exported + " of " + NEW_TRACES + " new traces at ratio " + RATIO
              + "; the 99.9% interval is [" + low + ", " + high + "]");
      assertEquals(exported, fresh.stream().map(ReceivedSpan::traceId).distinct().count(),
          "one span per exported trace");
      assertTrue(fresh.stream().allMatch(ReceivedSpan::isRoot), "new traces have no parent");

      // A caller that sampled: every one exported, in the caller's trace, under its span.
      List<ReceivedSpan> followed = receiver.spans(s -> path(s).startsWith("/users/sampled-"));
      assertEquals(WITH_PARENT, followed.size(),
          "every request whose caller sampled is exported\n" + receiver.describe());
      for (ReceivedSpan span : followed) {
        assertEquals(sampledParents.get(span.traceId()), span.parentSpanId(), span.toString());
      }
      assertEquals(sampledParents.keySet(),
          followed.stream().map(ReceivedSpan::traceId).collect(Collectors.toSet()));

      // A caller that did not sample: none exported.
      Set<String> unsampledTraces = unsampledParents.keySet();
      List<ReceivedSpan> leaked = receiver.spans(
          s -> path(s).startsWith("/users/unsampled-") || unsampledTraces.contains(s.traceId()));
      assertEquals(List.of(), leaked, "a request whose caller did not sample must not be exported");

      assertEquals(exported + WITH_PARENT + 1, receiver.spans().size(),
          "nothing else exported\n" + receiver.describe());
      MetricsScrape end = Http.scrape(client, metricsPort);
      assertEquals(0.0, TraceTestSupport.droppedTotal(end),
          "no span dropped: " + end.series("weft_spans_dropped_total"));
      assertEquals(List.of(), TraceTestSupport.weftProblems(service));
      assertEquals(List.of(), TraceTestSupport.foreignStderrLines(service));
    }
  }

  private static String path(ReceivedSpan span) {
    String path = span.attribute("url.path");
    return path == null ? "" : path;
  }
}
