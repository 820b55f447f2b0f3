package dev.weft.runtime.kafka;

import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.metrics.KafkaMetrics;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One consumer: its group, its internals as found by reflection, its lag series. */
final class ConsumerState {
  final Object consumer;
  volatile String group;
  volatile DeadLetters.Cluster cluster;
  volatile String isolation;
  private volatile ConsumerInternals internals;
  final Map<PartitionKey, GaugeDataPoint> lag = new HashMap<>(); // poll thread only
  final Map<PartitionKey, Boolean> seen = new HashMap<>();
  final Map<PartitionKey, Long> lastEnd = new HashMap<>(); // every partition it ever fetched
  final ConcurrentHashMap<String, KafkaMetrics.ConsumerTopic> topics = new ConcurrentHashMap<>();
  /** Failed records waiting to be retried, given up or moved past (dead letters on). */
  final PendingFailures pending = new PendingFailures();
  volatile SpringErrorHandlers.Decider decider = SpringErrorHandlers.Decider.POSITIONS;

  ConsumerState(Object consumer) {
    this.consumer = consumer;
  }

  String groupOrEmpty() {
    String g = group;
    return g == null ? "" : g;
  }

  ConsumerInternals internals() {
    ConsumerInternals i = internals;
    if (i == null) {
      i = ConsumerInternals.of(consumer);
      internals = i;
    }
    return i;
  }
}
