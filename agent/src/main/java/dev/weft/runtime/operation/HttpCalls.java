package dev.weft.runtime.operation;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.HttpClientMetrics;
import dev.weft.runtime.metrics.HttpServerMetrics;
import dev.weft.runtime.trace.ClientSpan;
import dev.weft.runtime.trace.Tracing;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The HTTP client calls' shape of the pipeline: client RED metrics by method, host and status,
 * a CLIENT span whose W3C headers go on the request, and the sampled span as exemplar.
 */
final class HttpCalls extends Shape {

  private static final String[] NO_HEADERS = new String[0];

  private final HttpClientMetrics metrics; // null when metrics are off

  HttpCalls(
      OperationPipeline pipeline,
      String module,
      HttpClientMetrics metrics,
      Tracing tracing,
      AgentErrors errors) {
    super(pipeline, module, tracing, errors);
    this.metrics = metrics;
  }

  Object start(String method, String scheme, String host, int port, String path) {
    try {
      if (tracing.suppressed() || (metrics == null && !tracing.enabled())) {
        return null;
      }
      Call call = new Call(this, HttpServerMetrics.methodIndex(method));
      if (metrics != null) {
        call.host = metrics.host(host);
      }
      call.span = tracing.startClient(method, scheme, host, port, path);
      call.startNanos = System.nanoTime();
      return call;
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a client call start", t);
      return null;
    }
  }

  String[] headers(Call call) {
    try {
      if (call.span != null) {
        return call.span.headers();
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "building propagation headers", t);
    }
    return NO_HEADERS;
  }

  void end(Call call, int status, Throwable error) {
    try {
      if (!ENDED.compareAndSet(call, 0, 1)) {
        return;
      }
      double seconds = (System.nanoTime() - call.startNanos) / 1e9;
      String traceId = null;
      String spanId = null;
      if (call.span != null) {
        call.span.end(status, error);
        traceId = call.span.sampledTraceId();
        spanId = traceId == null ? null : call.span.spanId();
      }
      if (metrics != null && call.host != null) {
        metrics.record(call.host, call.method, status, error, seconds, traceId, spanId);
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a client call end", t);
    }
  }

  private static final AtomicIntegerFieldUpdater<Call> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(Call.class, "ended");

  /** One call between its start and its end. */
  static final class Call {
    final HttpCalls calls;
    final int method;
    HttpClientMetrics.HostSeries host;
    ClientSpan span;
    long startNanos;
    volatile int ended;

    Call(HttpCalls calls, int method) {
      this.calls = calls;
      this.method = method;
    }
  }
}
