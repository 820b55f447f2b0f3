package dev.weft.runtime.kafka;

import dev.weft.runtime.dlq.RecordAccess;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Which records a processing failure is about. Spring Kafka's {@code BatchListenerFailedException}:
 * a batch listener names the record that failed, by the record itself or by its index in the
 * batch. Read by reflection, on the failure path only.
 */
final class BatchFailure {

  static final String EXCEPTION = "org.springframework.kafka.listener.BatchListenerFailedException";

  private BatchFailure() {}

  /** The record named by a {@code BatchListenerFailedException} in {@code thrown}'s causes, or null. */
  static Object record(Throwable thrown, Iterable<?> batch) {
    int depth = 0;
    for (Throwable t = thrown; t != null && depth < 16; t = t.getCause(), depth++) {
      if (!t.getClass().getName().equals(EXCEPTION)) {
        continue;
      }
      try {
        Method getRecord = t.getClass().getMethod("getRecord");
        Object record = getRecord.invoke(t);
        if (RecordAccess.isRecord(record)) {
          return record;
        }
        Method getIndex = t.getClass().getMethod("getIndex");
        int index = (Integer) getIndex.invoke(t);
        if (index >= 0) {
          int i = 0;
          for (Object o : batch) {
            if (i++ == index) {
              return RecordAccess.isRecord(o) ? o : null;
            }
          }
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
      return null;
    }
    return null;
  }

  /**
   * What failed: the record handed to the frame; in a batch, the record Spring's
   * {@code BatchListenerFailedException} names, else the one this thread was taking from the
   * batch's iteration, else every record of the batch (as Spring's own fallback does).
   */
  static List<Object> failedRecords(Object current, Throwable thrown, Object records) {
    List<Object> failed = new ArrayList<>(1);
    if (records == null) {
      if (current != null) {
        failed.add(current);
      }
    } else if (RecordAccess.isRecord(records)) {
      failed.add(records);
    } else if (records instanceof Iterable) {
      Object named = record(thrown, (Iterable<?>) records);
      if (named != null) {
        failed.add(named);
        return failed;
      }
      boolean all = true;
      if (current != null) {
        for (Object o : (Iterable<?>) records) {
          if (o == current) {
            failed.add(o);
            all = false;
            break;
          }
        }
      }
      if (all) {
        for (Object o : (Iterable<?>) records) {
          if (RecordAccess.isRecord(o)) {
            failed.add(o);
          }
        }
      }
    }
    return failed;
  }
}
