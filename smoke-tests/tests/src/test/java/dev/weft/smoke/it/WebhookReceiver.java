package dev.weft.smoke.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Alertmanager's webhook receiver, as a pager or chat integration would run it: keeps every
 * notification (the receiver's path, and each alert's status and labels).
 */
final class WebhookReceiver implements AutoCloseable {

  /** One alert of one notification. */
  record Delivered(String path, String status, Map<String, String> labels) {
    String alertname() {
      return labels.get("alertname");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final List<Delivered> delivered = new ArrayList<>();

  private WebhookReceiver(HttpServer server) {
    this.server = server;
  }

  static WebhookReceiver start() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
      WebhookReceiver receiver = new WebhookReceiver(server);
      server.createContext(
          "/",
          exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
              JsonNode body = JSON.readTree(in.readAllBytes());
              String path = exchange.getRequestURI().getPath();
              synchronized (receiver) {
                for (JsonNode alert : body.path("alerts")) {
                  Map<String, String> labels = new TreeMap<>();
                  alert.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                  receiver.delivered.add(new Delivered(path, alert.path("status").asText(), labels));
                }
              }
            } catch (RuntimeException e) {
              exchange.sendResponseHeaders(400, -1);
              exchange.close();
              return;
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
          });
      server.start();
      return receiver;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  synchronized List<Delivered> delivered() {
    return new ArrayList<>(delivered);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
