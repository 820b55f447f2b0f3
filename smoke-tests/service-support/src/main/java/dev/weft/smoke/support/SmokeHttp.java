package dev.weft.smoke.support;

import com.sun.net.httpserver.HttpHandler;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What every smoke service shares: {@code --name value} options, and endpoints that run one
 * action with the request's query parameters and answer its text (200), or the exception it threw
 * (500). Compiled into each service's own jar (see smoke-tests/pom.xml), so a service's class
 * path is still its jar plus the library under test.
 */
public final class SmokeHttp {

  private SmokeHttp() {}

  /** What an endpoint does with the query parameters; its result is the response body. */
  public interface Action {
    String apply(Map<String, String> query) throws Exception;
  }

  /** {@code --port 8080 --client pool} as {@code {port=8080, client=pool}}. */
  public static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    return options;
  }

  /** An endpoint that runs {@code action}. */
  public static HttpHandler handler(Action action) {
    return exchange -> {
      Map<String, String> query = new HashMap<>();
      String raw = exchange.getRequestURI().getRawQuery();
      if (raw != null) {
        for (String pair : raw.split("&")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            query.put(pair.substring(0, eq), pair.substring(eq + 1));
          }
        }
      }
      int status = 200;
      String body;
      try {
        body = action.apply(query);
      } catch (Exception e) {
        status = 500;
        body = e.toString();
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    };
  }
}
