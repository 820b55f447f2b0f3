package dev.weft.smoke.it;

import static dev.weft.smoke.it.MetricsScrape.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Invariant 3, never hurt the host: a third-party extension whose advice throws on every call
 * changes nothing for the application; Weft swallows each failure, counts it under the module's
 * name and logs it once.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ThrowingExtensionSmokeTest extends ServiceSmokeTest {

  static final int REQUESTS = 50;
  static final String MODULE = "test-throwing";
  static final String LOG_MARKER = "advice of module 'test-throwing' failed";


  @Test
  void throwingAdviceIsSwallowedCountedAndLoggedOnce() throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = Services.jdkHttpService(
        "ThrowingExtensionSmokeTest",
        SmokeEnv.currentJava(),
        true,
        appPort,
        "-Dweft.metrics.port=" + metricsPort,
        "-Dweft.extensions=" + SmokeEnv.throwingExtensionJar());
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
    double errorsBefore = before.valueOrZero("weft_agent_errors_total", labels("module", MODULE));
    assertEquals(0.0, errorsBefore, "no /hello yet, so no advice failure yet");

    List<String> problems = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      HttpResponse<String> response = Http.get(client, Http.url(appPort, "/hello"));
      if (response.statusCode() != 200 || !"hello".equals(response.body())) {
        problems.add("request " + i + ": " + response.statusCode() + " '" + response.body() + "'");
      }
    }
    assertEquals(List.of(), problems, "the handler must behave exactly as without the extension");

    MetricsScrape after =
        Poll.untilValue(
            Poll.deadline(Duration.ofSeconds(20)),
            () -> Http.scrape(client, metricsPort),
            s -> s.valueOrZero("weft_agent_errors_total", labels("module", MODULE)) >= REQUESTS
                && s.valueOrZero("http_requests_total", labels("endpoint", "/hello"))
                    - before.valueOrZero("http_requests_total", labels("endpoint", "/hello"))
                    >= REQUESTS,
            s -> "expected " + REQUESTS + " advice failures and " + REQUESTS
                + " /hello requests counted; last scrape:\n"
                + (s == null ? "(none)" : s.series("weft_agent_errors_total") + "\n"
                    + s.series("http_requests_total"))
                + "\n" + service.describe());

    assertEquals(
        Map.of(List.of(MODULE), (double) REQUESTS),
        after.deltasSince(before, "weft_agent_errors_total", "module"),
        "weft_agent_errors_total deltas per module (only the throwing module may fail)");
    assertEquals(
        Map.of(List.of("GET", "/hello", "200"), (double) REQUESTS),
        after.deltasSince(before, "http_requests_total", "method", "endpoint", "status"),
        "Weft's own HTTP metrics must still count every /hello");

    List<String> logged = service.stderrLines().stream()
        .filter(l -> l.contains(LOG_MARKER))
        .collect(Collectors.toList());
    assertEquals(1, logged.size(),
        "the failure must be logged exactly once, got: " + logged + "\n" + service.describe());
  }
}
