package dev.weft.bootstrap;

/**
 * What HTTP server advice reports. Advice extracts plain values from the server's own types
 * (strings, ints) and hands them over, so this contract never names a library type.
 *
 * <p>{@link #start} returns a handle that the advice passes back to {@link #end} (or, for a
 * request that goes asynchronous, to {@link #suspend} and later {@link #end}): {@code null} when
 * nothing was started (no end needed), {@link #NESTED} when this call sits inside an outer
 * request on the same thread (a filter chain or servlet calling the next one), and otherwise an
 * opaque object owned by the runtime. While a request is in its dispatch, its server span is the
 * thread's current context, so clients and thread pools called from the handler continue its
 * trace.
 */
public abstract class HttpServerRecorder {

  /** The handle of a nested call: pass it to {@link #end} like any other. */
  public static final Object NESTED = new Object();

  public static final HttpServerRecorder NOOP =
      new HttpServerRecorder() {
        @Override
        public Object start(
            Object owner,
            String method,
            String endpoint,
            String scheme,
            String path,
            String traceparent,
            String tracestate,
            String baggage) {
          return null;
        }

        @Override
        public void suspend(Object handle) {}

        @Override
        public void end(Object handle, int status, Throwable error, String route) {}
      };

  /**
   * A request enters the server's dispatch.
   *
   * @param owner the object that serves the request (handler or servlet); lets Weft ignore its
   *     own /metrics server
   * @param method the request method as the client sent it
   * @param endpoint the route template known at dispatch (never the raw path); may be refined at
   *     {@link #end}
   * @param scheme {@code http} or {@code https}
   * @param path the request path without query string (span attribute only, never a label)
   * @param traceparent the W3C header of that name, or null
   * @param tracestate the W3C header of that name, or null
   * @param baggage the W3C header of that name, or null
   */
  public abstract Object start(
      Object owner,
      String method,
      String endpoint,
      String scheme,
      String path,
      String traceparent,
      String tracestate,
      String baggage);

  /**
   * The dispatch returned but the request goes on asynchronously (a servlet's async context):
   * the thread lets go of the request's context; {@link #end} follows later, from any thread.
   */
  public abstract void suspend(Object handle);

  /**
   * The request is complete.
   *
   * @param status the response status; values below 100 mean no response was sent
   * @param error what the handler threw, or null
   * @param route the route template found during dispatch (Spring MVC's matched pattern), or
   *     null to keep the endpoint given at start
   */
  public abstract void end(Object handle, int status, Throwable error, String route);
}
