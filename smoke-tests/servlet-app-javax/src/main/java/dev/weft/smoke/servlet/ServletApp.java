package dev.weft.smoke.servlet;

import java.io.IOException;
import java.util.EnumSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.servlet.AsyncContext;
import javax.servlet.DispatcherType;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletContext;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * The application every servlet smoke test serves, registered with the standard API so that one
 * source runs on every container (and, relocated, in both namespaces):
 *
 * <ul>
 *   <li>{@code /hello} (exact mapping): 200 "hello".
 *   <li>{@code /api/*} (prefix mapping): {@code /api/items/<id>} 200 with the id;
 *       {@code /api/fail} 503; {@code /api/boom} throws; {@code /api/missing/<id>} sendError 404;
 *       {@code /api/admin/...} is refused with 403 by a filter before the servlet runs.
 *   <li>{@code /async/*}: goes asynchronous and completes {@value #ASYNC_DELAY_MS} ms later on
 *       another thread: {@code /async/ok} 200, {@code /async/fail} 502, {@code /async/dispatch}
 *       dispatches back to {@code /hello} (200).
 *   <li>{@code /} (default servlet): everything else, 404.
 *   <li>{@code /r/<n>} for n below the system property {@code smoke.servlet.routes} (default 0:
 *       none): one exact mapping per route, so that each is a route template of its own, all of
 *       one servlet answering the status its query asks for ({@code ?s=503}; 200 without one).
 *   <li>{@code /served}: how many requests the default servlet has served (the server's own
 *       count, to tell a client's silent retry from a double count).
 * </ul>
 */
public final class ServletApp {

  public static final long ASYNC_DELAY_MS = 200;

  private static final ScheduledExecutorService TIMER =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "async-completer");
            t.setDaemon(true);
            return t;
          });

  private ServletApp() {}

  public static void register(ServletContext context) {
    context.addServlet("hello", new HelloServlet()).addMapping("/hello");
    context.addServlet("api", new ApiServlet()).addMapping("/api/*");
    javax.servlet.ServletRegistration.Dynamic async =
        context.addServlet("async", new AsyncServlet());
    async.addMapping("/async/*");
    async.setAsyncSupported(true);
    context.addServlet("fallback", new NotFoundServlet()).addMapping("/");
    context.addServlet("served", new ServedServlet()).addMapping("/served");
    int routes = Integer.getInteger("smoke.servlet.routes", 0);
    if (routes > 0) {
      String[] mappings = new String[routes];
      for (int n = 0; n < routes; n++) {
        mappings[n] = "/r/" + n;
      }
      context.addServlet("routes", new StatusServlet()).addMapping(mappings);
    }
    javax.servlet.FilterRegistration.Dynamic guard = context.addFilter("guard", new GuardFilter());
    guard.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    guard.setAsyncSupported(true);
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
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String info = req.getPathInfo() == null ? "" : req.getPathInfo();
      resp.setContentType("text/plain");
      if (info.startsWith("/items/")) {
        resp.getWriter().write(info.substring("/items/".length()));
      } else if (info.equals("/fail")) {
        resp.setStatus(503);
        resp.getWriter().write("unavailable");
      } else if (info.equals("/boom")) {
        throw new IllegalStateException("boom");
      } else {
        resp.sendError(404);
      }
    }
  }

  /** Answers the status the query asks for ({@code ?s=503}), 200 without one. */
  static final class StatusServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String query = req.getQueryString();
      int status =
          query != null && query.startsWith("s=") ? Integer.parseInt(query.substring(2)) : 200;
      byte[] body = ("status " + status + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      resp.setStatus(status);
      resp.setContentType("text/plain");
      resp.setContentLength(body.length);
      resp.getOutputStream().write(body);
    }
  }

  private static final java.util.concurrent.atomic.AtomicLong NOT_FOUND_SERVED =
      new java.util.concurrent.atomic.AtomicLong();

  static final class ServedServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().write(Long.toString(NOT_FOUND_SERVED.get()));
    }
  }

  static final class NotFoundServlet extends HttpServlet {
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      NOT_FOUND_SERVED.incrementAndGet();
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
      async.setTimeout(30_000);
      TIMER.schedule(
          () -> {
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
          },
          ASYNC_DELAY_MS,
          TimeUnit.MILLISECONDS);
    }
  }

  /** Answers 403 itself, without calling the servlet, for /api/admin/... */
  static final class GuardFilter implements Filter {
    @Override
    public void init(FilterConfig config) {}

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      String uri = ((HttpServletRequest) request).getRequestURI();
      if (uri.startsWith("/api/admin")) {
        ((HttpServletResponse) response).sendError(403);
        return;
      }
      chain.doFilter(request, response);
    }

    @Override
    public void destroy() {}
  }
}
