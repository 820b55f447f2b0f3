package dev.weft.instrumentation.http.client.urlconnection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The http-client-urlconnection module in process: the JDK's real {@code HttpURLConnection}
 * ({@code connect}, {@code getOutputStream}, {@code getInputStream} and the accessors that go
 * through it) against a real JDK HTTP server on a free loopback port (the JDK server is not
 * woven here: only this module is). The server notes every request it gets;
 * {@code /status/{code}} answers with that status, {@code /redirect} with a 302 to
 * {@code /users/r}, anything else with 200 and the request's body.
 */
class UrlConnectionModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("http-client-urlconnection");

  /** One request as the server received it. */
  static final class Received {
    final String method;
    final String path;
    final String traceparent;
    final String appHeader;
    final String body;

    Received(HttpExchange exchange, String body) {
      this.method = exchange.getRequestMethod();
      this.path = exchange.getRequestURI().getPath();
      this.traceparent = exchange.getRequestHeaders().getFirst("traceparent");
      this.appHeader = exchange.getRequestHeaders().getFirst("X-App");
      this.body = body;
    }
  }

  private static final List<Received> received = new CopyOnWriteArrayList<>();

  private static HttpServer server;
  private static int port;

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body;
          try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          }
          received.add(new Received(exchange, body));
          String path = exchange.getRequestURI().getPath();
          int status = 200;
          if (path.startsWith("/status/")) {
            status = Integer.parseInt(path.substring("/status/".length()));
          } else if (path.equals("/redirect")) {
            status = 302;
            exchange.getResponseHeaders().add("Location", "/users/r");
          }
          byte[] answer = ("answer:" + body).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, answer.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        });
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  @BeforeEach
  void clearReceived() {
    received.clear();
  }

  private static URL url(String path) throws IOException {
    return new URL("http://127.0.0.1:" + port + path);
  }

  private static HttpURLConnection open(String path) throws IOException {
    return (HttpURLConnection) url(path).openConnection();
  }

  private static String read(InputStream in) throws IOException {
    try (InputStream stream = in) {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String[] labels(String method, String status, String errorType) {
    return new String[] {
      "method", method, "host", "127.0.0.1", "status", status, "error_type", errorType
    };
  }

  /** The W3C header that names the span as the parent. */
  private static String traceparent(SpanData span) {
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
        + span.getSpanContext().getTraceFlags().asHex();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  @Test
  void nGetsWithKErrorStatusesMoveTheCounterByExactlyNMinusKAndK() throws IOException {
    int ok = 4;
    for (int i = 0; i < ok; i++) {
      // getInputStream first; getResponseCode afterwards is no new call.
      HttpURLConnection c = open("/users/" + i);
      assertEquals("answer:", read(c.getInputStream()));
      assertEquals(200, c.getResponseCode());
    }
    for (int i = 0; i < 2; i++) {
      // getResponseCode first, as applications that handle errors do; then the error body.
      HttpURLConnection c = open("/status/500");
      assertEquals(500, c.getResponseCode());
      assertEquals("answer:", read(c.getErrorStream()));
    }
    HttpURLConnection notFound = open("/status/404");
    assertThrows(FileNotFoundException.class, notFound::getInputStream);
    assertEquals(404, notFound.getResponseCode());
    int n = ok + 3;

    assertEquals(ok, weft.counter("http_client_requests_total", labels("GET", "200", "")));
    assertEquals(2, weft.counter("http_client_requests_total", labels("GET", "500", "")));
    assertEquals(1, weft.counter("http_client_requests_total", labels("GET", "404", "")));
    assertEquals(
        ok, weft.histogramCount("http_client_request_duration_seconds", labels("GET", "200", "")));
    assertEquals(
        2, weft.histogramCount("http_client_request_duration_seconds", labels("GET", "500", "")));
    assertEquals(
        1, weft.histogramCount("http_client_request_duration_seconds", labels("GET", "404", "")));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_client_requests_total");
    assertEquals(3, changed.size(), changed.toString());
    assertEquals(3, weft.changedSeries("http_client_request_duration_seconds").size());
    assertEquals(n, weft.spans().size());
    assertEquals(n, received.size());
    assertEquals(
        0, weft.counter("weft_agent_errors_total", "module", "http-client-urlconnection"));
  }

  @Test
  void eachCallIsOneClientSpanAndItsTraceparentReachesTheServer() throws IOException {
    String[] paths = {"/users/1", "/status/503", "/users/2"};
    int[] statuses = {200, 503, 200};
    for (int i = 0; i < paths.length; i++) {
      HttpURLConnection c = open(paths[i]);
      assertEquals(statuses[i], c.getResponseCode());
      // Later accessors are not new calls.
      c.getHeaderField("Content-Length");
      assertEquals(statuses[i], c.getResponseCode());
    }
    List<SpanData> spans = weft.spans();
    assertEquals(paths.length, spans.size(), spans.toString());
    assertEquals(paths.length, received.size());
    for (int i = 0; i < paths.length; i++) {
      SpanData span = spans.get(i);
      assertEquals("GET", span.getName());
      assertEquals(SpanKind.CLIENT, span.getKind());
      assertFalse(span.getParentSpanContext().isValid(), "no caller: a trace of its own");
      assertEquals("127.0.0.1", span.getAttributes().get(AttributeKey.stringKey("server.address")));
      assertEquals((long) port, span.getAttributes().get(AttributeKey.longKey("server.port")));
      assertEquals(
          url(paths[i]).toString(), span.getAttributes().get(AttributeKey.stringKey("url.full")));
      assertEquals(
          (long) statuses[i],
          span.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
      assertEquals(
          statuses[i] >= 500 ? StatusCode.ERROR : StatusCode.UNSET,
          span.getStatus().getStatusCode());
      assertEquals(traceparent(span), received.get(i).traceparent);
    }
  }

  @Test
  void anExplicitConnectAndTheResponseAreOneCall() throws IOException {
    HttpURLConnection c = open("/users/connected");
    c.connect();
    assertEquals(0, weft.spans().size(), "the call goes on until the response");
    assertEquals("answer:", read(c.getInputStream()));
    assertEquals(200, c.getResponseCode());
    assertEquals(1, weft.counter("http_client_requests_total", labels("GET", "200", "")));
    assertEquals(1, weft.spans().size());
    assertEquals(traceparent(weft.spans().get(0)), received.get(0).traceparent);
  }

  @Test
  void writingABodyMakesAPostOrKeepsTheMethodSetAndReachesTheServerIntact() throws IOException {
    HttpURLConnection post = open("/orders");
    post.setDoOutput(true);
    post.setRequestProperty("X-App", "kept");
    try (OutputStream out = post.getOutputStream()) {
      out.write("{\"id\":7}".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(200, post.getResponseCode());
    assertEquals("answer:{\"id\":7}", read(post.getInputStream()));

    // Fixed-length streaming: getOutputStream sends the headers at once.
    HttpURLConnection put = open("/orders/7");
    put.setRequestMethod("PUT");
    put.setDoOutput(true);
    byte[] body = "v2".getBytes(StandardCharsets.UTF_8);
    put.setFixedLengthStreamingMode(body.length);
    try (OutputStream out = put.getOutputStream()) {
      out.write(body);
    }
    assertEquals(500, open("/status/500").getResponseCode());
    assertEquals("answer:v2", read(put.getInputStream()));

    assertEquals(3, received.size());
    Received atServer = receivedAt("/orders");
    assertEquals("POST", atServer.method);
    assertEquals("{\"id\":7}", atServer.body);
    assertEquals("kept", atServer.appHeader);
    Received putAtServer = receivedAt("/orders/7");
    assertEquals("PUT", putAtServer.method);
    assertEquals("v2", putAtServer.body);

    assertEquals(1, weft.counter("http_client_requests_total", labels("POST", "200", "")));
    assertEquals(1, weft.counter("http_client_requests_total", labels("PUT", "200", "")));
    assertEquals(1, weft.counter("http_client_requests_total", labels("GET", "500", "")));
    assertEquals(
        1, weft.histogramCount("http_client_request_duration_seconds", labels("POST", "200", "")));
    assertEquals(
        1, weft.histogramCount("http_client_request_duration_seconds", labels("PUT", "200", "")));
    assertEquals(3, weft.changedSeries("http_client_requests_total").size());
    List<SpanData> spans = weft.spans();
    assertEquals(3, spans.size(), spans.toString());
    // The PUT's call lasted until its response was read, after the GET in between.
    assertEquals("POST", spans.get(0).getName());
    assertEquals("GET", spans.get(1).getName());
    assertEquals("PUT", spans.get(2).getName());
    assertEquals(traceparent(spans.get(0)), atServer.traceparent);
    assertEquals(traceparent(spans.get(2)), putAtServer.traceparent);
  }

  private static Received receivedAt(String path) {
    return received.stream().filter(r -> r.path.equals(path)).findFirst().orElseThrow();
  }

  @Test
  void aRefusedConnectionIsOneErrorCallWithItsTypeHoweverOftenTheApplicationRetriesIt()
      throws IOException {
    int closed = closedPort();
    URL refused = new URL("http://127.0.0.1:" + closed + "/x");
    HttpURLConnection connected = (HttpURLConnection) refused.openConnection();
    assertThrows(ConnectException.class, connected::connect);
    // The application tries the same connection object again: still the same call.
    assertThrows(ConnectException.class, connected::getInputStream);
    HttpURLConnection read = (HttpURLConnection) refused.openConnection();
    assertThrows(ConnectException.class, read::getResponseCode);
    HttpURLConnection post = (HttpURLConnection) refused.openConnection();
    post.setDoOutput(true);
    assertThrows(ConnectException.class, post::getOutputStream);

    String[] getFailed = labels("GET", "error", "ConnectException");
    String[] postFailed = labels("POST", "error", "ConnectException");
    assertEquals(2, weft.counter("http_client_requests_total", getFailed));
    assertEquals(1, weft.counter("http_client_requests_total", postFailed));
    assertEquals(2, weft.histogramCount("http_client_request_duration_seconds", getFailed));
    assertEquals(1, weft.histogramCount("http_client_request_duration_seconds", postFailed));
    assertEquals(2, weft.changedSeries("http_client_requests_total").size());
    List<SpanData> spans = weft.spans();
    assertEquals(3, spans.size(), spans.toString());
    for (SpanData span : spans) {
      assertEquals(SpanKind.CLIENT, span.getKind());
      assertEquals(StatusCode.ERROR, span.getStatus().getStatusCode());
      assertEquals(
          ConnectException.class.getName(),
          span.getAttributes().get(AttributeKey.stringKey("error.type")));
      assertNull(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    }
  }

  @Test
  void aCallsSpanIsTheChildOfTheCallersSpan() throws IOException {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerId = "00f067aa0ba902b7";
    SpanContext caller =
        SpanContext.create(traceId, callerId, TraceFlags.getSampled(), TraceState.getDefault());
    try (Scope ignored = Context.root().with(Span.wrap(caller)).makeCurrent()) {
      assertEquals(200, open("/users/child").getResponseCode());
    }
    List<SpanData> spans = weft.spans();
    assertEquals(1, spans.size(), spans.toString());
    assertEquals(traceId, spans.get(0).getTraceId());
    assertEquals(callerId, spans.get(0).getParentSpanId());
    assertEquals(traceparent(spans.get(0)), received.get(0).traceparent);
  }

  @Test
  void aTraceparentTheApplicationSetIsSentAsItIs() throws IOException {
    String own = "00-11111111111111111111111111111111-2222222222222222-01";
    HttpURLConnection c = open("/users/own");
    c.setRequestProperty("traceparent", own);
    assertEquals(200, c.getResponseCode());
    assertEquals(1, received.size());
    assertEquals(own, received.get(0).traceparent);
    assertEquals(1, weft.counter("http_client_requests_total", labels("GET", "200", "")));
    assertEquals(1, weft.spans().size());
  }

  @Test
  void aFollowedRedirectIsOneCallWithTheFinalStatus() throws IOException {
    HttpURLConnection c = open("/redirect");
    assertEquals(200, c.getResponseCode());
    assertEquals(2, received.size());
    assertEquals("/redirect", received.get(0).path);
    assertEquals("/users/r", received.get(1).path);
    List<SpanData> spans = weft.spans();
    assertEquals(1, spans.size(), spans.toString());
    assertEquals(
        url("/redirect").toString(),
        spans.get(0).getAttributes().get(AttributeKey.stringKey("url.full")));
    assertEquals(traceparent(spans.get(0)), received.get(0).traceparent);
    assertEquals(traceparent(spans.get(0)), received.get(1).traceparent);
    assertEquals(1, weft.counter("http_client_requests_total", labels("GET", "200", "")));
    assertEquals(1, weft.changedSeries("http_client_requests_total").size());
  }
}
