package dev.weft.bench.micro;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** One HTTP request to an in-process JDK server over loopback, with the JDK's own client. */
@State(Scope.Benchmark)
public class HttpServerRequestBenchmark {

  private static final byte[] BODY = "hello".getBytes(StandardCharsets.UTF_8);

  private HttpServer server;
  private ExecutorService executor;
  private HttpClient client;
  private HttpRequest request;

  @Setup(Level.Trial)
  public void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    executor = Executors.newFixedThreadPool(2);
    server.setExecutor(executor);
    server.createContext(
        "/users/",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
          }
          exchange.sendResponseHeaders(200, BODY.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(BODY);
          }
        });
    server.start();
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/users/42"))
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
    executor.shutdownNow();
  }
}
