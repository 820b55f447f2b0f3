package dev.weft.instrumentation.vertx.web.v4;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.testing.WeftAgentExtension;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * vertx-web-4 alone, with the netty-4.1 module switched off: it defines the handler it places (the
 * netty-4.1 module's class) itself, so Vert.x servers are counted all the same.
 */
class VertxWithoutNettyModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("vertx-web-4");

  @Test
  void requestsAreCountedUnderTheirRouteWithoutTheNettyModule() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Router router = Router.router(vertx);
      router.get("/things/:id").handler(ctx -> ctx.response().end(VertxWebModuleTest.currentIds()));
      CompletableFuture<HttpServer> listening = new CompletableFuture<>();
      vertx
          .createHttpServer()
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
      int port = listening.get(30, TimeUnit.SECONDS).actualPort();
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> response =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/things/" + i))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
      }
      String[] series = {"method", "GET", "endpoint", "/things/:id", "status", "200"};
      assertEquals(3, weft.awaitHistogramCount("http_request_duration_seconds", 3, series));
      assertEquals(3, weft.counter("http_requests_total", series));
      assertEquals(1, weft.changedSeries("http_requests_total").size());
      assertEquals(0, weft.counter("weft_agent_errors_total", "module", "vertx-web-4"));
    } finally {
      CompletableFuture<Void> closed = new CompletableFuture<>();
      vertx.close().onComplete(ar -> closed.complete(null));
      closed.get(30, TimeUnit.SECONDS);
    }
  }
}
