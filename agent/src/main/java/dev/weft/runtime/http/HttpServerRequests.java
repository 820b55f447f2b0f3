package dev.weft.runtime.http;

import dev.weft.bootstrap.HttpServerRecorder;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.HttpServerMetrics;
import dev.weft.runtime.trace.ServerSpan;
import dev.weft.runtime.trace.Tracing;

/**
 * Behind every HTTP server module: RED metrics and the server span of each request. The outermost
 * dispatch on a thread is the request; calls nested inside it (filters, forwards) are not counted
 * again. Each request gets a small handle object; with tracing off that is the only allocation.
 */
public final class HttpServerRequests extends HttpServerRecorder {

  static final String MODULE = "http-server";

  private final HttpServerMetrics metrics; // null when metrics are off
  private final Tracing tracing;
  private final AgentErrors errors;
  private final ClassLoader ownLoader = HttpServerRequests.class.getClassLoader();
  private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);

  public HttpServerRequests(HttpServerMetrics metrics, Tracing tracing, AgentErrors errors) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.errors = errors;
  }

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
    int[] d = null;
    try {
      if (owner != null && owner.getClass().getClassLoader() == ownLoader) {
        return null; // Weft's own /metrics server is not the application's traffic.
      }
      d = depth.get();
      if (d[0]++ > 0) {
        return NESTED;
      }
      Request request = new Request(HttpServerMetrics.methodIndex(method));
      if (metrics != null) {
        request.series = metrics.series(endpoint);
        metrics.started(request.series, request.method);
      }
      request.span =
          tracing.startServer(method, endpoint, scheme, path, traceparent, tracestate, baggage);
      request.startNanos = System.nanoTime();
      return request;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a request start", t);
      return d == null ? null : NESTED; // depth was raised: end() unwinds it without recording
    }
  }

  @Override
  public void suspend(Object handle) {
    if (handle == null) {
      return;
    }
    try {
      unwind();
      if (handle instanceof Request) {
        Request request = (Request) handle;
        request.suspended = true;
        if (request.span != null) {
          request.span.leaveThread();
        }
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "suspending a request", t);
    }
  }

  @Override
  public void end(Object handle, int status, Throwable error, String route) {
    if (handle == null) {
      return;
    }
    try {
      if (!(handle instanceof Request)) {
        unwind(); // NESTED
        return;
      }
      Request request = (Request) handle;
      if (!request.suspended) {
        unwind();
      }
      if (!request.ended.compareAndSet(false, true)) {
        return;
      }
      long elapsed = System.nanoTime() - request.startNanos;
      int code = error != null && status < 100 ? 500 : status;
      ServerSpan span = request.span;
      if (span != null) {
        span.end(code, error, route);
      }
      if (metrics != null && request.series != null) {
        HttpServerMetrics.Series finalSeries =
            route == null ? request.series : metrics.series(route);
        metrics.finished(
            request.series,
            finalSeries,
            request.method,
            code,
            elapsed / 1e9,
            span == null ? null : span.sampledTraceId(),
            span == null ? null : span.spanId());
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a request end", t);
    }
  }

  private void unwind() {
    int[] d = depth.get();
    if (d[0] > 0) {
      d[0]--;
    }
  }

  /** One request in flight; may end on another thread than it started (async servlets). */
  private static final class Request {
    final int method;
    final java.util.concurrent.atomic.AtomicBoolean ended =
        new java.util.concurrent.atomic.AtomicBoolean();
    HttpServerMetrics.Series series;
    ServerSpan span;
    long startNanos;
    volatile boolean suspended;

    Request(int method) {
      this.method = method;
    }
  }
}
