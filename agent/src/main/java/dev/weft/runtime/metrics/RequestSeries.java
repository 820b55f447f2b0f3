package dev.weft.runtime.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.model.snapshots.Labels;

/**
 * One label set's request counter and duration histogram, bound once and updated together: the
 * HTTP server and client and the RPC families each keep one of these per label set.
 */
final class RequestSeries {
  private final CounterDataPoint count;
  private final DistributionDataPoint duration;
  private final ExemplarGate gate = new ExemplarGate();

  RequestSeries(CounterDataPoint count, DistributionDataPoint duration) {
    this.count = count;
    this.duration = duration;
  }

  /**
   * Counts one request that took {@code seconds}. With a trace id (a sampled span's) the
   * duration carries it and {@code spanId} as its exemplar.
   */
  void record(double seconds, String traceId, String spanId) {
    count.inc();
    Labels exemplar = traceId == null ? null : gate.offer(traceId, spanId);
    if (exemplar == null) {
      duration.observe(seconds);
    } else {
      duration.observeWithExemplar(seconds, exemplar);
    }
  }
}
