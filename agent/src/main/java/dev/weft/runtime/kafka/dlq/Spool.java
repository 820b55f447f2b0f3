package dev.weft.runtime.kafka.dlq;

import dev.weft.runtime.log.WeftLog;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The dead-letter spool: a directory holding one file per failed record not yet acknowledged by
 * its dead-letter topic, named by sequence number so that they are sent in the order they
 * failed. A file is written whole to a temporary name, forced to disk, then renamed into place
 * and the directory forced, so a crash leaves either the whole entry or none; it is deleted once
 * Kafka has acknowledged the record. {@code published.log} keeps the record keys (group, topic,
 * partition, offset) of the entries delivered lately, so that a record consumed again after a
 * restart is not dead-lettered twice.
 *
 * <p>One process owns a directory (a lock file); a second process with the same setting takes
 * {@code <dir>.1}, {@code <dir>.2}, ...
 */
final class Spool {

  static final String SUFFIX = ".dlq";
  private static final int PUBLISHED_KEPT = 100_000;

  private final Path dir;
  private final long maxBytes;
  private final TreeMap<Long, DlqEntry> pending = new TreeMap<>();
  private final Set<String> published = new LinkedHashSet<>();
  private final FileChannel lockChannel;
  private final FileLock lock;
  private long bytes;
  private long nextSeq = 1;
  private FileChannel publishedLog;
  private int publishedLines;

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

  private void load() throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        String name = p.getFileName().toString();
        if (name.endsWith(SUFFIX)) {
          files.add(p);
        } else if (name.endsWith(".tmp")) {
          Files.deleteIfExists(p); // a write a crash interrupted: its record was never acknowledged to the app either
        }
      }
    }
    for (Path p : files) {
      try {
        DlqEntry e = DlqEntry.decode(Files.readAllBytes(p));
        pending.put(e.seq, e);
        bytes += e.size;
        nextSeq = Math.max(nextSeq, e.seq + 1);
      } catch (IOException | RuntimeException bad) {
        Path aside = p.resolveSibling(p.getFileName() + ".unreadable");
        Files.move(p, aside, StandardCopyOption.REPLACE_EXISTING);
        WeftLog.error("dead-letter spool entry " + p + " cannot be read (" + bad.getMessage()
            + "); moved to " + aside.getFileName());
      }
    }
    Path log = dir.resolve("published.log");
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (!line.isEmpty()) {
          published.add(unescape(line));
        }
      }
      trimPublished();
    }
    rewritePublishedLog();
  }

  /** Next sequence number; entries are sent in this order. */
  synchronized long nextSeq() {
    return nextSeq++;
  }

  /**
   * Writes {@code entry} durably. False, with nothing written, when the spool would grow beyond
   * its size limit.
   */
  synchronized boolean append(DlqEntry entry) throws IOException {
    byte[] data = entry.encode();
    if (bytes + data.length > maxBytes) {
      return false;
    }
    write(entry, data);
    entry.size = data.length;
    bytes += data.length;
    pending.put(entry.seq, entry);
    notifyAll();
    return true;
  }

  /** Rewrites {@code entry} in place (after its record was read back). */
  synchronized void rewrite(DlqEntry entry) throws IOException {
    if (!pending.containsKey(entry.seq)) {
      return;
    }
    byte[] data = entry.encode();
    write(entry, data);
    bytes += data.length - entry.size;
    entry.size = data.length;
  }

  private void write(DlqEntry entry, byte[] data) throws IOException {
    Path target = file(entry.seq);
    Path tmp = dir.resolve(target.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(data);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory();
  }

  /** {@code entry} was acknowledged by Kafka: its file goes, its record key is remembered. */
  synchronized void delivered(DlqEntry entry) throws IOException {
    remember(entry.recordKey());
    remove(entry);
  }

  /** {@code entry} can never be delivered: its file goes. */
  synchronized void remove(DlqEntry entry) throws IOException {
    if (pending.remove(entry.seq) == null) {
      return;
    }
    bytes -= entry.size;
    Files.deleteIfExists(file(entry.seq));
    forceDirectory();
  }

  private void remember(String recordKey) throws IOException {
    published.add(recordKey);
    byte[] line = (escape(recordKey) + "\n").getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.wrap(line);
    while (buffer.hasRemaining()) {
      publishedLog.write(buffer);
    }
    publishedLog.force(false);
    if (++publishedLines > 2 * PUBLISHED_KEPT) {
      trimPublished();
      rewritePublishedLog();
    }
  }

  private void trimPublished() {
    int excess = published.size() - PUBLISHED_KEPT;
    java.util.Iterator<String> it = published.iterator();
    while (excess-- > 0 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  private void rewritePublishedLog() throws IOException {
    if (publishedLog != null) {
      publishedLog.close();
    }
    Path log = dir.resolve("published.log");
    Path tmp = dir.resolve("published.log.tmp");
    StringBuilder all = new StringBuilder();
    for (String key : published) {
      all.append(escape(key)).append('\n');
    }
    Files.write(tmp, all.toString().getBytes(StandardCharsets.UTF_8));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory();
    publishedLog = FileChannel.open(log, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    publishedLines = published.size();
  }

  /** True if the record was delivered to its dead-letter topic, or is waiting in the spool. */
  synchronized boolean known(String recordKey) {
    if (published.contains(recordKey)) {
      return true;
    }
    for (DlqEntry e : pending.values()) {
      if (e.recordKey().equals(recordKey)) {
        return true;
      }
    }
    return false;
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

  private Path file(long seq) {
    return dir.resolve(String.format("%019d", seq) + SUFFIX);
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
        .replace("\u0000", "\\0");
  }

  private static String unescape(String line) {
    StringBuilder b = new StringBuilder(line.length());
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        char n = line.charAt(++i);
        b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n == '0' ? '\u0000' : n);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  void close() {
    try {
      if (publishedLog != null) {
        publishedLog.close();
      }
      lock.release();
      lockChannel.close();
    } catch (IOException ignored) {
      // the process is ending
    }
  }
}
