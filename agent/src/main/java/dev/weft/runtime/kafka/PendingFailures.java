package dev.weft.runtime.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The failed records of one consumer whose failure is not final yet: the outermost processing
 * frame threw for them, and the application (or its framework's error handler) may still try
 * them again. One entry per record (topic, partition, offset), holding the latest attempt's error.
 *
 * <p>For a plain consumer the next poll decides: {@link #position} collects where the consumer
 * stands as the application calls {@code poll} (before the poll fetches or commits anything), and
 * {@link #pollDone(boolean)} gives back the failures the application has moved past. Nothing here
 * is touched on the happy path while {@link #isEmpty()}: the poll's scratch map is made the first
 * time a failure is pending. Failures are added on the consumer's own thread (the only one that
 * knows which consumer a record came from), between its polls.
 *
 * <p>Bounded: at {@link #LIMIT} entries {@link #add} refuses, and the caller makes the failure
 * final at once rather than keep it.
 */
final class PendingFailures {

  static final int LIMIT = 10_000;

  /** One failure waiting for its verdict. */
  static final class Pending {
    final String topic;
    final int partition;
    final long offset;
    Object record;
    Throwable error;
    String traceparent;

    Pending(String topic, int partition, long offset) {
      this.topic = topic;
      this.partition = partition;
      this.offset = offset;
    }
  }

  private final int limit;
  private final Map<RecordKey, Pending> byRecord = new HashMap<>(); // guarded by this
  private volatile int size;
  // One poll's view (poll thread, between its first position call and pollDone).
  private Map<PartitionKey, Long> positions;

  PendingFailures() {
    this(LIMIT);
  }

  PendingFailures(int limit) {
    this.limit = limit;
  }

  /** True when no failure waits: the only question the happy path asks. */
  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /**
   * The outermost frame threw {@code error} for this record: keeps it, or replaces the error of
   * an earlier attempt at the same record. False when the store is full and the record is not
   * kept.
   */
  synchronized boolean add(
      String topic, int partition, long offset, Object record, Throwable error, String traceparent) {
    RecordKey key = new RecordKey(topic, partition, offset);
    Pending p = byRecord.get(key);
    if (p == null) {
      if (byRecord.size() >= limit) {
        return false;
      }
      p = new Pending(topic, partition, offset);
      byRecord.put(key, p);
      size = byRecord.size();
    }
    p.record = record; // the latest attempt's record object: the same bytes, Kafka's newest copy
    p.error = error;
    p.traceparent = traceparent;
    return true;
  }

  /** A later attempt at the record ended without throwing: its failure is no failure. */
  synchronized Pending remove(String topic, int partition, long offset) {
    if (size == 0) {
      return null;
    }
    Pending p = byRecord.remove(new RecordKey(topic, partition, offset));
    size = byRecord.size();
    return p;
  }

  /** As a poll starts, the consumer's position of an assigned partition (-1 when not known). */
  synchronized void position(String topic, int partition, long position) {
    if (positions == null) {
      positions = new HashMap<>();
    }
    positions.put(new PartitionKey(topic, partition), position);
  }

  /**
   * The assigned partitions were all reported. Returns the failures that became final: those of
   * partitions no longer assigned, and, when {@code positionsDecide}, those the consumer has moved
   * past (its position is beyond the offset: the application did not seek back to the record, so
   * this poll will not hand it over again). Without {@code positionsDecide} (a framework's error
   * handler decides), failures of partitions no longer assigned are dropped instead and the
   * returned list holds nothing.
   */
  synchronized List<Pending> pollDone(boolean positionsDecide) {
    List<Pending> finals = new ArrayList<>(0);
    if (byRecord.isEmpty()) {
      clearPoll();
      return finals;
    }
    for (Iterator<Pending> it = byRecord.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      PartitionKey tp = new PartitionKey(p.topic, p.partition);
      Long position = positions == null ? null : positions.get(tp);
      boolean assigned = position != null;
      if (!assigned) {
        it.remove();
        if (positionsDecide) {
          finals.add(p);
        }
        continue;
      }
      if (!positionsDecide || position < 0 || position <= p.offset) {
        continue; // sought back to it (or not known): the application is at it once more
      }
      it.remove();
      finals.add(p);
    }
    size = byRecord.size();
    clearPoll();
    return finals;
  }

  /** Every failure still waiting, in no particular order; the store is empty afterwards. */
  synchronized List<Pending> takeAll() {
    List<Pending> all = new ArrayList<>(byRecord.values());
    byRecord.clear();
    size = 0;
    clearPoll();
    return all;
  }

  private void clearPoll() {
    if (positions != null) {
      positions.clear();
    }
  }

  /** A record's coordinates, as a map key. */
  private static final class RecordKey {
    final String topic;
    final int partition;
    final long offset;

    RecordKey(String topic, int partition, long offset) {
      this.topic = topic;
      this.partition = partition;
      this.offset = offset;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof RecordKey)) {
        return false;
      }
      RecordKey k = (RecordKey) o;
      return k.offset == offset && k.partition == partition && k.topic.equals(topic);
    }

    @Override
    public int hashCode() {
      return (topic.hashCode() * 31 + partition) * 31 + Long.hashCode(offset);
    }
  }
}
