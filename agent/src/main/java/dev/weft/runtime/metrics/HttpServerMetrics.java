package dev.weft.runtime.metrics;

import dev.weft.bootstrap.HttpServerRecorder;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
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
public final class HttpServerMetrics extends HttpServerRecorder {

  static final String MODULE = "http-server";

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
  private final BoundedLabelMap<EndpointSeries> endpoints;
  private final AgentErrors errors;
  private final ClassLoader ownLoader = HttpServerMetrics.class.getClassLoader();
  private final ThreadLocal<RequestState> state = ThreadLocal.withInitial(RequestState::new);

  HttpServerMetrics(
      PrometheusRegistry registry,
      Labels constLabels,
      int cardinalityLimit,
      CounterDataPoint endpointOverflow,
      AgentErrors errors) {
    this.errors = errors;
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
            .withoutExemplars()
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
        new BoundedLabelMap<>(cardinalityLimit, EndpointSeries::new, endpointOverflow::inc);
  }

  @Override
  public long start(Object owner, String method, String endpoint) {
    try {
      if (owner != null && owner.getClass().getClassLoader() == ownLoader) {
        return SKIP; // Weft's own /metrics server is not the application's traffic.
      }
      RequestState st = state.get();
      if (st.depth++ > 0) {
        return NESTED;
      }
      st.method = methodIndex(method);
      st.series = null;
      EndpointSeries series = endpoints.get(endpoint);
      series.active(st.method).inc();
      st.series = series;
      long now = System.nanoTime();
      return now == SKIP || now == NESTED ? now + 1 : now;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a request start", t);
      return NESTED; // depth was raised (or not at all): end() unwinds without recording
    }
  }

  @Override
  public void end(long token, int status, Throwable error) {
    if (token == SKIP) {
      return;
    }
    try {
      RequestState st = state.get();
      if (st.depth > 0) {
        st.depth--;
      }
      if (token == NESTED || st.depth != 0) {
        return;
      }
      EndpointSeries series = st.series;
      st.series = null;
      if (series == null) {
        return;
      }
      double seconds = (System.nanoTime() - token) / 1e9;
      int code = error != null || status < 100 ? 500 : status;
      series.active(st.method).dec();
      series.bind(st.method, code).record(seconds);
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a request end", t);
    }
  }

  static int methodIndex(String method) {
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

  private static final class RequestState {
    int depth;
    int method;
    EndpointSeries series;
  }

  /** The bound data points of one endpoint, by method and status. */
  private final class EndpointSeries {
    private final String endpoint;
    private final GaugeDataPoint[] activeByMethod = new GaugeDataPoint[METHODS.length];
    private final Bound[][] byMethodAndStatus = new Bound[METHODS.length][];

    EndpointSeries(String endpoint) {
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

    Bound bind(int method, int status) {
      int code = Math.min(status, MAX_STATUS);
      Bound[] byStatus = byMethodAndStatus[method];
      if (byStatus == null) {
        byStatus = new Bound[MAX_STATUS + 1];
        byMethodAndStatus[method] = byStatus;
      }
      Bound bound = byStatus[code];
      if (bound == null) {
        String m = METHODS[method];
        String s = STATUS_TEXT[code];
        bound =
            new Bound(requests.labelValues(m, endpoint, s), duration.labelValues(m, endpoint, s));
        byStatus[code] = bound;
      }
      return bound;
    }
  }

  private static final class Bound {
    private final CounterDataPoint count;
    private final DistributionDataPoint duration;

    Bound(CounterDataPoint count, DistributionDataPoint duration) {
      this.count = count;
      this.duration = duration;
    }

    void record(double seconds) {
      count.inc();
      duration.observe(seconds);
    }
  }
}
