package dev.weft.runtime.dlq;

import java.util.HashMap;
import java.util.Map;

/**
 * One partition's failed records to read back in a batch, and what the read found. Only JDK
 * types, so that the Kafka-facing code loaded next to the application's kafka-clients can fill
 * it in.
 */
public final class PartitionFetch {

  /** The topic is gone from the cluster. */
  public static final String TOPIC_DELETED = "topic_deleted";
  /** The topic has fewer partitions than the entry names. */
  public static final String PARTITION_DELETED = "partition_deleted";
  /** The offset is below the partition's log start: deleted by retention. */
  public static final String RETENTION = "retention";
  /** The offset was passed over without a record: compacted away or an aborted transaction. */
  public static final String COMPACTED = "compacted";
  /** The offset lies beyond the partition's end: the topic was recreated, or the log truncated. */
  public static final String BEYOND_LOG_END = "beyond_log_end";

  public final String topic;
  public final int partition;
  /** The offsets wanted, ascending. */
  public final long[] offsets;
  /** Records read back, by offset. */
  public final Map<Long, RawRecord> found = new HashMap<>();
  /** Offsets that will never be read, with the reason (one of the constants above). */
  public final Map<Long, String> lost = new HashMap<>();

  public PartitionFetch(String topic, int partition, long[] offsets) {
    this.topic = topic;
    this.partition = partition;
    this.offsets = offsets;
  }

  /** Marks every wanted offset not found yet as lost for {@code reason}. */
  public void loseRest(String reason) {
    for (long o : offsets) {
      if (!found.containsKey(o)) {
        lost.putIfAbsent(o, reason);
      }
    }
  }

  /** True when every wanted offset was found or is known to be lost. */
  public boolean complete() {
    return found.size() + lost.size() >= offsets.length;
  }
}
