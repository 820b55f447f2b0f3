package dev.weft.runtime.kafka;

import dev.weft.runtime.core.WeftLog;
import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.dlq.RecordAccess;
import dev.weft.runtime.kafka.PendingFailures.Pending;
import dev.weft.runtime.kafka.SpringErrorHandlers.Decider;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns processing failures into dead letters once they are final. A failed record waits in its
 * consumer's {@link PendingFailures} until one of these decides:
 *
 * <ul>
 *   <li>a later attempt at the same record ends without throwing: no dead letter;
 *   <li>a later attempt throws again: it keeps waiting, with the newer error;
 *   <li>plain consumers ({@link Decider#POSITIONS}): the next {@code poll} called while the
 *       consumer's position of the partition is beyond the offset (the application did not seek
 *       back to it), the partition no longer being assigned, the consumer closed, or the JVM
 *       exiting normally with the consumer still open: final. Decided as the poll starts, before
 *       it can commit past the record, and on disk before it goes on;
 *   <li>Spring's {@code FailedRecordProcessor} ({@link Decider#ERROR_HANDLER}): its recoverer ran
 *       for the record, or for the batch it retried whole (retries exhausted, or a failure it
 *       does not retry): final; the partition
 *       revoked, the consumer closed or the JVM exiting first: dropped, the record will be
 *       delivered again;
 *   <li>the application's own {@code DeadLetterPublishingRecoverer} ({@link Decider#APPLICATION}):
 *       nothing is kept, nothing dead-lettered.
 * </ul>
 *
 * Entry points run on the consumer's own thread (poll, processing, Spring's error handler).
 */
final class FinalFailures {

  private final DeadLetters deadLetters;
  private final AtomicLong overflowed = new AtomicLong();
  /** Groups (with their recoverer) Weft said it stays out of: one line each. */
  private final Set<String> staysOut = ConcurrentHashMap.newKeySet();

  /** Consumers with failures waiting: what a normal JVM exit has to decide. */
  private final Set<ConsumerState> holding = ConcurrentHashMap.newKeySet();

  FinalFailures(DeadLetters deadLetters) {
    this.deadLetters = deadLetters;
    deadLetters.beforeExit(this::exiting);
  }

  /** Records that could not wait (a consumer's pending failures were full) and went at once. */
  long overflowed() {
    return overflowed.get();
  }

  /** The outermost frame processing {@code record} of the consumer {@code s} threw {@code error}. */
  void failed(ConsumerState s, Object record, Throwable error, String traceparent) {
    if (s.decider == Decider.APPLICATION) {
      return;
    }
    RecordAccess.Fields r = RecordAccess.read(record);
    if (r == null) {
      return;
    }
    if (s.pending.add(r.topic, r.partition, r.offset, record, error, traceparent)) {
      holding.add(s);
      s.failuresWaiting(true);
      return;
    }
    long n = overflowed.incrementAndGet();
    WeftLog.errorOnce(
        "dlq-pending-full",
        "a consumer of group '" + s.groupOrEmpty() + "' has " + PendingFailures.LIMIT
            + " failed records waiting to be retried or moved past; further failures are"
            + " dead-lettered at once, even if a retry would succeed (reported once; " + n + " so far)",
        null);
    capture(s, record, error, traceparent, true); // on disk by the next poll
  }

  /** The outermost frame processing {@code records} (a record or a batch) ended normally. */
  void succeeded(ConsumerState s, Object records) {
    if (s.pending.isEmpty() || records == null) {
      return;
    }
    if (RecordAccess.isRecord(records)) {
      forget(s, records);
    } else if (records instanceof Iterable) {
      for (Object o : (Iterable<?>) records) {
        if (s.pending.isEmpty()) {
          break;
        }
        forget(s, o);
      }
    }
    letGoIfDone(s);
  }

