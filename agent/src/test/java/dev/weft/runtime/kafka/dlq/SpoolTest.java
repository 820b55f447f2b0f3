package dev.weft.runtime.kafka.dlq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool on a real directory: files written, reopened, damaged, locked. */
class SpoolTest {

  private static final long LARGE = 64L * 1024 * 1024;

  @TempDir Path tmp;

  private final List<Spool> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    for (Spool s : opened) {
      s.close();
    }
  }

  private Spool open(Path dir, long maxBytes) throws IOException {
    Spool s = Spool.open(dir, maxBytes);
    opened.add(s);
    return s;
  }

  private Spool reopen(Spool s, long maxBytes) throws IOException {
    s.close();
    opened.remove(s);
    return open(s.dir(), maxBytes);
  }

  private static DlqEntry entry(long seq, String group, long offset) {
    return new DlqEntry(
        seq,
        "cluster-1",
        "localhost:9092",
        group,
        "orders",
        2,
        offset,
        "orders.dlq",
        "read_committed",
        Arrays.asList("kafka_dlt-original-topic", "kafka_dlt-exception-message"),
        Arrays.asList(
            "orders".getBytes(StandardCharsets.UTF_8), "boom".getBytes(StandardCharsets.UTF_8)),
        null);
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static List<Long> seqs(Spool s) {
    return s.pending().stream().map(e -> e.seq).collect(Collectors.toList());
  }

  @Test
  void entriesComeBackInSequenceOrderAfterReopening() throws Exception {
    Spool s = open(tmp.resolve("spool"), LARGE);
    // written out of order on purpose: the order is the sequence number's, not the writes'
    for (long seq : new long[] {12, 3, 7, 100, 1}) {
      assertTrue(s.append(entry(seq, "g", seq * 10)));
    }
    assertEquals(Arrays.asList(1L, 3L, 7L, 12L, 100L), seqs(s));
    long bytes = s.bytes();

    s = reopen(s, LARGE);

    assertEquals(Arrays.asList(1L, 3L, 7L, 12L, 100L), seqs(s));
    assertEquals(5, s.size());
    assertEquals(bytes, s.bytes());
    for (DlqEntry e : s.pending()) {
      assertEquals(e.seq * 10, e.offset);
      assertEquals("g", e.group);
      assertEquals("orders.dlq", e.dlqTopic);
      assertNull(e.record);
    }
    assertEquals(101, s.nextSeq(), "numbering goes on after the highest entry on disk");
    assertEquals(102, s.nextSeq());
  }

  @Test
  void aFreshSpoolStartsAtOneAndIsEmpty() throws Exception {
    Spool s = open(tmp.resolve("fresh"), LARGE);
    assertEquals(0, s.size());
    assertEquals(0, s.bytes());
    assertTrue(s.pending().isEmpty());
    assertEquals(1, s.nextSeq());
    assertTrue(Files.isDirectory(tmp.resolve("fresh")), "created when missing");
  }

  @Test
  void anInterruptedWriteIsDeletedOnOpenAndNeverRead() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    assertTrue(s.append(entry(1, "g", 10)));
    s.close();
    opened.remove(s);
    // a complete, valid entry left under its temporary name: the rename never happened
    Path leftover = dir.resolve(String.format("%019d", 2) + Spool.SUFFIX + ".tmp");
    Files.write(leftover, entry(2, "g", 20).encode());

    s = open(dir, LARGE);

    assertFalse(Files.exists(leftover));
    assertEquals(Collections.singletonList(1L), seqs(s));
    assertFalse(s.known(DlqEntry.recordKey("cluster-1", "g", "orders", 2, 20)));
    assertEquals(2, s.nextSeq(), "a sequence number is not taken from a temporary file");
  }

  @Test
  void aCorruptOrTruncatedEntryIsMovedAsideAndTheRestLoad() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    for (long seq = 1; seq <= 4; seq++) {
      assertTrue(s.append(entry(seq, "g", seq)));
    }
    long goodSize = s.pending().get(0).size;
    s.close();
    opened.remove(s);
    Path truncated = dir.resolve(String.format("%019d", 2) + Spool.SUFFIX);
    byte[] whole = Files.readAllBytes(truncated);
    Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
    Path corrupt = dir.resolve(String.format("%019d", 3) + Spool.SUFFIX);
    byte[] flipped = Files.readAllBytes(corrupt);
    flipped[flipped.length / 2] ^= 0x40;
    Files.write(corrupt, flipped);
    Path tiny = dir.resolve(String.format("%019d", 9) + Spool.SUFFIX);
    Files.write(tiny, new byte[] {1, 2, 3});

    s = open(dir, LARGE);

    assertEquals(Arrays.asList(1L, 4L), seqs(s));
    assertEquals(2 * goodSize, s.bytes());
    assertEquals(5, s.nextSeq(), "an unreadable file gives no sequence number");
    List<String> names = names(dir);
    assertTrue(names.contains(truncated.getFileName() + ".unreadable"), names.toString());
    assertTrue(names.contains(corrupt.getFileName() + ".unreadable"), names.toString());
    assertTrue(names.contains(tiny.getFileName() + ".unreadable"), names.toString());
    assertFalse(Files.exists(truncated));
    assertFalse(Files.exists(corrupt));
    assertFalse(Files.exists(tiny));
    assertArrayEquals(
        Arrays.copyOf(whole, whole.length / 2),
        Files.readAllBytes(dir.resolve(truncated.getFileName() + ".unreadable")),
        "moved aside as it was, for a person to look at");

    // the files moved aside stay aside: a later open reads the good entries only
    s = reopen(s, LARGE);
    assertEquals(Arrays.asList(1L, 4L), seqs(s));
  }

  @Test
  void appendRefusesAndWritesNothingWhenTheLimitWouldBeExceeded() throws Exception {
    int oneEntry = entry(1, "g", 1).encode().length;
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, 2L * oneEntry + oneEntry / 2);
    List<String> before = names(dir);

    assertTrue(s.append(entry(1, "g", 1)));
    assertTrue(s.append(entry(2, "g", 2)));
    assertEquals(2L * oneEntry, s.bytes());
    List<String> withTwo = names(dir);

    DlqEntry third = entry(3, "g", 3);
    assertFalse(s.append(third));

    assertEquals(2, s.size());
    assertEquals(2L * oneEntry, s.bytes());
    assertEquals(withTwo, names(dir), "no file, not even a temporary one");
    assertEquals(before.size() + 2, withTwo.size());
    assertFalse(s.known(third.recordKey()));

    // exactly at the limit is accepted
    Spool exact = open(tmp.resolve("exact"), oneEntry);
    assertTrue(exact.append(entry(1, "g", 1)));
    assertFalse(exact.append(entry(2, "g", 2)));
    assertEquals(oneEntry, exact.bytes());
  }

  @Test
  void deliveredRemovesTheFileAndRemembersTheKeyAcrossReopens() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    DlqEntry a = entry(1, "billing", 41);
    DlqEntry b = entry(2, "billing", 42);
    assertTrue(s.append(a));
    assertTrue(s.append(b));
    assertTrue(s.known(a.recordKey()), "a waiting entry is known");
    Path fileA = dir.resolve(String.format("%019d", 1) + Spool.SUFFIX);
    assertTrue(Files.exists(fileA));

    s.delivered(a);

    assertFalse(Files.exists(fileA));
    assertEquals(Collections.singletonList(2L), seqs(s));
    assertEquals(b.size, s.bytes());
    assertTrue(s.known(a.recordKey()));
    assertFalse(s.known(DlqEntry.recordKey("cluster-1", "other-group", "orders", 2, 41)));
    assertFalse(s.known(DlqEntry.recordKey("cluster-2", "billing", "orders", 2, 41)));

    s = reopen(s, LARGE);
    assertTrue(s.known(a.recordKey()), "remembered from published.log");
    assertTrue(s.known(b.recordKey()), "still waiting");
    assertEquals(Collections.singletonList(2L), seqs(s));

    s.delivered(s.pending().get(0));
    assertEquals(0, s.size());
    assertEquals(0, s.bytes());

    // every open compacts published.log (rewrites it with the keys kept); a second reopen reads
    // the compacted log
    s = reopen(s, LARGE);
    s = reopen(s, LARGE);
    assertTrue(s.known(a.recordKey()));
    assertTrue(s.known(b.recordKey()));
    assertFalse(s.known(DlqEntry.recordKey("cluster-1", "billing", "orders", 2, 43)));
    List<String> lines = Files.readAllLines(dir.resolve("published.log"), StandardCharsets.UTF_8);
    assertEquals(2, lines.size(), "one line per key after compaction: " + lines);
  }

  @Test
  void recordKeysWithLineBreaksBackslashesAndNonAsciiSurviveTheLog() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    List<DlqEntry> odd =
        Arrays.asList(
            entry(1, "a\nb", 1),
            entry(2, "back\\slash\\0\\n", 2),
            entry(3, "cr\rlf\r\n", 3),
            entry(4, "grüppe-日本", 4),
            entry(5, "", 5));
    for (DlqEntry e : odd) {
      assertTrue(s.append(e));
      s.delivered(e);
    }
    s = reopen(s, LARGE);
    s = reopen(s, LARGE);
    for (DlqEntry e : odd) {
      assertTrue(s.known(e.recordKey()), () -> "group " + e.group.replace("\r", "\\r").replace("\n", "\\n"));
    }
    assertFalse(s.known(DlqEntry.recordKey("cluster-1", "a", "orders", 2, 1)));
    assertFalse(s.known(DlqEntry.recordKey("cluster-1", "cr", "orders", 2, 3)));
  }

  @Test
  void removeFreesItsBytesAndForgetsTheEntry() throws Exception {
    Path dir = tmp.resolve("spool");
    int oneEntry = entry(1, "g", 1).encode().length;
    Spool s = open(dir, 2L * oneEntry);
    DlqEntry a = entry(1, "g", 1);
    assertTrue(s.append(a));
    assertTrue(s.append(entry(2, "g", 2)));
    assertFalse(s.append(entry(3, "g", 3)), "full");

    s.remove(a);

    assertEquals(oneEntry, s.bytes());
    assertEquals(Collections.singletonList(2L), seqs(s));
    assertFalse(Files.exists(dir.resolve(String.format("%019d", 1) + Spool.SUFFIX)));
    assertFalse(s.known(a.recordKey()), "removed, not delivered: not remembered");
    assertTrue(s.append(entry(3, "g", 3)), "room again");

    s.remove(a); // a second time changes nothing
    assertEquals(2L * oneEntry, s.bytes());

    s = reopen(s, 2L * oneEntry);
    assertEquals(Arrays.asList(2L, 3L), seqs(s));
    assertFalse(s.known(a.recordKey()));
  }

  @Test
  void rewriteAfterReadingTheRecordBackPersistsItByteForByte() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    DlqEntry e = entry(1, "g", 7);
    DlqEntry other = entry(2, "g", 8);
    assertTrue(s.append(e));
    assertTrue(s.append(other));
    long sizeBefore = e.size;

    byte[] binaryKey = new byte[256];
    for (int i = 0; i < binaryKey.length; i++) {
      binaryKey[i] = (byte) i;
    }
    byte[] value = "{\"id\":1,\"name\":\"Zoë\"}".getBytes(StandardCharsets.UTF_8);
    List<String> headerKeys = Arrays.asList("h-null", "h-empty", "h-bin", "h-dup", "h-dup", "ключ");
    List<byte[]> headerValues =
        Arrays.asList(null, new byte[0], new byte[] {0, -1, 127, -128}, new byte[] {1}, new byte[] {2},
            "значение".getBytes(StandardCharsets.UTF_8));
    e.record =
        new RawRecord("orders", 2, 7, 1_700_000_000_123L, "CreateTime", binaryKey, value, headerKeys,
            headerValues);
    other.record =
        new RawRecord("orders", 2, 8, -1, "NoTimestampType", null, null, Collections.emptyList(),
            Collections.emptyList());
    s.rewrite(e);
    s.rewrite(other);

    assertTrue(e.size > sizeBefore);
    assertEquals(e.size + other.size, s.bytes());
    assertEquals(
        e.size, Files.size(dir.resolve(String.format("%019d", 1) + Spool.SUFFIX)));
    assertFalse(names(dir).stream().anyMatch(n -> n.endsWith(".tmp")), names(dir).toString());

    s = reopen(s, LARGE);

    assertEquals(Arrays.asList(1L, 2L), seqs(s));
    DlqEntry back = s.pending().get(0);
    assertEquals(e.size, back.size);
    assertEquals(e.size + other.size, s.bytes());
    RawRecord r = back.record;
    assertNotNull(r);
    assertEquals("orders", r.topic);
    assertEquals(2, r.partition);
    assertEquals(7, r.offset);
    assertEquals(1_700_000_000_123L, r.timestamp);
    assertEquals("CreateTime", r.timestampType);
    assertArrayEquals(binaryKey, r.key);
    assertArrayEquals(value, r.value);
    assertEquals(headerKeys, r.headerKeys);
    assertEquals(headerValues.size(), r.headerValues.size());
    for (int i = 0; i < headerValues.size(); i++) {
      assertArrayEquals(headerValues.get(i), r.headerValues.get(i), "header " + i);
    }
    assertNull(r.headerValues.get(0));
    assertEquals(0, r.headerValues.get(1).length);
    // the failure headers are untouched
    assertEquals(e.failureKeys, back.failureKeys);
    assertArrayEquals(e.failureValues.get(1), back.failureValues.get(1));

    RawRecord n = s.pending().get(1).record;
    assertNotNull(n);
    assertNull(n.key);
    assertNull(n.value);
    assertEquals(-1, n.timestamp);
    assertEquals("NoTimestampType", n.timestampType);
    assertTrue(n.headerKeys.isEmpty());
  }

  @Test
  void rewriteOfAnEntryNoLongerWaitingWritesNothing() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    DlqEntry e = entry(1, "g", 1);
    assertTrue(s.append(e));
    s.delivered(e);
    e.record =
        new RawRecord("orders", 2, 1, 5, "CreateTime", new byte[] {1}, new byte[] {2},
            Collections.emptyList(), Collections.emptyList());

    s.rewrite(e);

    assertFalse(Files.exists(dir.resolve(String.format("%019d", 1) + Spool.SUFFIX)));
    assertEquals(0, s.bytes());
    assertEquals(0, s.size());
  }

  @Test
  void aSecondOpenInTheSameJvmTakesTheNextDirectory() throws Exception {
    Path base = tmp.resolve("spool");
    Spool first = open(base, LARGE);
    Spool second = open(base, LARGE);
    Spool third = open(base, LARGE);

    assertEquals(base, first.dir());
    assertEquals(tmp.resolve("spool.1"), second.dir());
    assertEquals(tmp.resolve("spool.2"), third.dir());

    assertTrue(first.append(entry(1, "g", 1)));
    assertTrue(second.append(entry(1, "g", 2)));
    assertEquals(1, first.size());
    assertEquals(1, second.size());
    assertTrue(Files.exists(tmp.resolve("spool.1").resolve(String.format("%019d", 1) + Spool.SUFFIX)));

    // closing releases the lock: the base directory is free again, with its entry
    first.close();
    opened.remove(first);
    Spool again = open(base, LARGE);
    assertEquals(base, again.dir());
    assertEquals(Collections.singletonList(1L), seqs(again));
    assertEquals(1, again.pending().get(0).offset);
  }
}
