package dev.weft.smoke.it;

import static dev.weft.smoke.it.MetricsScrape.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The servlet modules on real embedded containers (javax: Tomcat 9.0.1, Jetty 9.4.0, Jetty 10.0.26;
 * jakarta: Tomcat 10.1, Tomcat 11, Jetty 11.0.0, Jetty 12 ee10), all serving one application (smoke-tests/
 * servlet-app-javax, relocated for jakarta): every request counted exactly once per (method,
 * endpoint, status), with the servlet mapping as endpoint and never the raw path; async requests
 * counted when they complete on another thread; a flood of distinct unmapped paths makes one
 * series; and Spring MVC's matched pattern on Spring Boot.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ServletContainerSmokeTest extends ServiceSmokeTest {

  static final Set<String> APP_ENDPOINTS = Set.of("/hello", "/api/*", "/async/*", "/", "/served");
  static final int CLIENT_THREADS = 8;
  static final double ASYNC_DELAY_SECONDS = 0.2; // ServletApp.ASYNC_DELAY_MS

  /** One request of a load: what to send and how the server must count it. */
  record Call(String method, String path, String endpoint, int status) {
    List<String> key() {
      return List.of(method, endpoint, Integer.toString(status));
    }
  }

  static Stream<Arguments> containers() {
    List<Arguments> cases = new ArrayList<>();
    Path current = SmokeEnv.jdkHomes().get(0);
    for (String module :
        List.of(
            "servlet-tomcat9", "servlet-tomcat10", "servlet-tomcat11", "servlet-jetty9",
            "servlet-jetty10", "servlet-jetty11", "servlet-jetty12")) {
      cases.add(Arguments.of(Named.of(module, module), Named.of("JDK " + current, current)));
    }
    // The oldest and the newest container on the newest JDK as well.
    for (Path jdk : SmokeEnv.jdkHomes().subList(1, SmokeEnv.jdkHomes().size())) {
      for (String module : List.of("servlet-jetty9", "servlet-tomcat11")) {
        cases.add(Arguments.of(Named.of(module, module), Named.of("JDK " + jdk, jdk)));
      }
    }
    return cases.stream();
  }

  /**
   * 600 requests from 8 threads: exact and prefix mappings, the default servlet, 5xx statuses
   * set by the servlet, exceptions, sendError 404, a filter answering 403 before the servlet,
   * 405 from HttpServlet itself, and async requests (one of them dispatched back to a servlet).
   */
  static List<Call> plan() {
    List<Call> calls = new ArrayList<>();
    add(calls, 200, i -> new Call("GET", "/hello", "/hello", 200));
    add(calls, 10, i -> new Call("PUT", "/hello", "/hello", 405));
    add(calls, 150, i -> new Call("GET", "/api/items/" + i, "/api/*", 200));
    add(calls, 30, i -> new Call("GET", "/api/fail", "/api/*", 503));
    // POST: an HTTP client may retry a GET whose connection dropped, which would count twice.
    add(calls, 20, i -> new Call("POST", "/api/boom", "/api/*", 500));
    add(calls, 25, i -> new Call("GET", "/api/missing/" + i, "/api/*", 404));
    add(calls, 15, i -> new Call("GET", "/api/admin/users/" + i, "/api/*", 403));
    add(calls, 100, i -> new Call("GET", "/nope/" + i + "/x.html", "/", 404));
    add(calls, 25, i -> new Call("GET", "/async/ok", "/async/*", 200));
    add(calls, 15, i -> new Call("GET", "/async/fail", "/async/*", 502));
    add(calls, 10, i -> new Call("GET", "/async/dispatch", "/async/*", 200));
    Collections.shuffle(calls, new Random(20251125L));
    assertEquals(600, calls.size());
    return calls;
  }

  private static void add(List<Call> calls, int n, java.util.function.IntFunction<Call> call) {
    for (int i = 0; i < n; i++) {
      calls.add(call.apply(i));
    }
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("containers")
  void countsEveryRequestExactlyPerMappingAndStatus(String module, Path jdk) throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = start(module, jdk, appPort, metricsPort);
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    List<Call> calls = plan();
    List<String> problems = sendAll(client, appPort, calls);
    assertEquals(List.of(), problems, "client-side outcomes on " + module);

    Map<List<String>, Double> expected = expectedDeltas(calls);
    MetricsScrape after = awaitCounted(client, metricsPort, before, calls.size());
    assertExact(expected, after, before);

    // Async requests are timed to their completion, on another thread: none is faster than
    // the delay before the application completes it.
    for (String status : List.of("200", "502")) {
      Map<String, String> async = labels("method", "GET", "endpoint", "/async/*", "status", status);
      double fast = delta(after, before, "http_request_duration_seconds_bucket",
          labels("method", "GET", "endpoint", "/async/*", "status", status, "le", "0.1"));
      assertEquals(0.0, fast, "async requests (" + status + ") faster than their 200 ms delay");
      double count = delta(after, before, "http_request_duration_seconds_count", async);
      double sum = delta(after, before, "http_request_duration_seconds_sum", async);
      assertTrue(sum >= count * ASYNC_DELAY_SECONDS,
          "async " + status + ": " + count + " requests took " + sum + " s in all");
    }
    assertNoWeftProblems(after);
  }

  /**
   * 100,000 requests to distinct paths that only the default servlet serves: one series, with
   * the fixed endpoint "/", counted exactly; nothing overflows the cardinality guard.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("floodContainers")
  void distinctRawPathsMakeOneSeries(String module) throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = start(module, SmokeEnv.jdkHomes().get(0), appPort, metricsPort);
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    int total = 100_000;
    AtomicInteger next = new AtomicInteger();
    AtomicInteger wrong = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < CLIENT_THREADS; t++) {
        workers.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
            HttpRequest request = HttpRequest.newBuilder(
                    URI.create(Http.url(appPort, "/raw/" + i + "/p" + (i * 7919L))))
                .timeout(Http.REQUEST_TIMEOUT).GET().build();
            HttpResponse<Void> response =
                client.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() != 404) {
              wrong.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        worker.get(150, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, wrong.get(), "responses other than 404");
    // The server's own count: the JDK client silently resends a GET once when a kept-alive
    // connection closes under it, and then the server (rightly) counts two requests.
    long served = Long.parseLong(Http.get(client, Http.url(appPort, "/served")).body().trim());
    System.out.println(module + ": " + total + " sent, " + served + " served");
    assertTrue(served >= total && served <= total + 10,
        "the default servlet served " + served + " requests for " + total + " sent");

    MetricsScrape after = awaitCounted(client, metricsPort, before, (int) served + 1);
    Map<List<String>, Double> expected = new TreeMap<>(ServletContainerSmokeTest::compare);
    expected.put(List.of("GET", "/", "404"), (double) served);
    expected.put(List.of("GET", "/served", "200"), 1.0);
    assertExact(expected, after, before);
    Set<String> endpoints = after.series("http_requests_total").stream()
        .map(s -> s.labels().get("endpoint")).collect(Collectors.toSet());
    assertEquals(Set.of("/", "/served"), endpoints, "endpoints after " + total + " distinct paths");
    assertEquals(0.0, after.sum("weft_label_overflow_total", l -> true),
        "the cardinality guard was needed");
    assertNoWeftProblems(after);
  }

  static Stream<Named<String>> floodContainers() {
    return Stream.of("servlet-tomcat11", "servlet-jetty12").map(m -> Named.of(m, m));
  }

  /** Spring MVC on Spring Boot 3: the matched pattern is the endpoint. */
  @Test
  void springMvcPatternIsTheEndpoint() throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = start("servlet-spring-boot", SmokeEnv.jdkHomes().get(0), appPort, metricsPort);
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    List<Call> calls = new ArrayList<>();
    add(calls, 120, i -> new Call("GET", "/users/" + i, "/users/{id}", 200));
    add(calls, 40, i -> new Call("GET", "/users/" + i + "/orders/" + (i * 3),
        "/users/{id}/orders/{orderId}", 200));
    add(calls, 20, i -> new Call("GET", "/users/x" + i, "/users/{id}", 404));
    add(calls, 15, i -> new Call("GET", "/users/" + i + "/fail", "/users/{id}/fail", 500));
    // Unmatched: Spring Boot's static resource handler ("/**") answers 404.
    add(calls, 45, i -> new Call("GET", "/nope/" + i, "/**", 404));
    Collections.shuffle(calls, new Random(7L));
    List<String> problems = sendAll(client, appPort, calls);
    assertEquals(List.of(), problems, "client-side outcomes");

    MetricsScrape after = awaitCounted(client, metricsPort, before, calls.size());
    assertExact(expectedDeltas(calls), after, before);
    assertNoWeftProblems(after);
  }

  // -------------------------------------------------------------------------------------------

  private ServiceProcess start(String module, Path jdk, int appPort, int metricsPort) {
    ServiceProcess.Builder builder =
        ServiceProcess.builder("ServletContainerSmokeTest-" + module + "-" + jdk.getFileName())
            .java(SmokeEnv.javaOf(jdk))
            .agent(SmokeEnv.agentJar())
            .jvmArgs("-Dweft.metrics.port=" + metricsPort, "-Dotel.traces.exporter=none")
            .jar(SmokeEnv.servletServiceJar(module));
    if (module.equals("servlet-spring-boot")) {
      builder.args("--server.port=" + appPort, "--server.address=127.0.0.1");
    } else {
      builder.args("--port", Integer.toString(appPort));
    }
    ServiceProcess process = builder.start();
    try {
      process.awaitStdoutLine(
          "servlet-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
    } catch (RuntimeException | Error e) {
      process.close();
      throw e;
    }
    return process;
  }

  /** Sends every call (8 threads, keep-alive); returns what did not answer as planned. */
  static List<String> sendAll(HttpClient client, int port, List<Call> calls) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
    try {
      List<Future<String>> futures = new ArrayList<>();
      for (Call call : calls) {
        futures.add(pool.submit(() -> {
          HttpRequest.Builder request =
              HttpRequest.newBuilder(URI.create(Http.url(port, call.path())))
              .timeout(Http.REQUEST_TIMEOUT)
              .method(call.method(), call.method().equals("GET")
                  ? HttpRequest.BodyPublishers.noBody()
                  : HttpRequest.BodyPublishers.ofString("{}"));
          try {
            int status = client.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
            return status == call.status() ? null : call + " answered " + status;
          } catch (IOException e) {
            return call + " failed: " + e;
          }
        }));
      }
      List<String> problems = new ArrayList<>();
      for (Future<String> future : futures) {
        String problem = future.get(60, TimeUnit.SECONDS);
        if (problem != null) {
          problems.add(problem);
        }
      }
      return problems;
    } finally {
      pool.shutdownNow();
    }
  }

  static Map<List<String>, Double> expectedDeltas(List<Call> calls) {
    Map<List<String>, Double> expected = new TreeMap<>(ServletContainerSmokeTest::compare);
    for (Call call : calls) {
      expected.merge(call.key(), 1.0, Double::sum);
    }
    return expected;
  }

  /** Polls until the totals reach {@code n} and nothing is in flight; exactness is checked after. */
  private MetricsScrape awaitCounted(
      HttpClient client, int metricsPort, MetricsScrape before, int n) {
    return Poll.untilValue(
        Poll.deadline(Duration.ofSeconds(30)),
        () -> Http.scrape(client, metricsPort),
        s -> total(s, before, "http_requests_total") >= n
            && total(s, before, "http_request_duration_seconds_count") >= n
            && s.series("http_requests_active").stream().allMatch(a -> a.value() == 0.0),
        s -> "Weft did not count " + n + " requests; last scrape:\n"
            + (s == null ? "(none)" : relevant(s)) + "\n" + service.describe());
  }

  private static void assertExact(
      Map<List<String>, Double> expected, MetricsScrape after, MetricsScrape before) {
    assertEquals(expected,
        after.deltasSince(before, "http_requests_total", "method", "endpoint", "status"),
        "http_requests_total deltas per (method, endpoint, status)\n" + relevant(after));
    assertEquals(expected,
        after.deltasSince(before, "http_request_duration_seconds_count", "method", "endpoint",
            "status"),
        "http_request_duration_seconds_count deltas\n" + relevant(after));
    Map<List<String>, Double> inf = new TreeMap<>(ServletContainerSmokeTest::compare);
    after.deltasSince(before, "http_request_duration_seconds_bucket", "method", "endpoint",
            "status", "le")
        .forEach((k, v) -> {
          if (k.get(3).equals("+Inf")) {
            inf.put(k.subList(0, 3), v);
          }
        });
    assertEquals(expected, inf, "le=\"+Inf\" bucket deltas\n" + relevant(after));
    for (MetricsScrape.Sample active : after.series("http_requests_active")) {
      assertEquals(0.0, active.value(), "requests still active: " + active);
    }
    // No raw path anywhere: every endpoint is a mapping or route template of the application.
    for (MetricsScrape.Sample sample : after.samples()) {
      String endpoint = sample.labels().get("endpoint");
      if (endpoint != null && expected.keySet().stream().noneMatch(k -> k.get(1).equals(endpoint))
          && !APP_ENDPOINTS.contains(endpoint)) {
        fail("unexpected endpoint (a raw path?) in " + sample);
      }
    }
  }

  private void assertNoWeftProblems(MetricsScrape scrape) {
    assertEquals(0.0, scrape.sum("weft_agent_errors_total", l -> true),
        "weft_agent_errors_total\n" + service.describe());
    List<String> bad = service.weftLines().stream()
        .filter(l -> l.startsWith("[weft] ERROR") || l.startsWith("[weft] WARN"))
        .collect(Collectors.toList());
    assertEquals(List.of(), bad, "Weft complained");
  }

  private static double delta(MetricsScrape after, MetricsScrape before, String name,
      Map<String, String> labels) {
    return after.valueOrZero(name, labels) - before.valueOrZero(name, labels);
  }

  private static double total(MetricsScrape after, MetricsScrape before, String name) {
    return after.sum(name, l -> true) - before.sum(name, l -> true);
  }

  private static String relevant(MetricsScrape scrape) {
    return scrape.samples().stream()
        .filter(s -> s.name().startsWith("http_requests") || s.name().startsWith("weft_")
            || s.name().equals("http_request_duration_seconds_count"))
        .map(MetricsScrape.Sample::toString)
        .collect(Collectors.joining("\n"));
  }

  private static int compare(List<String> a, List<String> b) {
    return String.valueOf(a).compareTo(String.valueOf(b));
  }

}
