package dev.weft.bench.micro;

import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** One record sent with acks=all to the real broker, waiting for the acknowledgement. */
@State(Scope.Benchmark)
public class KafkaSendBenchmark {

  private KafkaProducer<String, byte[]> producer;
  private final byte[] value = new byte[100];

  @Setup(Level.Trial)
  public void connect() throws Exception {
    String bootstrap = System.getProperty("bench.kafka");
    if (bootstrap == null) {
      throw new IllegalStateException("-Dbench.kafka=<bootstrap servers> is required");
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    producer = new KafkaProducer<>(p);
    producer.send(new ProducerRecord<>("weft-bench", "warm", value)).get();
  }

  @Benchmark
  public RecordMetadata send() throws Exception {
    return producer.send(new ProducerRecord<>("weft-bench", "key", value)).get();
  }

  @TearDown(Level.Trial)
  public void close() {
    producer.close();
  }
}
