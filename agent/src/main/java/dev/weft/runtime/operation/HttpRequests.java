package dev.weft.runtime.operation;

import dev.weft.bootstrap.Operations;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.HttpServerMetrics;
import dev.weft.runtime.trace.ServerSpan;
import dev.weft.runtime.trace.Tracing;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The HTTP server requests' shape of the pipeline: RED metrics (and requests in flight) by
 * method, endpoint and status, and the SERVER span of each request, its W3C context read from the
 * request's headers. The outermost dispatch on a thread is the request; calls nested inside it
 * (filters, forwards, one server's handler inside another's) are not counted again. Each request
 * gets a small handle object; with tracing off that is the only allocation.
 */
final class HttpRequests extends Shape {

  private static final Object NESTED = Operations.NESTED;
  private static final AtomicIntegerFieldUpdater<Request> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(Request.class, "ended");

  private final HttpServerMetrics metrics; // null when metrics are off
  private final ClassLoader ownLoader = HttpRequests.class.getClassLoader();

  HttpRequests(
      OperationPipeline pipeline,
      String module,
      HttpServerMetrics metrics,
      Tracing tracing,
      AgentErrors errors) {
    super(pipeline, module, tracing, errors);
    this.metrics = metrics;
  }

  Object start(
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
      d = pipeline.depth.get();
      if (d[0]++ > 0) {
        return NESTED;
      }
      Request request = new Request(this, HttpServerMetrics.methodIndex(method));
      if (metrics != null) {
        // A server with no routes (plain Netty) gives no endpoint: its path is the label, bounded
        // by the cardinality guard like any other, and the span is named by the method alone.
        request.series = metrics.series(endpoint != null ? endpoint : path);
        metrics.started(request.series, request.method);
      }
      request.span =
          tracing.startServer(method, endpoint, scheme, path, traceparent, tracestate, baggage);
      request.startNanos = System.nanoTime();
      return request;
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a request start", t);
      return d == null ? null : NESTED; // depth was raised: end() unwinds it without recording
    }
  }

  void suspend(Object handle) {
    try {
      pipeline.unwind();
      if (handle instanceof Request) {
        Request request = (Request) handle;
        request.suspended = true;
        if (request.span != null) {
          request.span.leaveThread();
        }
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "suspending a request", t);
    }
  }

  void end(Request request, int status, Throwable error, String route) {
    try {
      if (!request.suspended) {
        pipeline.unwind();
      }
      if (!ENDED.compareAndSet(request, 0, 1)) {
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
      errors.internalFailure(module, "recording a request end", t);
    }
  }

  /** One request in flight; may end on another thread than it started (async servlets). */
  static final class Request {
    final HttpRequests requests;
    final int method;
    /** 1 once ended; a field, not an AtomicBoolean, so that a request is one allocation. */
    volatile int ended;
    HttpServerMetrics.Series series;
    ServerSpan span;
    long startNanos;
    volatile boolean suspended;

    Request(HttpRequests requests, int method) {
      this.requests = requests;
      this.method = method;
    }
  }
}
