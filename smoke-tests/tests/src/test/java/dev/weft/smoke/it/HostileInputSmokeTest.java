package dev.weft.smoke.it;

import static dev.weft.smoke.it.MetricsScrape.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input is ignored safely: odd and huge methods, binary garbage, query strings with secrets
 * and endless distinct paths, all sent over raw sockets. The service answers as it would without
 * Weft, Weft logs no error, methods fold into {@code _OTHER}, and no raw path or query string
 * reaches a label.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HostileInputSmokeTest extends ServiceSmokeTest {


  @Test
  void hostileRequestsAreCountedSafelyAndLeakNothing() throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service =
        Services.jdkHttpService(
            "HostileInputSmokeTest",
            SmokeEnv.currentJava(),
            true,
            appPort,
            "-Dweft.metrics.port=" + metricsPort);
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    // Methods the server dispatches: an unknown verb, a lower-case one, a 4 KB one.
    String hugeMethod = "X".repeat(4096);
    for (String method : new String[] {"BREW", "get", hugeMethod}) {
      String status = statusLine(raw(appPort, method + " /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
      assertTrue(status.startsWith("HTTP/1.1 200"), method.length() + "-char method got " + status);
    }
    // Secrets in the query string and endless distinct raw paths under one context.
    for (int i = 0; i < 200; i++) {
      String status =
          statusLine(
              raw(
                  appPort,
                  "GET /users/" + i + "?token=s3cr3t&password=hunter2 HTTP/1.1\r\nHost: x\r\n\r\n"));
      assertTrue(status.startsWith("HTTP/1.1 200"), status);
    }
    // Binary garbage and a request line the server refuses: the server's own answer, no crash.
    byte[] garbage = new byte[2048];
    new Random(7).nextBytes(garbage);
    rawBytes(appPort, garbage);
    raw(appPort, "\r\n\r\n");

    MetricsScrape after =
        Poll.untilValue(
            Poll.deadline(Duration.ofSeconds(20)),
            () -> Http.scrape(client, metricsPort),
            s ->
                s.valueOrZero("http_requests_total", labels("endpoint", "/users/"))
                        - before.valueOrZero("http_requests_total", labels("endpoint", "/users/"))
                    >= 200,
            s -> "the 200 /users/ requests were not counted\n" + service.describe());

    assertEquals(
        3.0,
        after.valueOrZero(
                "http_requests_total",
                labels("method", "_OTHER", "endpoint", "/hello", "status", "200"))
            - before.valueOrZero(
                "http_requests_total",
                labels("method", "_OTHER", "endpoint", "/hello", "status", "200")),
        "unknown, lower-case and huge methods are one _OTHER series");
    assertEquals(
        200.0,
        after.valueOrZero(
                "http_requests_total", labels("method", "GET", "endpoint", "/users/", "status", "200"))
            - before.valueOrZero(
                "http_requests_total", labels("method", "GET", "endpoint", "/users/", "status", "200")));
    String text = after.text();
    assertFalse(text.contains("s3cr3t") || text.contains("hunter2"), "a query string leaked");
    assertFalse(text.contains(hugeMethod.substring(0, 100)), "a raw method leaked into a label");
    assertFalse(text.contains("/users/1"), "a raw path leaked into a label");
    List<String> errors =
        service.weftLines().stream().filter(l -> !l.contains(" INFO ")).collect(Collectors.toList());
    assertEquals(List.of(), errors, "Weft must not complain about the application's traffic");
    assertTrue(service.isAlive());
  }

  private static String raw(int port, String request) throws IOException {
    return rawBytes(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends bytes on a fresh connection and returns whatever the server answers before closing. */
  private static String rawBytes(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      socket.shutdownOutput();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      try {
        int n;
        while ((n = in.read(buffer)) != -1) {
          response.write(buffer, 0, n);
          if (response.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
            break;
          }
        }
      } catch (IOException closedByServer) {
        // The server may reset a connection it refuses: that is its own answer.
      }
      return response.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static String statusLine(String response) {
    int end = response.indexOf("\r\n");
    return end < 0 ? response : response.substring(0, end);
  }
}
