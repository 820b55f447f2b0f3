package dev.weft.bench.micro;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One HTTP request whose handler hands its work to other threads, the way services fan work
 * out: a {@code ThreadPoolExecutor.submit} and a {@code CompletableFuture.supplyAsync} stage
 * followed by {@code thenApplyAsync} on the same pool, each waited for. With tracing on, Weft
 * carries the request's context into each of the three tasks (the executors module).
 */
@State(Scope.Benchmark)
public class PoolHandoffRequestBenchmark {

  private HttpServer server;
  private ExecutorService serverThreads;
  private ExecutorService workers;
  private HttpClient client;
  private HttpRequest request;

  @Setup(Level.Trial)
  public void start() throws IOException {
    workers = Executors.newFixedThreadPool(2);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    serverThreads = Executors.newFixedThreadPool(2);
    server.setExecutor(serverThreads);
    server.createContext(
        "/orders/",
        exchange -> {
          byte[] body;
          try {
            Future<String> lookup = workers.submit(() -> "order");
            String total =
                CompletableFuture.supplyAsync(() -> 40, workers)
                    .thenApplyAsync(n -> Integer.toString(n + 2), workers)
                    .get(10, TimeUnit.SECONDS);
            body = (lookup.get(10, TimeUnit.SECONDS) + ":" + total).getBytes(StandardCharsets.UTF_8);
          } catch (Exception e) {
            body = e.toString().getBytes(StandardCharsets.UTF_8);
          }
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/orders/7"))
            .GET()
            .build();
  }

  @Benchmark
  public String request() throws Exception {
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  @TearDown(Level.Trial)
  public void stop() {
    server.stop(0);
    serverThreads.shutdownNow();
    workers.shutdownNow();
  }
}
