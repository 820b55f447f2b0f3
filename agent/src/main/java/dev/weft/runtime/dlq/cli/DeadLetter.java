package dev.weft.runtime.dlq.cli;

import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.dlq.RawRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A record read back from a dead-letter topic, split in two: the original record (key, value,
 * timestamp and the headers before the first {@code kafka_dlt-} header) and the block of headers
 * that describes the failure ({@link DeadLetters#failureHeaders}), read from that header on.
 */
final class DeadLetter {

  static final String BLOCK_PREFIX = "kafka_dlt-";
  static final String ORIGINAL_PARTITION = "kafka_dlt-original-partition";
  static final String ORIGINAL_OFFSET = "kafka_dlt-original-offset";
  static final String ORIGINAL_TIMESTAMP = "kafka_dlt-original-timestamp";
  static final String ORIGINAL_TIMESTAMP_TYPE = "kafka_dlt-original-timestamp-type";
  static final String CONSUMER_GROUP = "kafka_dlt-original-consumer-group";
  static final String EXCEPTION = "kafka_dlt-exception-fqcn";
  static final String EXCEPTION_CAUSE = "kafka_dlt-exception-cause-fqcn";
  static final String EXCEPTION_MESSAGE = "kafka_dlt-exception-message";
  static final String EXCEPTION_STACKTRACE = "kafka_dlt-exception-stacktrace";
  static final String TRACEPARENT = "traceparent";

  final RawRecord record;
  /** The index of the first header of the failure block (the header count when there is none). */
  final int blockStart;

  DeadLetter(RawRecord record) {
    this.record = record;
    this.blockStart = blockStart(record.headerKeys);
  }

  static int blockStart(List<String> headerKeys) {
    for (int i = 0; i < headerKeys.size(); i++) {
      String key = headerKeys.get(i);
      if (key != null && key.startsWith(BLOCK_PREFIX)) {
        return i;
      }
    }
    return headerKeys.size();
  }

  /** The original record's header keys, duplicates and order kept. */
  List<String> originalHeaderKeys() {
    return record.headerKeys.subList(0, blockStart);
  }

  /** The original record's header values (null ones kept), in the order of the keys. */
  List<byte[]> originalHeaderValues() {
    return record.headerValues.subList(0, blockStart);
  }

  /** The value of the first header named {@code key} in the failure block, or null. */
  byte[] blockHeader(String key) {
    for (int i = blockStart; i < record.headerKeys.size(); i++) {
      if (key.equals(record.headerKeys.get(i))) {
        return record.headerValues.get(i);
      }
    }
    return null;
  }

  /** A text header of the failure block, decoded as UTF-8, or null when it is absent. */
  String text(String key) {
    byte[] value = blockHeader(key);
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  String originalTopic() {
    return text(DeadLetters.ORIGINAL_TOPIC);
  }

  /** The original partition, or null when the header is absent or not a 4-byte integer. */
  Integer originalPartition() {
    byte[] value = blockHeader(ORIGINAL_PARTITION);
    return value != null && value.length == 4
        ? Integer.valueOf(ByteBuffer.wrap(value).getInt())
        : null;
  }

  Long originalOffset() {
    return longHeader(ORIGINAL_OFFSET);
  }

  Long originalTimestamp() {
    return longHeader(ORIGINAL_TIMESTAMP);
  }

  private Long longHeader(String key) {
    byte[] value = blockHeader(key);
    return value != null && value.length == 8
        ? Long.valueOf(ByteBuffer.wrap(value).getLong())
        : null;
  }

  String exception() {
    return text(EXCEPTION);
  }

  String exceptionCause() {
    return text(EXCEPTION_CAUSE);
  }

  /**
   * The partition a replay to a topic of {@code partitions} partitions goes to: the original one
   * when that topic has it, else null (the producer's partitioner chooses).
   */
  Integer replayPartition(int partitions) {
    Integer p = originalPartition();
    return p != null && p >= 0 && p < partitions ? p : null;
  }

  /** The timestamp a replay carries: the dead letter's own (the original's), or null if none. */
  Long replayTimestamp() {
    return record.timestamp >= 0 ? Long.valueOf(record.timestamp) : null;
  }

  /** {@code topic-partition@offset} of the dead letter itself, for messages. */
  String where() {
    return record.topic + "-" + record.partition + "@" + record.offset;
  }
}
