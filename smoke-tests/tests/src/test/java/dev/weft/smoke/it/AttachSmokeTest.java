package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code java -jar weft-agent.jar attach <pid>} instruments a service that is already running. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AttachSmokeTest {

  static final int REQUESTS = 20;

  private ServiceProcess service;
  private ServiceProcess attach;

  @AfterEach
  void stopProcesses() {
    if (attach != null) {
      attach.close();
    }
    if (service != null) {
      service.close();
    }
  }

  @Test
  void attachToRunningServiceCountsRequests() throws Exception {
    Path agent = SmokeEnv.agentJar();
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = Services.jdkHttpService(
        "AttachSmokeTest-service", SmokeEnv.currentJava(), false, appPort);
    HttpClient client = Http.newClient();
    // Serve a request before attaching: the server's classes are loaded and running.
    assertEquals(200, Http.get(client, Http.url(appPort, "/hello")).statusCode());

    attach = ServiceProcess.builder("AttachSmokeTest-attach")
        .jar(agent)
        .args("attach", Long.toString(service.pid()), "weft.metrics.port=" + metricsPort)
        .start();
    int exit = attach.awaitExit(Duration.ofSeconds(60));
    assertEquals(0, exit, "weft-agent.jar attach failed\n" + attach.describe() + "\n"
        + service.describe());

    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
    for (int i = 0; i < REQUESTS; i++) {
      HttpResponse<String> response = Http.get(client, Http.url(appPort, "/hello"));
      assertEquals(200, response.statusCode());
      assertEquals("hello", response.body());
    }
    MetricsScrape after =
        Poll.untilValue(
            Poll.deadline(Duration.ofSeconds(20)),
            () -> Http.scrape(client, metricsPort),
            s -> s.sum("http_requests_total", l -> true)
                - before.sum("http_requests_total", l -> true) >= REQUESTS,
            s -> "Weft did not count " + REQUESTS + " /hello after attach: "
                + (s == null ? "" : s.series("http_requests_total")) + "\n" + service.describe());
    assertEquals(
        Map.of(List.of("GET", "/hello", "200"), (double) REQUESTS),
        after.deltasSince(before, "http_requests_total", "method", "endpoint", "status"),
        "http_requests_total deltas after attach");
  }
}
