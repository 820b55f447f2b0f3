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
 * {@link KafkaConsumeBenchmark}'s loop, with each record handed to an application method that
 * takes the {@code ConsumerRecord}: the shape Weft's dead-letter detection weaves (a processing
 * frame entered and left per record). Nothing fails here: this is the price of watching for
 * failures on the happy path. One operation is the whole iteration over 100 records.
 */
@State(Scope.Benchmark)
public class KafkaHandlerBenchmark {

  private static final int RECORDS = 100;

  private ConsumerRecords<String, String> records;
  private final Handler handler = new Handler();

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
      bh.consume(handler.process(r));
    }
  }

  /** The application's record handler. */
  static final class Handler {
    int process(ConsumerRecord<String, String> record) {
      return record.value().length();
    }
  }
}
