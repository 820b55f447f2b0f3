package dev.weft.instrumentation.servlet.javax;

import dev.weft.bootstrap.HeaderFields;
import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeftBridge;
import java.util.ArrayList;
import java.util.List;
import javax.servlet.DispatcherType;
import javax.servlet.ServletContext;
import javax.servlet.ServletRegistration;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into filter-chain {@code doFilter} and {@code HttpServlet.service}, both
 * {@code (ServletRequest, ServletResponse)}. References only the servlet API (3.0 methods), Weft's
 * bootstrap bridge and the module's helpers ({@link ServletDispatch}, {@link ServletRoutes},
 * {@link ServletAsyncListener}), which are defined next to the servlet API.
 *
 * <p>Only the outermost call on a thread, and only a {@code REQUEST} dispatch, is a request: the
 * {@code ASYNC} re-dispatch of a request that went asynchronous and the container's {@code ERROR}
 * dispatch to an error page belong to a request already counted.
 */
@SuppressWarnings("unused")
public final class ServletAdvice {

  /** Spring MVC's {@code HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE}. */
  static final String SPRING_PATTERN =
      "org.springframework.web.servlet.HandlerMapping.bestMatchingPattern";

  private ServletAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  public static Object onEnter(
      @Advice.This Object owner,
      @Advice.Argument(0) ServletRequest servletRequest,
      @Advice.Local("weftRoutes") ServletRoutes routes) {
    if (!ServletDispatch.enter() || !(servletRequest instanceof HttpServletRequest)) {
      return null;
    }
    HttpServletRequest request = (HttpServletRequest) servletRequest;
    if (request.getDispatcherType() != DispatcherType.REQUEST) {
      return null;
    }
    ServletContext context = request.getServletContext();
    routes = ServletRoutes.of(context);
    if (routes == null) {
      // Once per context: every mapping of every servlet (the spec forbids adding more later).
      List<String> mappings = new ArrayList<>();
      for (ServletRegistration registration : context.getServletRegistrations().values()) {
        mappings.addAll(registration.getMappings());
      }
      routes = ServletRoutes.register(context, context.getContextPath(), mappings);
    }
    // The recorder's start is the last call: once it has returned a handle, nothing may throw
    // before the exit advice gets it.
    Operations operations = WeftBridge.operations();
    // Each getHeaders enumeration is an allocation: only read when spans are started.
    boolean traced = operations.tracing();
    return operations
        .startRequest(
            OperationKind.named("http-server"),
            owner,
            request.getMethod(),
            routes.endpoint(request.getServletPath(), request.getPathInfo()),
            request.getScheme(),
            ServletDispatch.path(request.getRequestURI()),
            traced ? HeaderFields.join(request.getHeaders("traceparent")) : null,
            traced ? HeaderFields.join(request.getHeaders("tracestate")) : null,
            traced ? HeaderFields.join(request.getHeaders("baggage")) : null);
  }

  @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
  public static void onExit(
      @Advice.Enter Object handle,
      @Advice.Argument(0) ServletRequest servletRequest,
      @Advice.Argument(1) ServletResponse servletResponse,
      @Advice.Thrown Throwable thrown,
      @Advice.Local("weftRoutes") ServletRoutes routes) {
    ServletDispatch.exit();
    if (handle == null) {
      return;
    }
    String route = null;
    int status = -1;
    boolean async = false;
    try {
      HttpServletRequest request = (HttpServletRequest) servletRequest;
      Object pattern = request.getAttribute(SPRING_PATTERN);
      if (pattern != null && routes != null) {
        route = routes.route(pattern.toString(), request.getServletPath(), request.getPathInfo());
      }
      if (thrown == null) {
        status = ((HttpServletResponse) servletResponse).getStatus();
        async = request.isAsyncStarted();
      }
    } catch (Throwable ignored) {
      // Whatever the request does, the handle is ended below.
    }
    if (async) {
      // The request goes on after this dispatch: the listener ends it when the async context
      // completes, with the status then. Suspended first, so that the listener's end (on any
      // thread) never touches this thread's state.
      WeftBridge.operations().suspend(handle);
      try {
        ((HttpServletRequest) servletRequest)
            .getAsyncContext()
            .addListener(
                new ServletAsyncListener(handle, (HttpServletResponse) servletResponse, route));
      } catch (Throwable t) {
        WeftBridge.operations().end(handle, status, null, route);
      }
      return;
    }
    WeftBridge.operations().end(handle, status, thrown, route);
  }
}
