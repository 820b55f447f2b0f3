package dev.weft.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.OperationKind;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.operation.Family;
import dev.weft.runtime.operation.OperationPipeline;
import dev.weft.runtime.trace.Tracing;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who can read /metrics: basic authentication and TLS on Weft's own server, over real HTTP(S)
 * with the JDK's client.
 */
class MetricsServerAccessTest {

  private static final String USER = "prometheus";
  private static final String PASSWORD = "s3cret-scrape-password";
  private static final String CHALLENGE = "Basic realm=\"weft\", charset=\"UTF-8\"";
  private static final String REJECTED = "weft_metrics_scrapes_rejected_total{reason=\"unauthorized\"} ";

  @TempDir Path tmp;
  /** One keystore for the class: keytool takes seconds. */
  @TempDir static Path keysDir;
  private static TestKeystore keys;

  private MetricsRuntime runtime;
  private int port;
  private String url;

  @AfterEach
  void stop() {
    if (runtime != null) {
      runtime.stopServer();
    }
  }

  /** Starts a runtime with its server on a free loopback port; {@code url} is what it serves. */
  private void start(Map<String, String> settings) throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Properties p = new Properties();
    p.setProperty("weft.metrics.host", "127.0.0.1");
    p.setProperty("weft.metrics.port", Integer.toString(port));
    p.setProperty("weft.metrics.jvm.enabled", "false");
    settings.forEach(p::setProperty);
    runtime = new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "test", new AgentErrors());
    url = runtime.startServer();
  }

  private static synchronized TestKeystore keys() throws Exception {
    if (keys == null) {
      keys = TestKeystore.create(keysDir);
    }
    return keys;
  }

  private static Map<String, String> auth() {
    return Map.of("weft.metrics.auth.username", USER, "weft.metrics.auth.password", PASSWORD);
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> get(HttpClient client, String path, String authorization)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url.replace("/metrics", path)))
            .timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient plainClient() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The rejected count as the authorised scrape shows it. */
  private long rejectedCount(HttpClient client) throws Exception {
    HttpResponse<String> r = get(client, "/metrics", basic(USER, PASSWORD));
    assertEquals(200, r.statusCode(), r.body());
    List<String> lines =
        r.body().lines().filter(l -> l.startsWith(REJECTED)).collect(Collectors.toList());
    assertEquals(1, lines.size(), r.body());
    return (long) Double.parseDouble(lines.get(0).substring(REJECTED.length()));
  }

  private static void assertRejected(HttpResponse<String> r) {
    assertEquals(401, r.statusCode(), r.body());
    assertEquals(List.of(CHALLENGE), r.headers().allValues("WWW-Authenticate"));
    assertFalse(r.body().contains("weft_agent_info"), r.body());
  }

  @Test
  void withoutCredentialsEveryPathAnswers401WithTheChallenge() throws Exception {
    start(auth());
    assertEquals("http://127.0.0.1:" + port + "/metrics", url);
    HttpClient client = plainClient();
    assertRejected(get(client, "/metrics", null));
    assertRejected(get(client, "/-/healthy", null));
    assertRejected(get(client, "/", null));
  }

  @Test
  void aWrongPasswordOrUserIs401() throws Exception {
    start(auth());
    HttpClient client = plainClient();
    assertRejected(get(client, "/metrics", basic(USER, PASSWORD + "x")));
    assertRejected(get(client, "/metrics", basic(USER, "")));
    assertRejected(get(client, "/metrics", basic("prometheus2", PASSWORD)));
    assertRejected(get(client, "/-/healthy", basic(USER, PASSWORD.substring(1))));
  }

  @Test
  void theRightCredentialsGetTheMetricsAndEveryPath() throws Exception {
    start(auth());
    HttpClient client = plainClient();
    HttpResponse<String> r = get(client, "/metrics", basic(USER, PASSWORD));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("weft_agent_info{version=\"test\"} 1"), r.body());
    assertEquals(200, get(client, "/-/healthy", basic(USER, PASSWORD)).statusCode());
    assertEquals(200, get(client, "/", basic(USER, PASSWORD)).statusCode());
    // The scheme name is case-insensitive (RFC 9110).
    assertEquals(
        200, get(client, "/metrics", basic(USER, PASSWORD).replace("Basic", "basic")).statusCode());
  }

  @Test
  void everyRejectedRequestIsCountedOnceAndAcceptedOnesNever() throws Exception {
    start(auth());
    HttpClient client = plainClient();
    assertEquals(0, rejectedCount(client));
    List<String> bad =
        Arrays.asList(
            null,
            basic(USER, "wrong"),
            basic("nobody", PASSWORD),
            "Basic not-base64!",
            "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8)),
            "Bearer " + PASSWORD,
            basic(USER, PASSWORD + " "));
    for (String authorization : bad) {
      assertRejected(get(client, "/metrics", authorization));
    }
    // The scrape that reads the count is accepted and not counted: exactly the 7 above.
    assertEquals(bad.size(), rejectedCount(client));
    assertEquals(bad.size(), rejectedCount(client));
    assertRejected(get(client, "/-/healthy", null));
    assertEquals(bad.size() + 1, rejectedCount(client));
  }

  @Test
  void withoutAuthenticationNothingIsRejectedAndTheCounterStaysAtZero() throws Exception {
    start(Map.of());
    HttpClient client = plainClient();
    assertEquals(200, get(client, "/metrics", basic(USER, "anything")).statusCode());
    HttpResponse<String> r = get(client, "/metrics", null);
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains(REJECTED + "0.0\n"), r.body());
  }

  @Test
  void withAKeystoreItServesHttpsWithThatCertificate() throws Exception {
    TestKeystore keys = keys();
    start(
        Map.of(
            "weft.metrics.tls.keystore", keys.keystore.toString(),
            "weft.metrics.tls.keystore.password", TestKeystore.PASSWORD));
    assertEquals("https://127.0.0.1:" + port + "/metrics", url);
    HttpClient tls =
        HttpClient.newBuilder()
            .sslContext(keys.trustingClient())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpResponse<String> r = get(tls, "/metrics", null);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("weft_agent_info{version=\"test\"} 1"), r.body());
    assertEquals(200, get(tls, "/-/healthy", null).statusCode());
  }

  @Test
  void plainHttpToTheTlsPortGetsNoMetrics() throws Exception {
    TestKeystore keys = keys();
    start(
        Map.of(
            "weft.metrics.tls.keystore", keys.keystore.toString(),
            "weft.metrics.tls.keystore.password", TestKeystore.PASSWORD));
    url = url.replace("https://", "http://");
    assertThrows(IOException.class, () -> get(plainClient(), "/metrics", null));
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateIsRefused() throws Exception {
    TestKeystore keys = keys();
    start(
        Map.of(
            "weft.metrics.tls.keystore", keys.keystore.toString(),
            "weft.metrics.tls.keystore.password", TestKeystore.PASSWORD));
    assertThrows(IOException.class, () -> get(plainClient(), "/metrics", null));
  }

  @Test
  void tlsAndAuthenticationTogether() throws Exception {
    TestKeystore keys = keys();
    Path passwordFile = Files.writeString(tmp.resolve("password"), PASSWORD + "\n");
    start(
        Map.of(
            "weft.metrics.tls.keystore", keys.keystore.toString(),
            "weft.metrics.tls.keystore.password", TestKeystore.PASSWORD,
            "weft.metrics.auth.username", USER,
            "weft.metrics.auth.password.file", passwordFile.toString()));
    HttpClient tls = HttpClient.newBuilder().sslContext(keys.trustingClient()).build();
    assertRejected(get(tls, "/metrics", null));
    assertRejected(get(tls, "/metrics", basic(USER, PASSWORD + "\n")));
    HttpResponse<String> r = get(tls, "/metrics", basic(USER, PASSWORD));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains(REJECTED + "2"), r.body());
  }

  @Test
  void anUnreadableKeystoreServesNothingInOneLineAndTheRestOfWeftWorks() throws Exception {
    Path missing = tmp.resolve("no-such.p12");
    String[] stderr = new String[1];
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      start(
          Map.of(
              "weft.metrics.tls.keystore", missing.toString(),
              "weft.metrics.tls.keystore.password", TestKeystore.PASSWORD));
    } finally {
      System.setErr(original);
      stderr[0] = captured.toString(StandardCharsets.UTF_8);
    }
    assertNull(url);
    List<String> lines = stderr[0].lines().collect(Collectors.toList());
    assertEquals(1, lines.size(), stderr[0]);
    String line = lines.get(0);
    assertTrue(line.startsWith("[weft] WARN cannot serve /metrics on 127.0.0.1:" + port), line);
    assertTrue(line.contains("weft.metrics.tls.keystore=" + missing), line);
    assertTrue(line.contains("/metrics is not served (never without TLS)"), line);
    assertFalse(line.contains(TestKeystore.PASSWORD), line);
    assertThrows(IOException.class, () -> new Socket("127.0.0.1", port).close());

    // Metrics are still recorded (push exporters and a later scrape would see them).
    OperationKind server = OperationKind.named("http-server");
    OperationPipeline pipeline =
        new OperationPipeline(
            List.of(Family.httpServerRequests(server.name())),
            runtime,
            Tracing.disabled(),
            new AgentErrors());
    pipeline.end(
        pipeline.startRequest(server, new Object(), "GET", "/hello", "http", "/hello", null, null, null),
        200,
        null,
        null);
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(text, runtime.exposedRegistry().scrape());
    assertTrue(
        text.toString(StandardCharsets.UTF_8)
            .contains("http_requests_total{endpoint=\"/hello\",method=\"GET\",status=\"200\"} 1"),
        text.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aWrongKeystorePasswordServesNothingAndIsNotLogged() throws Exception {
    TestKeystore keys = keys();
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      start(
          Map.of(
              "weft.metrics.tls.keystore", keys.keystore.toString(),
              "weft.metrics.tls.keystore.password", "not-the-keystore-password"));
    } finally {
      System.setErr(original);
    }
    String err = captured.toString(StandardCharsets.UTF_8);
    assertNull(url);
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("weft.metrics.tls.keystore=" + keys.keystore), err);
    assertFalse(err.contains("not-the-keystore-password"), err);
    assertThrows(IOException.class, () -> new Socket("127.0.0.1", port).close());
  }
}
