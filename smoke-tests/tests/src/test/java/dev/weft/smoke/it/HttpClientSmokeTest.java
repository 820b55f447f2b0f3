package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HTTP client modules: a service with the agent calls a real server (in this JVM) with every
 * client library (JDK HttpClient send and sendAsync, HttpURLConnection, Apache HttpClient 4 and 5,
 * OkHttp execute and enqueue), at the lowest and the highest supported version of each, on JDK 17
 * and 25. Each library's calls move {@code http_client_requests_total} and the duration
 * histogram's {@code _count} by exactly the calls made, per method, host, status and error type;
 * the server sees a valid W3C {@code traceparent} on every call (the application's own where it
 * set one), and none when tracing is off.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HttpClientSmokeTest extends ServiceSmokeTest {

  static final String APP_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}");
  static final String HOST = "127.0.0.1";

  // The plan each client runs: 38 calls, 4 threads.
  static final int OK = 20;
  static final int APP_OWN_TRACEPARENT = 3;
  static final int POST = 5;
  static final int NOT_FOUND = 4;
  static final int SERVER_ERROR = 3;
  static final int REFUSED = 3;
  static final int THREADS = 4;

  /** Client name, and the exception a refused connection surfaces as (the error_type label). */
  static final Map<String, String> CLIENTS = new TreeMap<>(Map.of(
      "jdk-sync", "ConnectException",
      "jdk-async", "ConnectException",
      "urlconnection", "ConnectException",
      "apache4", "HttpHostConnectException",
      "apache5", "HttpHostConnectException",
      "okhttp-sync", "ConnectException",
      "okhttp-async", "ConnectException"));

  static final List<String> LOWEST = List.of("apache4-4.5", "apache5-5.0", "okhttp-4.0.0");
  static final List<String> HIGHEST = List.of("apache4-4.5.14", "apache5-5.6.5", "okhttp-4.12.0");

  private EchoServer server;
  private final HttpClient http = Http.newClient();

  @BeforeEach
  void startServer() throws Exception {
    server = new EchoServer();
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  static Stream<Arguments> jdksAndVersions() {
    List<Arguments> out = new ArrayList<>();
    for (Path jdk : SmokeEnv.jdkHomes()) {
      out.add(Arguments.of(jdk, "lowest", LOWEST));
      out.add(Arguments.of(jdk, "highest", HIGHEST));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}, {1} library versions")
  @MethodSource("jdksAndVersions")
  void everyClientCountsEveryCallExactlyAndPropagatesTheTrace(
      Path jdk, String which, List<String> libraries) throws Exception {
    int metricsPort = start(jdk, libraries);
    for (Map.Entry<String, String> client : CLIENTS.entrySet()) {
      runAndCheck(client.getKey(), client.getValue(), metricsPort, true);
    }
    assertNoWeftFailures(metricsPort);
  }

  @Test
  void withTracingOffNothingIsInjectedAndMetricsAreStillExact() throws Exception {
    int metricsPort = start(SmokeEnv.jdkHomes().get(0), HIGHEST, "-Dweft.traces.enabled=false");
    for (Map.Entry<String, String> client : CLIENTS.entrySet()) {
      runAndCheck(client.getKey(), client.getValue(), metricsPort, false);
    }
    assertNoWeftFailures(metricsPort);
  }

  private int start(Path jdk, List<String> libraries, String... extraJvmArgs) {
    Path dir = SmokeEnv.httpClientServiceDir();
    StringBuilder cp = new StringBuilder(dir.resolve("http-client-service.jar").toString());
    for (String library : libraries) {
      cp.append(File.pathSeparator).append(dir.resolve("libs").resolve(library)).append("/*");
    }
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    List<String> jvmArgs = new ArrayList<>(List.of("-Dweft.metrics.port=" + metricsPort));
    jvmArgs.addAll(List.of(extraJvmArgs));
    jvmArgs.addAll(List.of("-cp", cp.toString()));
    service =
        ServiceProcess.builder("http-client-service")
            .javaHome(jdk)
            .agent(SmokeEnv.agentJar())
            .jvmArgs(jvmArgs.toArray(new String[0]))
            .args("dev.weft.smoke.client.HttpClientService", "--port", Integer.toString(appPort))
            .start();
    service.awaitStdoutLine(
        "http-client-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
    this.appPort = appPort;
    return metricsPort;
  }

  private int appPort;

  private void runAndCheck(String client, String refusedAs, int metricsPort, boolean tracing)
      throws Exception {
    String tag = client + "-" + System.nanoTime();
    MetricsScrape before = Http.awaitMetrics(service, http, metricsPort, Services.STARTUP);

    String url =
        "http://127.0.0.1:" + appPort + "/run?client=" + client + "&base=" + server.base()
            + "&refusedPort=" + SmokeEnv.freePort() + "&tag=" + tag + "&ok=" + OK
            + "&appTraceparent=" + APP_OWN_TRACEPARENT + "&post=" + POST + "&notFound=" + NOT_FOUND
            + "&serverError=" + SERVER_ERROR + "&refused=" + REFUSED + "&threads=" + THREADS;
    HttpResponse<String> run =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, run.statusCode(), client + ": " + run.body() + "\n" + service.describe());

    // What the application saw is what it would have seen without Weft.
    Map<String, Integer> seen = new TreeMap<>();
    for (String line : run.body().split("\n")) {
      if (!line.isBlank()) {
        String[] kv = line.split("=", 2);
        seen.put(kv[0], Integer.parseInt(kv[1]));
      }
    }
    Map<String, Integer> expectedSeen = new TreeMap<>(Map.of(
        "200", OK + APP_OWN_TRACEPARENT,
        "201", POST,
        "404", NOT_FOUND,
        "500", SERVER_ERROR,
        "error:" + refusedAs, REFUSED));
    assertEquals(expectedSeen, seen, client + ": what the application saw");

    // Exact deltas per (method, host, status, error_type), counter and histogram alike.
    Map<List<String>, Double> expected = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    expected.put(List.of("GET", HOST, "200", ""), (double) (OK + APP_OWN_TRACEPARENT));
    expected.put(List.of("POST", HOST, "201", ""), (double) POST);
    expected.put(List.of("GET", HOST, "404", ""), (double) NOT_FOUND);
    expected.put(List.of("GET", HOST, "500", ""), (double) SERVER_ERROR);
    expected.put(List.of("GET", HOST, "error", refusedAs), (double) REFUSED);
    String[] keys = {"method", "host", "status", "error_type"};
    MetricsScrape after =
        Poll.untilValue(
            Poll.deadline(Duration.ofSeconds(30)),
            () -> Http.scrape(http, metricsPort),
            s -> expected.equals(s.deltasSince(before, "http_client_requests_total", keys))
                && expected.equals(
                    s.deltasSince(before, "http_client_request_duration_seconds_count", keys)),
            s -> client + ": expected deltas " + expected + " but http_client_requests_total moved "
                + (s == null ? "?" : s.deltasSince(before, "http_client_requests_total", keys))
                + " and _count moved "
                + (s == null ? "?" : s.deltasSince(before, "http_client_request_duration_seconds_count", keys)));
    assertFalse(after.text().contains("hunter2"), client + ": a query string reached /metrics");

    // What the server received: every call that reached it, with the right header.
    List<EchoServer.Received> received = server.received(tag);
    int reached = OK + APP_OWN_TRACEPARENT + POST + NOT_FOUND + SERVER_ERROR;
    assertEquals(reached, received.size(), client + ": requests the server received");
    Set<String> spanIds = new HashSet<>();
    for (EchoServer.Received r : received) {
      if (r.path().contains("/app-")) {
        assertEquals(APP_TRACEPARENT, r.traceparent(), client + ": the app's own traceparent was replaced");
      } else if (tracing) {
        assertTrue(
            r.traceparent() != null && TRACEPARENT.matcher(r.traceparent()).matches(),
            client + ": no valid traceparent on " + r);
        var m = TRACEPARENT.matcher(r.traceparent());
        assertTrue(m.matches());
        assertNotEquals("00000000000000000000000000000000", m.group(1));
        assertTrue(spanIds.add(m.group(2)), client + ": two calls carried the same span id: " + r);
      } else {
        assertEquals(null, r.traceparent(), client + ": a traceparent was injected with tracing off");
      }
      if (r.method().equals("POST")) {
        assertEquals("payload " + tag + " " + r.path().substring(r.path().lastIndexOf('/') + 1), r.body(),
            client + ": the request body changed");
      }
    }
  }

  private void assertNoWeftFailures(int metricsPort) throws Exception {
    MetricsScrape scrape = Http.scrape(http, metricsPort);
    assertEquals(0.0, scrape.sum("weft_agent_errors_total", l -> true),
        "weft_agent_errors_total: " + scrape.series("weft_agent_errors_total") + "\n" + service.describe());
    List<String> problems = service.weftLines().stream()
        .filter(l -> l.contains("ERROR") || (l.contains("WARN") && l.contains("http-client")))
        .toList();
    assertEquals(List.of(), problems, "Weft's log");
  }
}
