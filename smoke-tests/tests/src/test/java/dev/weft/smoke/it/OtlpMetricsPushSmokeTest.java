package dev.weft.smoke.it;

import static dev.weft.smoke.it.TraceTestSupport.CLUSTER;
import static dev.weft.smoke.it.TraceTestSupport.LABELS_PROPERTY;
import static dev.weft.smoke.it.TraceTestSupport.REGION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.OtlpReceiver.Protocol;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Metrics pushed over OTLP ({@code otel.metrics.exporter=otlp}) to a real receiver that decodes
 * them with the official opentelemetry-proto classes: the pushed counters and histograms are the
 * scraped ones, series for series, for the same traffic; the service is the OTLP Resource; and
 * the push's own HTTP calls are not counted as the application's.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class OtlpMetricsPushSmokeTest extends ServiceSmokeTest {

  static final int N = 30;
  static final int K = 7;

  @ParameterizedTest(name = "{0}")
  @EnumSource(Protocol.class)
  void pushedCountersEqualScrapedOnes(Protocol protocol) throws Exception {
    String serviceName = "pushed-" + protocol.name().toLowerCase().replace('_', '-');
    try (OtlpReceiver receiver = OtlpReceiver.start(protocol)) {
      int appPort = SmokeEnv.freePort();
      int metricsPort = SmokeEnv.freePort();
      service = TraceTestSupport.startService(
          "OtlpMetricsPush-" + protocol, SmokeEnv.currentJava(), appPort, metricsPort, Map.of(),
          LABELS_PROPERTY,
          "-Dotel.service.name=" + serviceName,
          "-Dotel.resource.attributes=deployment.environment=test",
          "-Dotel.metrics.exporter=otlp",
          "-Dotel.metric.export.interval=200",
          "-Dotel.exporter.otlp.protocol=" + protocol.configValue(),
          "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
          // No tracing at all, so the receiver sees metrics only, and the push's own HTTP calls
          // (the JDK's HttpClient for http/protobuf) must stay unrecorded without a tracer.
          "-Dweft.traces.enabled=false",
          // JVM counters (CPU time, classes loaded) move between a push and a scrape.
          "-Dweft.metrics.jvm.enabled=false");
      HttpClient client = Http.newClient();
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      List<HttpRequest> requests = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        requests.add(TraceTestSupport.get(appPort, i < N - K ? "/hello" : "/fail"));
      }
      List<Integer> statuses = TraceTestSupport.sendAll(client, requests);
      assertEquals(N - K, Collections.frequency(statuses, 200), statuses.toString());
      assertEquals(K, Collections.frequency(statuses, 500), statuses.toString());

      String ok = series("http_requests", "method", "GET", "endpoint", "/hello", "status", "200");
      String failed = series("http_requests", "method", "GET", "endpoint", "/fail", "status", "500");
      ExportMetricsServiceRequest pushed = receiver.awaitMetricExport(
          e -> {
            Map<String, Double> sums = sums(e);
            return sums.getOrDefault(ok, 0.0) == N - K && sums.getOrDefault(failed, 0.0) == K;
          },
          Duration.ofSeconds(30));
      assertEquals(List.of(), receiver.failures(), "every export decodes");

      // Traffic has stopped: a scrape now and the next push carry the same numbers.
      MetricsScrape scrape = Http.scrape(client, metricsPort);
      int before = receiver.metricExports().size();
      ExportMetricsServiceRequest next = receiver.awaitMetricExport(
          e -> receiver.metricExports().indexOf(e) >= before, Duration.ofSeconds(30));

      Map<String, Double> scrapedCounters = scrapedCounters(scrape);
      assertEquals(N - K, scrapedCounters.get(ok), scrapedCounters.toString());
      assertEquals(K, scrapedCounters.get(failed), scrapedCounters.toString());
      assertEquals(scrapedCounters, sums(next), "every pushed counter series is the scraped one");
      Map<String, Double> scrapedHistograms = scrapedHistogramCounts(scrape);
      assertEquals(N - K, scrapedHistograms.get(
          series("http_request_duration_seconds_count", "endpoint", "/hello", "method", "GET",
          "status", "200")),
          scrapedHistograms.toString());
      assertEquals(scrapedHistograms, histogramCounts(next),
          "every pushed histogram series has the scraped count in every bucket");
      assertEquals(sums(pushed).get(ok), sums(next).get(ok));

      assertTrue(scrape.series("http_client_requests_total").isEmpty(),
          "the push's own HTTP calls are not the application's: " + scrape.series(
              "http_client_requests_total"));
      assertEquals(0.0, scrape.sum("weft_agent_errors_total", l -> true), scrape.text());

      ResourceMetrics resource = next.getResourceMetrics(0);
      Map<String, String> attributes = strings(resource.getResource().getAttributesList());
      assertEquals(serviceName, attributes.get("service.name"), attributes.toString());
      assertEquals("test", attributes.get("deployment.environment"), attributes.toString());
      assertEquals(1, next.getResourceMetricsCount());
      List<String> names = metrics(next).stream().map(Metric::getName).collect(Collectors.toList());
      assertFalse(names.contains("target") || names.contains("target_info"), names.toString());
      for (Metric m : metrics(next)) {
        if (m.hasSum()) {
          assertTrue(m.getSum().getIsMonotonic(), m.getName());
          assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
              m.getSum().getAggregationTemporality(), m.getName());
          for (NumberDataPoint p : m.getSum().getDataPointsList()) {
            Map<String, String> labels = strings(p.getAttributesList());
            assertEquals(REGION, labels.get("region"), m.getName() + " " + labels);
            assertEquals(CLUSTER, labels.get("cluster"), m.getName() + " " + labels);
            assertTrue(p.getStartTimeUnixNano() > 0
                && p.getStartTimeUnixNano() <= p.getTimeUnixNano(), m.getName());
          }
        }
      }
    }
  }

  // ---- the pushed side -------------------------------------------------------------------------

  static List<Metric> metrics(ExportMetricsServiceRequest export) {
    List<Metric> all = new ArrayList<>();
    for (ResourceMetrics r : export.getResourceMetricsList()) {
      for (ScopeMetrics s : r.getScopeMetricsList()) {
        all.addAll(s.getMetricsList());
      }
    }
    return all;
  }

  /** Every monotonic Sum point: {@code name{label=value,...}} (labels sorted) to its value. */
  static Map<String, Double> sums(ExportMetricsServiceRequest export) {
    Map<String, Double> sums = new TreeMap<>();
    for (Metric m : metrics(export)) {
      if (m.hasSum() && m.getSum().getIsMonotonic()) {
        for (NumberDataPoint p : m.getSum().getDataPointsList()) {
          double value = p.hasAsDouble() ? p.getAsDouble() : p.getAsInt();
          sums.put(key(m.getName(), strings(p.getAttributesList())), value);
        }
      }
    }
    return sums;
  }

  /**
   * Every histogram point as its cumulative bucket counts, keyed as the text format's series
   * are: {@code name_bucket{...,le=bound}} and {@code name_count{...}}.
   */
  static Map<String, Double> histogramCounts(ExportMetricsServiceRequest export) {
    Map<String, Double> counts = new TreeMap<>();
    for (Metric m : metrics(export)) {
      if (!m.hasHistogram()) {
        continue;
      }
      for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
        Map<String, String> labels = strings(p.getAttributesList());
        long cumulative = 0;
        for (int i = 0; i < p.getBucketCountsCount(); i++) {
          cumulative += p.getBucketCounts(i);
          Map<String, String> withLe = new TreeMap<>(labels);
          withLe.put("le", i < p.getExplicitBoundsCount()
              ? Double.toString(p.getExplicitBounds(i)) : "+Inf");
          counts.put(key(m.getName() + "_bucket", withLe), (double) cumulative);
        }
        counts.put(key(m.getName() + "_count", labels), (double) p.getCount());
      }
    }
    return counts;
  }

  static Map<String, String> strings(List<KeyValue> attributes) {
    Map<String, String> map = new TreeMap<>();
    for (KeyValue kv : attributes) {
      map.put(kv.getKey(), kv.getValue().getStringValue());
    }
    return map;
  }

  // ---- the scraped side ------------------------------------------------------------------------

  /** Every counter sample, keyed without {@code _total} as the pushed Sum is named. */
  static Map<String, Double> scrapedCounters(MetricsScrape scrape) {
    Map<String, Double> counters = new TreeMap<>();
    for (MetricsScrape.Sample s : scrape.samples()) {
      if ("counter".equals(scrape.type(s.name())) && s.name().endsWith("_total")) {
        String base = s.name().substring(0, s.name().length() - "_total".length());
        counters.put(key(base, s.labels()), s.value());
      }
    }
    return counters;
  }

  static Map<String, Double> scrapedHistogramCounts(MetricsScrape scrape) {
    Map<String, Double> counts = new TreeMap<>();
    for (MetricsScrape.Sample s : scrape.samples()) {
      String name = s.name();
      String family = name.replaceAll("_(bucket|count)$", "");
      if (!family.equals(name) && "histogram".equals(scrape.type(family))) {
        Map<String, String> labels = new TreeMap<>(s.labels());
        String le = labels.get("le");
        if (le != null && !le.equals("+Inf")) {
          labels.put("le", Double.toString(Double.parseDouble(le))); // as the pushed side writes it
        }
        counts.put(key(name, labels), s.value());
      }
    }
    return counts;
  }

  // ---- keys --------------------------------------------------------------------------------------

  static String key(String name, Map<String, String> labels) {
    return name + new TreeMap<>(labels);
  }

  /** The key of {@code name} with {@code kv} and the constant labels every series carries. */
  static String series(String name, String... kv) {
    Map<String, String> labels = new TreeMap<>(MetricsScrape.labels(kv));
    labels.put("region", REGION);
    labels.put("cluster", CLUSTER);
    return key(name, labels);
  }
}
