package dev.weft.runtime.operation;

import dev.weft.bootstrap.PollReport;
import dev.weft.runtime.metrics.KafkaMetrics;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One message consumer as the messaging shape follows it: its group, its series per topic, the
 * lag of its partitions. Holds no reference to the consumer itself (it is the value of maps keyed
 * weakly by the consumer).
 */
public final class MessageConsumer {

  volatile String group;
  /** The module's report of this consumer's polls, from its first poll on. */
  volatile PollReport poll;
  /** Every partition the consumer ever reported, by topic and partition number (poll thread only). */
  final Map<String, PartitionLag[]> partitions = new HashMap<>();
  /** How many of them have a lag series now. */
  int lagSeries;
  /** Polls that reported the consumer's view of its partitions. */
  long views;
  final ConcurrentHashMap<String, KafkaMetrics.ConsumerTopic> topics = new ConcurrentHashMap<>();
  /** What the dead-letter capture keeps of this consumer, once it keeps something. */
  public volatile Object failures;

  /** The consumer's group id, "" while none is known. */
  public String groupOrEmpty() {
    String g = group;
    return g == null ? "" : g;
  }

  /** Tells the consumer's next poll whether failed records wait for the positions it reads. */
  public void failuresWaiting(boolean waiting) {
    PollReport p = poll;
    if (p != null) {
      p.failuresWaiting = waiting;
    }
  }

  /** The partition's entry, made the first time the consumer reports it. */
  PartitionLag partition(String topic, int partition) {
    PartitionLag[] byNumber = partitions.get(topic);
    if (byNumber == null || partition >= byNumber.length) {
      PartitionLag[] grown =
          new PartitionLag[Math.max(partition + 1, byNumber == null ? 4 : byNumber.length * 2)];
      if (byNumber != null) {
        System.arraycopy(byNumber, 0, grown, 0, byNumber.length);
      }
      byNumber = grown;
      partitions.put(topic, byNumber);
    }
    PartitionLag p = byNumber[partition];
    if (p == null) {
      p = new PartitionLag(topic, partition);
      byNumber[partition] = p;
    }
    return p;
  }

  /** One partition of the consumer: its lag series while it has one, and the last end it saw. */
  static final class PartitionLag {
    final String topic;
    final int partition;
    /** The end offset of the consumer's last fetch of it, -1 before the first. */
    long lastEnd = -1;
    /** The last view ({@link MessageConsumer#views}) that listed it as assigned. */
    long seen;
    GaugeDataPoint series;

    PartitionLag(String topic, int partition) {
      this.topic = topic;
      this.partition = partition;
    }
  }
}