  private static void forget(ConsumerState s, Object record) {
    RecordAccess.Fields r = RecordAccess.read(record);
    if (r != null) {
      s.pending.remove(r.topic, r.partition, r.offset);
    }
  }

  /**
   * A poll starts, and every assigned partition's position was reported to {@code s.pending}.
   * The failures it makes final are queued for the spool; the poll's own start then waits for
   * them to be on disk ({@code DeadLetters.awaitWritten}), once for all of them.
   */
  void pollStarting(ConsumerState s) {
    for (Pending p : s.pending.pollDone(s.decider == Decider.POSITIONS)) {
      capture(s, p.record, p.error, p.traceparent, true);
    }
    letGoIfDone(s);
  }

  /** The consumer was closed: its plain failures are final; an error handler's were not given up. */
  void closed(ConsumerState s) {
    List<Pending> left = s.pending.takeAll();
    letGo(s);
    if (s.decider != Decider.POSITIONS) {
      return;
    }
    for (Pending p : left) {
      capture(s, p.record, p.error, p.traceparent, false);
    }
  }

  /**
   * Spring's error handler gave {@code records} (a record, or a batch it retried whole) up: its
   * recoverer ran. Those of them still pending are final.
   */
  void givenUp(ConsumerState s, Object records) {
    if (RecordAccess.isRecord(records)) {
      givenUpRecord(s, records);
    } else if (records instanceof Iterable) {
      for (Object o : (Iterable<?>) records) {
        if (s.pending.isEmpty()) {
          break;
        }
        givenUpRecord(s, o);
      }
    }
    letGoIfDone(s);
  }

  /**
   * The JVM exits normally (Weft's dead-letter engine runs this before its last delivery): every
   * consumer still open is treated as closed, so a plain consumer's waiting failures are final.
   */
  void exiting() {
    for (ConsumerState s : holding) {
      closed(s);
    }
  }

  private void letGoIfDone(ConsumerState s) {
    if (s.pending.isEmpty()) {
      letGo(s);
    }
  }

  /** Nothing of {@code s} waits any more: its polls read no positions at entry. */
  private void letGo(ConsumerState s) {
    holding.remove(s);
    s.failuresWaiting(false);
  }

  private void givenUpRecord(ConsumerState s, Object record) {
    if (s.pending.isEmpty()) {
      return; // not a failure Weft saw (or the application's own dead letters)
    }
    RecordAccess.Fields r = RecordAccess.read(record);
    Pending p = r == null ? null : s.pending.remove(r.topic, r.partition, r.offset);
    if (p != null) {
      capture(s, p.record, p.error, p.traceparent, false);
    }
  }

  /** A listener container of {@code s} starts with {@code errorHandler}: who decides from now on. */
  void errorHandler(ConsumerState s, Object errorHandler, String group) {
    SpringErrorHandlers.Verdict v = SpringErrorHandlers.of(errorHandler);
    s.decider = v.decider;
    if (v.decider == Decider.APPLICATION) {
      s.pending.takeAll();
      letGo(s);
      String key = (group == null ? "" : group) + " " + v.recoverer;
      if (!staysOut.add(key)) {
        return; // the other consumers of a concurrent container, or a restart: said already
      }
      WeftLog.info(
          "spring-kafka: the listener container of group '" + (group == null ? "" : group)
              + "' publishes its own dead letters (" + v.recoverer + "); Weft dead-letters none"
              + " of its records");
    }
  }

  /** Hands a final failure to the dead-letter engine; {@code atPoll}: the poll waits for the disk. */
  private void capture(
      ConsumerState s, Object record, Throwable error, String traceparent, boolean atPoll) {
    if (s.cluster == null) {
      WeftLog.errorOnce(
          "dlq-no-consumer",
          "a record failed, but the consumer that read it was made before Weft started;"
              + " nothing is dead-lettered (reported once)",
          null);
      return;
    }
    deadLetters.capture(s.cluster, s.groupOrEmpty(), s.isolation, record, error, traceparent, atPoll);
  }
}
