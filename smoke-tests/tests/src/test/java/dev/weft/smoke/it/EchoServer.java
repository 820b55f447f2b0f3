package dev.weft.smoke.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * The HTTP server the client smoke tests call, in the test JVM (no agent): {@code /ok/...} answers
 * 200 with the {@code traceparent} it received (or {@code none}), {@code /echo/...} answers 201
 * with the request body, {@code /status/404/...} and {@code /status/500/...} answer with that
 * status. Every request is recorded with its method, path and propagation header.
 */
final class EchoServer implements AutoCloseable {

  record Received(String method, String path, String query, String traceparent, String body) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(16);
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

  EchoServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  String base() {
    return "http://127.0.0.1:" + port();
  }

  /** The requests whose path contains {@code /<tag>/}. */
  List<Received> received(String tag) {
    return received.stream()
        .filter(r -> r.path().contains("/" + tag + "/"))
        .collect(Collectors.toList());
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
      byte[] in = exchange.getRequestBody().readAllBytes();
      received.add(
          new Received(
              exchange.getRequestMethod(),
              path,
              exchange.getRequestURI().getRawQuery(),
              traceparent,
              new String(in, StandardCharsets.UTF_8)));
      int status = 200;
      byte[] out = (traceparent == null ? "none" : traceparent).getBytes(StandardCharsets.UTF_8);
      if (path.startsWith("/echo/")) {
        status = 201;
        out = in;
      } else if (path.startsWith("/status/404/")) {
        status = 404;
        out = "not found".getBytes(StandardCharsets.UTF_8);
      } else if (path.startsWith("/status/500/")) {
        status = 500;
        out = "boom".getBytes(StandardCharsets.UTF_8);
      }
      exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
      try (OutputStream body = exchange.getResponseBody()) {
        body.write(out);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
