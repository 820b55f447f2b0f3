package dev.weft.instrumentation.vertx.web.v4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.WeftBridge;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The vertx-web-4 module in process, with netty-4.1 woven too (it must leave Vert.x's pipelines
 * alone): a Vert.x HTTP server with a Vert.x Web router on a free port, driven by the JDK's HTTP
 * client and raw sockets. Runs against Vert.x 4.0.0, 4.5.27, 5.0.0 and 5.2.0 (see the pom).
 * Requests
 * count under the route template Vert.x Web matched, never their path; unmatched ones under
 * {@code /}.
 */
class VertxWebModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("vertx-web-4", "netty-4.1");

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private static Vertx vertx;
  private static HttpServer server;
  private static final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    // A middleware with no path: it describes no request.
    router.route().handler(RoutingContext::next);
    router.get("/orders/:id").handler(ctx -> ctx.response().end(currentIds()));
    router.get("/fail/:id").handler(ctx -> ctx.fail(500));
    router
        .get("/throw/:id")
        .handler(
            ctx -> {
              throw new IllegalStateException("boom");
            });
    router
        .get("/later/:id")
        .handler(
            ctx -> {
              String ids = currentIds();
              // Answered from a thread that is not the event loop, once the handler returned.
              CompletableFuture.runAsync(() -> ctx.response().end(ids));
            });
    router
        .get("/timer/:id")
        .handler(ctx -> vertx.setTimer(5, id -> ctx.response().end("late")));
    router.get("/hang/:id").handler(ctx -> {});
    router.get("/static/*").handler(ctx -> ctx.response().end("file"));
    router.getWithRegex("/re/\\d+").handler(ctx -> ctx.response().end("re"));
    router
        .getWithRegex("/named/\\d+")
        .setName("named-route")
        .handler(ctx -> ctx.response().end("n"));
    Router api = Router.router(vertx);
    api.get("/items/:name").handler(ctx -> ctx.response().end(currentIds()));
    router.route("/api/*").subRouter(api);
    CompletableFuture<HttpServer> listening = new CompletableFuture<>();
    vertx
        .createHttpServer(new HttpServerOptions())
        .requestHandler(router)
        .listen(0, "127.0.0.1")
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                listening.complete(ar.result());
              } else {
                listening.completeExceptionally(ar.cause());
              }
            });
    server = listening.get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    vertx.close().onComplete(ar -> closed.complete(null));
    closed.get(30, TimeUnit.SECONDS);
  }

  /** The ids Weft's log enrichment sees on this thread: "traceId/spanId", or "none". */
  static String currentIds() {
    String[] ids = WeftBridge.logs().currentIds();
    return ids == null ? "none" : ids[1] + "/" + ids[3];
  }

  private static HttpResponse<String> get(String target, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + target))
            .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String[] series(String endpoint, int status) {
    return new String[] {"method", "GET", "endpoint", endpoint, "status", Integer.toString(status)};
  }

  private static void assertCounted(String endpoint, int status, int count) throws Exception {
    assertEquals(
        count,
        weft.awaitHistogramCount("http_request_duration_seconds", count, series(endpoint, status)),
        endpoint + " " + status);
    assertEquals(count, weft.counter("http_requests_total", series(endpoint, status)));
  }

  @Test
  void requestsCountUnderTheirRouteTemplateWithTheStatusTheClientSaw() throws Exception {
    int n = 12;
    int k = 4; // 2 ctx.fail(500), 2 thrown
    int j = 3; // no route
    for (int i = 0; i < n - k - j; i++) {
      assertEquals(200, get("/orders/" + i + "?token=secret").statusCode());
    }
    for (int i = 0; i < 2; i++) {
      assertEquals(500, get("/fail/" + i).statusCode());
      assertEquals(500, get("/throw/" + i).statusCode());
    }
    for (int i = 0; i < j; i++) {
      assertEquals(404, get("/missing/" + i + "?q=" + i).statusCode());
    }
    assertCounted("/orders/:id", 200, n - k - j);
    assertCounted("/fail/:id", 500, 2);
    assertCounted("/throw/:id", 500, 2);
    assertCounted("/", 404, j);
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_requests_total");
    assertEquals(4, changed.size(), "no path is a label: " + changed);
    for (String endpoint : new String[] {"/", "/orders/:id", "/fail/:id", "/throw/:id"}) {
      assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", endpoint));
    }
    List<SpanData> spans = weft.awaitSpans(n);
    assertEquals(n, spans.size(), spans.toString());
    Map<String, Integer> names = new HashMap<>();
    for (SpanData span : spans) {
      assertEquals(SpanKind.SERVER, span.getKind());
      names.merge(span.getName(), 1, Integer::sum);
    }
    Map<String, Integer> expected = new HashMap<>();
    expected.put("GET /orders/:id", n - k - j);
    expected.put("GET /fail/:id", 2);
    expected.put("GET /throw/:id", 2);
    expected.put("GET /", j);
    assertEquals(expected, names);
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "vertx-web-4"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "netty-4.1"));
  }

  @Test
  void prefixRegexAndSubRouterRoutesHaveTheirTemplates() throws Exception {
    assertEquals(200, get("/static/css/a.css").statusCode());
    assertEquals(200, get("/static/js/b.js").statusCode());
    assertEquals(200, get("/re/12").statusCode());
    assertEquals(200, get("/re/345").statusCode());
    assertEquals(200, get("/named/6").statusCode());
    assertEquals(200, get("/api/items/x").statusCode());
    assertEquals(200, get("/api/items/y").statusCode());
    assertEquals(404, get("/api/nothing").statusCode());
    assertCounted("/static/*", 200, 2);
    assertCounted("/re/\\d+", 200, 2);
    assertCounted("named-route", 200, 1);
    assertCounted("/api/items/:name", 200, 2);
    // The sub-router's mount route matched, none of its own routes did.
    assertCounted("/api/*", 404, 1);
    assertEquals(5, weft.changedSeries("http_requests_total").size());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "vertx-web-4"));
  }

  @Test
  void aTraceparentIsTheParentAndTheSpanIsCurrentInTheHandler() throws Exception {
    String parent = "00f067aa0ba902b7";
    HttpResponse<String> response =
        get("/orders/7", "traceparent", "00-" + TRACE + "-" + parent + "-01");
    assertEquals(200, response.statusCode());
    assertCounted("/orders/:id", 200, 1);
    SpanData span = weft.awaitSpans(1).get(0);
    assertEquals(TRACE, span.getTraceId());
    assertEquals(parent, span.getParentSpanId());
    assertEquals("GET /orders/:id", span.getName());
    assertEquals(TRACE + "/" + span.getSpanId(), response.body());
    assertEquals("none", currentIds(), "nothing left on the test's thread");

    // In a sub-router's handler too.
    response = get("/api/items/z", "traceparent", "00-" + TRACE + "-" + parent + "-01");
    assertEquals(200, response.statusCode());
    assertCounted("/api/items/:name", 200, 1); // ended before the next test starts
    List<SpanData> spans = weft.awaitSpans(2);
    SpanData second =
        spans.get(0).getSpanId().equals(span.getSpanId()) ? spans.get(1) : spans.get(0);
    assertEquals(TRACE + "/" + second.getSpanId(), response.body());
    assertEquals("GET /api/items/:name", second.getName());
  }

  @Test
  void aResponseEndedFromAnotherThreadOrATimerEndsTheRequest() throws Exception {
    HttpResponse<String> response =
        get("/later/1", "traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01");
    assertEquals(200, response.statusCode());
    assertEquals(200, get("/timer/2").statusCode());
    assertEquals(200, get("/timer/3").statusCode());
    assertCounted("/later/:id", 200, 1);
    assertCounted("/timer/:id", 200, 2);
    SpanData later = null;
    for (SpanData span : weft.awaitSpans(3)) {
      if (span.getName().equals("GET /later/:id")) {
        later = span;
      }
    }
    assertEquals(TRACE + "/" + later.getSpanId(), response.body(), "current in the handler");
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
  }

  @Test
  void aClientThatGoesAwayCountsAs499AndActiveReturnsToZero() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.actualPort())) {
      OutputStream out = socket.getOutputStream();
      out.write("GET /hang/1 HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      // In flight, the request is active under the endpoint it started with.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (weft.gauge("http_requests_active", "method", "GET", "endpoint", "/") != 1) {
        assertTrue(System.nanoTime() < deadline, "the request never became active");
        Thread.sleep(5);
      }
    }
    assertCounted("/hang/:id", 499, 1);
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/hang/:id"));
  }

  @Test
  void keepAliveRequestsOnOneConnectionEachCountOnce() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.actualPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      // Pipelined: Vert.x serves them one after the other.
      String request = "GET /orders/1 HTTP/1.1\r\nHost: test\r\n\r\n";
      String missing = "GET /missing/1 HTTP/1.1\r\nHost: test\r\n\r\n";
      out.write((request + missing + request).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertCounted("/orders/:id", 200, 2);
      assertCounted("/", 404, 1);
      in.read(new byte[4096]);
    }
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
  }
}
