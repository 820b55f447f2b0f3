package dev.weft.runtime.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.function.IntSupplier;

/**
 * Dead letters: {@code kafka_dlq_records_total} ({@code topic}, {@code dlq_topic}, {@code group},
 * {@code outcome}, {@code reason}) counts each finally failed record once as {@code published}
 * when its dead-letter topic acknowledged it, once as {@code spooled} when the broker did not
 * acknowledge it in time (it waits on disk, and counts as {@code published} later), as
 * {@code dropped} when the spool was full, and as {@code lost} when it can never be sent
 * ({@code reason} says why; it is empty for the other outcomes). Gauge
 * {@code kafka_dlq_spooled_records}: dead letters on disk not yet acknowledged.
 */
public final class DlqMetrics {

  private final Counter records;
  private volatile IntSupplier spooled = () -> 0;

  DlqMetrics(PrometheusRegistry registry, Labels constLabels) {
    records =
        Counter.builder()
            .name("kafka_dlq_records_total")
            .help("Records whose processing finally failed, copied to their dead-letter topic, by"
                + " outcome: published (acknowledged), spooled (kept on disk while the broker did"
                + " not acknowledge), dropped (the spool was full), lost (can never be sent;"
                + " reason says why, the entry is kept in the spool's quarantine).")
            .labelNames("topic", "dlq_topic", "group", "outcome", "reason")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    GaugeWithCallback.builder()
        .name("kafka_dlq_spooled_records")
        .help("Dead letters kept in the local spool, not yet acknowledged by their topic.")
        .constLabels(constLabels)
        .callback(callback -> callback.call(spooled.getAsInt()))
        .register(registry);
  }

  public CounterDataPoint outcome(String topic, String dlqTopic, String group, String outcome) {
    return records.labelValues(topic, dlqTopic, group, outcome, "");
  }

  /** A dead letter that can never be sent, for {@code reason}. */
  public CounterDataPoint lost(String topic, String dlqTopic, String group, String reason) {
    return records.labelValues(topic, dlqTopic, group, "lost", reason);
  }

  /** Where the gauge reads the spool's size. */
  public void spool(IntSupplier size) {
    this.spooled = size;
  }
}
