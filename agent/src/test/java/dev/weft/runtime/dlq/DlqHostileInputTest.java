package dev.weft.runtime.dlq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.fuzz.FuzzBudget;
import dev.weft.runtime.fuzz.Texts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Records and failures of any shape (null, empty, binary and megabyte header values, keys in any
 * script, exceptions with no, huge or odd messages and cyclic causes) make dead letters and spool
 * entries without an exception, byte for byte; a damaged spool entry is refused as such.
 */
@AddLifecycleHook(FuzzBudget.class)
class DlqHostileInputTest {

  private static final int STACK_TRACE_LIMIT = 16 * 1024;

  @Property(tries = 200)
  void anyRecordGoesThroughTheSpoolByteForByte(
      @ForAll("headerKeys") List<String> keys,
      @ForAll("valuesList") List<byte[]> values,
      @ForAll("values") byte[] key,
      @ForAll("values") byte[] value,
      @ForAll("validTexts") String topic)
      throws IOException {
    List<byte[]> headerValues = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      headerValues.add(values.isEmpty() ? null : values.get(i % values.size()));
    }
    RawRecord record =
        new RawRecord(topic, 0, 7L, -1L, "NoTimestampType", key, value, keys, headerValues);
    DlqEntry entry =
        new DlqEntry(
            1L, "cluster", "b:9092", topic, topic, 0, 7L, topic + ".dlq", "read_committed", keys,
            headerValues, null, null, record);
    DlqEntry back = DlqEntry.decode(entry.encode());
    assertEquals(keys, back.failureKeys);
    assertSameBytes(headerValues, back.failureValues);
    assertArrayEquals(key, back.record.key);
    assertArrayEquals(value, back.record.value);
    assertEquals(keys, back.record.headerKeys);
    assertSameBytes(headerValues, back.record.headerValues);
    assertEquals(topic, back.topic);
  }

  @Property(tries = 500)
  void damagedSpoolEntriesAreRefusedAsDamaged(
      @ForAll("values") byte[] body, @ForAll @IntRange(min = 0, max = 400) int at, @ForAll byte b) {
    byte[] data = body == null ? new byte[0] : body;
    // A valid entry with one byte changed, checksum recomputed: only the format check is left.
    try {
      byte[] valid = sample().encode();
      valid[8 + at % (valid.length - 16)] = b;
      decodeOrRefuse(withChecksum(Arrays.copyOf(valid, valid.length - 8)));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    decodeOrRefuse(withChecksum(data));
    decodeOrRefuse(data);
  }

  @Property(tries = 80)
  void anyFailureMakesSpringsHeaders(
      @ForAll("texts") String message,
      @ForAll("texts") String causeMessage,
      @ForAll @IntRange(min = 0, max = 40) int depth,
      @ForAll boolean cyclic,
      @ForAll("texts") String topic,
      @ForAll("texts") String group) {
    Throwable error = new IllegalStateException(message);
    Throwable tail = error;
    for (int i = 0; i < depth; i++) {
      Throwable cause = new RuntimeException(causeMessage);
      tail.initCause(cause);
      tail = cause;
    }
    if (cyclic && depth > 0) {
      tail.initCause(error);
    }
    RecordAccess.Fields r = new RecordAccess.Fields();
    r.topic = topic;
    r.partition = -1;
    r.offset = Long.MIN_VALUE;
    r.timestamp = -1;
    r.timestampType = null;
    List<String> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    FailureHeaders.add(r, group, error, null, keys, values);
    assertEquals(keys.size(), values.size());
    String trace = FailureHeaders.stackTrace(error);
    assertTrue(trace.length() <= STACK_TRACE_LIMIT + 60, "stack trace " + trace.length());
    if (!Texts.hasLoneSurrogate(message) && !Texts.hasLoneSurrogate(causeMessage)) {
      assertFalse(Texts.hasLoneSurrogate(trace), "the cut leaves half a character");
    }
  }

  // ---- inputs that once failed, or that the issue names -------------------------------------

  @Example
  void aStackTraceCutAtItsCapKeepsWholeCharacters() {
    // Ended in half a surrogate pair: the cut at 16,384 chars fell between its two halves, and
    // the header's UTF-8 had a '?' there.
    for (int shift = 0; shift < 2; shift++) {
      String message = "x".repeat(shift) + "\ud83d\ude00".repeat(9000);
      String trace = FailureHeaders.stackTrace(new IllegalStateException(message));
      assertFalse(Texts.hasLoneSurrogate(trace), Texts.escape(trace.substring(16_370, 16_390)));
    }
  }

  @Example
  void nullAndMegabyteHeaderValuesAndBinaryKeysAreKept() throws IOException {
    anyRecordGoesThroughTheSpoolByteForByte(
        Arrays.asList("", "\u0000\u0001", "\ud83d\ude00", "k"),
        Arrays.asList(null, new byte[1 << 20], new byte[] {(byte) 0xff, 0, (byte) 0xc3}),
        new byte[] {(byte) 0x80, (byte) 0xfe},
        null,
        "t\u0000\u00e9");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static void decodeOrRefuse(byte[] data) {
    try {
      DlqEntry.decode(data);
    } catch (IOException refused) {
      // What the spool expects of damage: it sets the file aside.
    }
  }

  private static byte[] withChecksum(byte[] body) {
    CRC32 crc = new CRC32();
    crc.update(body);
    byte[] data = Arrays.copyOf(body, body.length + 8);
    long v = crc.getValue();
    for (int i = 0; i < 8; i++) {
      data[body.length + i] = (byte) (v >>> (56 - 8 * i));
    }
    return data;
  }

  private static DlqEntry sample() {
    List<String> keys = Arrays.asList("a", "b");
    List<byte[]> values = Arrays.asList(new byte[] {1}, null);
    return new DlqEntry(
        3L, "c", "b:9092", "g", "t", 1, 2L, "t.dlq", "read_uncommitted", keys, values, "id",
        null, new RawRecord("t", 1, 2L, 5L, "CreateTime", null, new byte[3], keys, values));
  }

  private static void assertSameBytes(List<byte[]> expected, List<byte[]> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), "value " + i);
    }
  }

  // ---- generators ----------------------------------------------------------------------------

  /** Header keys as Kafka hands them over: any text that is valid Unicode. */
  @Provide
  Arbitrary<List<String>> headerKeys() {
    return Arbitraries.oneOf(
            Arbitraries.of("", "traceparent", "kafka_dlt-original-topic", "\u0000", "\ud83d\ude00"),
            Arbitraries.strings().all().ofMaxLength(30).filter(s -> !Texts.hasLoneSurrogate(s)))
        .list()
        .ofMaxSize(12);
  }

  @Provide
  Arbitrary<byte[]> values() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, Arbitraries.just(null)),
        net.jqwik.api.Tuple.of(2, Arbitraries.just(new byte[0])),
        // Megabyte values: nullAndMegabyteHeaderValuesAndBinaryKeysAreKept, once, as they cost.
        net.jqwik.api.Tuple.of(8, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)));
  }

  @Provide
  Arbitrary<List<byte[]>> valuesList() {
    return values().list().ofMaxSize(12);
  }

  /** Text as Kafka hands it over (decoded from UTF-8): no half surrogate pairs. */
  @Provide
  Arbitrary<String> validTexts() {
    return texts().filter(s -> !Texts.hasLoneSurrogate(s));
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(
        Arbitraries.just(null),
        Arbitraries.strings().all().ofMaxLength(50),
        Arbitraries.longs()
            .map(seed -> Texts.wide(seed, 16_000 + (int) Math.floorMod(seed, 2_000L),
                "\ud83d\ude00", "\u00e9", "a")));
  }
}
