package dev.weft.runtime.metrics;

import io.prometheus.metrics.model.snapshots.Labels;

/**
 * Lets a sampled call's trace and span ids through to one series' histogram at most every
 * {@value #INTERVAL_MILLIS} ms. The Prometheus client keeps an exemplar offered at most every 90
 * ms per series anyway, but takes its {@link Labels} first, and {@code Labels.of} checks every
 * label name's characters through a new charset encoder: with every span sampled (a consumer of
 * traced Kafka records) that was a tenth of the time Weft spent on a record. Offering them less
 * often than the client keeps them changes nothing it stores.
 */
final class ExemplarGate {

  static final long INTERVAL_MILLIS = 45;
  private static final long INTERVAL_NANOS = INTERVAL_MILLIS * 1_000_000L;

  // Read and written without a lock: two threads passing at once cost one extra offer.
  private volatile long next = System.nanoTime();

  /** The exemplar labels of the call if this series takes one now, else null. */
  Labels offer(String traceId, String spanId) {
    long now = System.nanoTime();
    if (now - next < 0) {
      return null;
    }
    next = now + INTERVAL_NANOS;
    return Labels.of("span_id", spanId, "trace_id", traceId);
  }
}
