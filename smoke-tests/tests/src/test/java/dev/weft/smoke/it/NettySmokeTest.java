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
 * The netty-4.1 module end to end: smoke-tests/netty-service (a plain Netty 4.2 server:
 * HttpServerCodec, HttpObjectAggregator, one handler) in its own JVM with the shaded agent, on
 * the JDK running the tests and on Temurin 25. Requests go over the JDK HttpClient's keep-alive
 * connections; Weft's /metrics must count each exactly once per (method, endpoint, status), with
 * the path (never the query) as the endpoint, the responses written later by another thread with
 * their own status, the in-flight gauge back to 0, and a request's trace ids in the log line the
 * handler writes for it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class NettySmokeTest extends ServiceSmokeTest {

  static final int ORDERS_PER_ID = 20; // GET /orders/1..3?page=<i>: 200
  static final int POST_ORDERS = 5; // POST /orders/9 with a body: 200
  static final int FAIL = 13; // GET /fail?why=<i>: 500
  static final int UNMATCHED = 11; // GET /nope?i=<i>: 404
  static final int LATER_OK = 17; // GET /later?status=200: 200, written by the scheduler thread
  static final int LATER_FAIL = 7; // GET /later?status=503: 503, likewise
  static final int LOAD =
      3 * ORDERS_PER_ID + POST_ORDERS + FAIL + UNMATCHED + LATER_OK + LATER_FAIL; // 113
  /** The load, then one traced request. */
  static final int TOTAL = LOAD + 1;
  static final int CLIENT_THREADS = 4;

  static final Set<String> ENDPOINTS =
      Set.of("/orders/1", "/orders/2", "/orders/3", "/orders/9", "/orders/traced", "/fail",
          "/nope", "/later");

  /** netty-service's log line for a request (see its logback.xml). */
  static final Pattern REQUEST_LINE =
      Pattern.compile(
          "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO +\\[([^\\]]*)\\]"
              + " dev\\.weft\\.smoke\\.netty\\.Requests"
              + " trace_id=(\\S*) span_id=(\\S*) trace_flags=(\\S*)"
              + " - request (\\S+) (\\S+) -> (\\d+) on (\\S+)");

  record Call(String method, String path, String endpoint, int status) {}

  record Outcome(Call call, int status, String body, Exception failure) {}

  static Stream<Named<Path>> jdks() {
    return SmokeEnv.jdkHomes().stream().map(home -> Named.of("JDK " + home, home));
  }

  /** netty-service (Netty 4.2) and netty-41-service (Netty 4.1), each on every JDK. */
  static Stream<Arguments> servicesAndJdks() {
    List<Arguments> cases = new ArrayList<>();
    for (String module : List.of("netty-service", "netty-41-service")) {
      for (Path jdk : SmokeEnv.jdkHomes()) {
        cases.add(Arguments.of(Named.of(module, module), Named.of("JDK " + jdk, jdk)));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("servicesAndJdks")
  void countsEveryRequestExactlyAndLogsInItsContext(String module, Path jdk) throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int metricsPort = SmokeEnv.freePort();
      service =
          Services.nettyService(
              ServiceProcess.builder("NettySmokeTest-" + module + "-" + jdk.getFileName())
                  .javaHome(jdk)
                  .agent(SmokeEnv.agentJar())
                  .jvmArgs(
                      "-Dweft.metrics.port=" + metricsPort,
                      "-Dotel.service.name=netty-service",
                      "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
                      "-Dotel.bsp.schedule.delay=100"),
              module);
      int appPort = Services.nettyServicePort(service);
      HttpClient client = Http.newClient();
      MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      List<Outcome> outcomes = sendLoad(client, appPort, plan());
      assertClientSideOutcomes(outcomes);

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
              s -> totalDelta(s, before, "http_requests_total") >= TOTAL
                  && totalDelta(s, before, "http_request_duration_seconds_count") >= TOTAL
                  && !s.series("http_requests_active").isEmpty()
                  && s.series("http_requests_active").stream().allMatch(a -> a.value() == 0.0),
              s -> "Weft did not count " + TOTAL + " requests with none in flight; last scrape:\n"
                  + (s == null ? "(none)" : relevant(s)) + "\n" + service.describe());

      Map<List<String>, Double> expected = new TreeMap<>(NettySmokeTest::compare);
      for (int id = 1; id <= 3; id++) {
        expected.put(List.of("GET", "/orders/" + id, "200"), (double) ORDERS_PER_ID);
      }
      expected.put(List.of("POST", "/orders/9", "200"), (double) POST_ORDERS);
      expected.put(List.of("GET", "/orders/traced", "200"), 1.0);
      expected.put(List.of("GET", "/fail", "500"), (double) FAIL);
      expected.put(List.of("GET", "/nope", "404"), (double) UNMATCHED);
      expected.put(List.of("GET", "/later", "200"), (double) LATER_OK);
      expected.put(List.of("GET", "/later", "503"), (double) LATER_FAIL);
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
      assertNoQueryInLabels(after);

      // The handler's log line for the traced request carries its ids: the caller's trace id and
      // the id of Weft's SERVER span, a child of the caller's span.
      Matcher line =
          Poll.untilValue(
              Poll.deadline(Duration.ofSeconds(10)),
              () -> requestLine(service.stdoutLines(), "GET", tracedUri),
              m -> m != null,
              m -> "no log line for GET " + tracedUri + "\n" + service.describe());
      assertEquals(traceId, line.group(2), "trace_id in " + line.group());
      assertEquals("01", line.group(4), "trace_flags in " + line.group());
      assertTrue(line.group(1).startsWith("netty-worker-"),
          "logged on the event loop, in the handler: " + line.group());
      ReceivedSpan server =
          receiver.awaitSpans(s -> s.traceId().equals(traceId) && s.kind().equals("SERVER"), 1,
              Duration.ofSeconds(20)).get(0);
      assertEquals(parentSpanId, server.parentSpanId(), server.toString());
      assertEquals(server.spanId(), line.group(3), "span_id in " + line.group() + "\n" + server);
      assertEquals("/orders/traced", server.attribute("url.path"), server.toString());
      assertFalse(server.fullText().contains(tag), "the query is never recorded: " + server);

      // Exactly one line per request: each request reached the handler once (no client retry).
      List<Matcher> lines =
          service.stdoutLines().stream()
              .map(REQUEST_LINE::matcher)
              .filter(Matcher::matches)
              .collect(Collectors.toList());
      assertEquals(TOTAL, lines.size(), "request log lines\n" + service.describe());
      // Over keep-alive: the client's connections each carried many requests.
      long connections = lines.stream().map(m -> m.group(8)).distinct().count();
      assertTrue(connections <= TOTAL / 4,
          connections + " connections for " + TOTAL + " requests: not kept alive");

      assertEquals(List.of(), errorLines(), "Weft logged errors on a clean run");
    }
  }

  // -------------------------------------------------------------------------------------------

  /** Exactly {@value #LOAD} calls, shuffled with a fixed seed; every one has a query string. */
  static List<Call> plan() {
    List<Call> calls = new ArrayList<>();
    for (int i = 0; i < 3 * ORDERS_PER_ID; i++) {
      int id = i % 3 + 1;
      calls.add(new Call("GET", "/orders/" + id + "?page=" + i, "/orders/" + id, 200));
    }
    for (int i = 0; i < POST_ORDERS; i++) {
      calls.add(new Call("POST", "/orders/9?attempt=" + i, "/orders/9", 200));
    }
    for (int i = 0; i < FAIL; i++) {
      calls.add(new Call("GET", "/fail?why=" + i, "/fail", 500));
    }
    for (int i = 0; i < UNMATCHED; i++) {
      calls.add(new Call("GET", "/nope?i=" + i, "/nope", 404));
    }
    for (int i = 0; i < LATER_OK; i++) {
      calls.add(new Call("GET", "/later?status=200&i=" + i, "/later", 200));
    }
    for (int i = 0; i < LATER_FAIL; i++) {
      calls.add(new Call("GET", "/later?status=503&i=" + i, "/later", 503));
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
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(Http.url(appPort, call.path())))
            .timeout(Http.REQUEST_TIMEOUT);
    if (call.method().equals("POST")) {
      request.POST(HttpRequest.BodyPublishers.ofString("{\"order\":9}"));
    } else {
      request.GET();
    }
    try {
      HttpResponse<String> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Outcome(call, response.statusCode(), response.body(), null);
    } catch (IOException e) {
      return new Outcome(call, -1, null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(call, -1, null, e);
    }
  }

  static void assertClientSideOutcomes(List<Outcome> outcomes) {
    List<String> problems = new ArrayList<>();
    for (Outcome o : outcomes) {
      Call call = o.call();
      if (o.status() != call.status()) {
        problems.add(call + " got " + o.status() + " " + o.failure());
      } else if (call.endpoint().startsWith("/orders/")
          && !("order " + call.endpoint().substring("/orders/".length()) + "\n").equals(o.body())) {
        problems.add(call + " got body '" + o.body() + "'");
      } else if (call.endpoint().equals("/later")
          && !("later " + call.status() + "\n").equals(o.body())) {
        problems.add(call + " got body '" + o.body() + "'");
      }
    }
    assertEquals(List.of(), problems, "client-side outcomes");
  }

  /** No label of any series holds a query string; the HTTP server series only known paths. */
  static void assertNoQueryInLabels(MetricsScrape scrape) {
    for (MetricsScrape.Sample sample : scrape.samples()) {
      for (Map.Entry<String, String> label : sample.labels().entrySet()) {
        String value = label.getValue();
        assertFalse(value.contains("?") || value.contains("page=") || value.contains("status=")
                || value.contains("why=") || value.contains("tag="),
            "a query string in a label: " + sample);
      }
      String endpoint = sample.labels().get("endpoint");
      if (endpoint != null && sample.name().startsWith("http_request")) {
        assertTrue(ENDPOINTS.contains(endpoint), "unexpected endpoint in " + sample);
      }
    }
  }

  /** The last log line of the handler for {@code method uri}, or null. */
  static Matcher requestLine(List<String> stdout, String method, String uri) {
    Matcher found = null;
    for (String l : stdout) {
      Matcher m = REQUEST_LINE.matcher(l);
      if (m.matches() && m.group(5).equals(method) && m.group(6).equals(uri)) {
        found = m;
      }
    }
    return found;
  }

  static double totalDelta(MetricsScrape after, MetricsScrape before, String name) {
    return after.sum(name, l -> true) - before.sum(name, l -> true);
  }

  private List<String> errorLines() {
    return service.weftLines().stream()
        .filter(l -> l.startsWith("[weft] ERROR"))
        .collect(Collectors.toList());
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

  private static Map<List<String>, Double> sorted(Map<List<String>, Double> map) {
    Map<List<String>, Double> sorted = new TreeMap<>(NettySmokeTest::compare);
    sorted.putAll(map);
    return sorted;
  }
}
