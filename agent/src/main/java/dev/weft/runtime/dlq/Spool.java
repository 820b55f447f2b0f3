package dev.weft.runtime.dlq;

import dev.weft.runtime.core.WeftLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The dead-letter spool: failed records not yet acknowledged by their dead-letter topic, on disk.
 *
 * <p>Entries are appended to segment files ({@code <first seq>.seg}, each entry a length-prefixed
 * {@link DlqEntry} with its own checksum), many at a time with one {@code force}: a storm of
 * failures costs one disk flush per batch, not per record. What became of an entry (delivered,
 * or set aside as lost) is appended to {@code done.log}, again one flush per batch; a segment
 * whose entries are all done is deleted. A crash in the middle of a write leaves a torn last
 * entry, which fails its checksum and is ignored: its consumer thread was never told it was
 * safe. {@code done.log} also keeps the record keys (group, topic, partition, offset) of the
 * entries delivered lately, so that a record consumed again after a restart is not
 * dead-lettered twice.
 *
 * <p>An entry that can never be delivered goes to {@code quarantine/} (one file each, its reason
 * inside), where {@code dlq inspect --spool} shows it. Files of the first spool format (one
 * {@code .dlq} file per entry) are taken over into a segment when the spool opens.
 *
 * <p>One process owns a directory (a lock file); a second process with the same setting takes
 * {@code <dir>.1}, {@code <dir>.2}, ... so two instances of a service never share entries.
 */
public final class Spool {

  static final String LEGACY_SUFFIX = ".dlq";
  static final String SEGMENT_SUFFIX = ".seg";
  static final String QUARANTINE = "quarantine";
  private static final String DONE_LOG = "done.log";
  private static final long SEGMENT_BYTES = 8L * 1024 * 1024;
  private static final int PUBLISHED_KEPT = 100_000;

  private final Path dir;
  private final long maxBytes;
  private final TreeMap<Long, DlqEntry> pending = new TreeMap<>();
  private final Set<String> pendingKeys = new HashSet<>();
  private final Set<String> published = new LinkedHashSet<>();
  /** Segment (its first sequence number) -> entries in it not done yet. */
  private final TreeMap<Long, Integer> liveInSegment = new TreeMap<>();
  /** Sequence numbers done whose segment is still on disk: rewritten when done.log is compacted. */
  private final Map<Long, Set<Long>> doneInSegment = new HashMap<>();
  private final FileChannel lockChannel;
  private final FileLock lock;
  private long bytes;
  private long nextSeq = 1;
  private FileChannel segment;
  private long segmentId = -1;
  private long segmentSize;
  private FileChannel doneLog;
  private int doneLines;

  private Spool(Path dir, long maxBytes, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Opens (creating it if needed) the first of {@code base}, {@code base.1}, ... no process owns. */
  static Spool open(Path base, long maxBytes) throws IOException {
    IOException last = null;
    for (int n = 0; n < 100; n++) {
      Path dir = n == 0 ? base : base.resolveSibling(base.getFileName() + "." + n);
      try {
        Files.createDirectories(dir);
        FileChannel channel =
            FileChannel.open(
                dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
          lock = channel.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
          lock = null;
        }
        if (lock == null) {
          channel.close();
          continue;
        }
        Spool spool = new Spool(dir, maxBytes, channel, lock);
        spool.load();
        if (n > 0) {
          WeftLog.warn("dead-letter spool " + base + " belongs to another process; using " + dir);
        }
        return spool;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last != null ? last : new IOException("every spool directory under " + base + " is taken");
  }

  Path dir() {
    return dir;
  }

  // ---- opening ------------------------------------------------------------------------------

  private void load() throws IOException {
    List<Path> segments = new ArrayList<>();
    List<Path> legacy = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        String name = p.getFileName().toString();
        if (name.endsWith(SEGMENT_SUFFIX)) {
          segments.add(p);
        } else if (name.endsWith(LEGACY_SUFFIX)) {
          legacy.add(p);
        } else if (name.endsWith(".tmp")) {
          Files.deleteIfExists(p); // a write a crash interrupted: never acknowledged to anyone
        }
      }
    }
    Set<Long> done = readDoneLog();
    for (Path p : segments) {
      long id = segmentId(p);
      int live = 0;
      for (DlqEntry e : readSegment(p)) {
        nextSeq = Math.max(nextSeq, e.seq + 1);
        if (done.contains(e.seq)) {
          doneInSegment.computeIfAbsent(id, k -> new HashSet<>()).add(e.seq);
          continue;
        }
        e.segment = id;
        index(e);
        live++;
      }
      if (live == 0) {
        Files.deleteIfExists(p);
        doneInSegment.remove(id);
      } else {
        liveInSegment.put(id, live);
      }
    }
    rewriteDoneLog();
    if (!legacy.isEmpty()) {
      takeOverLegacy(legacy);
    }
  }

  private static long segmentId(Path p) {
    String name = p.getFileName().toString();
    return Long.parseLong(name.substring(0, name.length() - SEGMENT_SUFFIX.length()));
  }

  /** The entries of a segment, up to a torn or damaged one (the end of what was written whole). */
  static List<DlqEntry> readSegment(Path p) throws IOException {
    List<DlqEntry> entries = new ArrayList<>();
    ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(p));
    while (all.remaining() >= 4) {
      int length = all.getInt();
      if (length <= 0 || length > all.remaining()) {
        break;
      }
      byte[] data = new byte[length];
      all.get(data);
      try {
        DlqEntry e = DlqEntry.decode(data);
        e.size = length + 4;
        entries.add(e);
      } catch (IOException | RuntimeException torn) {
        WeftLog.warn("dead-letter spool " + p + " ends in an entry that was not written whole ("
            + torn.getMessage() + "); it is ignored");
        break;
      }
    }
    return entries;
  }

