package dev.weft.instrumentation.http.client.urlconnection;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeakIdentityMap;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeftBridge;
import java.net.HttpURLConnection;
import java.net.URL;

/**
 * One logical call per {@link HttpURLConnection}: it starts at the first of {@code connect},
 * {@code getOutputStream} and {@code getInputStream}, and ends when the outermost
 * {@code getInputStream} returns or throws (every response accessor goes through it), or when a
 * first {@code connect}/{@code getOutputStream} throws. The JDK calls these methods from one
 * another (getInputStream connects, and reads the status through getResponseCode, which calls
 * getInputStream again): a depth per connection keeps the inner calls out.
 *
 * <p>The state lives in a weak identity map keyed by the connection, so the JDK class gets no
 * field and an abandoned connection leaves nothing behind.
 */
public final class UrlConnectionCalls {

  static final String MODULE = "http-client-urlconnection";
  private static final WeakIdentityMap<Call> CALLS = new WeakIdentityMap<>();

  private UrlConnectionCalls() {}

  /**
   * Entering connect, getOutputStream or getInputStream.
   *
   * @param connected the connection's {@code connected} field
   * @param output true for getOutputStream (which turns a GET into a POST)
   */
  public static void enter(HttpURLConnection connection, boolean connected, boolean output) {
    Call call = CALLS.get(connection);
    if (call == null) {
      call = new Call();
      CALLS.put(connection, call);
      call.handle = start(connection, connected, output);
    }
    if (!call.done) {
      call.depth++;
    }
  }

  /**
   * Leaving one of the three methods.
   *
   * @param response true for getInputStream: the call is over when the outermost one is
   * @param responseCode the connection's {@code responseCode} field (-1 before a status line)
   */
  public static void exit(
      HttpURLConnection connection, boolean response, int responseCode, Throwable thrown) {
    Call call = CALLS.get(connection);
    if (call == null || call.done || --call.depth > 0) {
      return;
    }
    if (response || thrown != null) {
      call.done = true; // kept (without the handle) so later accessors are not a new call
      Object handle = call.handle;
      call.handle = null;
      if (responseCode >= 100) {
        // 4xx/5xx: getInputStream throws, yet the server answered.
        WeftBridge.operations().end(handle, responseCode, null);
      } else {
        WeftBridge.operations().end(handle, -1, thrown);
      }
    }
  }

  private static Object start(HttpURLConnection connection, boolean connected, boolean output) {
    URL url = connection.getURL();
    String method = connection.getRequestMethod();
    if (output && "GET".equals(method)) {
      method = "POST"; // what getOutputStream does before it sends anything
    }
    String path = url.getPath();
    Operations operations = WeftBridge.operations();
    Object handle =
        operations.startCall(
            OperationKind.named("http-client"),
            method,
            url.getProtocol(),
            url.getHost(),
            url.getPort(),
            path == null || path.isEmpty() ? "/" : path);
    if (handle != null && !connected) {
      try {
        if (connection.getRequestProperty("traceparent") == null) {
          String[] headers = operations.propagationHeaders(handle);
          for (int i = 0; i + 1 < headers.length; i += 2) {
            if (connection.getRequestProperty(headers[i]) == null) {
              connection.setRequestProperty(headers[i], headers[i + 1]);
            }
          }
        }
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, MODULE); // the request goes out without the headers
      }
    }
    return handle;
  }

  /** Calls not yet forgotten (tests). */
  static int tracked() {
    return CALLS.size();
  }

  private static final class Call {
    Object handle;
    int depth;
    boolean done;
  }
}
