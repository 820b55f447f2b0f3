package dev.weft.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.smoke.it.Http;
import dev.weft.smoke.it.Poll;
import dev.weft.smoke.it.ServiceProcess;
import dev.weft.smoke.it.Services;
import dev.weft.smoke.it.SmokeEnv;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Weft's HTTP server figures are exact under load: requests from {@value #CONNECTIONS} keep-alive
 * connections at once to many routes with a known mix of statuses, while two scrapers read
 * /metrics every 100 ms in every format it serves. Every scrape parses, no counter or histogram
 * count ever goes back between two scrapes of one scraper, and at the end {@code
 * http_requests_total} and the histogram's count and {@code +Inf} bucket equal, per route and
 * status, what the load generator was answered; the routes beyond the cardinality limit are
 * exactly the {@code _other_} series and {@code weft_label_overflow_total}.
 *
 * <p>Sizes: CI sends 40,000 requests to each server over 300 routes with the cardinality limit
 * at 200 (so each scrape stays small on two cores and a third of the routes overflow); the long
 * form ({@code -Dweft.smoke.long=true}) 1,000,000 over 10,000 routes at the default limit, 1,000.
 */
class ExactUnderLoadTest {

  static final int CONNECTIONS = 64;
  static final long REQUESTS = SmokeEnv.sized(40_000, 1_000_000);
  static final int ROUTES = SmokeEnv.sized(300, 10_000);
  /** The cardinality limit the services run with: Weft's default (1,000) in the long form. */
  static final int LIMIT = SmokeEnv.sized(200, 1_000);

