package dev.weft.bench.micro;

import java.util.Iterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * Makes a span current on the benchmark thread without agent-specific code: an agent that traces
 * Kafka consumption opens a record's process span when the application takes the record from a
 * poll's iteration, and keeps it current until the next one. {@link #enter} takes one record,
 * {@link #leave} finishes the iteration (ending the span). With no agent, nothing is current.
 */
final class KafkaProcessSpan {

  private final ConsumerRecords<String, String> records = PolledRecords.build();
  private Iterator<ConsumerRecord<String, String>> iterator;

  void enter() {
    iterator = records.iterator();
    iterator.next();
  }

  void leave() {
    while (iterator.hasNext()) {
      iterator.next();
    }
    iterator = null;
  }
}
