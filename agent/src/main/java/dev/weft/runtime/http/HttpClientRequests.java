package dev.weft.runtime.http;

import dev.weft.bootstrap.HttpClientRecorder;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.HttpClientMetrics;
import dev.weft.runtime.metrics.HttpServerMetrics;
import dev.weft.runtime.trace.ClientSpan;
import dev.weft.runtime.trace.Tracing;

/** Behind every HTTP client module: client RED metrics, the client span and its headers. */
public final class HttpClientRequests extends HttpClientRecorder {

  static final String MODULE = "http-client";
  private static final String[] NO_HEADERS = new String[0];

  private final HttpClientMetrics metrics; // null when metrics are off
  private final Tracing tracing;
  private final AgentErrors errors;

  public HttpClientRequests(HttpClientMetrics metrics, Tracing tracing, AgentErrors errors) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.errors = errors;
  }

  @Override
  public Object start(String method, String scheme, String host, int port, String path) {
    try {
      if (tracing.suppressed() || (metrics == null && !tracing.enabled())) {
        return null;
      }
      Call call = new Call(HttpServerMetrics.methodIndex(method));
      if (metrics != null) {
        call.host = metrics.host(host);
      }
      call.span = tracing.startClient(method, scheme, host, port, path);
      call.startNanos = System.nanoTime();
      return call;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a client call start", t);
      return null;
    }
  }

  @Override
  public String[] propagationHeaders(Object handle) {
    try {
      if (handle instanceof Call) {
        ClientSpan span = ((Call) handle).span;
        if (span != null) {
          return span.headers();
        }
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "building propagation headers", t);
    }
    return NO_HEADERS;
  }

  @Override
  public void end(Object handle, int status, Throwable error) {
    if (!(handle instanceof Call)) {
      return;
    }
    try {
      Call call = (Call) handle;
      if (!call.ended.compareAndSet(false, true)) {
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
      errors.internalFailure(MODULE, "recording a client call end", t);
    }
  }

  private static final class Call {
    final int method;
    final java.util.concurrent.atomic.AtomicBoolean ended =
        new java.util.concurrent.atomic.AtomicBoolean();
    HttpClientMetrics.HostSeries host;
    ClientSpan span;
    long startNanos;

    Call(int method) {
      this.method = method;
    }
  }
}
