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
 * The consumer side's per-record cost: iterating over a poll's result of 100 records (each with a
 * traceparent header, as Weft's and upstream's producers write) and touching each record's value,
 * as a processing loop does. The records are built in memory, so the broker's noise is out of it;
 * what an agent adds here (per-record timing and process span) is what it adds to every consumed
 * record. One operation is the whole iteration.
 */
@State(Scope.Benchmark)
public class KafkaConsumeBenchmark {

  private ConsumerRecords<String, String> records;

  @Setup(Level.Trial)
  public void build() {
    records = PolledRecords.build();
  }

  @Benchmark
  public void iterate(Blackhole bh) {
    for (ConsumerRecord<String, String> r : records) {
      bh.consume(r.value());
    }
  }
}
