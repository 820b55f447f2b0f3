package dev.weft.runtime.dlq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** The spool's file format: what goes in comes out, and damage is detected. */
class DlqEntryTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] allBytes() {
    byte[] b = new byte[512];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 7);
    }
    return b;
  }

  private static DlqEntry full() {
    List<String> failureKeys =
        Arrays.asList("kafka_dlt-original-topic", "kafka_dlt-original-offset", "nüll", "空", "");
    List<byte[]> failureValues =
        Arrays.asList(utf8("orders"), ByteBuffer.allocate(8).putLong(-2L).array(), null,
            new byte[0], allBytes());
    RawRecord record =
        new RawRecord(
            "orders", 5, Long.MAX_VALUE - 1, 1_700_000_000_123L, "LogAppendTime", allBytes(),
            new byte[0],
            Arrays.asList("trace", "Ärger-ключ-名前", "trace", "empty", "null"),
            Arrays.asList(utf8("a"), utf8("ümlaut"), utf8("b"), new byte[0], null));
    return new DlqEntry(
        Long.MAX_VALUE, "cluster\u0000key", "broker-1:9092,broker-2:9092", "grüppe", "orders", 5,
        Long.MAX_VALUE - 1, "orders-failed", "read_uncommitted", failureKeys, failureValues,
        null, null, record);
  }

  private static void assertSameBytes(List<byte[]> expected, List<byte[]> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), "value " + i);
    }
  }

  @Test
  void roundTripKeepsEveryFieldAndByte() throws Exception {
    DlqEntry e = full();
    byte[] data = e.encode();

    DlqEntry back = DlqEntry.decode(data);

    assertEquals(data.length, back.size);
    assertEquals(e.seq, back.seq);
    assertEquals(e.clusterKey, back.clusterKey);
    assertEquals(e.bootstrap, back.bootstrap);
    assertEquals(e.group, back.group);
    assertEquals(e.topic, back.topic);
    assertEquals(e.partition, back.partition);
    assertEquals(e.offset, back.offset);
    assertEquals(e.dlqTopic, back.dlqTopic);
    assertEquals(e.isolationLevel, back.isolationLevel);
    assertEquals(e.recordKey(), back.recordKey());
    assertEquals(e.failureKeys, back.failureKeys);
    assertSameBytes(e.failureValues, back.failureValues);
    assertNull(back.failureValues.get(2));
    assertEquals(0, back.failureValues.get(3).length);

    RawRecord r = back.record;
    assertNotNull(r);
    assertEquals("orders", r.topic);
    assertEquals(5, r.partition);
    assertEquals(Long.MAX_VALUE - 1, r.offset);
    assertEquals(1_700_000_000_123L, r.timestamp);
    assertEquals("LogAppendTime", r.timestampType);
    assertArrayEquals(allBytes(), r.key);
    assertNotNull(r.value);
    assertEquals(0, r.value.length, "an empty value stays empty, not null");
    assertEquals(e.record.headerKeys, r.headerKeys);
    assertSameBytes(e.record.headerValues, r.headerValues);
    assertNull(r.headerValues.get(4));

    assertArrayEquals(data, back.encode(), "decoding and encoding again gives the same bytes");
  }

  @Test
  void roundTripWithNullsAndWithoutRecord() throws Exception {
    DlqEntry e =
        new DlqEntry(
            0, null, null, null, "t", 0, 0, "t.dlq", null, Collections.emptyList(),
            Collections.emptyList(), null, null, null);

    DlqEntry back = DlqEntry.decode(e.encode());

    assertNull(back.clusterKey);
    assertNull(back.bootstrap);
    assertNull(back.group);
    assertNull(back.isolationLevel);
    assertEquals("t", back.topic);
    assertEquals("t.dlq", back.dlqTopic);
    assertTrue(back.failureKeys.isEmpty());
    assertTrue(back.failureValues.isEmpty());
    assertNull(back.record);
  }

  @Test
  void aRecordWithNullKeyValueAndNegativeTimestamp() throws Exception {
    DlqEntry e =
        new DlqEntry(
            3, "c", "b:1", "", "t", 0, 0, "t.dlq", "read_committed", Collections.emptyList(),
            Collections.emptyList(), null, null,
            new RawRecord("t", 0, 0, -1, "NoTimestampType", null, null,
                Collections.singletonList("h"), Collections.singletonList(null)));

    RawRecord r = DlqEntry.decode(e.encode()).record;

    assertNull(r.key);
    assertNull(r.value);
    assertEquals(-1, r.timestamp);
    assertEquals("NoTimestampType", r.timestampType);
    assertEquals(Collections.singletonList("h"), r.headerKeys);
    assertNull(r.headerValues.get(0));
    assertEquals("", DlqEntry.decode(e.encode()).group);
  }

  @Test
  void everyFlippedByteFailsTheChecksum() throws Exception {
    byte[] data = full().encode();
    for (int i = 0; i < data.length; i++) {
      byte[] damaged = data.clone();
      damaged[i] ^= 0x01;
      IOException x = assertThrows(IOException.class, () -> DlqEntry.decode(damaged), "byte " + i);
      assertEquals("checksum mismatch", x.getMessage(), "byte " + i);
    }
    byte[] damaged = data.clone();
    damaged[data.length / 3] = (byte) ~damaged[data.length / 3];
    assertThrows(IOException.class, () -> DlqEntry.decode(damaged));
  }

  @Test
  void truncatedDataFails() throws Exception {
    byte[] data = full().encode();
    for (int n : new int[] {0, 1, 15, 16, 17, data.length / 2, data.length - 8, data.length - 1}) {
      byte[] cut = Arrays.copyOf(data, n);
      assertThrows(IOException.class, () -> DlqEntry.decode(cut), "length " + n);
    }
  }

  @Test
  void aValidChecksumOverSomethingElseIsRefused() throws Exception {
    IOException magic =
        assertThrows(IOException.class, () -> DlqEntry.decode(withCrc(0x12345678, 1)));
    assertEquals("not a Weft dead-letter entry", magic.getMessage());
    IOException version =
        assertThrows(IOException.class, () -> DlqEntry.decode(withCrc(0x57444c51, 3)));
    assertTrue(version.getMessage().contains("version 3"), version.getMessage());
  }

  /** Magic, version, then eight zero bytes, then a correct checksum. */
  private static byte[] withCrc(int magic, int version) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    out.writeInt(version);
    out.writeLong(0);
    out.flush();
    CRC32 crc = new CRC32();
    crc.update(bytes.toByteArray());
    out.writeLong(crc.getValue());
    out.flush();
    return bytes.toByteArray();
  }
}
