package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** What the tracing smoke tests share: starting a traced service, W3C ids, load, raw requests. */
final class TraceTestSupport {

  static final String REGION = "eu-west-1";
  static final String CLUSTER = "blue";
  static final String LABELS_PROPERTY =
      "-Dweft.metrics.labels=region=" + REGION + ",cluster=" + CLUSTER;
  static final int CLIENT_THREADS = 8;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private TraceTestSupport() {}

  /**
   * Starts jdk-http-service with the agent, Weft's /metrics on {@code metricsPort}, the given
   * environment and JVM arguments; returns once it listens.
   */
  static ServiceProcess startService(
      String name, Path java, int appPort, int metricsPort, Map<String, String> env,
      String... jvmArgs) {
    ServiceProcess.Builder builder =
        ServiceProcess.builder(name)
            .java(java)
            .agent(SmokeEnv.agentJar())
            // The JDK server leaves Nagle's algorithm on by default: each keep-alive response
            // then waits out the client's delayed ACK (~40 ms), with or without Weft. Off, the
            // 20,000-request tests take seconds instead of minutes.
            .jvmArgs("-Dsun.net.httpserver.nodelay=true")
            .jvmArgs(Services.KEEP_IDLE_CONNECTIONS)
            .jvmArgs("-Dweft.metrics.port=" + metricsPort)
            .jvmArgs(jvmArgs);
    env.forEach(builder::env);
    return Services.jdkHttpService(builder, appPort);
  }

  /** A random, valid (not all-zero) W3C trace id: 32 lower-case hex characters. */
  static String newTraceId() {
    return randomHex(16);
  }

  /** A random, valid (not all-zero) W3C span id: 16 lower-case hex characters. */
  static String newSpanId() {
    return randomHex(8);
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    do {
      RANDOM.nextBytes(b);
    } while (HEX.formatHex(b).chars().allMatch(c -> c == '0'));
    return HEX.formatHex(b);
  }

  static String traceparent(String traceId, String parentSpanId, boolean sampled) {
    return "00-" + traceId + "-" + parentSpanId + (sampled ? "-01" : "-00");
  }

  static boolean isValidTraceId(String id) {
    return id.matches("[0-9a-f]{32}") && !id.matches("0+");
  }

  static HttpRequest get(int port, String pathAndQuery, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(Http.url(port, pathAndQuery)))
            .timeout(Http.REQUEST_TIMEOUT)
            .GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return b.build();
  }

  /**
   * Sends every request from {@value #CLIENT_THREADS} threads and returns the status codes in
   * request order; a request that gets no answer fails the test.
   */
  static List<Integer> sendAll(HttpClient client, List<HttpRequest> requests)
      throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
    try {
      List<Future<Integer>> futures = new ArrayList<>(requests.size());
      for (HttpRequest request : requests) {
        futures.add(pool.submit(
            () -> client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()));
      }
      List<Integer> statuses = new ArrayList<>(requests.size());
      for (int i = 0; i < futures.size(); i++) {
        try {
          statuses.add(futures.get(i).get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
          fail("request " + requests.get(i).uri() + " got no answer: " + e, e);
        }
      }
      return statuses;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** How many of {@code statuses} are not {@code expected}, with a sample, or "" if none. */
  static String unexpectedStatuses(List<Integer> statuses, int expected) {
    List<Integer> other =
        statuses.stream().filter(s -> s != expected).collect(Collectors.toList());
    return other.isEmpty() ? "" : other.size() + " of " + statuses.size() + " requests answered "
        + other.subList(0, Math.min(10, other.size())) + " instead of " + expected;
  }

  /**
   * Sends {@code GET path} over a raw socket with one extra header whose value is exactly {@code
   * headerValue} (any bytes but CR and LF), and returns the status line of the answer.
   */
  static String rawGet(int port, String path, String headerName, byte[] headerValue)
      throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
        + headerName + ": ").getBytes(StandardCharsets.ISO_8859_1));
    request.writeBytes(headerValue);
    request.writeBytes("\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toByteArray());
      out.flush();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      int n;
      while ((n = in.read(buffer)) != -1) {
        response.write(buffer, 0, n);
      }
      String text = response.toString(StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n");
      return end < 0 ? text : text.substring(0, end);
    }
  }

  /** Sum of {@code http_requests_total} over every series whose endpoint is {@code endpoint}. */
  static double requestsTotal(MetricsScrape scrape, String endpoint) {
    return scrape.sum("http_requests_total", l -> endpoint.equals(l.get("endpoint")));
  }

  /** Sum of {@code weft_spans_dropped_total} over every reason. */
  static double droppedTotal(MetricsScrape scrape) {
    return scrape.sum("weft_spans_dropped_total", l -> true);
  }

  static double dropped(MetricsScrape scrape, String reason) {
    return scrape.sum("weft_spans_dropped_total", l -> reason.equals(l.get("reason")));
  }

  /**
   * Polls /metrics until {@code http_requests_total{endpoint}} reaches {@code total}, then returns
   * that scrape. Weft records the metric right after it ends the request's span, so once the
   * count is there every span of those requests has ended and is queued for export.
   */
  static MetricsScrape awaitRequestsCounted(
      ServiceProcess service, HttpClient client, int metricsPort, String endpoint, double total) {
    return Poll.untilValue(
        Poll.deadline(Duration.ofSeconds(30)),
        () -> {
          service.requireAlive("counting " + total + " requests");
          return Http.scrape(client, metricsPort);
        },
        s -> requestsTotal(s, endpoint) >= total,
        s -> "http_requests_total{endpoint=\"" + endpoint + "\"} did not reach " + total
            + (s == null ? "" : "; it is " + requestsTotal(s, endpoint)) + "\n"
            + service.describe());
  }

  /** Weft's WARN and ERROR lines on the service's stderr. */
  static List<String> weftProblems(ServiceProcess service) {
    return service.weftLines().stream()
        .filter(l -> l.startsWith("[weft] WARN") || l.startsWith("[weft] ERROR"))
        .collect(Collectors.toList());
  }

  /**
   * Lines on the service's stderr that Weft did not write as its own {@code [weft] } lines. The
   * service itself writes nothing there, so anything found came from a library inside Weft (the
   * bundled OpenTelemetry SDK logging through java.util.logging, say) into the application's log.
   */
  static List<String> foreignStderrLines(ServiceProcess service) {
    return service.stderrLines().stream()
        .filter(l -> !l.startsWith("[weft] "))
        .collect(Collectors.toList());
  }
}
