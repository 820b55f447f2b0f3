package dev.weft.runtime.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * One side (server or client) of the RPC family: {@code rpc_<side>_requests_total} and
 * {@code rpc_<side>_request_duration_seconds}, labelled {@code service}, {@code method} and
 * {@code code} (the gRPC status name). A method is known by its full name
 * ({@code package.Service/Method}), which goes through the cardinality guard: past the limit,
 * further methods share {@code service="_other_", method="_other_"}. Data points are bound once per
 * method and code and kept; recording is one map lookup and one array read.
 */
public final class RpcMetrics {

  /** gRPC status names by code value (stable across gRPC implementations). */
  static final String[] CODES = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED"
  };

  /** The code value recorded for a value outside gRPC's table. */
  public static final int UNKNOWN = 2;

  private final Counter requests;
  private final Histogram duration;
  private final BoundedLabelMap<MethodSeries> methods;

  RpcMetrics(
      PrometheusRegistry registry,
      Labels constLabels,
      int cardinalityLimit,
      CounterDataPoint overflow,
      String side,
      String countHelp,
      String durationHelp) {
    this.requests =
        Counter.builder()
            .name("rpc_" + side + "_requests_total")
            .help(countHelp)
            .labelNames("service", "method", "code")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    this.duration =
        Histogram.builder()
            .name("rpc_" + side + "_request_duration_seconds")
            .unit(Unit.SECONDS)
            .help(durationHelp)
            .labelNames("service", "method", "code")
            .constLabels(constLabels)
            .classicOnly()
            .classicUpperBounds(HttpServerMetrics.DURATION_BUCKETS)
            // Exemplars only from observeWithExemplar: the trace id of a sampled span.
            .register(registry);
    this.methods = new BoundedLabelMap<>(cardinalityLimit, MethodSeries::new, overflow::inc);
  }

  /** The name of a gRPC status code value ({@code UNKNOWN} outside the table). */
  public static String codeName(int code) {
    return code >= 0 && code < CODES.length ? CODES[code] : CODES[UNKNOWN];
  }

  /** The series of one method by its full name, through the cardinality guard. */
  public MethodSeries method(String fullMethodName) {
    return methods.get(fullMethodName);
  }

  /** The bound data points of one method, by status code. */
  public final class MethodSeries {
    private final String service;
    private final String method;
    private final RequestSeries[] byCode = new RequestSeries[CODES.length];

    MethodSeries(String fullMethodName) {
      if (BoundedLabelMap.OTHER.equals(fullMethodName)) {
        service = BoundedLabelMap.OTHER;
        method = BoundedLabelMap.OTHER;
      } else {
        int slash = fullMethodName.lastIndexOf('/');
        service = slash < 0 ? "" : fullMethodName.substring(0, slash);
        method = slash < 0 ? fullMethodName : fullMethodName.substring(slash + 1);
      }
    }

    /** True for the series that methods past the cardinality limit share. */
    public boolean overflow() {
      return service == BoundedLabelMap.OTHER;
    }

    /** The service part of the full name ({@code package.Service}), empty when there is none. */
    public String service() {
      return service;
    }

    /** The method part of the full name. */
    public String method() {
      return method;
    }

    /**
     * Records one finished call.
     *
     * @param code the gRPC status code value
     * @param traceId the trace id of the call's sampled span, or null: becomes an exemplar
     * @param spanId the id of that span (ignored without a trace id)
     */
    public void record(int code, double seconds, String traceId, String spanId) {
      int c = code >= 0 && code < CODES.length ? code : UNKNOWN;
      RequestSeries bound = byCode[c];
      if (bound == null) {
        bound =
            new RequestSeries(
                requests.labelValues(service, method, CODES[c]),
                duration.labelValues(service, method, CODES[c]));
        byCode[c] = bound; // a race binds the same data points twice: harmless
      }
      bound.record(seconds, traceId, spanId);
    }
  }
}
