package dev.weft.runtime.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** The spool on a real directory: segments written, reopened, torn, compacted, locked. */
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
        null,
        null,
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

  private static Path segment(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(Spool.SEGMENT_SUFFIX)).findFirst().orElseThrow();
    }
  }

  @Test
  void aTornLastEntryIsIgnoredAndTheEntriesBeforeItLoad() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    for (long seq = 1; seq <= 4; seq++) {
      assertTrue(s.append(entry(seq, "g", seq)));
    }
    long oneEntry = s.pending().get(0).size;
    s.close();
    opened.remove(s);
    // a crash in the middle of writing entry 4: half of it reached the disk
    Path seg = segment(dir);
    byte[] whole = Files.readAllBytes(seg);
    Files.write(seg, Arrays.copyOf(whole, whole.length - (int) oneEntry / 2));

    s = open(dir, LARGE);

    assertEquals(Arrays.asList(1L, 2L, 3L), seqs(s));
    assertEquals(3 * oneEntry, s.bytes());
    assertEquals(4, s.nextSeq(), "the torn entry gives no sequence number");
  }

  @Test
  void aDamagedEntryEndsTheSegmentsReadableEntries() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    for (long seq = 1; seq <= 3; seq++) {
      assertTrue(s.append(entry(seq, "g", seq)));
    }
    long oneEntry = s.pending().get(0).size;
    s.close();
    opened.remove(s);
    Path seg = segment(dir);
    byte[] bytes = Files.readAllBytes(seg);
    bytes[(int) (oneEntry + oneEntry / 2)] ^= 0x40; // inside entry 2: its checksum fails
    Files.write(seg, bytes);

    s = open(dir, LARGE);

    assertEquals(Collections.singletonList(1L), seqs(s));
  }

  @Test
  void appendRefusesAndWritesNothingWhenTheLimitWouldBeExceeded() throws Exception {
    int oneEntry = entry(1, "g", 1).encode().length + 4;
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, 2L * oneEntry + oneEntry / 2);

    assertTrue(s.append(entry(1, "g", 1)));
    assertTrue(s.append(entry(2, "g", 2)));
    assertEquals(2L * oneEntry, s.bytes());
    long segmentSize = Files.size(segment(dir));

    DlqEntry third = entry(3, "g", 3);
    assertFalse(s.append(third));

    assertEquals(2, s.size());
    assertEquals(2L * oneEntry, s.bytes());
    assertEquals(segmentSize, Files.size(segment(dir)), "nothing written");
    assertFalse(s.known(third.recordKey()));

    // a batch: what fits is written, the rest is handed back
    Spool batch = open(tmp.resolve("batch"), 3L * oneEntry);
    List<DlqEntry> refused =
        batch.append(Arrays.asList(entry(1, "g", 1), entry(2, "g", 2), entry(3, "g", 3), entry(4, "g", 4)));
    assertEquals(Collections.singletonList(4L), refused.stream().map(e -> e.seq).collect(Collectors.toList()));
    assertEquals(3, batch.size());
    assertEquals(3L * oneEntry, batch.bytes(), "exactly at the limit is accepted");
  }

  @Test
  void deliveredEntriesAreForgottenTheirKeysRememberedAcrossReopens() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    DlqEntry a = entry(1, "billing", 41);
    DlqEntry b = entry(2, "billing", 42);
    assertTrue(s.append(a));
    assertTrue(s.append(b));
    assertTrue(s.known(a.recordKey()), "a waiting entry is known");

    s.delivered(Collections.singletonList(a));

    assertEquals(Collections.singletonList(2L), seqs(s));
    assertEquals(b.size, s.bytes());
    assertFalse(s.isPending(a));
    assertTrue(s.known(a.recordKey()));
    assertFalse(s.known(DlqEntry.recordKey("cluster-1", "other-group", "orders", 2, 41)));
    assertFalse(s.known(DlqEntry.recordKey("cluster-2", "billing", "orders", 2, 41)));

    s = reopen(s, LARGE);
    assertTrue(s.known(a.recordKey()), "remembered from done.log");
    assertTrue(s.known(b.recordKey()), "still waiting");
    assertEquals(Collections.singletonList(2L), seqs(s));

    s.delivered(s.pending());
    assertEquals(0, s.size());
    assertEquals(0, s.bytes());

    // every open compacts done.log; a second reopen reads the compacted log, and a segment
    // with nothing waiting is deleted
    s = reopen(s, LARGE);
    s = reopen(s, LARGE);
    assertTrue(s.known(a.recordKey()));
    assertTrue(s.known(b.recordKey()));
    assertFalse(s.known(DlqEntry.recordKey("cluster-1", "billing", "orders", 2, 43)));
    List<String> lines = Files.readAllLines(dir.resolve("done.log"), StandardCharsets.UTF_8);
    assertEquals(2, lines.size(), "one line per key after compaction: " + lines);
    assertTrue(names(dir).stream().noneMatch(n -> n.endsWith(Spool.SEGMENT_SUFFIX)), names(dir).toString());
  }

  @Test
  void recordKeysWithLineBreaksTabsBackslashesAndNonAsciiSurviveTheLog() throws Exception {
    Path dir = tmp.resolve("spool");
    Spool s = open(dir, LARGE);
    List<DlqEntry> odd =
        Arrays.asList(
            entry(1, "a\nb", 1),
            entry(2, "back\\slash\\0\\n\tt", 2),
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
  void aQuarantinedEntryLeavesTheQueueWithItsReasonAndFreesItsRoom() throws Exception {
    Path dir = tmp.resolve("spool");
    int oneEntry = entry(1, "g", 1).encode().length + 4;
    Spool s = open(dir, 2L * oneEntry);
    DlqEntry a = entry(1, "g", 1);
    assertTrue(s.append(a));
    assertTrue(s.append(entry(2, "g", 2)));
    assertFalse(s.append(entry(3, "g", 3)), "full");

    s.quarantine(a, "topic_deleted");

    assertEquals(oneEntry, s.bytes());
    assertEquals(Collections.singletonList(2L), seqs(s));
    assertFalse(s.known(a.recordKey()), "set aside, not delivered: not remembered");
    assertTrue(s.append(entry(3, "g", 3)), "room again");
    s.quarantine(a, "topic_deleted"); // a second time changes nothing

    List<DlqEntry> lost = Spool.quarantined(dir);
    assertEquals(1, lost.size());
    assertEquals("topic_deleted", lost.get(0).lostReason);
    assertEquals(1, lost.get(0).offset);
    assertEquals(a.failureKeys, lost.get(0).failureKeys);

    s = reopen(s, 2L * oneEntry);
    assertEquals(Arrays.asList(2L, 3L), seqs(s));
    assertEquals(Arrays.asList(2L, 3L),
        Spool.waiting(dir).stream().map(e -> e.seq).collect(Collectors.toList()),
        "what dlq inspect --spool reads without taking the spool over");
  }

  @Test
  void entriesOfTheFirstFormatAreTakenOverInOrder() throws Exception {
    Path dir = tmp.resolve("spool");
    Files.createDirectories(dir);
    for (long seq : new long[] {7, 3, 5}) {
      Files.write(dir.resolve(String.format("%019d", seq) + Spool.LEGACY_SUFFIX), entry(seq, "g", seq * 10).encode());
    }

    Spool s = open(dir, LARGE);

    assertEquals(Arrays.asList(3L, 5L, 7L), seqs(s));
    assertTrue(names(dir).stream().noneMatch(n -> n.endsWith(Spool.LEGACY_SUFFIX)), names(dir).toString());
    s = reopen(s, LARGE);
    assertEquals(Arrays.asList(3L, 5L, 7L), seqs(s));
    assertEquals(8, s.nextSeq());
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
    assertEquals(1, Spool.waiting(tmp.resolve("spool.1")).size());

    // closing releases the lock: the base directory is free again, with its entry
    first.close();
    opened.remove(first);
    Spool again = open(base, LARGE);
    assertEquals(base, again.dir());
    assertEquals(Collections.singletonList(1L), seqs(again));
    assertEquals(1, again.pending().get(0).offset);
  }
}
