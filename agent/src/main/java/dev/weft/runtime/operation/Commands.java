package dev.weft.runtime.operation;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.NamedOutcomeMetrics;
import dev.weft.runtime.trace.DbSpan;
import dev.weft.runtime.trace.Tracing;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The commands' shape of the pipeline (a database client's commands): a CLIENT span named
 * by the command, one count and one duration labelled by its name and outcome, the sampled span
 * as exemplar. Names arrive as protocol bytes and are decoded once per name key.
 */
final class Commands extends Shape {

  static final int MAX_NAMES = 1000;
  static final int MAX_NAME_LENGTH = 64;

  private final String system;
  private final NamedOutcomeMetrics metrics; // null when metrics are off
  private final ConcurrentHashMap<Object, String> names = new ConcurrentHashMap<>();
  /** Per thread: how deep it is in work the client library does for itself (not recorded). */
  private final ThreadLocal<LibraryWork> libraryWork = ThreadLocal.withInitial(LibraryWork::new);

  Commands(
      OperationPipeline pipeline,
      Family family,
      NamedOutcomeMetrics metrics,
      Tracing tracing,
      AgentErrors errors) {
    super(pipeline, family.kind, tracing, errors);
    this.system = family.system;
    this.metrics = metrics;
  }

  /** Starts a command, or returns null (nothing recorded, or a failure inside Weft). */
  Operation start(Object nameKey, byte[] name, String host, int port, int db) {
    try {
      if ((metrics == null && !tracing.enabled()) || tracing.suppressed() || inLibraryWork()) {
        return null;
      }
      String decoded = nameOf(nameKey, name);
      Operation op = new Operation(this);
      op.series = metrics == null ? null : metrics.named(decoded);
      op.span =
          tracing.enabled()
              ? tracing.startDb(system, decoded, null, null, host, port, dbName(db))
              : null;
      op.startNanos = System.nanoTime();
      return op;
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a command start", t);
      return null;
    }
  }

  /** Ends a command once, whoever reports it first. */
  void end(Operation op, Throwable error) {
    try {
      if (!ENDED.compareAndSet(op, 0, 1)) {
        return;
      }
      double seconds = (System.nanoTime() - op.startNanos) / 1e9;
      if (op.span != null) {
        op.span.end(error);
      }
      if (op.series != null) {
        op.series.record(seconds, error, op.span);
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a command end", t);
    }
  }

  private static final String[] DB_NAMES = new String[16];

  static {
    for (int i = 0; i < DB_NAMES.length; i++) {
      DB_NAMES[i] = Integer.toString(i);
    }
  }

  /** Redis's database number as a span attribute (null when unknown), without a string per call. */
  private static String dbName(int db) {
    return db < 0 ? null : db < DB_NAMES.length ? DB_NAMES[db] : Integer.toString(db);
  }

  /** The command's name, decoded once per name key. */
  private String nameOf(Object key, byte[] raw) {
    String cached = key == null ? null : names.get(key);
    if (cached != null) {
      return cached;
    }
    String name = decode(raw);
    if (key != null) {
      if (names.size() >= MAX_NAMES) {
        names.clear(); // name objects made per call: bounded, re-decoded
      }
      names.put(key, name);
    }
    return name;
  }

  /** ASCII upper case, at most {@value #MAX_NAME_LENGTH} characters, anything odd as '_'. */
  static String decode(byte[] raw) {
    if (raw == null || raw.length == 0) {
      return "UNKNOWN";
    }
    int n = Math.min(raw.length, MAX_NAME_LENGTH);
    char[] out = new char[n];
    for (int i = 0; i < n; i++) {
      char c = (char) (raw[i] & 0xff);
      if (c >= 'a' && c <= 'z') {
        c = (char) (c - 32);
      } else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
          || c == '-' || c == ' ')) {
        c = '_';
      }
      out[i] = c;
    }
    return new String(out);
  }

  /** This thread enters work the client library does for itself (a handshake, a pool's upkeep). */
  Object startLibraryWork() {
    LibraryWork w = libraryWork.get();
    w.depth++;
    return w;
  }

  /** Leaves the work {@link #startLibraryWork} entered (on the same thread). */
  static void endLibraryWork(Object handle) {
    if (handle instanceof LibraryWork) {
      LibraryWork w = (LibraryWork) handle;
      if (w.depth > 0) {
        w.depth--;
      }
    }
  }

  /** Whether this thread is inside work the client library does for itself. */
  boolean inLibraryWork() {
    return libraryWork.get().depth > 0;
  }

  /** One thread's depth in its client library's own work. */
  static final class LibraryWork {
    int depth;
  }

  private static final AtomicIntegerFieldUpdater<Operation> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(Operation.class, "ended");

  /** One command between its start and its end. */
  static final class Operation {
    final Commands commands;
    NamedOutcomeMetrics.Named series;
    DbSpan span;
    long startNanos;
    volatile int ended;

    Operation(Commands commands) {
      this.commands = commands;
    }
  }
}
