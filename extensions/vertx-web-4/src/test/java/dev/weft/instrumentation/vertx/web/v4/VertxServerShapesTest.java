package dev.weft.instrumentation.vertx.web.v4;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.bootstrap.WeftBridge;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Other server shapes, on the same three Vert.x versions as {@link VertxWebModuleTest}: a Vert.x
 * HTTP server with no Vert.x Web router (every request under {@code /}, never its path), and a
 * router behind a path-less {@code BodyHandler} on a server with compression on (the request's
 * body is read before the route's handler runs; Vert.x's compressor sits in the pipeline).
 */
class VertxServerShapesTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("vertx-web-4", "netty-4.1");

  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

  private static Vertx vertx;
  private static HttpServer plain;
  private static HttpServer compressed;
  private static final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    plain =
        listen(
            vertx
                .createHttpServer(new HttpServerOptions())
                .requestHandler(
                    req -> {
                      if (req.path().startsWith("/missing")) {
                        req.response().setStatusCode(404).end();
                      } else {
                        req.response().end(VertxWebModuleTest.currentIds());
                      }
                    }));
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router
        .post("/echo/:id")
        .handler(
            ctx ->
                ctx.response()
                    // The body is read (the request ended) before the route's handler runs.
                    .end(VertxWebModuleTest.currentIds() + " ended=" + ctx.request().isEnded()));
    compressed =
        listen(
            vertx
                .createHttpServer(new HttpServerOptions().setCompressionSupported(true))
                .requestHandler(router));
  }

  private static HttpServer listen(HttpServer server) throws Exception {
    CompletableFuture<HttpServer> listening = new CompletableFuture<>();
    server
        .listen(0, "127.0.0.1")
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                listening.complete(ar.result());
              } else {
                listening.completeExceptionally(ar.cause());
              }
            });
    return listening.get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    vertx.close().onComplete(ar -> closed.complete(null));
    closed.get(30, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(
        b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(HttpServer server, String target) {
    return URI.create("http://127.0.0.1:" + server.actualPort() + target);
  }

  @Test
  void aServerWithNoRouterCountsEveryRequestUnderTheFixedEndpoint() throws Exception {
    for (int i = 0; i < 4; i++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri(plain, "/a/" + i + "?x=" + i));
      assertEquals(200, send(request).statusCode());
    }
    assertEquals(404, send(HttpRequest.newBuilder(uri(plain, "/missing/1"))).statusCode());
    String[] ok = {"method", "GET", "endpoint", "/", "status", "200"};
    String[] missing = {"method", "GET", "endpoint", "/", "status", "404"};
    assertEquals(4, weft.awaitHistogramCount("http_request_duration_seconds", 4, ok));
    assertEquals(1, weft.awaitHistogramCount("http_request_duration_seconds", 1, missing));
    assertEquals(4, weft.counter("http_requests_total", ok));
    assertEquals(1, weft.counter("http_requests_total", missing));
    assertEquals(2, weft.changedSeries("http_requests_total").size());
    HttpResponse<String> traced =
        send(
            HttpRequest.newBuilder(uri(plain, "/t"))
                .header("traceparent", "00-" + TRACE + "-b7ad6b7169203331-01"));
    assertEquals(200, traced.statusCode());
    assertEquals(
        1,
        weft.awaitHistogramCount(
            "http_request_duration_seconds", 5, "method", "GET", "endpoint", "/", "status", "200")
            - 4);
    SpanData span = null;
    for (SpanData s : weft.awaitSpans(6)) {
      if (s.getTraceId().equals(TRACE)) {
        span = s;
      }
    }
    assertEquals("b7ad6b7169203331", span.getParentSpanId());
    assertEquals(TRACE + "/" + span.getSpanId(), traced.body(), "current in the request handler");
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "vertx-web-4"));
  }

  @Test
  void aRouteBehindABodyHandlerWithCompressionHasItsTemplateAndItsContext() throws Exception {
    String body = "x".repeat(20_000); // more than one chunk of content
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(uri(compressed, "/echo/5?y=1"))
                .header("traceparent", "00-" + TRACE + "-b7ad6b7169203331-01")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertEquals(200, response.statusCode());
    String[] series = {"method", "POST", "endpoint", "/echo/:id", "status", "200"};
    assertEquals(1, weft.awaitHistogramCount("http_request_duration_seconds", 1, series));
    assertEquals(1, weft.counter("http_requests_total", series));
    SpanData span = weft.awaitSpans(1).get(0);
    assertEquals("POST /echo/:id", span.getName());
    assertEquals(TRACE + "/" + span.getSpanId() + " ended=true", response.body());
    assertEquals(0, weft.gauge("http_requests_active", "method", "POST", "endpoint", "/"));
    assertEquals("none", WeftBridge.logs().currentIds() == null ? "none" : "some");
  }
}
