package dev.weft.runtime.kafka.dlq.io;

import dev.weft.runtime.kafka.dlq.KafkaIo;
import dev.weft.runtime.kafka.dlq.RawRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka side of dead letters, written against kafka-clients 3.0 and run against whatever
 * kafka-clients the application has (3.x or 4.x): its own byte-array consumer (no group, manual
 * assignment), idempotent producer and admin client, each made on first use with the cluster's
 * connection and security settings.
 *
 * <p>Never loaded by Weft's own class loader (which has no Kafka): {@code KafkaIoLoader} defines
 * it next to the application's kafka-clients.
 */
public final class KafkaClientIo implements KafkaIo {

  private final Map<String, Object> connection;
  private final String clientId;
  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<byte[], byte[]> producer;
  private Admin admin;

  public KafkaClientIo(Map<String, Object> connection, String clientId) {
    this.connection = new HashMap<>(connection);
    this.clientId = clientId;
  }

  private KafkaConsumer<byte[], byte[]> consumer(String isolationLevel) {
    if (consumer == null) {
      Map<String, Object> config = new HashMap<>(connection);
      config.put("client.id", clientId + "-reader");
      config.put("enable.auto.commit", "false");
      config.put("auto.offset.reset", "none");
      config.put("isolation.level", isolationLevel == null ? "read_uncommitted" : isolationLevel);
      config.put("max.poll.records", "500");
      config.put("allow.auto.create.topics", "false");
      config.remove("group.id");
      consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
    return consumer;
  }

  private KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      Map<String, Object> config = new HashMap<>(connection);
      config.put("client.id", clientId + "-sender");
      config.put("enable.idempotence", "true");
      config.put("acks", "all");
      config.put("max.in.flight.requests.per.connection", "5");
      config.put("linger.ms", "0");
      config.put("compression.type", "none");
      config.put("max.block.ms", "5000");
      config.put("request.timeout.ms", "10000");
      config.put("delivery.timeout.ms", "60000");
      producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  private Admin admin() {
    if (admin == null) {
      Map<String, Object> config = new HashMap<>(connection);
      config.put("client.id", clientId + "-admin");
      admin = Admin.create(config);
    }
    return admin;
  }

  @Override
  public RawRecord fetch(
      String topic, int partition, long offset, String isolationLevel, long timeoutMs)
      throws Exception {
    KafkaConsumer<byte[], byte[]> c = consumer(isolationLevel);
    TopicPartition tp = new TopicPartition(topic, partition);
    c.assign(Collections.singletonList(tp));
    c.seek(tp, offset);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    try {
      while (true) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new TimeoutException(
              "no answer from the broker for " + topic + "-" + partition + "@" + offset);
        }
        ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(Math.min(left, 500)));
        for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
          if (r.offset() == offset) {
            return raw(r);
          }
          if (r.offset() > offset) {
            return null; // compacted away
          }
        }
        if (records.isEmpty() && c.position(tp, Duration.ofMillis(Math.max(1, left))) > offset) {
          return null; // a transaction marker or an aborted record sits there
        }
      }
    } catch (OffsetOutOfRangeException gone) {
      return null; // deleted by retention
    } finally {
      c.assign(Collections.<TopicPartition>emptyList());
    }
  }

  @Override
  public int partitions(String topic, long timeoutMs) throws Exception {
    List<PartitionInfo> infos = consumer(null).partitionsFor(topic, Duration.ofMillis(timeoutMs));
    return infos == null ? 0 : infos.size();
  }

  @Override
  public void createTopic(String topic, int partitions, long timeoutMs) throws Exception {
    NewTopic newTopic = new NewTopic(topic, Optional.of(partitions), Optional.<Short>empty());
    try {
      admin()
          .createTopics(Collections.singletonList(newTopic))
          .all()
          .get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  @Override
  public Future<?> send(
      String topic,
      Integer partition,
      Long timestamp,
      byte[] key,
      byte[] value,
      List<String> headerKeys,
      List<byte[]> headerValues) {
    List<Header> headers = new ArrayList<>(headerKeys.size());
    for (int i = 0; i < headerKeys.size(); i++) {
      headers.add(new RecordHeader(headerKeys.get(i), headerValues.get(i)));
    }
    return producer()
        .send(new ProducerRecord<>(topic, partition, timestamp, key, value, headers));
  }

  @Override
  public void resetProducer() {
    KafkaProducer<byte[], byte[]> p = producer;
    producer = null;
    if (p != null) {
      try {
        p.close(Duration.ofMillis(100));
      } catch (RuntimeException ignored) {
        // a producer that cannot reach its broker: nothing more to do with it
      }
    }
  }

  @Override
  public long scan(String topic, Consumer<RawRecord> sink, long timeoutMs) throws Exception {
    KafkaConsumer<byte[], byte[]> c = consumer(null);
    List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofMillis(timeoutMs));
    if (infos == null || infos.isEmpty()) {
      throw new IllegalArgumentException("topic '" + topic + "' does not exist");
    }
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo info : infos) {
      partitions.add(new TopicPartition(topic, info.partition()));
    }
    partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
    Map<TopicPartition, Long> ends = c.endOffsets(partitions, Duration.ofMillis(timeoutMs));
    long count = 0;
    try {
      for (TopicPartition tp : partitions) {
        long end = ends.get(tp);
        c.assign(Collections.singletonList(tp));
        c.seekToBeginning(Collections.singletonList(tp));
        long idleSince = System.nanoTime();
        while (c.position(tp, Duration.ofMillis(timeoutMs)) < end) {
          ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(500));
          if (records.isEmpty()) {
            if (System.nanoTime() - idleSince > TimeUnit.MILLISECONDS.toNanos(timeoutMs)) {
              throw new TimeoutException("no records from " + tp + " for " + timeoutMs + " ms");
            }
            continue;
          }
          idleSince = System.nanoTime();
          for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
            if (r.offset() < end) {
              sink.accept(raw(r));
              count++;
            }
          }
        }
      }
    } finally {
      c.assign(Collections.<TopicPartition>emptyList());
    }
    return count;
  }

  @Override
  public String fatalSendError(Throwable error) {
    Throwable e = error instanceof java.util.concurrent.ExecutionException && error.getCause() != null
        ? error.getCause()
        : error;
    if (e instanceof RecordTooLargeException
        || e instanceof RecordBatchTooLargeException
        || e instanceof InvalidTopicException
        || e instanceof AuthorizationException) {
      return e.getClass().getSimpleName();
    }
    return null;
  }

  private static RawRecord raw(ConsumerRecord<byte[], byte[]> r) {
    List<String> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    for (Header h : r.headers()) {
      keys.add(h.key());
      values.add(h.value());
    }
    return new RawRecord(
        r.topic(),
        r.partition(),
        r.offset(),
        r.timestamp(),
        r.timestampType().toString(),
        r.key(),
        r.value(),
        keys,
        values);
  }

  @Override
  public void close() {
    resetProducer();
    if (consumer != null) {
      try {
        consumer.close(Duration.ofMillis(500));
      } catch (RuntimeException ignored) {
        // closing only
      }
      consumer = null;
    }
    if (admin != null) {
      try {
        admin.close(Duration.ofMillis(500));
      } catch (RuntimeException ignored) {
        // closing only
      }
      admin = null;
    }
  }
}
