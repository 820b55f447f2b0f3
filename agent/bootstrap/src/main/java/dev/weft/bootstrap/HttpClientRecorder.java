package dev.weft.bootstrap;

/**
 * What HTTP client advice reports: one call from {@link #start} to {@link #end}, on any threads.
 * Advice passes plain values taken from the client library's own request and response types.
 */
public abstract class HttpClientRecorder {

  private static final String[] NO_HEADERS = new String[0];

  public static final HttpClientRecorder NOOP =
      new HttpClientRecorder() {
        @Override
        public Object start(String method, String scheme, String host, int port, String path) {
          return null;
        }

        @Override
        public String[] propagationHeaders(Object handle) {
          return NO_HEADERS;
        }

        @Override
        public void end(Object handle, int status, Throwable error) {}
      };

  /**
   * A request is about to be sent. Returns a handle for {@link #end}, or null when Weft records
   * nothing for it (its own exporter traffic, metrics off and tracing off).
   *
   * @param host the target host name as the application gave it (a label: never user-info)
   * @param port the target port, or -1 for the scheme's default
   * @param path the request path without query string (span attribute only)
   */
  public abstract Object start(String method, String scheme, String host, int port, String path);

  /**
   * The headers to add to the outgoing request, as name, value, name, value, ...: the W3C
   * {@code traceparent} (and {@code tracestate}, {@code baggage} when present) of the call's
   * span. Never null; empty when there is nothing to propagate. Advice must not overwrite a
   * {@code traceparent} the application set itself.
   */
  public abstract String[] propagationHeaders(Object handle);

  /**
   * The call is over.
   *
   * @param status the response status, or a value below 100 when no response arrived
   * @param error what the call threw (connection refused, timeout, ...), or null
   */
  public abstract void end(Object handle, int status, Throwable error);
}
