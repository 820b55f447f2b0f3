package dev.weft.runtime.metrics;

/**
 * What a histogram observation needs from the span of the same call to carry an exemplar. Traces
 * implement it; metrics only read it, so the metrics layer never depends on the tracing layer.
 */
public interface ExemplarSource {

  /** The trace id if the span is sampled (an exemplar is worth a lookup), else null. */
  String sampledTraceId();

  /** The span's id. */
  String spanId();
}
