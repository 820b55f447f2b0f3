package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cardinality guard on an open-ended label that real traffic fills (tracing issue, acceptance
 * 4): the HTTP client metrics' {@code host}. The prober service calls {@value #HOSTS} distinct
 * loopback addresses (a closed port: each call is refused at once) with the cap at
 * {@value #CAP}: the first {@value #CAP} hosts get their own series, every other call lands in
 * {@code host="_other_"} and is counted in {@code weft_label_overflow_total}, exactly. Admission is
 * sticky: a second round over the same hosts changes no series, only counts.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClientCardinalitySmokeTest extends ServiceSmokeTest {

  static final int CAP = 25;
  static final int HOSTS = 400;
  static final String REQUESTS = "http_client_requests_total";

  @Test
  void hostsBeyondTheCapFoldIntoOtherAndAreCounted() throws Exception {
    int port = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    int closed = SmokeEnv.freePort();
    service =
        ServiceProcess.builder("ClientCardinality")
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs(
                "-Dweft.metrics.port=" + metricsPort,
                "-Dweft.metrics.cardinality.limit=" + CAP,
                "-Dotel.traces.exporter=none")
            .jar(SmokeEnv.chainServicesJar())
            .args("prober", Integer.toString(port))
            .start();
    service.awaitStdoutLine("prober listening on " + port, Services.STARTUP);
    HttpClient client = Http.newClient();
    Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    for (int round = 1; round <= 2; round++) {
      HttpResponse<String> r =
          Http.get(client, Http.url(port, "/probe?hosts=" + HOSTS + "&port=" + closed));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(Integer.toString(HOSTS), r.body(), "every call was refused, as the app expects");

      MetricsScrape scrape = Http.scrape(client, metricsPort);
      List<MetricsScrape.Sample> series = scrape.series(REQUESTS);
      Set<String> hosts =
          series.stream().map(s -> s.labels().get("host")).collect(Collectors.toSet());
      String text = series.stream().map(Object::toString).collect(Collectors.joining("\n"));
      assertEquals(CAP + 1, hosts.size(), "the cap's hosts plus _other_:\n" + text);
      assertTrue(hosts.contains("_other_"), text);
      assertEquals(round * HOSTS, series.stream().mapToDouble(MetricsScrape.Sample::value).sum(), 0.0,
          "every call counted once:\n" + text);
      double other =
          series.stream()
              .filter(s -> "_other_".equals(s.labels().get("host")))
              .mapToDouble(MetricsScrape.Sample::value)
              .sum();
      assertEquals(round * (HOSTS - CAP), other, 0.0, text);
      assertEquals(round * (HOSTS - CAP),
          scrape.value("weft_label_overflow_total", Map.of("metric", "http_client_requests")), 0.0,
          "each call past the cap is counted as an overflow");
      for (MetricsScrape.Sample s : series) {
        assertEquals("error", s.labels().get("status"), s.toString());
        assertEquals("ConnectException", s.labels().get("error_type"), s.toString());
      }
    }
    assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
  }
}
