package dev.weft.runtime.operation;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.RpcMetrics;
import dev.weft.runtime.trace.RpcSpan;
import dev.weft.runtime.trace.Tracing;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The RPC shape of the pipeline, both sides of a call: RED metrics by service, method (one
 * open-ended label pair, through the cardinality guard) and status code; a SERVER span, a child
 * of the W3C context the call's metadata carries, whose context the module makes current in each
 * of the call's callbacks; a CLIENT span whose W3C headers go into the call's metadata; the
 * sampled span as the duration's exemplar. A streaming call is one operation, from its start to
 * its close. Each call gets one small handle; with tracing off that is the only allocation.
 */
final class RpcCalls extends Shape {

  /** Authorities whose host and port are remembered; others are parsed per call. */
  static final int MAX_AUTHORITIES = 1024;

  private final String system;
  private final RpcMetrics serverMetrics; // null when metrics are off
  private final RpcMetrics clientMetrics;
  private final ConcurrentHashMap<String, HostPort> authorities = new ConcurrentHashMap<>();

  RpcCalls(
      OperationPipeline pipeline,
      String module,
      String system,
      RpcMetrics serverMetrics,
      RpcMetrics clientMetrics,
      Tracing tracing,
      AgentErrors errors) {
    super(pipeline, module, tracing, errors);
    this.system = system;
    this.serverMetrics = serverMetrics;
    this.clientMetrics = clientMetrics;
  }

  Object startServer(
      String fullMethodName, String traceparent, String tracestate, String baggage) {
    try {
      if (fullMethodName == null || (serverMetrics == null && !tracing.enabled())) {
        return null;
      }
      Call call = new Call(this, true);
      RpcMetrics.MethodSeries series =
          serverMetrics != null ? serverMetrics.method(fullMethodName) : null;
      call.series = series;
      if (tracing.enabled()) {
        boolean named = series != null && !series.overflow();
        String[] parts = named ? null : split(fullMethodName);
        call.span =
            tracing.startRpcServer(
                system,
                fullMethodName,
                named ? series.service() : parts[0],
                named ? series.method() : parts[1],
                traceparent,
                tracestate,
                baggage);
      }
      call.startNanos = System.nanoTime();
      return call;
    } catch (Throwable t) {
      errors.internalFailure(module, "recording an RPC start", t);
      return null;
    }
  }

  Object startClient(String fullMethodName, String authority) {
    try {
      if (fullMethodName == null
          || tracing.suppressed()
          || (clientMetrics == null && !tracing.enabled())) {
        return null;
      }
      Call call = new Call(this, false);
      RpcMetrics.MethodSeries series =
          clientMetrics != null ? clientMetrics.method(fullMethodName) : null;
      call.series = series;
      if (tracing.enabled()) {
        boolean named = series != null && !series.overflow();
        String[] parts = named ? null : split(fullMethodName);
        HostPort target = hostPort(authority);
        call.span =
            tracing.startRpcClient(
                system,
                fullMethodName,
                named ? series.service() : parts[0],
                named ? series.method() : parts[1],
                target.host,
                target.port);
      }
      call.startNanos = System.nanoTime();
      return call;
    } catch (Throwable t) {
      errors.internalFailure(module, "recording an RPC start", t);
      return null;
    }
  }

  Object context(Call call) {
    return call.span == null ? null : call.span.context();
  }

  String[] headers(Call call) {
    try {
      if (call.span != null) {
        return call.span.headers();
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "building propagation headers", t);
    }
    return OperationPipeline.NO_HEADERS;
  }

  void end(Call call, int code, Throwable error) {
    try {
      if (!ENDED.compareAndSet(call, 0, 1)) {
        return;
      }
      double seconds = (System.nanoTime() - call.startNanos) / 1e9;
      String traceId = null;
      String spanId = null;
      if (call.span != null) {
        call.span.end(code, RpcMetrics.codeName(code), error);
        traceId = call.span.sampledTraceId();
        spanId = traceId == null ? null : call.span.spanId();
      }
      if (call.series != null) {
        call.series.record(code, seconds, traceId, spanId);
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "recording an RPC end", t);
    }
  }

  private static String[] split(String fullMethodName) {
    int slash = fullMethodName.lastIndexOf('/');
    return slash < 0
        ? new String[] {"", fullMethodName}
        : new String[] {fullMethodName.substring(0, slash), fullMethodName.substring(slash + 1)};
  }

  /** {@code host:port}, {@code [v6]:port} or {@code host} as a channel names its target. */
  private HostPort hostPort(String authority) {
    if (authority == null || authority.isEmpty()) {
      return HostPort.NONE;
    }
    HostPort known = authorities.get(authority);
    if (known != null) {
      return known;
    }
    HostPort parsed = HostPort.parse(authority);
    if (authorities.size() < MAX_AUTHORITIES) {
      authorities.putIfAbsent(authority, parsed);
    }
    return parsed;
  }

  static final class HostPort {
    static final HostPort NONE = new HostPort(null, -1);
    final String host;
    final int port;

    HostPort(String host, int port) {
      this.host = host;
      this.port = port;
    }

    static HostPort parse(String authority) {
      int at = authority.lastIndexOf('@'); // never user-info in a span
      String a = at < 0 ? authority : authority.substring(at + 1);
      int colon = a.lastIndexOf(':');
      int bracket = a.lastIndexOf(']');
      if (colon < 0 || colon < bracket) {
        return new HostPort(strip(a), -1);
      }
      int port;
      try {
        port = Integer.parseInt(a.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      return new HostPort(strip(a.substring(0, colon)), port);
    }

    private static String strip(String host) {
      return host.startsWith("[") && host.endsWith("]")
          ? host.substring(1, host.length() - 1)
          : host;
    }
  }

  private static final AtomicIntegerFieldUpdater<Call> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(Call.class, "ended");

  /** One RPC between its start and its close; may end on any thread. */
  static final class Call {
    final RpcCalls calls;
    final boolean server;
    RpcMetrics.MethodSeries series;
    RpcSpan span;
    long startNanos;
    volatile int ended;

    Call(RpcCalls calls, boolean server) {
      this.calls = calls;
      this.server = server;
    }
  }
}
