package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A batch JVM nobody scrapes ({@code weft.metrics.server.enabled=false}) pushes its metrics to a
 * real Pushgateway when it exits: its final counters arrive, exactly, grouped under its service
 * name as the job.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PushgatewaySmokeTest extends ServiceSmokeTest {

  static final int OK = 12;
  static final int FAILING = 5;
  /** A '/' in the job: the grouping key must go base64-encoded. */
  static final String JOB = "nightly-import/eu";

  @Test
  void aBatchJvmsCountersArriveAfterItExits() throws Exception {
    try (PushgatewayServer pushgateway = PushgatewayServer.start(SmokeEnv.logDir())) {
      service =
          ServiceProcess.builder("PushgatewayBatchJob")
              .agent(SmokeEnv.agentJar())
              .jvmArgs(
                  "-Dweft.service.name=" + JOB,
                  "-Dweft.metrics.server.enabled=false",
                  "-Dweft.metrics.pushgateway.url=" + pushgateway.url(),
                  // Pushes while it runs too: their HTTP calls (HttpURLConnection, instrumented)
                  // must not be counted as the job's, with tracing off as with it on.
                  "-Dweft.metrics.pushgateway.interval=50",
                  "-Dweft.traces.enabled=false",
                  "-cp", SmokeEnv.jdkHttpServiceJar().toString(),
                  "dev.weft.smoke.BatchJob", Integer.toString(OK), Integer.toString(FAILING))
              .start();
      assertEquals(0, service.awaitExit(Duration.ofSeconds(60)), service.describe());
      assertTrue(service.stdoutLines().contains(
          "batch-job: " + OK + " answered 200, " + FAILING + " answered 500"), service.describe());

      // Pushed from the shutdown hook before the JVM was gone: there now, no waiting.
      HttpClient client = Http.newClient();
      MetricsScrape scrape = pushgateway.scrape(client);
      Map<String, String> job = MetricsScrape.labels("job", JOB);
      assertEquals(OK, scrape.value("http_client_requests_total", with(job, "status", "200")),
          scrape.text());
      assertEquals(FAILING, scrape.value("http_client_requests_total", with(job, "status", "500")),
          scrape.text());
      assertEquals(OK, scrape.value("http_requests_total",
          with(job, "endpoint", "/hello", "status", "200")), scrape.text());
      assertEquals(FAILING, scrape.value("http_requests_total",
          with(job, "endpoint", "/fail", "status", "500")), scrape.text());
      assertEquals(OK, scrape.value("http_request_duration_seconds_count",
          with(job, "endpoint", "/hello", "status", "200")), scrape.text());
      assertEquals(0.0, scrape.sum("weft_agent_errors_total", l -> JOB.equals(l.get("job"))),
          scrape.text());
      assertEquals(2, scrape.series("http_client_requests_total").stream()
          .filter(sample -> JOB.equals(sample.labels().get("job"))).count(),
          "the job's own calls only, not its pushes: " + scrape.series("http_client_requests_total"));

      // One group: this job, on this host.
      Set<Map<String, String>> groups = scrape.series("push_time_seconds").stream()
          .map(MetricsScrape.Sample::labels)
          .collect(Collectors.toSet());
      assertEquals(1, groups.size(), groups.toString());
      Map<String, String> group = groups.iterator().next();
      assertEquals(JOB, group.get("job"));
      assertFalse(group.getOrDefault("instance", "").isEmpty(), group.toString());
      List<String> weftLines = service.weftLines();
      assertTrue(weftLines.stream().noneMatch(l -> l.contains("ERROR") || l.contains("WARN")),
          String.join("\n", weftLines));
    }
  }

  private static Map<String, String> with(Map<String, String> base, String... kv) {
    Map<String, String> labels = new java.util.LinkedHashMap<>(base);
    labels.putAll(MetricsScrape.labels(kv));
    return labels;
  }
}
