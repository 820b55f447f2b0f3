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
  static final int LOAD_THREADS = 8;

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

    assertCountsExactly(client, appPort,
        Http.awaitMetrics(service, client, metricsPort, Services.STARTUP), metricsPort);
  }

  /** {@value #REQUESTS} requests from now on move http_requests_total by exactly that. */
  private void assertCountsExactly(
      HttpClient client, int appPort, MetricsScrape before, int metricsPort) throws Exception {
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

  /**
   * Attached while the service is busy: the classes being served are retransformed under the
   * load, and no request fails or gets another answer. Afterwards Weft counts exactly.
   */
  @Test
  void attachUnderLoadFailsNoRequest() throws Exception {
    Path agent = SmokeEnv.agentJar();
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = Services.jdkHttpService(
        "AttachSmokeTest-loaded", SmokeEnv.currentJava(), false, appPort);
    HttpClient client = Http.newClient();
    assertEquals(200, Http.get(client, Http.url(appPort, "/hello")).statusCode());

    java.util.concurrent.atomic.AtomicBoolean loading = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
    java.util.Queue<String> wrong = new java.util.concurrent.ConcurrentLinkedQueue<>();
    List<Thread> load = new java.util.ArrayList<>();
    for (int t = 0; t < LOAD_THREADS; t++) {
      Thread thread = new Thread(() -> {
        while (loading.get()) {
          try {
            HttpResponse<String> r = Http.get(client, Http.url(appPort, "/hello"));
            if (r.statusCode() != 200 || !r.body().equals("hello")) {
              wrong.add(r.statusCode() + " " + r.body());
            }
            answered.incrementAndGet();
          } catch (Exception e) {
            wrong.add(e.toString());
          }
        }
      }, "attach-load-" + t);
      thread.start();
      load.add(thread);
    }
    try {
      Poll.untilValue(Poll.deadline(Duration.ofSeconds(20)), answered::get, n -> n >= 200,
          n -> "the load did not start: " + n + " answered");
      attach = ServiceProcess.builder("AttachSmokeTest-attach-loaded")
          .jar(agent)
          .args("attach", Long.toString(service.pid()), "weft.metrics.port=" + metricsPort)
          .start();
      assertEquals(0, attach.awaitExit(Duration.ofSeconds(60)),
          "weft-agent.jar attach failed\n" + attach.describe() + "\n" + service.describe());
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
      long atAttach = answered.get();
      Poll.untilValue(Poll.deadline(Duration.ofSeconds(20)), answered::get, n -> n >= atAttach + 500,
          n -> "the load stalled after attach: " + n + " answered");
    } finally {
      loading.set(false);
      for (Thread thread : load) {
        thread.join(30_000);
      }
    }
    assertEquals(List.of(), List.copyOf(wrong),
        "requests that failed or were answered otherwise, of " + answered.get());
    System.out.println("attach under load: " + answered.get() + " requests answered, none failed");

    assertCountsExactly(client, appPort, Http.scrape(client, metricsPort), metricsPort);
  }
}
