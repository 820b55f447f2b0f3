package dev.weft.bench.micro;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The consumer side's per-record cost: iterating over a poll's result of 100 records (each with a
 * traceparent header, as Weft's and upstream's producers write) and touching each record's value,
 * as a processing loop does. The records are built in memory, so the broker's noise is out of it;
 * what an agent adds here (per-record timing and process span) is what it adds to every consumed
 * record. One operation is the whole iteration.
 */
@State(Scope.Benchmark)
public class KafkaConsumeBenchmark {

  private static final int RECORDS = 100;

  private ConsumerRecords<String, String> records;

  @Setup(Level.Trial)
  public void build() {
    TopicPartition tp = new TopicPartition("orders", 0);
    List<ConsumerRecord<String, String>> list = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      ConsumerRecord<String, String> r = new ConsumerRecord<>("orders", 0, i, "k" + i, "order-" + i);
      r.headers().add("traceparent",
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.US_ASCII));
      list.add(r);
    }
    records = new ConsumerRecords<>(Map.of(tp, list));
  }

  @Benchmark
  public void iterate(Blackhole bh) {
    for (ConsumerRecord<String, String> r : records) {
      bh.consume(r.value());
    }
  }
}
