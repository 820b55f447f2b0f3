package com.example.orders;

import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * Application-like classes for RecordHandlersTest. They live outside dev.weft.* on purpose: the
 * matcher leaves Weft's own packages (dev/weft/instrumentation/ among them) out by name.
 */
@SuppressWarnings({"unused", "rawtypes"})
public final class Handlers {

  private Handlers() {}

  public static class TakesRecord {
    public void handle(ConsumerRecord<String, String> record) {}
  }

  public static class TakesRecords {
    public void poll(ConsumerRecords<String, String> records) {}
  }

  public static class TakesListOfRecords {
    public void batch(List<ConsumerRecord<String, byte[]>> records) {}
  }

  public static class TakesCollectionOfSubtypes {
    public void batch(Collection<? extends ConsumerRecord<String, String>> records) {}
  }

  public static class TakesIterableOfRecords {
    public void each(Iterable<ConsumerRecord<Long, String>> records) {}
  }

  public static class RecordSecond {
    public void on(String key, ConsumerRecord<String, String> record) {}
  }

  /** The record fourth (a long before it takes two slots, not two parameters); a second one later. */
  public static class RecordFourth {
    public void on(
        String a, int b, long c, ConsumerRecord<?, ?> record, ConsumerRecord<?, ?> again) {}
  }

  public static class StaticHandler {
    public static void handle(ConsumerRecord<String, String> record) {}
  }

  /** Mentions ConsumerRecord in its code only. */
  public static class LocalVariableOnly {
    public String run() {
      ConsumerRecord<String, String> r = new ConsumerRecord<>("t", 0, 0, "k", "v");
      return r.topic();
    }
  }

  /** Mentions ConsumerRecord in a field and a return type only. */
  public static class FieldOnly {
    ConsumerRecord<String, String> last;

    public ConsumerRecord<String, String> last() {
      return last;
    }

    public void set(Object o) {}
  }

  public static class ConstructorOnly {
    public ConstructorOnly(ConsumerRecord<String, String> record) {}
  }

  public static class ListOfStrings {
    public void names(List<String> names) {}
  }

  public static class RawList {
    public void raw(List records) {}
  }

  public static class UnboundedWildcard {
    public void any(List<?> records) {}
  }

  public static class TypeVariableList {
    public <T> void generic(List<T> records) {}
  }

  public static class NoKafka {
    public void run(String s, int n) {}
  }

  public abstract static class AbstractOnly {
    public abstract void handle(ConsumerRecord<String, String> record);

    public void other(String s) {}
  }

  public interface InterfaceOnly {
    void handle(ConsumerRecord<String, String> record);
  }

  public interface InterfaceWithDefault {
    default void handle(ConsumerRecord<String, String> record) {}
  }

  /** A subclass of the record: not itself a record parameter (the names are matched exactly). */
  public static class SubRecord extends ConsumerRecord<String, String> {
    public SubRecord() {
      super("t", 0, 0, "k", "v");
    }
  }

  public static class Base<R extends ConsumerRecord<String, String>> {
    public void handle(R record) {}
  }

  /**
   * Declares handle(SubRecord) and the compiler's bridge handle(ConsumerRecord): only the bridge
   * has a record parameter.
   */
  public static class BridgeOnly extends Base<SubRecord> {
    @Override
    public void handle(SubRecord record) {}
  }
}
