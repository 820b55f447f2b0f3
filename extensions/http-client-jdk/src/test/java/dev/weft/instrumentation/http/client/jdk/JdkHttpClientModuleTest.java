package dev.weft.instrumentation.http.client.jdk;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The http-client-jdk module in process: a real {@code java.net.http.HttpClient} ({@code send},
 * {@code sendAsync} with two and three arguments) against a real JDK HTTP server on a free
 * loopback port (the JDK server is not woven here: only this module is). The server notes every
 * request it gets; {@code /status/{code}} answers with that status, {@code /redirect} with a 302
 * to {@code /users/r}, anything else with 200 and the request's body.
 */
class JdkHttpClientModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("http-client-jdk");

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
  private static HttpClient client;

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
    // What applications build: HttpClient.newBuilder()...build(), the JDK's HttpClientFacade.
    client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  @BeforeEach
  void clearReceived() {
    received.clear();
  }

  private static HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build();
  }

  private static int send(String path) throws Exception {
    return client.send(get(path), HttpResponse.BodyHandlers.ofString()).statusCode();
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
  void nSentRequestsWithKServerErrorsMoveTheCounterByExactlyNMinusKAndK() throws Exception {
    int ok = 4;
    for (int i = 0; i < ok; i++) {
      assertEquals(200, send("/users/" + i));
    }
    assertEquals(500, send("/status/500"));
    assertEquals(500, send("/status/500"));
    assertEquals(503, send("/status/503"));
    int n = ok + 3;

    assertEquals(ok, weft.counter("http_client_requests_total", labels("GET", "200", "")));
    assertEquals(2, weft.counter("http_client_requests_total", labels("GET", "500", "")));
    assertEquals(1, weft.counter("http_client_requests_total", labels("GET", "503", "")));
    assertEquals(
        ok, weft.histogramCount("http_client_request_duration_seconds", labels("GET", "200", "")));
    assertEquals(
        2, weft.histogramCount("http_client_request_duration_seconds", labels("GET", "500", "")));
    assertEquals(
        1, weft.histogramCount("http_client_request_duration_seconds", labels("GET", "503", "")));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_client_requests_total");
    assertEquals(3, changed.size(), changed.toString());
    assertEquals(3, weft.changedSeries("http_client_request_duration_seconds").size());
    assertEquals(n, weft.spans().size());
    assertEquals(n, received.size());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "http-client-jdk"));
  }

  @Test
  void nAsyncRequestsWithKServerErrorsMoveTheCounterByExactlyNMinusKAndK() throws Exception {
    int ok = 3;
    int failed = 2;
    for (int i = 0; i < ok; i++) {
      HttpResponse<String> r =
          client
              .sendAsync(get("/users/a" + i), HttpResponse.BodyHandlers.ofString())
              .get(10, SECONDS);
      assertEquals(200, r.statusCode());
    }
    for (int i = 0; i < failed; i++) {
      // The three-argument sendAsync (no push promises).
      HttpResponse<String> r =
          client
              .sendAsync(get("/status/500"), HttpResponse.BodyHandlers.ofString(), null)
              .get(10, SECONDS);
      assertEquals(500, r.statusCode());
    }
    // The call ends when the application's future completes, possibly just after get returns;
    // its histogram is recorded last.
    String[] okLabels = labels("GET", "200", "");
    String[] failedLabels = labels("GET", "500", "");
    assertEquals(
        ok, weft.awaitHistogramCount("http_client_request_duration_seconds", ok, okLabels));
    assertEquals(
        failed,
        weft.awaitHistogramCount("http_client_request_duration_seconds", failed, failedLabels));
    assertEquals(ok, weft.counter("http_client_requests_total", okLabels));
    assertEquals(failed, weft.counter("http_client_requests_total", failedLabels));
    assertEquals(2, weft.changedSeries("http_client_requests_total").size());
    assertEquals(ok + failed, weft.awaitSpans(ok + failed).size());
    assertEquals(ok + failed, received.size());
  }

  @Test
  void aRefusedConnectionCountsAsErrorWithItsTypeForSendAndSendAsync() throws Exception {
    HttpRequest refused =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closedPort() + "/x")).build();
    assertThrows(
        ConnectException.class, () -> client.send(refused, HttpResponse.BodyHandlers.ofString()));
    CompletableFuture<HttpResponse<String>> async =
        client.sendAsync(refused, HttpResponse.BodyHandlers.ofString());
    ExecutionException e = assertThrows(ExecutionException.class, () -> async.get(10, SECONDS));
    assertInstanceOf(ConnectException.class, e.getCause());

    String[] failed = labels("GET", "error", "ConnectException");
    assertEquals(2, weft.awaitHistogramCount("http_client_request_duration_seconds", 2, failed));
    assertEquals(2, weft.counter("http_client_requests_total", failed));
    assertEquals(1, weft.changedSeries("http_client_requests_total").size());
    List<SpanData> spans = weft.awaitSpans(2);
    assertEquals(2, spans.size(), spans.toString());
    for (SpanData span : spans) {
      assertEquals(SpanKind.CLIENT, span.getKind());
      assertEquals(StatusCode.ERROR, span.getStatus().getStatusCode());
      assertEquals(
          ConnectException.class.getName(),
          span.getAttributes().get(AttributeKey.stringKey("error.type")));
    }
  }

  @Test
  void eachSentRequestIsOneClientSpanAndItsTraceparentReachesTheServer() throws Exception {
    HttpRequest[] requests = {get("/users/1"), get("/users/2"), get("/status/500")};
    int[] statuses = {200, 200, 500};
    for (int i = 0; i < requests.length; i++) {
      assertEquals(
          statuses[i], client.send(requests[i], HttpResponse.BodyHandlers.ofString()).statusCode());
      // The application's request is not changed: the headers go into a copy.
      assertFalse(requests[i].headers().firstValue("traceparent").isPresent());
    }
    List<SpanData> spans = weft.spans();
    assertEquals(requests.length, spans.size(), spans.toString());
    assertEquals(requests.length, received.size());
    for (int i = 0; i < requests.length; i++) {
      SpanData span = spans.get(i);
      assertEquals("GET", span.getName());
      assertEquals(SpanKind.CLIENT, span.getKind());
      assertFalse(span.getParentSpanContext().isValid(), "no caller: a trace of its own");
      assertEquals("127.0.0.1", span.getAttributes().get(AttributeKey.stringKey("server.address")));
      assertEquals((long) port, span.getAttributes().get(AttributeKey.longKey("server.port")));
      assertEquals(
          requests[i].uri().toString(),
          span.getAttributes().get(AttributeKey.stringKey("url.full")));
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
  void aCallsSpanIsTheChildOfTheCallersSpanForSendAndSendAsync() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerId = "00f067aa0ba902b7";
    SpanContext caller =
        SpanContext.create(traceId, callerId, TraceFlags.getSampled(), TraceState.getDefault());
    CompletableFuture<HttpResponse<String>> async;
    try (Scope ignored = Context.root().with(Span.wrap(caller)).makeCurrent()) {
      HttpResponse<String> sync =
          client.send(get("/users/sync"), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, sync.statusCode());
      async = client.sendAsync(get("/users/async"), HttpResponse.BodyHandlers.ofString());
    }
    assertEquals(200, async.get(10, SECONDS).statusCode());
    List<SpanData> spans = weft.awaitSpans(2);
    assertEquals(2, spans.size(), spans.toString());
    assertEquals(2, received.size());
    for (SpanData span : spans) {
      assertEquals(traceId, span.getTraceId());
      assertEquals(callerId, span.getParentSpanId());
      String url = span.getAttributes().get(AttributeKey.stringKey("url.full"));
      String path = URI.create(url).getPath();
      Received request =
          received.stream().filter(r -> r.path.equals(path)).findFirst().orElseThrow();
      assertEquals(traceparent(span), request.traceparent);
    }
    assertNotEquals(spans.get(0).getSpanId(), spans.get(1).getSpanId());
    assertEquals(2, weft.awaitCounter("http_client_requests_total", 2, labels("GET", "200", "")));
  }

  @Test
  void aPostReachesTheServerWithItsBodyAndHeadersAndIsCountedAsPost() throws Exception {
    HttpRequest post =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
            .header("X-App", "kept")
            .POST(HttpRequest.BodyPublishers.ofString("{\"id\":7}"))
            .build();
    HttpResponse<String> response = client.send(post, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    assertEquals("answer:{\"id\":7}", response.body());
    HttpRequest put =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders/7"))
            .PUT(HttpRequest.BodyPublishers.ofString("v2"))
            .build();
    assertEquals(
        "answer:v2",
        client.sendAsync(put, HttpResponse.BodyHandlers.ofString()).get(10, SECONDS).body());

    assertEquals(2, received.size());
    Received atServer = received.get(0);
    assertEquals("POST", atServer.method);
    assertEquals("{\"id\":7}", atServer.body);
    assertEquals("kept", atServer.appHeader);
    assertEquals("PUT", received.get(1).method);
    assertEquals("v2", received.get(1).body);
    List<SpanData> spans = weft.awaitSpans(2);
    assertEquals("POST", spans.get(0).getName());
    assertEquals(traceparent(spans.get(0)), atServer.traceparent);
    assertEquals(traceparent(spans.get(1)), received.get(1).traceparent);
    assertEquals(1, weft.counter("http_client_requests_total", labels("POST", "200", "")));
    assertEquals(1, weft.awaitCounter("http_client_requests_total", 1, labels("PUT", "200", "")));
    assertEquals(2, weft.changedSeries("http_client_requests_total").size());
  }

  @Test
  void aTraceparentTheApplicationSetIsSentAsItIs() throws Exception {
    String own = "00-11111111111111111111111111111111-2222222222222222-01";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/users/own"))
            .header("traceparent", own)
            .build();
    assertEquals(200, client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(1, received.size());
    assertEquals(own, received.get(0).traceparent);
    assertEquals(1, weft.counter("http_client_requests_total", labels("GET", "200", "")));
    assertEquals(1, weft.spans().size());
  }

  @Test
  void aFollowedRedirectIsOneCallWithTheFinalStatus() throws Exception {
    assertEquals(200, send("/redirect"));
    assertEquals(2, received.size());
    assertEquals("/redirect", received.get(0).path);
    assertEquals("/users/r", received.get(1).path);
    List<SpanData> spans = weft.spans();
    assertEquals(1, spans.size(), spans.toString());
    assertEquals(
        "http://127.0.0.1:" + port + "/redirect",
        spans.get(0).getAttributes().get(AttributeKey.stringKey("url.full")));
    // The client sends the copy's headers again when it follows the redirect.
    assertEquals(traceparent(spans.get(0)), received.get(0).traceparent);
    assertEquals(traceparent(spans.get(0)), received.get(1).traceparent);
    assertEquals(1, weft.counter("http_client_requests_total", labels("GET", "200", "")));
    assertEquals(1, weft.changedSeries("http_client_requests_total").size());
  }
}
