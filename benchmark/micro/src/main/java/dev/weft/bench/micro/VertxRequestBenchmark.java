package dev.weft.bench.micro;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One HTTP request to an in-process Vert.x Web application (a {@code Router} with one route,
 * {@code GET /users/:id}, on a Vert.x HTTP server with two event loops) over loopback, with the
 * JDK's own client on a kept-alive connection: the route template is {@code /users/:id}.
 */
@State(Scope.Benchmark)
public class VertxRequestBenchmark {

  private Vertx vertx;
  private HttpClient client;
  private HttpRequest request;

  @Setup(Level.Trial)
  public void start() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    Router router = Router.router(vertx);
    router
        .get("/users/:id")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "text/plain")
                    .end("user " + ctx.pathParam("id")));
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
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/users/42")).GET().build();
  }

  @Benchmark
  public String request() throws Exception {
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    vertx.close().onComplete(ar -> closed.complete(null));
    closed.get(30, TimeUnit.SECONDS);
  }
}
