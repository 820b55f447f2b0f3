package dev.weft.runtime.dlq;

import java.lang.reflect.Method;

/**
 * Reads a {@code ConsumerRecord}'s coordinates and headers through Kafka's public API by
 * reflection (Weft's runtime cannot link against the application's kafka-clients). Used on the
 * failure path only; the methods are looked up once per record class.
 */
public final class RecordAccess {

  static final String RECORD_CLASS = "org.apache.kafka.clients.consumer.ConsumerRecord";

  private RecordAccess() {}

  private static final ClassValue<Methods> METHODS =
      new ClassValue<Methods>() {
        @Override
        protected Methods computeValue(Class<?> type) {
          return Methods.of(type);
        }
      };

  /** True if {@code o} is a Kafka {@code ConsumerRecord} (or a subclass of it). */
  public static boolean isRecord(Object o) {
    if (o == null) {
      return false;
    }
    for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals(RECORD_CLASS)) {
        return true;
      }
    }
    return false;
  }

  /** The fields of {@code record}, or null if it is not a record or cannot be read. */
  public static Fields read(Object record) {
    if (!isRecord(record)) {
      return null;
    }
    Methods m = METHODS.get(record.getClass());
    if (m == null) {
      return null;
    }
    try {
      Fields f = new Fields();
      f.record = record;
      f.topic = (String) m.topic.invoke(record);
      f.partition = (Integer) m.partition.invoke(record);
      f.offset = (Long) m.offset.invoke(record);
      f.timestamp = (Long) m.timestamp.invoke(record);
      Object type = m.timestampType.invoke(record);
      f.timestampType = type == null ? "NoTimestampType" : type.toString();
      f.headers = m.headers.invoke(record);
      f.methods = m;
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** A record's coordinates, as read. */
  public static final class Fields {
    Object record;
    public String topic;
    public int partition;
    public long offset;
    public long timestamp;
    public String timestampType;
    Object headers;
    Methods methods;

    /** The last value of header {@code name}, or null. */
    public byte[] header(String name) {
      if (headers == null) {
        return null;
      }
      try {
        Method last = headers.getClass().getMethod("lastHeader", String.class);
        last.setAccessible(true);
        Object header = last.invoke(headers, name);
        if (header == null) {
          return null;
        }
        Method value = header.getClass().getMethod("value");
        value.setAccessible(true);
        return (byte[]) value.invoke(header);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
  }

  static final class Methods {
    Method topic;
    Method partition;
    Method offset;
    Method timestamp;
    Method timestampType;
    Method headers;

    static Methods of(Class<?> type) {
      try {
        Methods m = new Methods();
        m.topic = type.getMethod("topic");
        m.partition = type.getMethod("partition");
        m.offset = type.getMethod("offset");
        m.timestamp = type.getMethod("timestamp");
        m.timestampType = type.getMethod("timestampType");
        m.headers = type.getMethod("headers");
        return m;
      } catch (NoSuchMethodException | RuntimeException e) {
        return null;
      }
    }
  }
}