  @Test
  void jdkHttpServerCountsExactlyUnderLoad() throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    ServiceProcess.Builder builder =
        ServiceProcess.builder("reliability-jdk-http")
            .agent(SmokeEnv.agentJar())
            .jvmArgs(
                // No idle close under a kept-alive connection (Services.KEEP_IDLE_CONNECTIONS).
                "-Dsun.net.httpserver.idleInterval=3600",
                "-Dweft.metrics.port=" + metricsPort,
                "-Dweft.metrics.cardinality.limit=" + LIMIT,
                "-Dotel.traces.exporter=none")
            .args("--routes", Integer.toString(ROUTES));
    try (ServiceProcess service = Services.jdkHttpService(builder, appPort)) {
      exactUnderLoad("jdk-http-service", service, appPort, metricsPort, r -> "/r/" + r + "/");
    }
  }

  @Test
  void tomcatCountsExactlyUnderLoad() throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    ServiceProcess service =
        ServiceProcess.builder("reliability-tomcat11")
            .agent(SmokeEnv.agentJar())
            .jvmArgs(
                "-Dsmoke.servlet.routes=" + ROUTES,
                "-Dweft.metrics.port=" + metricsPort,
                "-Dweft.metrics.cardinality.limit=" + LIMIT,
                "-Dotel.traces.exporter=none")
            .jar(SmokeEnv.servletServiceJar("servlet-tomcat11"))
            .args("--port", Integer.toString(appPort))
            .start();
    try (service) {
      service.awaitStdoutLine(
          "servlet-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
      exactUnderLoad("tomcat 11", service, appPort, metricsPort, r -> "/r/" + r);
    }
  }

  private void exactUnderLoad(
      String server,
      ServiceProcess service,
      int appPort,
      int metricsPort,
      IntFunction<String> routePath)
      throws Exception {
    HttpClient client = Http.newClient();
    Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
    long start = System.nanoTime();
    List<Scraper> scrapers = new ArrayList<>();
    LoadDriver.Tally tally;
    try {
      scrapers.add(new Scraper("scraper-1", metricsPort, 0).start());
      scrapers.add(new Scraper("scraper-2", metricsPort, 1).start());
      tally = LoadDriver.run(appPort, CONNECTIONS, REQUESTS, ROUTES, routePath::apply);
      assertEquals(REQUESTS, tally.requests, "requests answered");
      // The server ends a request after its response went out: wait until all are recorded.
      Poll.until(
          Poll.deadline(Duration.ofSeconds(60)),
          () -> {
            service.requireAlive("recording every request");
            Exposition last = scrape(client, metricsPort);
            return sum(last, "http_request_duration_seconds_count") == REQUESTS
                && sum(last, "http_requests_total") == REQUESTS;
          },
          server + " did not record " + REQUESTS + " requests within 60 s");
    } finally {
      for (Scraper scraper : scrapers) {
        scraper.close();
      }
    }
    Exposition last = scrape(client, metricsPort);
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;

    // The routes that got series of their own, and how each route's endpoint label reads.
    Map<String, Integer> routeOfEndpoint = new HashMap<>();
    for (int r = 0; r < ROUTES; r++) {
      routeOfEndpoint.put(routePath.apply(r), r);
    }
    java.util.Set<Integer> admitted = new java.util.LinkedHashSet<>();
    boolean other = false;
    for (Exposition.Sample s : last.samples()) {
      if (!s.name().equals("http_requests_total")) {
        continue;
      }
      String endpoint = s.labels().get("endpoint");
      if (endpoint.equals("_other_")) {
        other = true;
      } else {
        Integer route = routeOfEndpoint.get(endpoint);
        assertTrue(route != null, "a series of an endpoint never requested: " + s);
        admitted.add(route);
      }
    }
    assertEquals(Math.min(ROUTES, LIMIT), admitted.size(), "routes with series of their own");
    assertEquals(ROUTES > LIMIT, other, "an _other_ series exactly when routes overflow");

    Map<String, Double> values = last.values();
    long[] otherByStatus = new long[LoadDriver.STATUSES.length];
    for (int r = 0; r < ROUTES; r++) {
      for (int s = 0; s < LoadDriver.STATUSES.length; s++) {
        otherByStatus[s] += tally.byRouteAndStatus[r][s];
      }
    }
    int seriesExpected = 0;
    for (int r : admitted) {
      for (int s = 0; s < LoadDriver.STATUSES.length; s++) {
        long truth = tally.byRouteAndStatus[r][s];
        otherByStatus[s] -= truth;
        seriesExpected += truth > 0 ? 1 : 0;
        assertCounted(values, routePath.apply(r), LoadDriver.STATUSES[s], truth);
      }
    }
    long overflowed = 0;
    for (int s = 0; s < LoadDriver.STATUSES.length; s++) {
      overflowed += otherByStatus[s];
      seriesExpected += otherByStatus[s] > 0 ? 1 : 0;
      assertCounted(values, "_other_", LoadDriver.STATUSES[s], otherByStatus[s]);
    }
    assertEquals(
        seriesExpected,
        last.samples().stream().filter(x -> x.name().equals("http_requests_total")).count(),
        "http_requests_total series");
    assertEquals(
        (double) overflowed,
        values.getOrDefault(
            Exposition.key("weft_label_overflow_total", labels("metric", "http_requests")), 0.0),
        "weft_label_overflow_total{metric=\"http_requests\"}");
    for (Exposition.Sample s : last.samples()) {
      if (s.name().equals("http_requests_active")) {
        assertEquals(0.0, s.value(), "in flight after the load: " + s.key());
      }
    }

    List<String> failures = new ArrayList<>();
    StringBuilder scrapes = new StringBuilder();
    for (Scraper scraper : scrapers) {
      failures.addAll(scraper.failures());
      scrapes.append(String.format(
          " %s %s (%d series compared, %.1f MB, slowest %d ms);",
          scraper.name(), scraper.scrapes(), scraper.monotonicChecks(),
          scraper.bytes() / 1e6, scraper.slowestMillis()));
      for (Map.Entry<ScrapeFormat, Integer> e : scraper.scrapes().entrySet()) {
        assertTrue(e.getValue() > 0, "no successful " + e.getKey() + " scrape");
      }
    }
    assertEquals(List.of(), failures, "scrapes that failed, did not parse or went back");

    long[] byStatus = new long[LoadDriver.STATUSES.length];
    for (int s = 0; s < byStatus.length; s++) {
      byStatus[s] = tally.byStatus(s);
    }
    System.out.printf(
        "[reliability] %s: %,d requests over %d connections (%,d TCP connections opened) in"
            + " %.1f s; statuses %s = %s; %,d routes, %,d with series of their own, %,d requests"
            + " to the others counted under _other_ and in weft_label_overflow_total; scrapes:%s"
            + " whole test %d s%n",
        server, tally.requests, CONNECTIONS, tally.connectionsOpened, tally.nanos / 1e9,
        java.util.Arrays.toString(LoadDriver.STATUSES), java.util.Arrays.toString(byStatus),
        ROUTES, admitted.size(), overflowed, scrapes, seconds);
  }

  private static void assertCounted(
      Map<String, Double> values, String endpoint, int status, long truth) {
    TreeMap<String, String> labels =
        labels("endpoint", endpoint, "method", "GET", "status", Integer.toString(status));
    assertEquals(
        (double) truth,
        values.getOrDefault(Exposition.key("http_requests_total", labels), 0.0),
        "http_requests_total" + labels);
    assertEquals(
        (double) truth,
        values.getOrDefault(Exposition.key("http_request_duration_seconds_count", labels), 0.0),
        "http_request_duration_seconds_count" + labels);
    TreeMap<String, String> inf = new TreeMap<>(labels);
    inf.put("le", "+Inf");
    assertEquals(
        (double) truth,
        values.getOrDefault(Exposition.key("http_request_duration_seconds_bucket", inf), 0.0),
        "http_request_duration_seconds_bucket" + inf);
  }

  static TreeMap<String, String> labels(String... keysAndValues) {
    TreeMap<String, String> labels = new TreeMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      labels.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return labels;
  }

  static double sum(Exposition scrape, String name) {
    double sum = 0;
    for (Exposition.Sample s : scrape.samples()) {
      if (s.name().equals(name)) {
        sum += s.value();
      }
    }
    return sum;
  }

  static Exposition scrape(HttpClient client, int metricsPort) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .header("Accept", ScrapeFormat.TEXT.accept)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), "/metrics answered");
    return Exposition.parse(response.body(), false);
  }
}
