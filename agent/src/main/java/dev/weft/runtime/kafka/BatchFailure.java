package dev.weft.runtime.kafka;

import dev.weft.runtime.kafka.dlq.RecordAccess;
import java.lang.reflect.Method;

/**
 * Spring Kafka's {@code BatchListenerFailedException}: a batch listener names the record that
 * failed, by the record itself or by its index in the batch. Read by reflection, on the failure
 * path only.
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
}
