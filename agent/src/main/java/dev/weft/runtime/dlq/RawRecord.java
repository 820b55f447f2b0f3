package dev.weft.runtime.dlq;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A Kafka record as the broker holds it: bytes of key and value (null stays null), headers in
 * order, timestamp. Only JDK types, so that the Kafka-facing code loaded next to the
 * application's kafka-clients can build it.
 */
public final class RawRecord {
  public final String topic;
  public final int partition;
  public final long offset;
  /** Milliseconds since the epoch, or -1 when the record has none. */
  public final long timestamp;
  /** {@code CreateTime}, {@code LogAppendTime} or {@code NoTimestampType}. */
  public final String timestampType;
  public final byte[] key;
  public final byte[] value;
  public final List<String> headerKeys;
  public final List<byte[]> headerValues;

  public RawRecord(
      String topic,
      int partition,
      long offset,
      long timestamp,
      String timestampType,
      byte[] key,
      byte[] value,
      List<String> headerKeys,
      List<byte[]> headerValues) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.timestampType = timestampType;
    this.key = key;
    this.value = value;
    this.headerKeys = Collections.unmodifiableList(new ArrayList<>(headerKeys));
    this.headerValues = Collections.unmodifiableList(new ArrayList<>(headerValues));
  }
}
