package dev.weft.instrumentation.http.server.jdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The application's handler: 200 "ok", except that /boom throws. */
public final class UsersHandler implements HttpHandler {

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    if (exchange.getRequestURI().getPath().endsWith("/boom")) {
      throw new IllegalStateException("the handler fails");
    }
    byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
