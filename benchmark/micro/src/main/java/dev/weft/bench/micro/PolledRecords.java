package dev.weft.bench.micro;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/** A poll's result built in memory: 100 records, each with a traceparent header. */
final class PolledRecords {

  static final int RECORDS = 100;

  private PolledRecords() {}

  static ConsumerRecords<String, String> build() {
    TopicPartition tp = new TopicPartition("orders", 0);
    List<ConsumerRecord<String, String>> list = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      ConsumerRecord<String, String> r = new ConsumerRecord<>("orders", 0, i, "k" + i, "order-" + i);
      r.headers().add("traceparent",
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.US_ASCII));
      list.add(r);
    }
    return new ConsumerRecords<>(Map.of(tp, list));
  }
}
