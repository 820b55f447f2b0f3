package dev.weft.runtime.dlq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Reading a real kafka-clients {@code ConsumerRecord} by reflection. */
class RecordAccessTest {

  /** An application's own subclass, as some frameworks make. */
  static final class SubRecord extends ConsumerRecord<String, String> {
    SubRecord() {
      super("sub", 1, 2, "k", "v");
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void isRecordForConsumerRecordsAndTheirSubclassesOnly() {
    assertTrue(RecordAccess.isRecord(new ConsumerRecord<>("t", 0, 0, "k", "v")));
    assertTrue(RecordAccess.isRecord(new SubRecord()));
    assertFalse(RecordAccess.isRecord(null));
    assertFalse(RecordAccess.isRecord("t-0@0"));
    assertFalse(RecordAccess.isRecord(new RecordHeaders()));
    assertNull(RecordAccess.read(null));
    assertNull(RecordAccess.read(new Object()));
  }

  @Test
  void readsCoordinatesTimestampAndType() {
    RecordHeaders headers = new RecordHeaders();
    ConsumerRecord<byte[], byte[]> record =
        new ConsumerRecord<>(
            "orders", 7, 123_456_789_012L, 1_700_000_000_123L, TimestampType.LOG_APPEND_TIME, 3, 4,
            utf8("key"), utf8("value"), headers, Optional.of(5));

    RecordAccess.Fields f = RecordAccess.read(record);

    assertNotNull(f);
    assertEquals("orders", f.topic);
    assertEquals(7, f.partition);
    assertEquals(123_456_789_012L, f.offset);
    assertEquals(1_700_000_000_123L, f.timestamp);
    assertEquals("LogAppendTime", f.timestampType);
  }

  @Test
  void theShortConstructorsRecordHasNoTimestamp() {
    RecordAccess.Fields f = RecordAccess.read(new ConsumerRecord<>("t", 0, 9, null, null));
    assertNotNull(f);
    assertEquals(ConsumerRecord.NO_TIMESTAMP, f.timestamp);
    assertEquals("NoTimestampType", f.timestampType);
    assertNull(f.header("anything"));
  }

  @Test
  void readsASubclass() {
    RecordAccess.Fields f = RecordAccess.read(new SubRecord());
    assertNotNull(f);
    assertEquals("sub", f.topic);
    assertEquals(1, f.partition);
    assertEquals(2, f.offset);
  }

  @Test
  void headerIsTheLastValueOfItsNameOrNull() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("a", utf8("1"));
    headers.add("b", utf8("x"));
    headers.add("a", utf8("2"));
    headers.add("empty", new byte[0]);
    headers.add("nothing", null);
    headers.add("ключ", utf8("значение"));
    ConsumerRecord<String, String> record =
        new ConsumerRecord<>(
            "orders", 0, 0, 5, TimestampType.CREATE_TIME, 1, 1, "k", "v", headers,
            Optional.empty());

    RecordAccess.Fields f = RecordAccess.read(record);

    assertArrayEquals(utf8("2"), f.header("a"));
    assertArrayEquals(utf8("x"), f.header("b"));
    assertArrayEquals(new byte[0], f.header("empty"));
    assertNull(f.header("nothing"));
    assertNull(f.header("missing"));
    assertArrayEquals(utf8("значение"), f.header("ключ"));
    assertNull(f.header(DeadLetters.ORIGINAL_TOPIC));

    headers.add(DeadLetters.ORIGINAL_TOPIC, utf8("orders"));
    assertArrayEquals(
        utf8("orders"), f.header(DeadLetters.ORIGINAL_TOPIC), "read live from the record's headers");
  }

  @Test
  void fieldsBuiltByHandHaveNoHeaders() {
    RecordAccess.Fields f = new RecordAccess.Fields();
    assertNull(f.header("a"));
  }
}
