package dev.weft.smoke;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;

/**
 * {@code /r/<n>/}: one context per route, so that each is a route template of its own, answering
 * the status the query asks for ({@code ?s=503}; 200 without one). The reliability tests drive
 * thousands of routes with a mix of statuses they choose, and count what they were answered.
 */
final class RoutesHandler implements HttpHandler {

  private RoutesHandler() {}

  /** Adds the contexts {@code /r/0/} to {@code /r/<routes - 1>/}, all served by one handler. */
  static void register(HttpServer server, int routes) {
    RoutesHandler handler = new RoutesHandler();
    for (int n = 0; n < routes; n++) {
      server.createContext("/r/" + n + "/", handler);
    }
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String query = exchange.getRequestURI().getRawQuery();
    int status = query != null && query.startsWith("s=") ? Integer.parseInt(query.substring(2)) : 200;
    JdkHttpService.respond(exchange, status, "status " + status + "\n");
  }
}
