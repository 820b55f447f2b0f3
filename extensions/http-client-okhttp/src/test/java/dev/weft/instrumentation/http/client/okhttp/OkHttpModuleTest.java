package dev.weft.instrumentation.http.client.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The http-client-okhttp module in process: a real OkHttp 4 client, synchronous ({@code execute})
 * and asynchronous ({@code enqueue}), against a real JDK HTTP server on a free loopback port (the
 * JDK server is not woven here: only this module is).
 */
class OkHttpModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("http-client-okhttp");

  /** The traceparent header of each request the server received, in order (null: none). */
  private static final List<String> received = new CopyOnWriteArrayList<>();

  private static HttpServer server;
  private static int port;
  private static OkHttpClient client;

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
    client = new OkHttpClient.Builder().build();
  }

  @AfterAll
  static void stop() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    server.stop(0);
  }

  @BeforeEach
  void clearReceived() {
    received.clear();
  }

  private static Request request(String path) {
    return new Request.Builder().url("http://127.0.0.1:" + port + path).build();
  }

  private static int get(String path) throws IOException {
    try (Response response = client.newCall(request(path)).execute()) {
      response.body().string();
      return response.code();
    }
  }

  /** Enqueues the call and waits (with a deadline) for its callback; returns the status. */
  private static int enqueue(Request request) throws Exception {
    CompletableFuture<Integer> status = new CompletableFuture<>();
    client
        .newCall(request)
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                status.completeExceptionally(e);
              }

              @Override
              public void onResponse(Call call, Response response) throws IOException {
                try (Response r = response) {
                  r.body().string();
                  status.complete(r.code());
                }
              }
            });
    return status.get(10, TimeUnit.SECONDS);
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
  void nExecutedCallsWithKServerErrorsMoveTheCounterByExactlyNMinusKAndK() throws IOException {
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
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "http-client-okhttp"));
  }

  @Test
  void nEnqueuedCallsWithKServerErrorsMoveTheCounterByExactlyNMinusKAndK() throws Exception {
    int n = 5;
    int k = 2;
    for (int i = 0; i < n - k; i++) {
      assertEquals(200, enqueue(request("/users/" + i)));
    }
    for (int i = 0; i < k; i++) {
      assertEquals(500, enqueue(request("/fail/" + i)));
    }
    assertEquals(n - k, weft.awaitCounter("http_client_requests_total", n - k, labels("200", "")));
    assertEquals(k, weft.awaitCounter("http_client_requests_total", k, labels("500", "")));
    assertEquals(
        n - k, weft.histogramCount("http_client_request_duration_seconds", labels("200", "")));
    assertEquals(k, weft.histogramCount("http_client_request_duration_seconds", labels("500", "")));
    assertEquals(2, weft.changedSeries("http_client_requests_total").size());
    assertEquals(n, weft.awaitSpans(n).size());
  }

  @Test
  void aRefusedConnectionCountsAsErrorWithItsType() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    Request refused = new Request.Builder().url("http://127.0.0.1:" + closedPort + "/x").build();
    assertThrows(IOException.class, () -> client.newCall(refused).execute().close());
    String[] failed = labels("error", "ConnectException");
    assertEquals(1, weft.counter("http_client_requests_total", failed));
    assertEquals(1, weft.histogramCount("http_client_request_duration_seconds", failed));
    assertEquals(1, weft.changedSeries("http_client_requests_total").size());
    List<SpanData> spans = weft.spans();
    assertEquals(1, spans.size(), spans.toString());
    assertEquals(SpanKind.CLIENT, spans.get(0).getKind());
    assertEquals(StatusCode.ERROR, spans.get(0).getStatus().getStatusCode());
  }

  @Test
  void eachExecutedCallIsOneClientSpanAndItsTraceparentReachesTheServer() throws IOException {
    int n = 3;
    Request[] requests = new Request[n];
    for (int i = 0; i < n; i++) {
      requests[i] = request("/users/" + i);
      try (Response response = client.newCall(requests[i]).execute()) {
        assertEquals(200, response.code());
      }
      // The application's request is not changed: the headers go into a copy.
      assertNull(requests[i].header("traceparent"));
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
  void anEnqueuedCallsSpanHasTheCallersContextAsParent() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerId = "00f067aa0ba902b7";
    Span caller =
        Span.wrap(
            SpanContext.create(traceId, callerId, TraceFlags.getSampled(), TraceState.getDefault()));
    Thread[] callbackThread = new Thread[1];
    CompletableFuture<Integer> status = new CompletableFuture<>();
    try (Scope ignored = Context.root().with(caller).makeCurrent()) {
      client
          .newCall(request("/users/async"))
          .enqueue(
              new Callback() {
                @Override
                public void onFailure(Call call, IOException e) {
                  status.completeExceptionally(e);
                }

                @Override
                public void onResponse(Call call, Response response) {
                  callbackThread[0] = Thread.currentThread();
                  response.close();
                  status.complete(response.code());
                }
              });
    }
    assertEquals(200, status.get(10, TimeUnit.SECONDS));
    assertNotEquals(Thread.currentThread(), callbackThread[0]);
    List<SpanData> spans = weft.awaitSpans(1);
    assertEquals(1, spans.size(), spans.toString());
    SpanData span = spans.get(0);
    assertEquals(SpanKind.CLIENT, span.getKind());
    assertEquals(traceId, span.getTraceId());
    assertEquals(callerId, span.getParentSpanId());
    assertEquals(1, received.size());
    assertEquals(traceparent(span), received.get(0));
    assertEquals(1, weft.awaitCounter("http_client_requests_total", 1, labels("200", "")));

    // Without a caller's context, an enqueued call starts a trace of its own.
    received.clear();
    assertEquals(200, enqueue(request("/users/alone")));
    List<SpanData> both = weft.awaitSpans(2);
    assertEquals(2, both.size());
    SpanData alone = both.get(1);
    assertNotEquals(traceId, alone.getTraceId());
    assertTrue(!alone.getParentSpanContext().isValid(), alone.toString());
    assertEquals(traceparent(alone), received.get(0));
  }
}
