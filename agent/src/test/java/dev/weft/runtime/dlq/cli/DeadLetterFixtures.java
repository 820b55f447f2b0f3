package dev.weft.runtime.dlq.cli;

import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.dlq.FailureHeaders;
import dev.weft.runtime.dlq.RawRecord;
import dev.weft.runtime.dlq.RecordAccess;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Dead letters as Weft writes them, all in {@code orders.dlq}: the original record's headers, then
 * {@link DeadLetters}'s block.
 */
final class DeadLetterFixtures {

  private DeadLetterFixtures() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Header keys and values given alternately: {@code "k1", bytes1, "k2", bytes2, ...}. */
  static RawRecord deadLetter(
      long dlqOffset, String topic, int partition, long offset, Throwable error, String traceparent,
      byte[] key, byte[] value, Object... originalHeaders) {
    List<String> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    for (int i = 0; i < originalHeaders.length; i += 2) {
      keys.add((String) originalHeaders[i]);
      values.add((byte[]) originalHeaders[i + 1]);
    }
    RecordAccess.Fields f = new RecordAccess.Fields();
    f.topic = topic;
    f.partition = partition;
    f.offset = offset;
    f.timestamp = 1_700_000_000_123L;
    f.timestampType = "CreateTime";
    FailureHeaders.add(f, "billing", error, traceparent, keys, values);
    return new RawRecord(
        "orders.dlq", 0, dlqOffset, 1_700_000_000_123L, "CreateTime", key, value, keys, values);
  }

  static RawRecord plain(long offset, byte[] key, byte[] value, Object... headers) {
    List<String> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    for (int i = 0; i < headers.length; i += 2) {
      keys.add((String) headers[i]);
      values.add((byte[]) headers[i + 1]);
    }
    return new RawRecord("x.dlq", 0, offset, -1, "NoTimestampType", key, value, keys, values);
  }
}