  private Set<Long> readDoneLog() throws IOException {
    Set<Long> done = new HashSet<>();
    Path log = dir.resolve(DONE_LOG);
    if (!Files.exists(log)) {
      return done;
    }
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      int tab = line.indexOf('\t');
      if (tab < 0) {
        continue; // a torn last line
      }
      try {
        long seq = Long.parseLong(line.substring(0, tab));
        if (seq > 0) {
          done.add(seq);
        }
      } catch (NumberFormatException torn) {
        continue;
      }
      String key = line.substring(tab + 1);
      if (!key.isEmpty()) {
        String k = unescape(key);
        published.remove(k); // re-added at the end: the order is the order of delivery
        published.add(k);
      }
    }
    trimPublished();
    return done;
  }

  /** Entries of the first spool format, one file each: moved into a segment, then deleted. */
  private void takeOverLegacy(List<Path> files) throws IOException {
    List<DlqEntry> entries = new ArrayList<>();
    for (Path p : files) {
      try {
        DlqEntry old = DlqEntry.decode(Files.readAllBytes(p));
        entries.add(old);
        nextSeq = Math.max(nextSeq, old.seq + 1);
      } catch (IOException | RuntimeException bad) {
        Path aside = p.resolveSibling(p.getFileName() + ".unreadable");
        Files.move(p, aside, StandardCopyOption.REPLACE_EXISTING);
        WeftLog.error("dead-letter spool entry " + p + " cannot be read (" + bad.getMessage()
            + "); moved to " + aside.getFileName());
      }
    }
    entries.sort((a, b) -> Long.compare(a.seq, b.seq));
    List<byte[]> encoded = new ArrayList<>(entries.size());
    for (DlqEntry e : entries) {
      encoded.add(e.encode());
    }
    writeEntries(entries, encoded);
    for (Path p : files) {
      Files.deleteIfExists(p);
    }
    forceDirectory();
  }

  // ---- writing ------------------------------------------------------------------------------

  /** Next sequence number; entries are sent in this order within their original partition. */
  synchronized long nextSeq() {
    return nextSeq++;
  }

  /** Writes {@code entry} durably; false, with nothing written, when the spool is full. */
  synchronized boolean append(DlqEntry entry) throws IOException {
    return append(java.util.Collections.singletonList(entry)).isEmpty();
  }

  /**
   * Writes {@code entries} durably, with one flush to disk. Returns those that did not fit in
   * the spool's size limit (not written).
   */
  synchronized List<DlqEntry> append(List<DlqEntry> entries) throws IOException {
    List<DlqEntry> fit = new ArrayList<>(entries.size());
    List<byte[]> encoded = new ArrayList<>(entries.size());
    List<DlqEntry> full = new ArrayList<>(0);
    long room = maxBytes - bytes;
    for (DlqEntry e : entries) {
      byte[] data = e.encode();
      if (data.length + 4 > room) {
        full.add(e);
      } else {
        room -= data.length + 4;
        fit.add(e);
        encoded.add(data);
      }
    }
    writeEntries(fit, encoded);
    notifyAll();
    return full;
  }

  private void writeEntries(List<DlqEntry> entries, List<byte[]> encoded) throws IOException {
    if (entries.isEmpty()) {
      return;
    }
    if (segment == null || segmentSize >= SEGMENT_BYTES) {
      rollSegment(entries.get(0).seq);
    }
    int total = 0;
    for (byte[] data : encoded) {
      total += data.length + 4;
    }
    ByteBuffer buffer = ByteBuffer.allocate(total);
    for (byte[] data : encoded) {
      buffer.putInt(data.length).put(data);
    }
    buffer.flip();
    while (buffer.hasRemaining()) {
      segment.write(buffer);
    }
    segment.force(false);
    segmentSize += total;
    for (int i = 0; i < entries.size(); i++) {
      DlqEntry e = entries.get(i);
      e.size = encoded.get(i).length + 4;
      e.segment = segmentId;
      index(e);
    }
    liveInSegment.merge(segmentId, entries.size(), Integer::sum);
  }

  private void rollSegment(long firstSeq) throws IOException {
    long old = segmentId;
    segmentId = firstSeq;
    if (segment != null) {
      segment.close();
      segment = null;
      deleteIfDone(old);
    }
    Path p = dir.resolve(String.format("%019d", firstSeq) + SEGMENT_SUFFIX);
    segment = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    segmentSize = Files.size(p);
    forceDirectory();
  }

  private void index(DlqEntry e) {
    pending.put(e.seq, e);
    pendingKeys.add(e.recordKey());
    bytes += e.size;
  }

  /** {@code entries} were acknowledged by Kafka: remembered as published, their space freed. */
  synchronized void delivered(Collection<DlqEntry> entries) throws IOException {
    done(entries, true);
  }

  /** {@code entry} was acknowledged by Kafka. */
  synchronized void delivered(DlqEntry entry) throws IOException {
    done(java.util.Collections.singletonList(entry), true);
  }

  /**
   * {@code entry} can never be delivered ({@code reason}): it is kept in {@code quarantine/} for
   * {@code dlq inspect --spool}, and leaves the queue.
   */
  synchronized void quarantine(DlqEntry entry, String reason) throws IOException {
    if (!pending.containsKey(entry.seq)) {
      return;
    }
    Path q = dir.resolve(QUARANTINE);
    Files.createDirectories(q);
    byte[] data = entry.withLostReason(reason).encode();
    Path target = q.resolve(String.format("%019d", entry.seq) + LEGACY_SUFFIX);
    Path tmp = q.resolve(target.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(data);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    done(java.util.Collections.singletonList(entry), false);
  }

  private void done(Collection<DlqEntry> entries, boolean delivered) throws IOException {
    StringBuilder lines = new StringBuilder();
    List<DlqEntry> removed = new ArrayList<>(entries.size());
    for (DlqEntry e : entries) {
      if (pending.remove(e.seq) == null) {
        continue;
      }
      removed.add(e);
      bytes -= e.size;
      pendingKeys.remove(e.recordKey());
      lines.append(e.seq).append('\t');
      if (delivered) {
        String key = e.recordKey();
        published.add(key);
        lines.append(escape(key));
      }
      lines.append('\n');
    }
    if (removed.isEmpty()) {
      return;
    }
    ByteBuffer buffer = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
    while (buffer.hasRemaining()) {
      doneLog.write(buffer);
    }
    doneLog.force(false);
    doneLines += removed.size();
    Set<Long> emptied = new HashSet<>();
    for (DlqEntry e : removed) {
      doneInSegment.computeIfAbsent(e.segment, k -> new HashSet<>()).add(e.seq);
      Integer live = liveInSegment.merge(e.segment, -1, Integer::sum);
      if (live != null && live <= 0) {
        emptied.add(e.segment);
      }
    }
    for (long id : emptied) {
      deleteIfDone(id);
    }
    if (published.size() > PUBLISHED_KEPT) {
      trimPublished();
    }
    if (doneLines > 2 * PUBLISHED_KEPT + 2 * pending.size() + 1000) {
      rewriteDoneLog();
    }
  }

  /** Deletes a segment none of whose entries is pending, unless it is still being written. */
  private void deleteIfDone(long id) throws IOException {
    Integer live = liveInSegment.get(id);
    if ((live != null && live > 0) || id == segmentId) {
      return;
    }
    liveInSegment.remove(id);
    doneInSegment.remove(id);
    Files.deleteIfExists(dir.resolve(String.format("%019d", id) + SEGMENT_SUFFIX));
  }

  private void trimPublished() {
    int excess = published.size() - PUBLISHED_KEPT;
    java.util.Iterator<String> it = published.iterator();
    while (excess-- > 0 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  /** Writes done.log anew: the published keys kept, and what is done in segments still on disk. */
  private void rewriteDoneLog() throws IOException {
    if (doneLog != null) {
      doneLog.close();
    }
    Path log = dir.resolve(DONE_LOG);
    Path tmp = dir.resolve(DONE_LOG + ".tmp");
    StringBuilder all = new StringBuilder();
    for (String key : published) {
      all.append("0\t").append(escape(key)).append('\n');
    }
    int lines = published.size();
    for (Set<Long> seqs : doneInSegment.values()) {
      for (long seq : seqs) {
        all.append(seq).append("\t\n");
        lines++;
      }
    }
    Files.write(tmp, all.toString().getBytes(StandardCharsets.UTF_8));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory();
    doneLog = FileChannel.open(log, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    doneLines = lines;
  }

  // ---- reading ------------------------------------------------------------------------------

  /** True if the record was delivered to its dead-letter topic lately, or is waiting here. */
  synchronized boolean known(String recordKey) {
    return published.contains(recordKey) || pendingKeys.contains(recordKey);
  }

  /** True while {@code entry} waits (not delivered, not set aside). */
  synchronized boolean isPending(DlqEntry entry) {
    return pending.containsKey(entry.seq);
  }

  /** The entries waiting, oldest first. */
  synchronized List<DlqEntry> pending() {
    return new ArrayList<>(pending.values());
  }

  synchronized int size() {
    return pending.size();
  }

  synchronized long bytes() {
    return bytes;
  }

  /** Waits up to {@code millis} for an entry to be added. */
  synchronized void awaitChange(long millis) throws InterruptedException {
    wait(millis);
  }

  synchronized void wakeUp() {
    notifyAll();
  }

  /** The entries set aside in {@code dir}'s quarantine, oldest first, each with its reason. */
  public static List<DlqEntry> quarantined(Path dir) throws IOException {
    List<DlqEntry> out = new ArrayList<>();
    Path q = dir.resolve(QUARANTINE);
    if (!Files.isDirectory(q)) {
      return out;
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(q, "*" + LEGACY_SUFFIX)) {
      stream.forEach(files::add);
    }
    files.sort(null);
    for (Path p : files) {
      out.add(DlqEntry.decode(Files.readAllBytes(p)));
    }
    return out;
  }

  /** The entries waiting in the spool directory {@code dir} (read without taking it over). */
  public static List<DlqEntry> waiting(Path dir) throws IOException {
    Set<Long> done = new HashSet<>();
    Path log = dir.resolve(DONE_LOG);
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        int tab = line.indexOf('\t');
        if (tab > 0) {
          try {
            done.add(Long.parseLong(line.substring(0, tab)));
          } catch (NumberFormatException torn) {
            // a torn last line
          }
        }
      }
    }
    List<DlqEntry> out = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(files::add);
    }
    files.sort(null);
    for (Path p : files) {
      String name = p.getFileName().toString();
      if (name.endsWith(SEGMENT_SUFFIX)) {
        for (DlqEntry e : readSegment(p)) {
          if (!done.contains(e.seq)) {
            out.add(e);
          }
        }
      } else if (name.endsWith(LEGACY_SUFFIX)) {
        out.add(DlqEntry.decode(Files.readAllBytes(p)));
      }
    }
    return out;
  }

  private void forceDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException notSupported) {
      // some platforms cannot open a directory; the rename itself is atomic there
    }
  }

  private static String escape(String key) {
    return key.replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\r", "\\r") // readAllLines also ends a line at a carriage return
        .replace("\t", "\\t")
        .replace("\u0000", "\\0");
  }

  private static String unescape(String line) {
    StringBuilder b = new StringBuilder(line.length());
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        char n = line.charAt(++i);
        b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n == '0' ? '\u0000' : n);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  synchronized void close() {
    try {
      if (segment != null) {
        segment.close();
      }
      if (doneLog != null) {
        doneLog.close();
      }
      lock.release();
      lockChannel.close();
    } catch (IOException ignored) {
      // the process is ending
    }
  }
}
