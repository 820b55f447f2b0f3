package dev.weft.instrumentation.http.client.apache4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The http-client-apache4 module in process: a real HttpClient 4 against a real JDK HTTP server
 * on a free loopback port (the JDK server is not woven here: only this module is).
 */
class ApacheHttpClient4ModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("http-client-apache4");

  /** The traceparent header of each request the server received, in order (null: none). */
  private static final List<String> received = new CopyOnWriteArrayList<>();

  private static HttpServer server;
  private static int port;
  private static CloseableHttpClient client;

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          received.add(exchange.getRequestHeaders().getFirst("traceparent"));
          int status = exchange.getRequestURI().getPath().startsWith("/fail") ? 500 : 200;
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    port = server.getAddress().getPort();
    client = HttpClients.createDefault();
  }

  @AfterAll
  static void stop() throws IOException {
    client.close();
    server.stop(0);
  }

  @BeforeEach
  void clearReceived() {
    received.clear();
  }

  private static int get(String path) throws IOException {
    HttpGet request = new HttpGet("http://127.0.0.1:" + port + path);
    try (CloseableHttpResponse response = client.execute(request)) {
      EntityUtils.consume(response.getEntity());
      return response.getStatusLine().getStatusCode();
    }
  }

  private static String[] labels(String status, String errorType) {
    return new String[] {
      "method", "GET", "host", "127.0.0.1", "status", status, "error_type", errorType
    };
  }

  /** The W3C header that names the span as the parent (its own flags: sampled, and so on). */
  private static String traceparent(SpanData span) {
    return "00-"
        + span.getTraceId()
        + "-"
        + span.getSpanId()
        + "-"
        + span.getSpanContext().getTraceFlags().asHex();
  }

  @Test
  void nCallsWithKServerErrorsMoveTheCounterByExactlyNMinusKAndK() throws IOException {
    int n = 7;
    int k = 3;
    for (int i = 0; i < n - k; i++) {
      assertEquals(200, get("/users/" + i));
    }
    for (int i = 0; i < k; i++) {
      assertEquals(500, get("/fail/" + i));
    }
    assertEquals(n - k, weft.counter("http_client_requests_total", labels("200", "")));
    assertEquals(k, weft.counter("http_client_requests_total", labels("500", "")));
    assertEquals(
        n - k, weft.histogramCount("http_client_request_duration_seconds", labels("200", "")));
    assertEquals(k, weft.histogramCount("http_client_request_duration_seconds", labels("500", "")));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_client_requests_total");
    assertEquals(2, changed.size(), changed.toString());
    assertEquals(n, weft.spans().size());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "http-client-apache4"));
  }

  @Test
  void aRefusedConnectionCountsAsErrorWithItsType() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    HttpGet request = new HttpGet("http://127.0.0.1:" + closedPort + "/nobody");
    assertThrows(IOException.class, () -> client.execute(request).close());
    String[] failed = labels("error", "HttpHostConnectException");
    assertEquals(1, weft.counter("http_client_requests_total", failed));
    assertEquals(1, weft.histogramCount("http_client_request_duration_seconds", failed));
    assertEquals(1, weft.changedSeries("http_client_requests_total").size());
    List<SpanData> spans = weft.spans();
    assertEquals(1, spans.size(), spans.toString());
    assertEquals(SpanKind.CLIENT, spans.get(0).getKind());
    assertEquals(
        io.opentelemetry.api.trace.StatusCode.ERROR, spans.get(0).getStatus().getStatusCode());
  }

  @Test
  void eachCallIsOneClientSpanAndItsTraceparentReachesTheServer() throws IOException {
    int n = 3;
    for (int i = 0; i < n; i++) {
      assertEquals(200, get("/users/" + i));
    }
    List<SpanData> spans = weft.spans();
    assertEquals(n, spans.size(), spans.toString());
    assertEquals(n, received.size());
    for (int i = 0; i < n; i++) {
      SpanData span = spans.get(i);
      assertEquals("GET", span.getName());
      assertEquals(SpanKind.CLIENT, span.getKind());
      assertEquals(
          "127.0.0.1", span.getAttributes().get(AttributeKey.stringKey("server.address")));
      assertEquals((long) port, span.getAttributes().get(AttributeKey.longKey("server.port")));
      assertEquals(
          "http://127.0.0.1:" + port + "/users/" + i,
          span.getAttributes().get(AttributeKey.stringKey("url.full")));
      assertEquals(traceparent(span), received.get(i));
    }
  }

  @Test
  void theHeadersAreTakenBackFromTheApplicationsRequest() throws IOException {
    HttpGet request = new HttpGet("http://127.0.0.1:" + port + "/users/again");
    for (int i = 0; i < 2; i++) {
      try (CloseableHttpResponse response = client.execute(request)) {
        EntityUtils.consume(response.getEntity());
      }
      assertNull(request.getFirstHeader("traceparent"));
    }
    List<SpanData> spans = weft.spans();
    assertEquals(2, spans.size());
    assertEquals(traceparent(spans.get(0)), received.get(0));
    assertEquals(traceparent(spans.get(1)), received.get(1));
  }
}
