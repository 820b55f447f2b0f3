package dev.weft.runtime.metrics;


import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bound data points of one label set of a counter and a histogram that share their labels,
 * the last two being {@code status} ({@code ok} or {@code error}) and {@code error_type} (the
 * exception's simple class name, at most {@value #ERROR_TYPE_LIMIT} per label set, the rest under
 * {@link BoundedLabelMap#OTHER}): one pair for success, made up front, and one per error type.
 * Without a counter, the histogram's count is the count.
 */
public final class OutcomeSeries {

  static final int ERROR_TYPE_LIMIT = 32;

  private final Counter counter;
  private final Histogram histogram;
  private final String[] labels;
  private final CounterDataPoint okCount;
  private final DistributionDataPoint okDuration;
  private final ExemplarGate gate = new ExemplarGate();
  private final ConcurrentHashMap<String, CounterDataPoint> errorCounts = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, DistributionDataPoint> errorDurations =
      new ConcurrentHashMap<>();

  /**
   * {@code labels}: the values of every label but {@code status} and {@code error_type};
   * {@code counter} may be null.
   */
  OutcomeSeries(Counter counter, Histogram histogram, String... labels) {
    this.counter = counter;
    this.histogram = histogram;
    this.labels = labels;
    this.okCount = counter == null ? null : counter.labelValues(with("ok", ""));
    this.okDuration = histogram.labelValues(with("ok", ""));
  }

  private String[] with(String status, String errorType) {
    String[] all = Arrays.copyOf(labels, labels.length + 2);
    all[labels.length] = status;
    all[labels.length + 1] = errorType;
    return all;
  }

  /**
   * Records one call whose span (null without tracing) has ended: a sampled span's trace and
   * span id become the observation's exemplar.
   */
  public void record(double seconds, Throwable error, ExemplarSource span) {
    String traceId = span == null ? null : span.sampledTraceId();
    record(seconds, error, traceId, traceId == null ? null : span.spanId());
  }

  /** Records one call; {@code error} null for success; {@code traceId} null without exemplar. */
  public void record(double seconds, Throwable error, String traceId, String spanId) {
    CounterDataPoint count;
    DistributionDataPoint time;
    if (error == null) {
      count = okCount;
      time = okDuration;
    } else {
      String type = errorType(error);
      if (!errorDurations.containsKey(type) && errorDurations.size() >= ERROR_TYPE_LIMIT) {
        type = BoundedLabelMap.OTHER;
      }
      count =
          counter == null
              ? null
              : errorCounts.computeIfAbsent(type, t -> counter.labelValues(with("error", t)));
      time = errorDurations.computeIfAbsent(type, t -> histogram.labelValues(with("error", t)));
    }
    if (count != null) {
      count.inc();
    }
    Labels exemplar = traceId == null ? null : gate.offer(traceId, spanId);
    if (exemplar == null) {
      time.observe(seconds);
    } else {
      time.observeWithExemplar(seconds, exemplar);
    }
  }

  /** The {@code error_type} of an exception: its simple class name (its name if anonymous). */
  public static String errorType(Throwable error) {
    String type = error.getClass().getSimpleName();
    return type.isEmpty() ? error.getClass().getName() : type;
  }
}
