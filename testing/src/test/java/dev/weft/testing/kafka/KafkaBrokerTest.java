package dev.weft.testing.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerTest {

  private static final String TOPIC = "weft-kafka-broker-test";
  private static final int RECORDS = 100;

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void producesAndConsumesThroughARealBrokerThenStopsIt(@TempDir Path tempDir) throws Exception {
    Path workDir = tempDir.resolve("kafka");
    long t0 = System.nanoTime();
    KafkaBroker broker = KafkaBroker.start(workDir);
    long startMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.println("KafkaBroker.start took " + startMs + " ms: " + broker);
    String bootstrap = broker.bootstrapServers();
    int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    try {
      assertTrue(bootstrap.startsWith("127.0.0.1:"), bootstrap);
      assertTrue(Files.isDirectory(workDir), "work dir created");

      try (Admin admin = Admin.create(props(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      }

      List<byte[]> keys = new ArrayList<>();
      List<byte[]> values = new ArrayList<>();
      Random random = new Random(42);
      for (int i = 0; i < RECORDS; i++) {
        keys.add(("key-" + i).getBytes(StandardCharsets.UTF_8));
        byte[] value = new byte[1 + random.nextInt(2048)];
        random.nextBytes(value); // every byte value, not only text
        values.add(value);
      }

      Properties producerProps = props(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
      producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps)) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
          sends.add(producer.send(new ProducerRecord<>(TOPIC, keys.get(i), values.get(i))));
        }
        producer.flush();
        for (int i = 0; i < RECORDS; i++) {
          assertEquals(i, sends.get(i).get(30, TimeUnit.SECONDS).offset(), "offset of record " + i);
        }
      }

      Properties consumerProps = props(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "weft-kafka-broker-test-group");
      consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps)) {
        consumer.subscribe(List.of(TOPIC));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (received.size() < RECORDS && System.nanoTime() - deadline < 0) {
          consumer.poll(Duration.ofMillis(500)).forEach(received::add);
        }
        // Nothing beyond the 100 records.
        consumer.poll(Duration.ofMillis(500)).forEach(received::add);
      }

      assertEquals(RECORDS, received.size(), "records consumed back");
      for (int i = 0; i < RECORDS; i++) {
        ConsumerRecord<byte[], byte[]> record = received.get(i);
        assertEquals(i, record.offset(), "offset of record " + i);
        assertArrayEquals(keys.get(i), record.key(), "key of record " + i);
        assertArrayEquals(values.get(i), record.value(), "value of record " + i);
      }
    } finally {
      long c0 = System.nanoTime();
      broker.close();
      System.out.println(
          "KafkaBroker.close took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c0) + " ms");
    }

    broker.close(); // idempotent
    assertFalse(Files.exists(workDir), "work dir deleted on close");
    assertThrows(
        IOException.class,
        () -> {
          try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
          }
        },
        "the broker port still accepts connections after close()");
  }

  private static Properties props(String key, String value) {
    Properties props = new Properties();
    props.put(key, value);
    return props;
  }
}
