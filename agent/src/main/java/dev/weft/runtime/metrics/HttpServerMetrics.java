package dev.weft.runtime.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * {@code http_requests_total}, {@code http_request_duration_seconds} and
 * {@code http_requests_active} for every HTTP server module.
 *
 * <p>Hot path: a thread-local lookup, one map lookup for the endpoint, array indexing for method
 * and status, then the data points' own lock-free updates. Data points are bound once per label
 * set and kept; nothing is allocated per request once a label set has been seen.
 */
public final class HttpServerMetrics {

  /** HTTP methods keep their name; anything else becomes _OTHER, so clients cannot add series. */
  static final String[] METHODS = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER"
  };

  private static final int OTHER_METHOD = METHODS.length - 1;
  private static final int MAX_STATUS = 999;
  private static final String[] STATUS_TEXT = new String[MAX_STATUS + 1];

  /** Buckets for request latency in seconds (the OpenTelemetry HTTP semantic conventions'). */
  static final double[] DURATION_BUCKETS = {
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10
  };

  static {
    for (int i = 0; i <= MAX_STATUS; i++) {
      STATUS_TEXT[i] = Integer.toString(i);
    }
  }

  private final Counter requests;
  private final Histogram duration;
  private final Gauge active;
  private final BoundedLabelMap<Series> endpoints;

  HttpServerMetrics(
      PrometheusRegistry registry,
      Labels constLabels,
      int cardinalityLimit,
      CounterDataPoint endpointOverflow) {
    this.requests =
        Counter.builder()
            .name("http_requests_total")
            .help("HTTP requests served, by method, route template and response status.")
            .labelNames("method", "endpoint", "status")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    this.duration =
        Histogram.builder()
            .name("http_request_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Time from the server's dispatch of an HTTP request to its completion.")
            .labelNames("method", "endpoint", "status")
            .constLabels(constLabels)
            .classicOnly()
            .classicUpperBounds(DURATION_BUCKETS)
            // Exemplars only from observeWithExemplar: the trace id of a sampled request.
            .register(registry);
    this.active =
        Gauge.builder()
            .name("http_requests_active")
            .help("HTTP requests being served right now.")
            .labelNames("method", "endpoint")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    this.endpoints =
        new BoundedLabelMap<>(cardinalityLimit, Series::new, endpointOverflow::inc);
  }

  /** The series of an endpoint (route template), through the cardinality guard. */
  public Series series(String endpoint) {
    return endpoints.get(endpoint);
  }

  /** A request of this method starts on this series: the active gauge goes up. */
  public void started(Series series, int method) {
    series.active(method).inc();
  }

  /**
   * A request ends: the active gauge of the series it started on goes down, and the request is
   * recorded on its final series (the same, or the route found during dispatch).
   *
   * @param traceId the trace id of the request's sampled span, or null: becomes an exemplar
   */
  public void finished(
      Series startSeries,
      Series finalSeries,
      int method,
      int status,
      double seconds,
      String traceId,
      String spanId) {
    startSeries.active(method).dec();
    int code = status < 100 ? 500 : status;
    finalSeries.bind(method, code).record(seconds, traceId, spanId);
  }

  public static int methodIndex(String method) {
    if (method == null) {
      return OTHER_METHOD;
    }
    switch (method) {
      case "GET":
        return 0;
      case "HEAD":
        return 1;
      case "POST":
        return 2;
      case "PUT":
        return 3;
      case "DELETE":
        return 4;
      case "CONNECT":
        return 5;
      case "OPTIONS":
        return 6;
      case "TRACE":
        return 7;
      case "PATCH":
        return 8;
      default:
        return OTHER_METHOD;
    }
  }

  /** The bound data points of one endpoint, by method and status. */
  public final class Series {
    private final String endpoint;
    private final GaugeDataPoint[] activeByMethod = new GaugeDataPoint[METHODS.length];
    private final RequestSeries[][] byMethodAndStatus = new RequestSeries[METHODS.length][];

    Series(String endpoint) {
      this.endpoint = endpoint;
    }

    GaugeDataPoint active(int method) {
      GaugeDataPoint point = activeByMethod[method];
      if (point == null) {
        // Racing threads get the same data point from the metric; the cache only saves lookups.
        point = active.labelValues(METHODS[method], endpoint);
        activeByMethod[method] = point;
      }
      return point;
    }

    RequestSeries bind(int method, int status) {
      int code = Math.min(status, MAX_STATUS);
      RequestSeries[] byStatus = byMethodAndStatus[method];
      if (byStatus == null) {
        byStatus = new RequestSeries[MAX_STATUS + 1];
        byMethodAndStatus[method] = byStatus;
      }
      RequestSeries bound = byStatus[code];
      if (bound == null) {
        String m = METHODS[method];
        String s = STATUS_TEXT[code];
        bound =
            new RequestSeries(
                requests.labelValues(m, endpoint, s), duration.labelValues(m, endpoint, s));
        byStatus[code] = bound;
      }
      return bound;
    }
  }
}
