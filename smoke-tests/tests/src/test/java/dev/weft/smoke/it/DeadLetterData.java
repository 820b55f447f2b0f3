package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The records of the dead-letter tests and the checks of their copies. {@link #RECORDS} records
 * (2,000 in CI, 5,000 in the long form), of which
 * exactly 137 make the consumer's processing throw (their value starts with 0xEE, or, for a null
 * value, their key does): binary values of 0-300 bytes, null keys, null values, headers with
 * binary and null values and repeated names. Each record's bytes are kept, so that a dead letter
 * can be compared with what the broker holds.
 */
final class DeadLetterData {

  /** 2,000 in CI, 5,000 in the long form (SmokeEnv#longRun). */
  static final int RECORDS = SmokeEnv.sized(2_000, 5_000);
  static final int FAILING = 137;
  static final byte MARK = (byte) 0xEE;

  /** One record as produced, with its coordinates. */
  record Original(
      int index,
      boolean fails,
      byte[] key,
      byte[] value,
      List<Header> headers,
      long timestamp,
      int partition,
      long offset) {
    String coordinates() {
      return partition + "/" + offset;
    }
  }

  /** A record read back from a topic, as bytes. */
  record Read(int partition, long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
    byte[] header(String name) {
      byte[] found = null;
      for (Header h : headers) {
        if (h.key().equals(name)) {
          found = h.value();
        }
      }
      return found;
    }

    String text(String name) {
      byte[] b = header(name);
      return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The headers before Weft's block (which starts at the first kafka_dlt- header). */
    List<Header> originalHeaders() {
      List<Header> out = new ArrayList<>();
      for (Header h : headers) {
        if (h.key().startsWith("kafka_dlt-")) {
          break;
        }
        out.add(h);
      }
      return out;
    }
  }

  private DeadLetterData() {}

  /** Produces the {@link #RECORDS} records to {@code topic} (3 partitions), in order, and returns them. */
  static List<Original> produce(String bootstrap, String topic, long seed) throws Exception {
    return produce(bootstrap, topic, seed, RECORDS, FAILING);
  }

  /**
   * Produces {@code records} records to {@code topic} (3 partitions), {@code failingCount} of
   * them failing, in order, and returns them.
   */
  static List<Original> produce(String bootstrap, String topic, long seed, int records, int failingCount)
      throws Exception {
    Random random = new Random(seed);
    Set<Integer> failing = new HashSet<>();
    while (failing.size() < failingCount) {
      failing.add(random.nextInt(records));
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "all");
    p.put("linger.ms", "5");
    // A loaded machine (other builds beside the broker) has been seen to take longer than the
    // default 2 minutes to acknowledge a first batch of a new topic.
    p.put("delivery.timeout.ms", "300000");
    p.put("max.block.ms", "120000");
    long base = System.currentTimeMillis() - 3_600_000L;
    List<Original> drafts = new ArrayList<>();
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < records; i++) {
        boolean fails = failing.contains(i);
        byte[] key = i % 11 == 0 ? null : bytes(random, 1 + random.nextInt(24));
        byte[] value = i % 13 == 0 ? null : bytes(random, random.nextInt(301));
        if (fails) {
          if (value != null && value.length > 0) {
            value[0] = MARK;
          } else if (value != null) {
            value = new byte[] {MARK};
          } else {
            if (key == null) {
              key = bytes(random, 8);
            }
            key[0] = MARK;
          }
        } else {
          if (value != null && value.length > 0 && value[0] == MARK) {
            value[0] = 0;
          }
          if (value == null && key != null && key[0] == MARK) {
            key[0] = 0;
          }
        }
        List<Header> headers = new ArrayList<>();
        if (i % 3 == 1) {
          headers.add(new RecordHeader("h", bytes(random, random.nextInt(40))));
        } else if (i % 3 == 2) {
          headers.add(new RecordHeader("a", bytes(random, 16)));
          headers.add(new RecordHeader("a", null));
          headers.add(new RecordHeader("ü-key", "wert \"ä\"\n".getBytes(StandardCharsets.UTF_8)));
        }
        long timestamp = base + i;
        int partition = i % 3;
        acks.add(producer.send(new ProducerRecord<>(topic, partition, timestamp, key, value, headers)));
        drafts.add(new Original(i, fails, key, value, headers, timestamp, partition, -1));
      }
      producer.flush();
    }
    List<Original> out = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      RecordMetadata m = acks.get(i).get(30, TimeUnit.SECONDS);
      Original d = drafts.get(i);
      out.add(new Original(d.index(), d.fails(), d.key(), d.value(), d.headers(), d.timestamp(), m.partition(), m.offset()));
    }
    List<Original> failed = out.stream().filter(Original::fails).toList();
    assertEquals(failingCount, failed.size());
    assertTrue(failed.stream().anyMatch(o -> o.key() == null), "some failing records have a null key");
    assertTrue(failed.stream().anyMatch(o -> o.value() == null), "some failing records have a null value");
    assertTrue(failed.stream().anyMatch(o -> o.headers().size() == 3), "some failing records have headers");
    return out;
  }

  private static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** Every record of {@code topic}, from the beginning to its end now. */
  static List<Read> readAll(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("enable.auto.commit", "false");
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos == null || infos.isEmpty()) {
        return List.of();
      }
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : infos) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = c.endOffsets(partitions, Duration.ofSeconds(10));
      List<Read> out = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (partitions.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
        assertTrue(System.nanoTime() < deadline, "reading " + topic + " took more than 30 s");
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.offset() < ends.get(new TopicPartition(r.topic(), r.partition()))) {
            out.add(new Read(r.partition(), r.offset(), r.timestamp(), r.key(), r.value(),
                Arrays.asList(r.headers().toArray())));
          }
        }
      }
      return out;
    }
  }

  /**
   * The dead letters hold exactly the failing originals, each once, byte for byte, with the
   * kafka_dlt-* headers Spring Kafka's tooling reads. Returns the dead letters by original
   * coordinates.
   */
  static Map<String, Read> assertDeadLetters(
      List<Original> originals,
      List<Read> deadLetters,
      String topic,
      String group,
      String exception,
      String cause) {
    Map<String, Original> byCoordinates = new HashMap<>();
    for (Original o : originals) {
      byCoordinates.put(o.coordinates(), o);
    }
    Map<String, Read> seen = new HashMap<>();
    for (Read d : deadLetters) {
      assertEquals(topic, d.text("kafka_dlt-original-topic"));
      int partition = ByteBuffer.wrap(d.header("kafka_dlt-original-partition")).getInt();
      long offset = ByteBuffer.wrap(d.header("kafka_dlt-original-offset")).getLong();
      String at = partition + "/" + offset;
      Original o = byCoordinates.get(at);
      assertNotNull(o, "a dead letter for a record that was never produced: " + at);
      assertTrue(o.fails(), "a record whose processing did not fail was dead-lettered: index " + o.index());
      assertNull(seen.put(at, d), "dead-lettered twice: index " + o.index() + " at " + at);
      String what = "dead letter of record " + o.index() + " (" + at + ")";
      assertArrayEquals(o.key(), d.key(), what + ": key");
      assertArrayEquals(o.value(), d.value(), what + ": value");
      assertEquals(o.timestamp(), d.timestamp(), what + ": timestamp");
      assertHeadersEqual(o.headers(), d.originalHeaders(), what);
      assertEquals(4, d.header("kafka_dlt-original-partition").length, what);
      assertEquals(8, d.header("kafka_dlt-original-offset").length, what);
      assertEquals(o.timestamp(), ByteBuffer.wrap(d.header("kafka_dlt-original-timestamp")).getLong(), what);
      assertEquals("CreateTime", d.text("kafka_dlt-original-timestamp-type"), what);
      assertEquals(group, d.text("kafka_dlt-original-consumer-group"), what);
      assertEquals(exception, d.text("kafka_dlt-exception-fqcn"), what);
      assertEquals(cause, d.text("kafka_dlt-exception-cause-fqcn"), what);
      String message = d.text("kafka_dlt-exception-message");
      assertTrue(message != null && message.contains("rejected record"), what + ": message " + message);
      String stack = d.text("kafka_dlt-exception-stacktrace");
      assertTrue(stack != null && stack.startsWith(exception) && stack.contains("\tat "), what + ": stack trace");
    }
    long failing = originals.stream().filter(Original::fails).count();
    assertEquals(failing, seen.size(), "dead letters: exactly the failing records");
    assertEquals(failing, deadLetters.size(), "no dead letter twice");
    return seen;
  }

  static void assertHeadersEqual(List<Header> expected, List<Header> actual, String what) {
    assertEquals(expected.size(), actual.size(), what + ": header count");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).key(), actual.get(i).key(), what + ": header " + i + " name");
      assertArrayEquals(expected.get(i).value(), actual.get(i).value(), what + ": header " + i + " value");
    }
  }
}
