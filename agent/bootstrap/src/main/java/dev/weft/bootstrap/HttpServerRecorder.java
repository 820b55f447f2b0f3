package dev.weft.bootstrap;

/**
 * What HTTP server advice reports. Advice extracts plain values from the server's own types and
 * hands them over, so this contract never names a library type.
 *
 * <p>{@link #start} returns a token that the advice must pass back to {@link #end} from its exit
 * advice: {@link #SKIP} when nothing was started (end is not needed), {@link #NESTED} when this
 * call sits inside an outer request on the same thread (a filter chain calling itself), and
 * otherwise the start time in nanoseconds (never equal to either marker). The recorder keeps the
 * request's labels per thread between the two calls, so the exit advice only has to read the
 * status, which it does inside its own try/catch: end is then always reached.
 */
public abstract class HttpServerRecorder {

  public static final long SKIP = 0L;
  public static final long NESTED = Long.MIN_VALUE;

  public static final HttpServerRecorder NOOP =
      new HttpServerRecorder() {
        @Override
        public long start(Object owner, String method, String endpoint) {
          return SKIP;
        }

        @Override
        public void end(long token, int status, Throwable error) {}
      };

  /**
   * A request enters the server's dispatch.
   *
   * @param owner the object that serves the request (the handler); lets Weft ignore its own
   *     /metrics server
   * @param method the request method as the client sent it
   * @param endpoint the route template (never the raw path)
   */
  public abstract long start(Object owner, String method, String endpoint);

  /**
   * The request leaves the server's dispatch.
   *
   * @param status the response status; values below 100 mean no response was sent
   * @param error what the handler threw, or null
   */
  public abstract void end(long token, int status, Throwable error);
}
