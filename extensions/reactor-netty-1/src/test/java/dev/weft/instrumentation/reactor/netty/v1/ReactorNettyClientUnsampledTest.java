package dev.weft.instrumentation.reactor.netty.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.WeftAgentExtension;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.client.HttpClient;

/**
 * Reactor Netty client calls that no trace records ({@code otel.traces.sampler=always_off}): every
 * call still counts, and its unsampled {@code traceparent} still goes out (the sampled flag clear), so
 * that the services downstream do not sample either. In a JVM of its own (Weft is installed once
 * per JVM). With tracing off altogether ({@code weft.traces.enabled=false}, which the in-process
 * harness does not model) the same calls count and no header is sent.
 */
class ReactorNettyClientUnsampledTest {

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("reactor-netty-1", "netty-4.1")
          .with("otel.traces.sampler", "always_off");

  private static final List<String> received = new CopyOnWriteArrayList<>();
  private static HttpServer server;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String tp = exchange.getRequestHeaders().getFirst("traceparent");
          received.add(tp == null ? "-" : tp);
          int status = exchange.getRequestURI().getPath().startsWith("/fail") ? 500 : 200;
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  private static String[] labels(String status, String errorType) {
    return new String[] {
      "method", "GET", "host", "127.0.0.1", "status", status, "error_type", errorType
    };
  }

  @Test
  void unsampledCallsCountAndPropagateTheirDecision() throws Exception {
    // The target from host() and port(), the path from uri(): Reactor Netty's remote address.
    HttpClient client = HttpClient.create().host("127.0.0.1").port(port);
    int n = 5;
    int k = 2;
    for (int i = 0; i < n; i++) {
      String path = (i < k ? "/fail/" : "/users/") + i;
      int status =
          client.get()
              .uri(path)
              .responseSingle((r, b) -> b.asString().thenReturn(r.status().code()))
              .block(Duration.ofSeconds(10));
      assertEquals(i < k ? 500 : 200, status);
    }
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    assertThrows(
        RuntimeException.class,
        () ->
            HttpClient.create()
                .get()
                .uri("http://127.0.0.1:" + closed + "/x")
                .responseSingle((r, b) -> b.asString())
                .block(Duration.ofSeconds(10)));
    assertEquals(n - k, weft.awaitCounter("http_client_requests_total", n - k, labels("200", "")));
    assertEquals(k, weft.awaitCounter("http_client_requests_total", k, labels("500", "")));
    assertEquals(
        1,
        weft.awaitCounter(
            "http_client_requests_total", 1, labels("error", "AnnotatedConnectException")));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_client_requests_total");
    assertEquals(3, changed.size(), changed.toString());
    assertEquals(n, received.size());
    for (String traceparent : received) {
      assertTrue(traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"), traceparent);
      int flags = Integer.parseInt(traceparent.substring(53), 16);
      assertEquals(0, flags & 1, traceparent + ": sampled");
    }
    assertTrue(weft.spans().isEmpty());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "reactor-netty-1"));
  }
}
