package dev.weft.instrumentation.servlet.javax;

/**
 * Which servlet-container dispatch on this thread is the outermost. Servlet advice sits on the
 * container's filter chain and on {@code HttpServlet.service}, which nest (every filter re-enters
 * the chain), so the advice asks here first and does nothing at all for the inner calls: no
 * header lookups, no route work, no recorder call. A helper class of the module,
 * defined next to the servlet API.
 */
public final class ServletDispatch {

  private static final ThreadLocal<int[]> DEPTH =
      new ThreadLocal<int[]>() {
        @Override
        protected int[] initialValue() {
          return new int[1];
        }
      };

  private ServletDispatch() {}

  /** Raises this thread's depth; true if this is the outermost dispatch. Never throws. */
  public static boolean enter() {
    try {
      return DEPTH.get()[0]++ == 0;
    } catch (Throwable t) {
      return false;
    }
  }

  /** Lowers this thread's depth; called once for every {@link #enter}, whatever happened. */
  public static void exit() {
    try {
      int[] depth = DEPTH.get();
      if (depth[0] > 0) {
        depth[0]--;
      }
    } catch (Throwable ignored) {
      // Nothing to undo.
    }
  }

  /**
   * The request path for span attributes: the request URI (which has no query string) without
   * path parameters such as {@code ;jsessionid=...}, which carry secrets. The same string when
   * there is nothing to remove.
   */
  public static String path(String requestUri) {
    if (requestUri == null || requestUri.indexOf(';') < 0) {
      return requestUri;
    }
    StringBuilder clean = new StringBuilder(requestUri.length());
    boolean inParameter = false;
    for (int i = 0; i < requestUri.length(); i++) {
      char c = requestUri.charAt(i);
      if (c == ';') {
        inParameter = true;
      } else if (c == '/') {
        inParameter = false;
      }
      if (!inParameter) {
        clean.append(c);
      }
    }
    return clean.toString();
  }
}
