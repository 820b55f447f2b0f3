package dev.weft.runtime.operation;

import dev.weft.bootstrap.PollReport;
import dev.weft.runtime.metrics.KafkaMetrics;

/**
 * The lag of a consumer's assigned partitions, from its own view at each poll: end offset of its
 * last fetch of a partition minus its position. No request to the broker; no series before a
 * partition's first fetch (no guess); partitions no longer assigned lose theirs. Nothing is
 * allocated once every partition was seen once. Runs on the consumer's polling thread.
 */
final class ConsumerLag {

  private final KafkaMetrics metrics;

  ConsumerLag(KafkaMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * Refreshes every partition {@code poll} lists. A partition reassigned and not fetched since (a
   * fetch session leaves out a partition with nothing new) keeps the end it saw last: a fetch
   * would have brought a newer one.
   */
  void update(MessageConsumer c, PollReport poll) {
    long view = ++c.views;
    int withSeries = 0;
    String group = c.groupOrEmpty();
    for (int i = 0; i < poll.partitionCount; i++) {
      String topic = poll.partitionTopics[i];
      int partition = poll.partitions[i];
      if (topic == null || partition < 0) {
        continue;
      }
      MessageConsumer.PartitionLag p = c.partition(topic, partition);
      p.seen = view;
      long end = poll.endOffsets[i];
      if (end >= 0) {
        p.lastEnd = end;
      } else {
        end = p.lastEnd;
      }
      long position = poll.positions[i];
      if (end >= 0 && position >= 0) {
        if (p.series == null) {
          p.series = metrics.lag(topic, partition, group);
          c.lagSeries++;
        }
        p.series.set(Math.max(0, end - position));
      }
      if (p.series != null) {
        withSeries++;
      }
    }
    if (withSeries < c.lagSeries) {
      remove(c, view); // some partition with a series is no longer assigned
    }
  }

  /** Removes the lag series of the partitions not seen in {@code view} (every one: -1). */
  void remove(MessageConsumer c, long view) {
    for (MessageConsumer.PartitionLag[] byNumber : c.partitions.values()) {
      for (MessageConsumer.PartitionLag p : byNumber) {
        if (p != null && p.series != null && p.seen != view) {
          metrics.removeLag(p.topic, p.partition, c.groupOrEmpty());
          p.series = null;
          c.lagSeries--;
        }
      }
    }
  }
}
