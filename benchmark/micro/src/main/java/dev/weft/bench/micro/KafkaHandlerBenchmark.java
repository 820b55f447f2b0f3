package dev.weft.bench.micro;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
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

  private ConsumerRecords<String, String> records;
  private final Handler handler = new Handler();

  @Setup(Level.Trial)
  public void build() {
    records = PolledRecords.build();
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
