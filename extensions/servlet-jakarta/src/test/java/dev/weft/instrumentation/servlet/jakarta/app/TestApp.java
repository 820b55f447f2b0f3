package dev.weft.instrumentation.servlet.jakarta.app;

import java.io.IOException;
import java.util.EnumSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * servlet-javax's test application in the jakarta namespace (the same source but for the
 * imports). The application the in-process tests serve, registered through the standard ServletContext API
 * so that every container runs the same one. It is loaded, with the container, by a class loader
 * of its own (see the contract's {@code Container}): never by the test class path's loader.
 *
 * <p>Root context {@code ""}:
 *
 * <ul>
 *   <li>{@code /hello} (exact): GET 200; other methods 405 from {@code HttpServlet} itself.
 *   <li>{@code /api/*} (prefix): {@code /api} 200, {@code /api/items/<id>} 200, {@code /api/fail}
 *       503, {@code /api/boom} throws, {@code /api/missing/...} sendError 404, {@code /api/admin/...}
 *       403 from a filter that never calls the servlet.
 *   <li>{@code /async/*}: {@code startAsync()}, then on another thread {@value #ASYNC_DELAY_MS} ms
 *       later: {@code /async/ok} 200, {@code /async/fail} 502, {@code /async/dispatch} dispatches
 *       to {@code /hello}; {@code /async/timeout} times out after {@value #ASYNC_TIMEOUT_MS} ms and
 *       the application's listener answers 504; {@code /async/expire} times out and nobody
 *       answers (the container does, with 500).
 *   <li>{@code /ids/*}: the trace ids current in the servlet and whether its thread is virtual.
 *   <li>{@code /} (default servlet): everything else, 404.
 * </ul>
 *
 * <p>Context {@code /shop}: {@code /orders/*} (prefix) 200, {@code *.do} (extension) 200, and its
 * own default servlet answering 404.
 */
public final class TestApp {

  public static final long ASYNC_DELAY_MS = 50;
  public static final long ASYNC_TIMEOUT_MS = 200;

  private static final ScheduledExecutorService COMPLETER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "test-app-async-completer");
            t.setDaemon(true);
            return t;
          });

  private TestApp() {}

  /** Stops the application's own thread; the launchers call it before they stop the server. */
  public static void stop() {
    COMPLETER.shutdownNow();
  }

  /** The root context's servlets and filter. */
  public static void registerRoot(ServletContext context) {
    context.addServlet("hello", new HelloServlet()).addMapping("/hello");
    context.addServlet("api", new ApiServlet()).addMapping("/api/*");
    ServletRegistration.Dynamic async = context.addServlet("async", new AsyncServlet());
    async.addMapping("/async/*");
    async.setAsyncSupported(true);
    context.addServlet("ids", new IdsServlet()).addMapping("/ids/*");
    context.addServlet("not-found", new NotFoundServlet()).addMapping("/");
    FilterRegistration.Dynamic guard = context.addFilter("guard", new GuardFilter());
    guard.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    guard.setAsyncSupported(true);
  }

  /** The /shop context's servlets. */
  public static void registerShop(ServletContext context) {
    context.addServlet("orders", new HelloServlet()).addMapping("/orders/*");
    context.addServlet("actions", new HelloServlet()).addMapping("*.do");
    context.addServlet("not-found", new NotFoundServlet()).addMapping("/");
  }

  /**
   * {@code /ids/<id>}: answers with what the servlet sees of the request's trace (the current
   * span's ids, as Weft's log enrichment reads them) and of its thread: {@code
   * "<id> trace=<trace id> span=<span id> flags=<flags> virtual=<true|false>"}.
   */
  static final class IdsServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String[] ids = dev.weft.bootstrap.WeftBridge.logs().currentIds();
      String id = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
      resp.setContentType("text/plain");
      resp.getWriter().write(id
          + (ids == null ? " trace= span= flags=" : " trace=" + ids[1] + " span=" + ids[3]
              + " flags=" + ids[5])
          + " virtual=" + isVirtual(Thread.currentThread()));
    }

    private static boolean isVirtual(Thread thread) {
      try {
        return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
      } catch (NoSuchMethodException e) {
        return false; // before JDK 21
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static final class HelloServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().write("hello");
    }
  }

  static final class ApiServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String info = req.getPathInfo() == null ? "" : req.getPathInfo();
      resp.setContentType("text/plain");
      if (info.isEmpty() || info.startsWith("/items/")) {
        resp.getWriter().write("item");
      } else if (info.equals("/fail")) {
        resp.setStatus(503);
        resp.getWriter().write("unavailable");
      } else if (info.equals("/boom")) {
        throw new IllegalStateException("the servlet fails");
      } else {
        resp.sendError(404);
      }
    }
  }

  static final class NotFoundServlet extends HttpServlet {
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setStatus(404);
      resp.setContentType("text/plain");
      resp.getWriter().write("no route");
    }
  }

  static final class AsyncServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      String info = req.getPathInfo() == null ? "" : req.getPathInfo();
      AsyncContext async = req.startAsync();
      if (info.equals("/timeout") || info.equals("/expire")) {
        async.setTimeout(ASYNC_TIMEOUT_MS);
        if (info.equals("/timeout")) {
          async.addListener(new AnswerOnTimeout());
        }
        return;
      }
      async.setTimeout(30_000);
      COMPLETER.schedule(() -> finish(async, info), ASYNC_DELAY_MS, TimeUnit.MILLISECONDS);
    }

    private static void finish(AsyncContext async, String info) {
      try {
        if (info.equals("/dispatch")) {
          async.dispatch("/hello");
          return;
        }
        HttpServletResponse response = (HttpServletResponse) async.getResponse();
        response.setStatus(info.equals("/fail") ? 502 : 200);
        response.setContentType("text/plain");
        response.getWriter().write("async");
      } catch (IOException | RuntimeException e) {
        e.printStackTrace();
      }
      async.complete();
    }
  }

  /** The application's own timeout handling: 504, then complete. */
  static final class AnswerOnTimeout implements AsyncListener {
    @Override
    public void onTimeout(AsyncEvent event) throws IOException {
      HttpServletResponse response = (HttpServletResponse) event.getAsyncContext().getResponse();
      response.setStatus(504);
      response.setContentType("text/plain");
      response.getWriter().write("timed out");
      event.getAsyncContext().complete();
    }

    @Override
    public void onComplete(AsyncEvent event) {}

    @Override
    public void onError(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }

  /** Answers 403 itself, without calling the servlet, for /api/admin/... */
  static final class GuardFilter implements Filter {
    @Override
    public void init(FilterConfig config) {}

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      HttpServletRequest http = (HttpServletRequest) request;
      if ("/api".equals(http.getServletPath())
          && http.getPathInfo() != null
          && http.getPathInfo().startsWith("/admin/")) {
        ((HttpServletResponse) response).sendError(403);
        return;
      }
      chain.doFilter(request, response);
    }

    @Override
    public void destroy() {}
  }
}
