package dev.weft.runtime.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code http_client_requests_total} and {@code http_client_request_duration_seconds} for every
 * HTTP client module, labelled {@code method}, {@code host}, {@code status} and {@code error_type}
 * ({@code status="error"} when no response arrived). The host is the open-ended label: it goes
 * through the cardinality guard. Data points are bound once per label set and kept.
 */
public final class HttpClientMetrics {

  private static final int MAX_STATUS = 999;

  private final Counter requests;
  private final Histogram duration;
  private final BoundedLabelMap<HostSeries> hosts;
  private final int errorTypeLimit;

  HttpClientMetrics(
      PrometheusRegistry registry,
      Labels constLabels,
      int cardinalityLimit,
      CounterDataPoint hostOverflow) {
    this.requests =
        Counter.builder()
            .name("http_client_requests_total")
            .help("HTTP requests sent, by method, target host and response status.")
            .labelNames("method", "host", "status", "error_type")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    this.duration =
        Histogram.builder()
            .name("http_client_request_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Time from sending an HTTP request to receiving its response headers or failure.")
            .labelNames("method", "host", "status", "error_type")
            .constLabels(constLabels)
            .classicOnly()
            .classicUpperBounds(HttpServerMetrics.DURATION_BUCKETS)
            // Exemplars only from observeWithExemplar: the trace id of a sampled call.
            .register(registry);
    this.hosts = new BoundedLabelMap<>(cardinalityLimit, HostSeries::new, hostOverflow::inc);
    this.errorTypeLimit = 64;
  }

  /** The series of a target host, through the cardinality guard. */
  public HostSeries host(String host) {
    return hosts.get(host == null ? "" : host);
  }

  /**
   * Records one finished call.
   *
   * @param status the response status, or below 100 when no response arrived
   * @param error what the call threw, or null
   * @param traceId the trace id of the call's sampled span, or null: becomes an exemplar
   * @param spanId the id of that span (ignored without a trace id)
   */
  public void record(
      HostSeries host,
      int method,
      int status,
      Throwable error,
      double seconds,
      String traceId,
      String spanId) {
    RequestSeries bound;
    if (status >= 100) {
      bound = host.byStatus(method, Math.min(status, MAX_STATUS));
    } else {
      bound = host.byError(method, error == null ? "NoResponse" : error.getClass().getSimpleName());
    }
    bound.record(seconds, traceId, spanId);
  }

  /** The bound data points of one host, by method and status (or error type). */
  public final class HostSeries {
    private final String host;
    private final RequestSeries[][] byMethodAndStatus =
        new RequestSeries[HttpServerMetrics.METHODS.length][];
    private final ConcurrentHashMap<String, RequestSeries> errors = new ConcurrentHashMap<>();

    HostSeries(String host) {
      this.host = host;
    }

    RequestSeries byStatus(int method, int status) {
      RequestSeries[] byStatus = byMethodAndStatus[method];
      if (byStatus == null) {
        byStatus = new RequestSeries[MAX_STATUS + 1];
        byMethodAndStatus[method] = byStatus;
      }
      RequestSeries bound = byStatus[status];
      if (bound == null) {
        bound = bind(HttpServerMetrics.METHODS[method], Integer.toString(status), "");
        byStatus[status] = bound;
      }
      return bound;
    }

    RequestSeries byError(int method, String errorType) {
      String key = method + ":" + errorType;
      RequestSeries bound = errors.get(key);
      if (bound == null) {
        // Exception class names are a closed set in practice; still, never more than a few.
        String type = errors.size() >= errorTypeLimit ? BoundedLabelMap.OTHER : errorType;
        bound = errors.computeIfAbsent(key, k -> bind(HttpServerMetrics.METHODS[method], "error", type));
      }
      return bound;
    }

    private RequestSeries bind(String method, String status, String errorType) {
      return new RequestSeries(
          requests.labelValues(method, host, status, errorType),
          duration.labelValues(method, host, status, errorType));
    }
  }
}
