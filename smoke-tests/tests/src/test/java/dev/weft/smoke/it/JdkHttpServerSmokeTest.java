package dev.weft.smoke.it;

import static dev.weft.smoke.it.MetricsScrape.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Foundation acceptance: HTTP server RED metrics of a plain {@code com.sun.net.httpserver} service,
 * exact to the request, on every JDK we support; the exposition passes promtool and honours content
 * negotiation.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JdkHttpServerSmokeTest extends ServiceSmokeTest {

  static final Map<String, String> CONSTANT_LABELS = labels("region", "eu-west-1", "cluster", "blue");
  static final String LABELS_PROPERTY = "-Dweft.metrics.labels=region=eu-west-1,cluster=blue";
  static final Set<String> ENDPOINTS = Set.of("/hello", "/fail", "/boom", "/users/");

  static final int TOTAL = 1000;
  static final int FAIL = 37;
  static final int BOOM = 13;
  static final int HELLO = 500;
  static final int USERS = TOTAL - FAIL - BOOM - HELLO; // 450
  static final int CLIENT_THREADS = 8;


  static Stream<Named<Path>> jdks() {
    return SmokeEnv.jdkHomes().stream().map(home -> Named.of("JDK " + home, home));
  }

  /** One request of the load: what to send and how the server must count it. */
  record Call(String method, String path, String endpoint, int status) {}

  /** What the client saw. */
  record Outcome(Call call, int status, String body, Exception failure) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("jdks")
  void countsEveryRequestExactlyPerLabelSet(Path jdk) throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = startWithAgent("counts", jdk, appPort, metricsPort);
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    List<Outcome> outcomes = sendLoad(client, appPort, plan());
    assertClientSideOutcomes(outcomes);

    // The response can reach the client before the server-side advice has exited: poll until the
    // totals are in, then demand exact equality (which also catches an overshoot).
    MetricsScrape after =
        Poll.untilValue(
            Poll.deadline(Duration.ofSeconds(20)),
            () -> Http.scrape(client, metricsPort),
            s -> totalDelta(s, before, "http_requests_total") >= TOTAL
                && totalDelta(s, before, "http_request_duration_seconds_count") >= TOTAL
                && s.series("http_requests_active").stream().allMatch(a -> a.value() == 0.0),
            s -> "Weft did not count " + TOTAL + " requests; last scrape:\n"
                + (s == null ? "(none)" : relevant(s)) + "\n" + service.describe());

    Map<List<String>, Double> expected = new TreeMap<>(JdkHttpServerSmokeTest::compare);
    expected.put(List.of("GET", "/hello", "200"), (double) HELLO);
    expected.put(List.of("GET", "/users/", "200"), (double) USERS);
    expected.put(List.of("GET", "/fail", "500"), (double) FAIL);
    expected.put(List.of("POST", "/boom", "500"), (double) BOOM);

    assertEquals(
        expected,
        after.deltasSince(before, "http_requests_total", "method", "endpoint", "status"),
        "http_requests_total deltas per (method, endpoint, status)\n" + relevant(after));
    assertEquals(
        expected,
        after.deltasSince(before, "http_request_duration_seconds_count", "method", "endpoint",
            "status"),
        "http_request_duration_seconds_count deltas per (method, endpoint, status)\n"
            + relevant(after));
    Map<List<String>, Double> infBuckets =
        after.deltasSince(before, "http_request_duration_seconds_bucket", "method", "endpoint",
            "status", "le").entrySet().stream()
            .filter(e -> e.getKey().get(3).equals("+Inf"))
            .collect(Collectors.toMap(e -> e.getKey().subList(0, 3), Map.Entry::getValue));
    assertEquals(expected, comparingMap(infBuckets),
        "http_request_duration_seconds_bucket{le=\"+Inf\"} deltas\n" + relevant(after));

    assertHistogramsConsistent(after);
    for (List<String> key : expected.keySet()) {
      double sumDelta =
          after.valueOrZero("http_request_duration_seconds_sum", keyLabels(key))
              - before.valueOrZero("http_request_duration_seconds_sum", keyLabels(key));
      assertTrue(sumDelta > 0 && Double.isFinite(sumDelta),
          "http_request_duration_seconds_sum of " + key + " must grow, moved by " + sumDelta);
    }

    List<MetricsScrape.Sample> active = after.series("http_requests_active");
    assertFalse(active.isEmpty(), "no http_requests_active series at all\n" + relevant(after));
    for (MetricsScrape.Sample sample : active) {
      assertEquals(0.0, sample.value(), "in-flight gauge not back to 0: " + sample);
    }

    assertNoRawPaths(after);
    assertConstantLabelsEverywhere(after);
    assertTrue(after.find("weft_agent_info", Map.of()).isPresent(),
        "weft_agent_info missing\n" + after.names());
    assertEquals(List.of(), errorLines(), "Weft logged errors on a clean run");
    // Weft defines its bridge in the boot loader instead of appending its jar to the boot class
    // path, so the JVM keeps class-data sharing and prints nothing about it.
    List<String> vmWarnings =
        Stream.concat(service.stdoutLines().stream(), service.stderrLines().stream())
            .filter(l -> l.contains("VM warning"))
            .collect(Collectors.toList());
    assertEquals(List.of(), vmWarnings, "the agent made the JVM print warnings");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jdks")
  void exposition_passes_promtool_check_metrics(Path jdk) throws Exception {
    Path promtool = SmokeEnv.promtool();
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = startWithAgent("promtool", jdk, appPort, metricsPort);
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    // A little of every kind, so that every label set and histogram is populated.
    List<Call> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(new Call("GET", "/hello", "/hello", 200));
      calls.add(new Call("GET", "/fail", "/fail", 500));
      calls.add(new Call("POST", "/boom", "/boom", 500));
      calls.add(new Call("GET", "/users/" + i, "/users/", 200));
    }
    assertClientSideOutcomes(sendLoad(client, appPort, calls));
    Poll.until(
        Poll.deadline(Duration.ofSeconds(20)),
        () -> totalDelta(Http.scrape(client, metricsPort), before, "http_requests_total")
            >= calls.size(),
        "Weft did not count the " + calls.size() + " requests\n" + service.describe());

    HttpResponse<String> response = Http.get(client, Http.url(metricsPort, "/metrics"));
    assertEquals(200, response.statusCode());

    ProcessBuilder pb = new ProcessBuilder(promtool.toString(), "check", "metrics")
        .redirectErrorStream(true);
    Process process = pb.start();
    try {
      try (OutputStream in = process.getOutputStream()) {
        in.write(response.body().getBytes(StandardCharsets.UTF_8));
      }
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      try (InputStream out = process.getInputStream()) {
        out.transferTo(output);
      }
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
      String text = output.toString(StandardCharsets.UTF_8);
      assertEquals(0, process.exitValue(),
          "promtool check metrics failed:\n" + text + "\n--- exposition:\n" + response.body());
      assertEquals("", text.strip(),
          "promtool check metrics reported problems:\n" + text);
    } finally {
      process.destroyForcibly();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jdks")
  void metricsEndpointHonoursContentNegotiation(Path jdk) throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = startWithAgent("negotiation", jdk, appPort, metricsPort);
    HttpClient client = Http.newClient();
    Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
    String url = Http.url(metricsPort, "/metrics");

    // Prometheus text 0.0.4: explicitly asked for, and the default.
    for (String accept : new String[] {"text/plain; version=0.0.4", "*/*"}) {
      HttpResponse<String> text = Http.get(client, url, accept);
      assertEquals(200, text.statusCode(), "Accept: " + accept);
      String type = contentType(text);
      assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"),
          "Accept: " + accept + " gave Content-Type " + type);
      assertTrue(MetricsScrape.parse(text.body()).find("weft_agent_info", Map.of()).isPresent());
    }

    HttpResponse<String> openMetrics =
        Http.get(client, url, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertEquals(200, openMetrics.statusCode());
    assertTrue(contentType(openMetrics).startsWith("application/openmetrics-text"),
        "OpenMetrics Content-Type: " + contentType(openMetrics));
    assertTrue(openMetrics.body().endsWith("# EOF\n"),
        "an OpenMetrics exposition ends with '# EOF'");
    assertTrue(openMetrics.body().contains("weft_agent_info"));

    // No protobuf answer (classic histograms only: the text formats carry everything). A scrape
    // that prefers protobuf gets the next format it lists, as Prometheus's fallbacks; one that
    // lists protobuf alone gets the text format; never an error.
    HttpResponse<String> protobufFirst =
        Http.get(client, url,
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                + "encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,"
                + "application/openmetrics-text;version=0.0.1;q=0.75,"
                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
    assertEquals(200, protobufFirst.statusCode());
    assertTrue(contentType(protobufFirst).startsWith("application/openmetrics-text"),
        "protobuf first, OpenMetrics next: Content-Type " + contentType(protobufFirst));
    assertTrue(protobufFirst.body().endsWith("# EOF\n"));
    assertTrue(protobufFirst.body().contains("weft_agent_info"));

    HttpResponse<String> protobufOnly =
        Http.get(client, url, "application/vnd.google.protobuf;"
            + " proto=io.prometheus.client.MetricFamily; encoding=delimited");
    assertEquals(200, protobufOnly.statusCode());
    String onlyType = contentType(protobufOnly);
    assertTrue(onlyType.startsWith("text/plain") && onlyType.contains("version=0.0.4"),
        "protobuf only: Content-Type " + onlyType);
    assertTrue(
        MetricsScrape.parse(protobufOnly.body()).find("weft_agent_info", Map.of()).isPresent());
  }

  // -------------------------------------------------------------------------------------------

  private ServiceProcess startWithAgent(String test, Path jdk, int appPort, int metricsPort) {
    return Services.jdkHttpService(
        "JdkHttpServerSmokeTest-" + test + "-" + jdk.getFileName(),
        SmokeEnv.javaOf(jdk),
        true,
        appPort,
        "-Dweft.metrics.port=" + metricsPort,
        LABELS_PROPERTY);
  }

  /** Exactly {@value #TOTAL} calls, shuffled with a fixed seed. */
  static List<Call> plan() {
    List<Call> calls = new ArrayList<>();
    for (int i = 0; i < FAIL; i++) {
      calls.add(new Call("GET", "/fail", "/fail", 500));
    }
    for (int i = 0; i < BOOM; i++) {
      // POST: an HTTP client may retry an idempotent GET whose connection dropped, which the
      // server would (rightly) count twice.
      calls.add(new Call("POST", "/boom", "/boom", 500));
    }
    for (int i = 0; i < HELLO; i++) {
      calls.add(new Call("GET", "/hello", "/hello", 200));
    }
    String[] ids = {"alice", "bob", "a.b-c_d", "42/orders", "7/orders/9"};
    for (int i = 0; i < USERS; i++) {
      String id = i % 3 == 0 ? ids[i % ids.length] : Integer.toString(i);
      calls.add(new Call("GET", "/users/" + id, "/users/", 200));
    }
    Collections.shuffle(calls, new Random(20240611L));
    assertEquals(TOTAL, calls.size());
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
      request.POST(HttpRequest.BodyPublishers.ofString("{\"order\":1}"));
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
      switch (call.endpoint()) {
        case "/boom" -> {
          // The handler throws before responding: the client sees the connection close (an
          // IOException) or a 500; never a success.
          if (o.status() == 200) {
            problems.add(call + " got 200");
          } else if (o.failure() == null && o.status() != 500) {
            problems.add(call + " got " + o.status());
          } else if (o.failure() instanceof InterruptedException) {
            problems.add(call + " interrupted");
          }
        }
        case "/fail" -> {
          if (o.status() != 500) {
            problems.add(call + " got " + o.status() + " " + o.failure());
          }
        }
        case "/hello" -> {
          if (o.status() != 200 || !"hello".equals(o.body())) {
            problems.add(call + " got " + o.status() + " '" + o.body() + "' " + o.failure());
          }
        }
        case "/users/" -> {
          if (o.status() != 200 || !call.path().equals(o.body())) {
            problems.add(call + " got " + o.status() + " '" + o.body() + "' " + o.failure());
          }
        }
        default -> problems.add("unexpected call " + call);
      }
    }
    assertEquals(List.of(), problems, "client-side outcomes");
  }

  static double totalDelta(MetricsScrape after, MetricsScrape before, String name) {
    return after.sum(name, l -> true) - before.sum(name, l -> true);
  }

  private static Map<String, String> keyLabels(List<String> key) {
    return labels("method", key.get(0), "endpoint", key.get(1), "status", key.get(2));
  }

  /** Per label set: buckets never decrease with {@code le}, and {@code +Inf} equals the count. */
  static void assertHistogramsConsistent(MetricsScrape scrape) {
    Map<Map<String, String>, TreeMap<Double, Double>> buckets = new LinkedHashMap<>();
    for (MetricsScrape.Sample bucket : scrape.series("http_request_duration_seconds_bucket")) {
      Map<String, String> labelSet = new TreeMap<>(bucket.labels());
      String le = labelSet.remove("le");
      assertNotEquals(null, le, "bucket without le: " + bucket);
      double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
      buckets.computeIfAbsent(labelSet, k -> new TreeMap<>()).put(bound, bucket.value());
    }
    for (MetricsScrape.Sample count : scrape.series("http_request_duration_seconds_count")) {
      Map<String, String> labelSet = new TreeMap<>(count.labels());
      TreeMap<Double, Double> byBound = buckets.get(labelSet);
      assertNotEquals(null, byBound, "no buckets for " + count);
      assertEquals(count.value(), byBound.get(Double.POSITIVE_INFINITY),
          "+Inf bucket must equal _count for " + labelSet);
      double previous = 0;
      for (Map.Entry<Double, Double> e : byBound.entrySet()) {
        assertTrue(e.getValue() >= previous,
            "bucket le=" + e.getKey() + " decreased for " + labelSet + ": " + byBound);
        previous = e.getValue();
      }
    }
  }

  private static final Pattern RAW_USER_PATH = Pattern.compile("/users/.+");

  static void assertNoRawPaths(MetricsScrape scrape) {
    for (MetricsScrape.Sample sample : scrape.samples()) {
      for (Map.Entry<String, String> label : sample.labels().entrySet()) {
        assertFalse(RAW_USER_PATH.matcher(label.getValue()).matches(),
            "raw request path in a label: " + sample);
      }
      String endpoint = sample.labels().get("endpoint");
      if (endpoint != null && sample.name().startsWith("http_")) {
        assertTrue(ENDPOINTS.contains(endpoint),
            "endpoint must be a registered context path, got: " + sample);
      }
    }
  }

  static void assertConstantLabelsEverywhere(MetricsScrape scrape) {
    List<String> missing = scrape.samples().stream()
        .filter(s -> !s.hasLabels(CONSTANT_LABELS))
        .map(MetricsScrape.Sample::toString)
        .collect(Collectors.toList());
    assertEquals(List.of(), missing,
        "every series must carry region=\"eu-west-1\",cluster=\"blue\"");
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

  private static String contentType(HttpResponse<?> response) {
    return response.headers().firstValue("Content-Type").orElse("(none)");
  }

  private static int compare(List<String> a, List<String> b) {
    return String.valueOf(a).compareTo(String.valueOf(b));
  }

  private static Map<List<String>, Double> comparingMap(Map<List<String>, Double> map) {
    Map<List<String>, Double> sorted = new TreeMap<>(JdkHttpServerSmokeTest::compare);
    sorted.putAll(map);
    return sorted;
  }
}
