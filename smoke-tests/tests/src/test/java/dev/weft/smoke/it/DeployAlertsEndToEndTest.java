package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped rules and routing, end to end: a real Prometheus (Debian's package) loads
 * {@code deploy/prometheus}'s recording and alert rules (with every {@code for:} shortened to 10s,
 * the override the alert file documents) and scrapes a real service with the agent; a real
 * Alertmanager loads {@code deploy/alertmanager/alertmanager.yml} (webhook base URL and group
 * timers overridden as its header documents) and delivers to this test's webhook receiver.
 *
 * <ol>
 *   <li>The service's error ratio is driven to 5% (950 answers 200, 50 answers 500): the 1%
 *       error-ratio warning and the fast error-budget burn (50 times the 0.1% budget) fire in
 *       Prometheus, and Alertmanager pages the region's pager with the burn and delivers the
 *       error ratio (to the chat as a warning, or to the pager if the strict 5% threshold was
 *       crossed by the rate's rounding).
 *   <li>Then to 7.8% (30 more 500s): the 5% error-ratio alert fires and pages.
 *   <li>Errors stop and 20,000 requests succeed (ratio 0.39%): the error-ratio alerts and the
 *       page-level burn resolve, in Prometheus and as resolved notifications (the 3x/1d
 *       warning burn rightly stays).
 * </ol>
 *
 * The service runs with {@code weft.metrics.labels=region=us-east-1}, so the alerts carry that
 * region and the routing's per-region sub-route is the one that delivers them.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class DeployAlertsEndToEndTest extends ServiceSmokeTest {

  private static final Path ROOT = Paths.get("..", "..").toAbsolutePath().normalize();
  private static final String JOB = PrometheusServer.JOB;
  private static final String REGION = "us-east-1";
  private static final Duration FIRE = Duration.ofSeconds(90);

  @Test
  void errorsFireTheAlertsAlertmanagerDeliversThemAndTheyResolve(@TempDir Path dir) throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service =
        Services.jdkHttpService(
            "alerts-e2e",
            SmokeEnv.currentJava(),
            true,
            appPort,
            // Without it the JDK server's header and body writes meet the client's delayed ACK.
            "-Dsun.net.httpserver.nodelay=true",
            "-Dweft.metrics.port=" + metricsPort,
            "-Dweft.metrics.labels=region=" + REGION,
            "-Dotel.traces.exporter=none");
    List<Path> rules = PrometheusServer.shippedRules(dir.resolve("rules"));

    try (WebhookReceiver receiver = WebhookReceiver.start();
        AlertmanagerServer alertmanager =
            AlertmanagerServer.start(
                dir.resolve("alertmanager"),
                ROOT.resolve("deploy").resolve("alertmanager").resolve("alertmanager.yml"),
                receiver.base());
        PrometheusServer prometheus =
            PrometheusServer.start(
                dir.resolve("prometheus"),
                List.of("127.0.0.1:" + metricsPort),
                Map.of(),
                rules,
                alertmanager.url())) {
      HttpClient client = Http.newClient();

      // Both series exist (and are scraped) before the counted traffic: a series that appears
      // already at 3 would hide those 3 from rate().
      send(client, appPort, "/hello", 1);
      send(client, appPort, "/fail", 1);
      Poll.until(
          Poll.deadline(Duration.ofSeconds(30)),
          () -> results(prometheus.query("http_requests_total{job=\"" + JOB + "\",endpoint=~\"/hello|/fail\"}")).size() == 2,
          "Prometheus did not scrape the service's two request series");

      // 1. 5% errors.
      for (int i = 0; i < 50; i++) {
        send(client, appPort, "/hello", 19);
        send(client, appPort, "/fail", 1);
      }
      // At exactly 5% the 5% threshold (a strict >) may or may not be crossed by the rate's
      // rounding, so the warning is certain and the critical is not asserted here.
      Set<String> phaseOne = Set.of("WeftHttpErrorRatioHigh/warning", "WeftErrorBudgetBurn/critical");
      awaitFiring(prometheus, phaseOne);
      JsonNode ratio = prometheus.query("job_region:http_request_errors:ratio_rate5m{job=\"" + JOB + "\"}");
      double value = results(ratio).get(0).path("value").get(1).asDouble();
      assertEquals(0.05, value, 0.005, "the recorded error ratio is the 5% sent: " + ratio);
      // Delivered: the fast burn pages the region's pager; the error ratio reaches the region's
      // chat as a warning, or its pager if the critical fired too (which then inhibits the
      // warning: same alertname, job and region).
      awaitDelivered(receiver, "firing", Set.of("/pager-us-east-1 WeftErrorBudgetBurn critical"));
      Poll.untilValue(
          Poll.deadline(FIRE),
          () -> delivered(receiver, "firing"),
          now -> now.contains("/chat-us-east-1 WeftHttpErrorRatioHigh warning")
              || now.contains("/pager-us-east-1 WeftHttpErrorRatioHigh critical"),
          now -> "Alertmanager delivered " + now + ", but no WeftHttpErrorRatioHigh");
      for (WebhookReceiver.Delivered d : receiver.delivered()) {
        assertEquals(JOB, d.labels().get("job"), "every alert names the service: " + d);
        assertEquals(REGION, d.labels().get("region"), "every alert names the region: " + d);
      }
      assertTrue(
          receiver.delivered().stream().noneMatch(d -> d.path().equals("/chat-us-east-1")
              && d.alertname().equals("WeftErrorBudgetBurn")),
          "the slow-burn warning is inhibited by the fast-burn page: " + receiver.delivered());

      // 2. 81 of 1,032 fail (7.8%): above 5%.
      send(client, appPort, "/fail", 30);
      awaitFiring(prometheus, Set.of("WeftHttpErrorRatioHigh/critical"));
      awaitDelivered(receiver, "firing", Set.of("/pager-us-east-1 WeftHttpErrorRatioHigh critical"));

      // 3. Errors stop; 20,000 successes bring the ratio to 0.39%: under 1%, and a burn of 3.9
      // times the budget, under both page thresholds (14.4x and 6x).
      for (int i = 0; i < 200; i++) {
        sendConcurrently(client, appPort, "/hello", 100);
      }
      Set<String> resolved =
          Set.of("WeftHttpErrorRatioHigh/warning", "WeftHttpErrorRatioHigh/critical", "WeftErrorBudgetBurn/critical");
      Poll.untilValue(
          Poll.deadline(FIRE),
          () -> firing(prometheus),
          now -> now.stream().noneMatch(resolved::contains),
          now -> "still firing in Prometheus after the errors stopped: " + now);
      Set<String> expectResolved = new TreeSet<>(Set.of(
          "/pager-us-east-1 WeftErrorBudgetBurn critical",
          "/pager-us-east-1 WeftHttpErrorRatioHigh critical"));
      if (delivered(receiver, "firing").contains("/chat-us-east-1 WeftHttpErrorRatioHigh warning")) {
        expectResolved.add("/chat-us-east-1 WeftHttpErrorRatioHigh warning");
      }
      awaitDelivered(receiver, "resolved", expectResolved);
    }
  }

  private static void send(HttpClient client, int port, String path, int times) throws Exception {
    for (int i = 0; i < times; i++) {
      HttpResponse<String> r = Http.get(client, Http.url(port, path));
      int want = path.equals("/fail") ? 500 : 200;
      assertEquals(want, r.statusCode(), path);
    }
  }

  /** {@code times} requests at once; every one must answer 200. */
  private static void sendConcurrently(HttpClient client, int port, String path, int times) {
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      all.add(client.sendAsync(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(Http.url(port, path))).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (java.util.concurrent.CompletableFuture<HttpResponse<String>> f : all) {
      assertEquals(200, f.join().statusCode(), path);
    }
  }

  private static List<JsonNode> results(JsonNode response) {
    List<JsonNode> out = new ArrayList<>();
    response.path("data").path("result").forEach(out::add);
    return out;
  }

  /** The firing alerts of this job, as alertname/severity. */
  private static Set<String> firing(PrometheusServer prometheus) throws Exception {
    Set<String> names = new TreeSet<>();
    for (JsonNode alert : prometheus.alerts().path("data").path("alerts")) {
      JsonNode labels = alert.path("labels");
      if ("firing".equals(alert.path("state").asText()) && JOB.equals(labels.path("job").asText())) {
        names.add(labels.path("alertname").asText() + "/" + labels.path("severity").asText());
      }
    }
    return names;
  }

  private static void awaitFiring(PrometheusServer prometheus, Set<String> expected) {
    Poll.untilValue(
        Poll.deadline(FIRE),
        () -> firing(prometheus),
        now -> now.containsAll(expected),
        now -> "Prometheus fires " + now + ", expected at least " + expected);
  }

  /** What the receiver got with {@code status}, as "path alertname severity". */
  private static Set<String> delivered(WebhookReceiver receiver, String status) {
    return receiver.delivered().stream()
        .filter(d -> d.status().equals(status))
        .map(d -> d.path() + " " + d.alertname() + " " + d.labels().get("severity"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static void awaitDelivered(WebhookReceiver receiver, String status, Set<String> expected) {
    Poll.untilValue(
        Poll.deadline(FIRE),
        () -> delivered(receiver, status),
        now -> now.containsAll(expected),
        now -> "Alertmanager delivered (" + status + ") " + now + ", expected at least " + expected);
  }
}
