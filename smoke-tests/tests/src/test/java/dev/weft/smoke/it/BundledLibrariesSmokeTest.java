package dev.weft.smoke.it;

import static dev.weft.smoke.it.MetricsScrape.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Invariant 1, one jar and no conflicts: an application that bundles its own, other versions of
 * Byte Buddy, Jackson and Prometheus client_java (un-relocated, in a fat jar) keeps using ITS
 * versions, its own metrics stay its own, and Weft's stay Weft's.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BundledLibrariesSmokeTest extends ServiceSmokeTest {

  static final int ORDERS = 200;
  static final String APP_BYTE_BUDDY = "1.14.18";
  static final String APP_JACKSON = "2.15.4";
  static final String APP_PROMETHEUS = "1.3.1";


  @Test
  void appKeepsItsOwnLibrariesAndMetrics() throws Exception {
    int appPort = SmokeEnv.freePort();
    int appMetricsPort = SmokeEnv.freePort();
    int weftPort = SmokeEnv.freePort();
    service =
        ServiceProcess.builder("BundledLibrariesSmokeTest")
            .agent(SmokeEnv.agentJar())
            .jvmArgs("-Dweft.metrics.port=" + weftPort)
            .jar(SmokeEnv.bundledLibsServiceJar())
            .args("--port", Integer.toString(appPort),
                "--app-metrics-port", Integer.toString(appMetricsPort))
            .start();
    service.awaitStdoutLine(
        "bundled-libs-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
    HttpClient client = Http.newClient();

    // Weft first; from here on every scrape of the app's own exporter (itself a JDK HttpServer)
    // is a request Weft legitimately counts under endpoint="/metrics": count them.
    MetricsScrape weftBefore = Http.awaitMetrics(service, client, weftPort, Services.STARTUP);
    AtomicInteger appScrapes = new AtomicInteger();
    MetricsScrape appBefore = scrapeApp(client, appMetricsPort, appScrapes);

    List<String> problems = new ArrayList<>();
    for (int i = 0; i < ORDERS; i++) {
      HttpResponse<String> response = Http.get(client, Http.url(appPort, "/orders"));
      String body = response.body();
      if (response.statusCode() != 200
          || !APP_BYTE_BUDDY.equals(jsonString(body, "byteBuddyVersion"))
          || !APP_JACKSON.equals(jsonString(body, "jacksonVersion"))
          || !APP_PROMETHEUS.equals(jsonString(body, "prometheusVersion"))
          || !"made by the app's own Byte Buddy".equals(jsonString(body, "generatedToString"))) {
        problems.add("request " + i + ": " + response.statusCode() + " " + body);
      }
      if (problems.size() > 5) {
        break;
      }
    }
    assertEquals(List.of(), problems,
        "the app must see its own Byte Buddy " + APP_BYTE_BUDDY + ", Jackson " + APP_JACKSON
            + " and Prometheus client " + APP_PROMETHEUS + "\n" + service.describe());

    // The app's own registry: exactly +200, and nothing of Weft's in it.
    double appOrdersBefore = appBefore.valueOrZero("app_orders_total", Map.of());
    MetricsScrape appAfter =
        Poll.untilValue(
            Poll.deadline(Duration.ofSeconds(20)),
            () -> scrapeApp(client, appMetricsPort, appScrapes),
            s -> s.valueOrZero("app_orders_total", Map.of()) - appOrdersBefore >= ORDERS,
            s -> "app_orders_total did not reach +" + ORDERS + ":\n" + s);
    assertEquals(ORDERS, appAfter.value("app_orders_total", Map.of()) - appOrdersBefore,
        "app_orders_total delta");
    assertEquals(Set.of("app_orders_total"), appAfter.names(),
        "the app's own registry must hold only the app's metrics (no weft_, http_, jvm_ ...)\n"
            + appAfter.text());

    // Weft's registry: /orders exactly +200, the app's own /metrics scrapes exactly as many as
    // we made, and none of the app's metrics.
    int scrapesOfApp = appScrapes.get();
    Map<List<String>, Double> expected = Map.of(
        List.of("GET", "/orders", "200"), (double) ORDERS,
        List.of("GET", "/metrics", "200"), (double) scrapesOfApp);
    MetricsScrape weftAfter =
        Poll.untilValue(
            Poll.deadline(Duration.ofSeconds(20)),
            () -> Http.scrape(client, weftPort),
            s -> s.valueOrZero("http_requests_total", labels("endpoint", "/orders"))
                    - weftBefore.valueOrZero("http_requests_total", labels("endpoint", "/orders"))
                    >= ORDERS
                && s.sum("http_requests_total", l -> true)
                    - weftBefore.sum("http_requests_total", l -> true)
                    >= ORDERS + scrapesOfApp,
            s -> "Weft did not count " + ORDERS + " /orders and " + scrapesOfApp
                + " scrapes of the app's exporter:\n" + (s == null ? "" : s.series(
                    "http_requests_total")));
    assertEquals(expected,
        weftAfter.deltasSince(weftBefore, "http_requests_total", "method", "endpoint", "status"),
        "Weft's http_requests_total deltas (the app's exporter is a JDK HttpServer too, scraped "
            + scrapesOfApp + " times)");
    assertEquals(ORDERS,
        weftAfter.value("http_requests_total",
            labels("method", "GET", "endpoint", "/orders", "status", "200"))
            - weftBefore.valueOrZero("http_requests_total",
            labels("method", "GET", "endpoint", "/orders", "status", "200")));
    List<String> appSeriesInWeft = weftAfter.names().stream()
        .filter(n -> n.startsWith("app_"))
        .collect(Collectors.toList());
    assertEquals(List.of(), appSeriesInWeft, "the app's metrics must not leak into Weft's");
    assertTrue(weftAfter.find("weft_agent_info", Map.of()).isPresent(), "weft_agent_info");

    // The app ran cleanly: no exceptions in its output, no Weft errors.
    List<String> suspicious = service.stderrLines().stream()
        .filter(l -> l.startsWith("[weft] ERROR")
            || (!l.startsWith("[weft] ") && (l.contains("Exception") || l.contains("Error"))))
        .collect(Collectors.toList());
    assertEquals(List.of(), suspicious, "stderr of the app\n" + service.describe());
  }

  private static MetricsScrape scrapeApp(HttpClient client, int port, AtomicInteger scrapes)
      throws Exception {
    HttpResponse<String> response = Http.get(client, Http.url(port, "/metrics"));
    scrapes.incrementAndGet();
    assertEquals(200, response.statusCode(), "the app's own /metrics");
    return MetricsScrape.parse(response.body());
  }

  /** The value of a top-level string field of a flat JSON object (enough for this service). */
  static String jsonString(String json, String field) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
        .matcher(json == null ? "" : json);
    return m.find() ? m.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : null;
  }
}
