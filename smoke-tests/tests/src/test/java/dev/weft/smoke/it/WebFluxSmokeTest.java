package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * reactor-netty-1 and spring-webflux-6 end to end: smoke-tests/webflux-service (Spring Boot 3.5.7:
 * Spring Framework 6.2, Reactor Netty 1.2) and webflux-4-service (the same application on Spring
 * Boot 4.0.7: Spring Framework 7.0, Reactor Netty 1.3), each a Spring Boot executable jar with no
 * Weft code, in its own JVM with the shaded agent, on the JDK running the tests and on Temurin
 * 25. Requests go over the JDK HttpClient's keep-alive connections from a few threads, every one
 * with a query string; Weft's /metrics must count each exactly once per (method, endpoint,
 * status) under WebFlux's route template (annotated controller and RouterFunction), an error
 * signal with the 500 the client saw, with neither raw paths nor queries in any label, the
 * in-flight gauge back to 0, and a caller's trace id in the controller's log line.
 *
 * <p>Unmatched requests: Spring Boot maps its static resources at {@code /**} (WebFlux's
 * resource handler, which answers 404 for what it does not find), so a path that no route
 * matches is counted under that pattern, as Spring MVC's are on Boot (ServletContainerSmokeTest);
 * {@code /} is for requests no WebFlux handler at all was found for.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WebFluxSmokeTest extends ServiceSmokeTest {

  static final int ORDERS_PER_ID = 15; // GET /orders/{1,2,3}?page=<i>: 200 (controller)
  static final int ITEMS = 30; // GET /items/<sku>?q=<i>: 200 (RouterFunction)
  static final int FAIL = 12; // GET /orders/<id>/fail?why=<i>: Mono.error, 500
  static final int UNMATCHED = 10; // GET /nope/<i>?i=<i> and /orders?i=<i>: 404
  static final int LOAD = 3 * ORDERS_PER_ID + ITEMS + FAIL + UNMATCHED; // 97
  /** The load, then one traced request (to the controller). */
  static final int TOTAL = LOAD + 1;
  static final int CLIENT_THREADS = 4;

  static final String ORDERS = "/orders/{id}";
  static final String ORDERS_FAIL = "/orders/{id}/fail";
  static final String ITEMS_ROUTE = "/items/{sku}";
  /** Spring Boot's static resource mapping, WebFlux's match for an otherwise unmatched path. */
  static final String UNMATCHED_ENDPOINT = "/**";

  /** Every endpoint the HTTP server series may have: the routes, and / while in flight. */
  static final Set<String> ENDPOINTS =
      Set.of(ORDERS, ORDERS_FAIL, ITEMS_ROUTE, UNMATCHED_ENDPOINT, "/");

  /** webflux-service's log line for a request (see its logback.xml). */
  static final Pattern REQUEST_LINE =
      Pattern.compile(
          "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO +\\[([^\\]]*)\\]"
              + " dev\\.weft\\.smoke\\.webflux\\.Requests"
              + " trace_id=(\\S*) span_id=(\\S*) trace_flags=(\\S*)"
              + " - request (\\S+) (\\S+) -> (\\d+) on (\\S+)");

  record Call(String path, String endpoint, int status, String body) {}

  record Outcome(Call call, int status, String body, Exception failure) {}

  static Stream<Arguments> servicesAndJdks() {
    List<Arguments> cases = new ArrayList<>();
    for (String module : List.of("webflux-service", "webflux-4-service")) {
      for (Path jdk : SmokeEnv.jdkHomes()) {
        cases.add(Arguments.of(Named.of(module, module), Named.of("JDK " + jdk, jdk)));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("servicesAndJdks")
  void countsEveryRequestUnderItsRouteAndLogsInItsContext(String module, Path jdk)
      throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int metricsPort = SmokeEnv.freePort();
      service =
          Services.webfluxService(
              ServiceProcess.builder("WebFluxSmokeTest-" + module + "-" + jdk.getFileName())
                  .javaHome(jdk)
                  .agent(SmokeEnv.agentJar())
                  .jvmArgs(
                      "-Dweft.metrics.port=" + metricsPort,
                      "-Dotel.service.name=" + module,
                      "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
                      "-Dotel.bsp.schedule.delay=100"),
              module);
      int appPort = Services.webfluxServicePort(service);
      HttpClient client = Http.newClient();
      MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      List<Outcome> outcomes = sendLoad(client, appPort, plan());
      List<String> problems = new ArrayList<>();
      for (Outcome o : outcomes) {
        if (o.status() != o.call().status()
            || (o.call().body() != null && !o.call().body().equals(o.body()))) {
          problems.add(o.call() + " got " + o.status() + " '" + o.body() + "' " + o.failure());
        }
      }
      assertEquals(List.of(), problems, "client-side outcomes");

      // One request with a W3C parent, on the same client (a kept-alive connection).
      String traceId = TraceTestSupport.newTraceId();
      String parentSpanId = TraceTestSupport.newSpanId();
      String tag = UUID.randomUUID().toString();
      String tracedUri = "/orders/traced?tag=" + tag;
      HttpResponse<String> traced =
          client.send(
              TraceTestSupport.get(appPort, tracedUri,
                  "traceparent", TraceTestSupport.traceparent(traceId, parentSpanId, true)),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, traced.statusCode(), traced.body());
      assertEquals("order traced\n", traced.body());

      // A response can reach the client a moment before the write's promise completes on the
      // server: poll until everything is in, then demand exact equality (an overshoot fails).
      MetricsScrape after =
          Poll.untilValue(
              Poll.deadline(Duration.ofSeconds(20)),
              () -> Http.scrape(client, metricsPort),
              s -> NettySmokeTest.totalDelta(s, before, "http_requests_total") >= TOTAL
                  && NettySmokeTest.totalDelta(s, before, "http_request_duration_seconds_count")
                      >= TOTAL
                  && !s.series("http_requests_active").isEmpty()
                  && s.series("http_requests_active").stream().allMatch(a -> a.value() == 0.0),
              s -> "Weft did not count " + TOTAL + " requests with none in flight; last scrape:\n"
                  + (s == null ? "(none)" : relevant(s)) + "\n" + service.describe());

      Map<List<String>, Double> expected = sorted(Map.of(
          List.of("GET", ORDERS, "200"), (double) (3 * ORDERS_PER_ID + 1),
          List.of("GET", ITEMS_ROUTE, "200"), (double) ITEMS,
          List.of("GET", ORDERS_FAIL, "500"), (double) FAIL,
          List.of("GET", UNMATCHED_ENDPOINT, "404"), (double) UNMATCHED));
      assertEquals(TOTAL, expected.values().stream().mapToDouble(Double::doubleValue).sum());

      assertEquals(expected,
          sorted(after.deltasSince(before, "http_requests_total", "method", "endpoint", "status")),
          "http_requests_total deltas per (method, endpoint, status)\n" + relevant(after));
      assertEquals(expected,
          sorted(after.deltasSince(before, "http_request_duration_seconds_count", "method",
              "endpoint", "status")),
          "http_request_duration_seconds_count deltas per (method, endpoint, status)\n"
              + relevant(after));
      Map<List<String>, Double> infBuckets =
          after.deltasSince(before, "http_request_duration_seconds_bucket", "method", "endpoint",
                  "status", "le").entrySet().stream()
              .filter(e -> e.getKey().get(3).equals("+Inf"))
              .collect(Collectors.toMap(e -> e.getKey().subList(0, 3), Map.Entry::getValue));
      assertEquals(expected, sorted(infBuckets),
          "http_request_duration_seconds_bucket{le=\"+Inf\"} deltas\n" + relevant(after));
      JdkHttpServerSmokeTest.assertHistogramsConsistent(after);

      for (MetricsScrape.Sample active : after.series("http_requests_active")) {
        assertEquals(0.0, active.value(), "in-flight gauge not back to 0: " + active);
      }
      assertNoRawPathOrQueryInLabels(after);

      // The controller's log line for the traced request carries its ids: the caller's trace id
      // and the id of Weft's SERVER span, a child of the caller's span, named after the route.
      Matcher line =
          Poll.untilValue(
              Poll.deadline(Duration.ofSeconds(10)),
              () -> requestLine(service.stdoutLines(), tracedUri),
              m -> m != null,
              m -> "no log line for GET " + tracedUri + "\n" + service.describe());
      assertEquals(traceId, line.group(2), "trace_id in " + line.group());
      assertEquals("01", line.group(4), "trace_flags in " + line.group());
      assertTrue(line.group(1).startsWith("reactor-http-"),
          "logged on Reactor Netty's event loop, in the controller: " + line.group());
      ReceivedSpan server =
          receiver.awaitSpans(s -> s.traceId().equals(traceId) && s.kind().equals("SERVER"), 1,
              Duration.ofSeconds(20)).get(0);
      assertEquals(parentSpanId, server.parentSpanId(), server.toString());
      assertEquals(server.spanId(), line.group(3), "span_id in " + line.group() + "\n" + server);
      assertEquals("GET " + ORDERS, server.name(), server.toString());
      assertEquals(ORDERS, server.attribute("http.route"), server.toString());
      assertFalse(server.fullText().contains(tag), "the query is never recorded: " + server);

      // Exactly one line per request that reached a handler (all but the unmatched ones): no
      // client retry. Over keep-alive: the client's connections each carried many requests.
      List<Matcher> lines =
          service.stdoutLines().stream()
              .map(REQUEST_LINE::matcher)
              .filter(Matcher::matches)
              .collect(Collectors.toList());
      assertEquals(TOTAL - UNMATCHED, lines.size(), "request log lines\n" + service.describe());
      long connections = lines.stream().map(m -> m.group(8)).distinct().count();
      assertTrue(connections <= TOTAL / 4,
          connections + " connections for " + TOTAL + " requests: not kept alive");

      List<String> errors =
          service.weftLines().stream()
              .filter(l -> l.startsWith("[weft] ERROR"))
              .collect(Collectors.toList());
      assertEquals(List.of(), errors, "Weft logged errors on a clean run");
    }
  }

  // -------------------------------------------------------------------------------------------

  /** Exactly {@value #LOAD} GETs, shuffled with a fixed seed; every one has a query string. */
  static List<Call> plan() {
    List<Call> calls = new ArrayList<>();
    for (int i = 0; i < 3 * ORDERS_PER_ID; i++) {
      int id = i % 3 + 1;
      calls.add(new Call("/orders/" + id + "?page=" + i, ORDERS, 200, "order " + id + "\n"));
    }
    List<String> skus = List.of("abc", "def-42", "x9");
    for (int i = 0; i < ITEMS; i++) {
      String sku = skus.get(i % skus.size());
      calls.add(new Call("/items/" + sku + "?q=" + i, ITEMS_ROUTE, 200, "item " + sku + "\n"));
    }
    for (int i = 0; i < FAIL; i++) {
      calls.add(new Call("/orders/" + (i % 3 + 1) + "/fail?why=" + i, ORDERS_FAIL, 500, null));
    }
    for (int i = 0; i < UNMATCHED; i++) {
      String path = i % 2 == 0 ? "/nope/" + i + "?i=" + i : "/orders?i=" + i;
      calls.add(new Call(path, UNMATCHED_ENDPOINT, 404, null));
    }
    Collections.shuffle(calls, new Random(20261207L));
    assertEquals(LOAD, calls.size());
    return calls;
  }

  static List<Outcome> sendLoad(HttpClient client, int appPort, List<Call> calls)
      throws InterruptedException {
    return Http.sendConcurrently(CLIENT_THREADS, calls, call -> send(client, appPort, call));
  }

  private static Outcome send(HttpClient client, int appPort, Call call) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(Http.url(appPort, call.path())))
            .timeout(Http.REQUEST_TIMEOUT)
            .GET()
            .build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Outcome(call, response.statusCode(), response.body(), null);
    } catch (IOException e) {
      return new Outcome(call, -1, null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(call, -1, null, e);
    }
  }

  /**
   * No label of any series holds a raw path or a query string; the HTTP server series only the
   * route templates (and / for requests in flight).
   */
  static void assertNoRawPathOrQueryInLabels(MetricsScrape scrape) {
    for (MetricsScrape.Sample sample : scrape.samples()) {
      for (Map.Entry<String, String> label : sample.labels().entrySet()) {
        String value = label.getValue();
        assertFalse(value.contains("?") || value.contains("page=") || value.contains("q=")
                || value.contains("why=") || value.contains("i=") || value.contains("tag="),
            "a query string in a label: " + sample);
        assertFalse(value.startsWith("/orders/1") || value.startsWith("/orders/2")
                || value.startsWith("/orders/3") || value.startsWith("/orders/traced")
                || value.startsWith("/items/abc") || value.startsWith("/items/def")
                || value.startsWith("/items/x9") || value.startsWith("/nope")
                || value.equals("/orders"),
            "a raw path in a label: " + sample);
      }
      String endpoint = sample.labels().get("endpoint");
      if (endpoint != null && sample.name().startsWith("http_request")) {
        assertTrue(ENDPOINTS.contains(endpoint), "unexpected endpoint in " + sample);
      }
    }
  }

  /** The last log line of the service for {@code GET uri}, or null. */
  static Matcher requestLine(List<String> stdout, String uri) {
    Matcher found = null;
    for (String l : stdout) {
      Matcher m = REQUEST_LINE.matcher(l);
      if (m.matches() && m.group(5).equals("GET") && m.group(6).equals(uri)) {
        found = m;
      }
    }
    return found;
  }

  private static String relevant(MetricsScrape scrape) {
    return scrape.samples().stream()
        .filter(s -> s.name().startsWith("http_requests") || s.name().startsWith("weft_")
            || s.name().equals("http_request_duration_seconds_count"))
        .map(MetricsScrape.Sample::toString)
        .collect(Collectors.joining("\n"));
  }

  private static Map<List<String>, Double> sorted(Map<List<String>, Double> map) {
    Map<List<String>, Double> sorted =
        new TreeMap<>((a, b) -> String.valueOf(a).compareTo(String.valueOf(b)));
    sorted.putAll(map);
    return sorted;
  }
}
