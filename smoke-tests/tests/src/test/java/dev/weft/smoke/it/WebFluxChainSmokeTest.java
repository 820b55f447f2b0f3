package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request's context along a reactive chain, across two services, end to end: two instances of
 * a WebFlux smoke service (Spring Boot 3.5 and 4.0, on the JDK running the tests and on Temurin
 * 25), each in its own JVM with the shaded agent and no Weft code. The front's {@code
 * /chain/{id}} logs in the controller, hops to bounded-elastic ({@code publishOn}) and logs, then
 * {@code flatMap}s over three {@code WebClient} calls to the other instance's {@code
 * /orders/{id}}, logging as each reply arrives (on the client's event loop) and when all are in.
 *
 * <ul>
 *   <li>One traced request makes one trace across both services: the front's SERVER span (a child
 *       of the caller's), its three CLIENT spans (children of it), the downstream's three SERVER
 *       spans (children of those); the front's six log lines carry the trace id and its SERVER
 *       span's id, the downstream's three lines theirs.
 *   <li>1,000 requests at once, each with a trace id of its own: every log line of every request,
 *       in both services, carries its request's trace id and no other (checked line by line), and
 *       both services' counters move by exactly the requests and calls made.
 *   <li>Requests that do not end by themselves: a handler that never completes whose client goes
 *       away, and a streamed response the client leaves mid-way, count once as {@code 499}; a
 *       handler that never completes ended by the application's own {@code timeout} counts as the
 *       500 WebFlux answers; {@code http_requests_active} returns to 0.
 * </ul>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WebFluxChainSmokeTest {

  /** Chains at once: 300 in CI, 1,000 in the long form (SmokeEnv#longRun). */
  static final int CONCURRENT = SmokeEnv.sized(300, 1000);
  static final int HANGS = 4;
  /** Per request of the 1,000-chain burst. */
  static final Duration BURST_TIMEOUT = Duration.ofSeconds(90);
  static final int SLOW = 3;
  static final int STREAMS = 5;

  static final String CHAIN = "/chain/{id}";
  static final String ORDERS = "/orders/{id}";

  /** webflux-service's log lines: the chain's steps and the controllers' request lines. */
  static final Pattern LINE =
      Pattern.compile(
          "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO +\\[([^\\]]*)\\]"
              + " dev\\.weft\\.smoke\\.webflux\\.(Chain|Requests)"
              + " trace_id=(\\S*) span_id=(\\S*) trace_flags=(\\S*)"
              + " - (?:chain (\\S+) (.+)|request GET /orders/(\\S+)-(\\d) -> 200 on \\S+)");

  private final List<ServiceProcess> services = new ArrayList<>();

  @AfterEach
  void stopServices() {
    services.forEach(ServiceProcess::close);
  }

  static List<org.junit.jupiter.params.provider.Arguments> servicesAndJdks() {
    return WebFluxSmokeTest.servicesAndJdks().collect(Collectors.toList());
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("servicesAndJdks")
  void oneTraceAcrossTheChainAndNoMixedIdsUnderLoad(String module, Path jdk) throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int downMetrics = SmokeEnv.freePort();
      int frontMetrics = SmokeEnv.freePort();
      ServiceProcess down = start(module, jdk, "down", downMetrics, receiver);
      int downPort = Services.webfluxServicePort(down);
      ServiceProcess front = start(module, jdk, "front", frontMetrics, receiver,
          "--downstream.url=http://127.0.0.1:" + downPort);
      int frontPort = Services.webfluxServicePort(front);
      HttpClient client = Http.newClient();
      MetricsScrape downBefore = Http.awaitMetrics(down, client, downMetrics, Services.STARTUP);
      MetricsScrape frontBefore = Http.awaitMetrics(front, client, frontMetrics, Services.STARTUP);

      // 1. One traced request: one trace across both services.
      String traceId = TraceTestSupport.newTraceId();
      String callerSpan = TraceTestSupport.newSpanId();
      HttpResponse<String> traced = client.send(
          TraceTestSupport.get(frontPort, "/chain/t0?secret=1",
              "traceparent", TraceTestSupport.traceparent(traceId, callerSpan, true)),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, traced.statusCode(), traced.body());
      assertEquals(expectedBody("t0"), traced.body());
      List<ReceivedSpan> trace = receiver.awaitSpans(s -> s.traceId().equals(traceId), 7,
          Duration.ofSeconds(30));
      assertEquals(7, trace.size(), "one SERVER, three CLIENT, three downstream SERVER spans: "
          + trace);
      ReceivedSpan frontServer = only(trace, "front", "SERVER");
      assertEquals(callerSpan, frontServer.parentSpanId(), frontServer.toString());
      assertEquals("GET " + CHAIN, frontServer.name());
      List<ReceivedSpan> clients = of(trace, "front", "CLIENT");
      List<ReceivedSpan> downServers = of(trace, "down", "SERVER");
      assertEquals(3, clients.size(), trace.toString());
      assertEquals(3, downServers.size(), trace.toString());
      Set<String> clientIds = new TreeSet<>();
      for (ReceivedSpan c : clients) {
        assertEquals(frontServer.spanId(), c.parentSpanId(), "CLIENT span's parent: " + c);
        assertTrue(c.name().startsWith("GET"), c.toString());
        clientIds.add(c.spanId());
      }
      Set<String> downParents = new TreeSet<>();
      for (ReceivedSpan s : downServers) {
        assertEquals("GET " + ORDERS, s.name(), s.toString());
        downParents.add(s.parentSpanId());
      }
      assertEquals(clientIds, downParents, "each downstream SERVER span a child of one CLIENT span");
      for (ReceivedSpan s : trace) {
        assertTrue(!s.fullText().contains("secret"), "no query recorded: " + s);
      }
      Map<String, List<Matcher>> frontLines = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(10)), () -> linesByRequest(front, "Chain"),
          m -> m.getOrDefault("t0", List.of()).size() == 6,
          m -> "the front's six log lines for chain t0\n" + front.describe());
      for (Matcher line : frontLines.get("t0")) {
        assertEquals(traceId, line.group(3), line.group());
        assertEquals(frontServer.spanId(), line.group(4), line.group());
      }
      Set<String> downSpanIds =
          downServers.stream().map(ReceivedSpan::spanId).collect(Collectors.toSet());
      Map<String, List<Matcher>> downLines = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(10)), () -> linesByRequest(down, "Requests"),
          m -> m.getOrDefault("t0", List.of()).size() == 3,
          m -> "the downstream's three log lines for chain t0\n" + down.describe());
      for (Matcher line : downLines.get("t0")) {
        assertEquals(traceId, line.group(3), line.group());
        assertTrue(downSpanIds.contains(line.group(4)), line.group() + " not in " + downSpanIds);
      }

      // 2. A thousand at once, each with a trace id of its own (not sampled: nothing exported,
      // the ids are still carried and logged).
      Map<String, String> traceOf = new HashMap<>();
      for (int i = 0; i < CONCURRENT; i++) {
        traceOf.put("c" + i, TraceTestSupport.newTraceId());
      }
      sendAllAtOnce(frontPort, traceOf);
      Map<String, List<Matcher>> frontAll = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(30)), () -> linesByRequest(front, "Chain"),
          m -> m.size() == CONCURRENT + 1,
          m -> "front log lines for " + (CONCURRENT + 1) + " chains, got " + m.size());
      Map<String, List<Matcher>> downAll = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(30)), () -> linesByRequest(down, "Requests"),
          m -> m.size() == CONCURRENT + 1,
          m -> "downstream log lines for " + (CONCURRENT + 1) + " chains, got " + m.size());
      int checked = 0;
      for (Map.Entry<String, String> e : traceOf.entrySet()) {
        List<Matcher> mine = frontAll.get(e.getKey());
        assertEquals(6, mine.size(), "front lines of chain " + e.getKey());
        List<Matcher> mineDown = downAll.get(e.getKey());
        assertEquals(3, mineDown.size(), "downstream lines of chain " + e.getKey());
        Set<String> frontSpans = new TreeSet<>();
        for (Matcher line : mine) {
          assertEquals(e.getValue(), line.group(3), "front: " + line.group());
          assertEquals("00", line.group(5), line.group());
          frontSpans.add(line.group(4));
          checked++;
        }
        assertEquals(1, frontSpans.size(), "one SERVER span per chain: " + frontSpans);
        for (Matcher line : mineDown) {
          assertEquals(e.getValue(), line.group(3), "downstream: " + line.group());
          checked++;
        }
      }
      assertEquals(CONCURRENT * 9, checked);

      // 3. Requests that do not end by themselves.
      for (int i = 0; i < HANGS; i++) {
        leaveAfterRequestLogged(front, frontPort, "/hang/h" + i);
      }
      for (int i = 0; i < SLOW; i++) {
        assertEquals(500, Http.get(client, Http.url(frontPort, "/slow/s" + i)).statusCode());
      }
      for (int i = 0; i < STREAMS; i++) {
        leaveMidStream(frontPort, "/stream/m" + i);
      }

      int chains = CONCURRENT + 1;
      Map<List<String>, Double> frontExpected = new TreeMap<>(WebFluxChainSmokeTest::compare);
      frontExpected.put(List.of("GET", CHAIN, "200"), (double) chains);
      frontExpected.put(List.of("GET", "/hang/{id}", "499"), (double) HANGS);
      frontExpected.put(List.of("GET", "/slow/{id}", "500"), (double) SLOW);
      frontExpected.put(List.of("GET", "/stream/{id}", "499"), (double) STREAMS);
      double frontTotal = frontExpected.values().stream().mapToDouble(Double::doubleValue).sum();
      MetricsScrape frontAfter = settled(client, front, frontMetrics, frontBefore, frontTotal);
      MetricsScrape downAfter = settled(client, down, downMetrics, downBefore, 3.0 * chains);
      assertEquals(frontExpected, sorted(frontAfter.deltasSince(frontBefore,
          "http_requests_total", "method", "endpoint", "status")), "front http_requests_total");
      assertEquals(frontExpected, sorted(frontAfter.deltasSince(frontBefore,
          "http_request_duration_seconds_count", "method", "endpoint", "status")),
          "front http_request_duration_seconds_count");
      Map<List<String>, Double> downExpected = new TreeMap<>(WebFluxChainSmokeTest::compare);
      downExpected.put(List.of("GET", ORDERS, "200"), 3.0 * chains);
      assertEquals(downExpected, sorted(downAfter.deltasSince(downBefore,
          "http_requests_total", "method", "endpoint", "status")), "downstream");
      Map<List<String>, Double> clientExpected = new TreeMap<>(WebFluxChainSmokeTest::compare);
      clientExpected.put(List.of("GET", "127.0.0.1", "200"), 3.0 * chains);
      assertEquals(clientExpected, sorted(frontAfter.deltasSince(frontBefore,
          "http_client_requests_total", "method", "host", "status")),
          "front http_client_requests_total");
      for (ServiceProcess s : services) {
        List<String> errors = s.weftLines().stream()
            .filter(l -> l.startsWith("[weft] ERROR") || l.startsWith("[weft] WARN"))
            .collect(Collectors.toList());
        assertEquals(List.of(), errors, "Weft complained\n" + s.describe());
      }
    }
  }

  // -------------------------------------------------------------------------------------------

  private ServiceProcess start(String module, Path jdk, String name, int metricsPort,
      OtlpReceiver receiver, String... args) {
    ServiceProcess s = Services.webfluxService(
        ServiceProcess.builder("WebFluxChainSmokeTest-" + module + "-" + name + "-"
                + jdk.getFileName())
            .javaHome(jdk)
            .agent(SmokeEnv.agentJar())
            .jvmArgs(
                "-Dweft.metrics.port=" + metricsPort,
                "-Dotel.service.name=" + name,
                "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
                "-Dotel.bsp.schedule.delay=100")
            .args(args),
        module);
    services.add(s);
    return s;
  }

  static String expectedBody(String id) {
    return "order " + id + "-0\n" + "order " + id + "-1\n" + "order " + id + "-2\n";
  }

  private static List<ReceivedSpan> of(List<ReceivedSpan> spans, String service, String kind) {
    return spans.stream()
        .filter(s -> service.equals(s.resourceAttribute("service.name")) && kind.equals(s.kind()))
        .collect(Collectors.toList());
  }

  private static ReceivedSpan only(List<ReceivedSpan> spans, String service, String kind) {
    List<ReceivedSpan> found = of(spans, service, kind);
    assertEquals(1, found.size(), service + " " + kind + " spans: " + spans);
    return found.get(0);
  }

  /** The service's chain (or request) log lines by the chain id they belong to. */
  static Map<String, List<Matcher>> linesByRequest(ServiceProcess service, String logger) {
    Map<String, List<Matcher>> byId = new HashMap<>();
    for (String l : service.stdoutLines()) {
      Matcher m = LINE.matcher(l);
      if (m.matches() && m.group(2).equals(logger)) {
        String id = logger.equals("Chain") ? m.group(6) : m.group(8);
        byId.computeIfAbsent(id, k -> new ArrayList<>()).add(m);
      }
    }
    return byId;
  }

  /** Sends every chain at once (one connection each), each with its own trace id, unsampled. */
  private static void sendAllAtOnce(int port, Map<String, String> traceOf) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    HttpClient many = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(30))
        .executor(pool)
        .build();
    try {
      Map<String, CompletableFuture<HttpResponse<String>>> sent = new HashMap<>();
      for (Map.Entry<String, String> e : traceOf.entrySet()) {
        HttpRequest chain = TraceTestSupport.get(port, "/chain/" + e.getKey(), "traceparent",
            TraceTestSupport.traceparent(e.getValue(), TraceTestSupport.newSpanId(), false));
        // A thousand chains at once on a JVM that has not compiled its request path yet take 10
        // to 15 s on two cores, with or without an agent: the usual 10 s per request would cut
        // some chains off halfway (and the test would then see them as lost).
        sent.put(e.getKey(), many.sendAsync(
            HttpRequest.newBuilder(chain, (name, value) -> true).timeout(BURST_TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      List<String> problems = new ArrayList<>();
      for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> e : sent.entrySet()) {
        HttpResponse<String> r = e.getValue().get(120, TimeUnit.SECONDS);
        if (r.statusCode() != 200 || !expectedBody(e.getKey()).equals(r.body())) {
          problems.add(e.getKey() + ": " + r.statusCode() + " " + r.body());
        }
      }
      assertEquals(List.of(), problems, "chains answered");
    } finally {
      pool.shutdownNow();
    }
  }

  /** Sends GET {@code path}, waits until the handler has logged it, then closes the connection. */
  static void leaveAfterRequestLogged(ServiceProcess service, int port, String path)
      throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      Poll.untilValue(Poll.deadline(Duration.ofSeconds(10)),
          () -> service.stdoutLines().stream().anyMatch(l -> l.contains("request GET " + path)),
          seen -> seen, seen -> "the handler never logged " + path);
    }
  }

  /** Reads a streamed response until its first line has arrived, then closes the connection. */
  static void leaveMidStream(int port, String path) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder got = new StringBuilder();
      byte[] buffer = new byte[512];
      while (!got.toString().contains("line 0")) {
        int n = in.read(buffer);
        assertTrue(n > 0, "the stream ended before its first line: " + got);
        got.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
      }
      assertTrue(got.toString().startsWith("HTTP/1.1 200"), got.toString());
    }
  }

  /** Polls until the server counted {@code total} requests with none in flight. */
  static MetricsScrape settled(HttpClient client, ServiceProcess service, int metricsPort,
      MetricsScrape before, double total) {
    return Poll.untilValue(
        Poll.deadline(Duration.ofSeconds(30)),
        () -> Http.scrape(client, metricsPort),
        s -> NettySmokeTest.totalDelta(s, before, "http_requests_total") >= total
            && NettySmokeTest.totalDelta(s, before, "http_request_duration_seconds_count")
                >= total
            && s.series("http_requests_active").stream().allMatch(a -> a.value() == 0.0),
        s -> "Weft did not count " + total + " requests with none in flight\n"
            + (s == null ? "" : s.series("http_requests_total") + "\n"
                + s.series("http_requests_active")) + "\n" + service.describe());
  }

  static int compare(List<String> a, List<String> b) {
    return String.valueOf(a).compareTo(String.valueOf(b));
  }

  static Map<List<String>, Double> sorted(Map<List<String>, Double> map) {
    Map<List<String>, Double> sorted = new TreeMap<>(WebFluxChainSmokeTest::compare);
    sorted.putAll(map);
    return sorted;
  }
}
