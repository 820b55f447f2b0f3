package dev.weft.runtime.dlq.io;

import dev.weft.runtime.dlq.KafkaIo;
import dev.weft.runtime.dlq.PartitionFetch;
import dev.weft.runtime.dlq.RawRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
  private String consumerIsolation;
  private KafkaProducer<byte[], byte[]> producer;
  private Admin admin;

  public KafkaClientIo(Map<String, Object> connection, String clientId) {
    this.connection = new HashMap<>(connection);
    this.clientId = clientId;
  }

  private KafkaConsumer<byte[], byte[]> consumer(String isolationLevel) {
    String isolation = isolationLevel == null ? "read_uncommitted" : isolationLevel;
    if (consumer != null && isolationLevel != null && !isolation.equals(consumerIsolation)) {
      closeConsumer(); // rare: consumers of one cluster with both isolation levels
    }
    if (consumer == null) {
      consumerIsolation = isolation;
      Map<String, Object> config = new HashMap<>(connection);
      config.put("client.id", clientId + "-reader");
      config.put("enable.auto.commit", "false");
      config.put("auto.offset.reset", "none");
      config.put("isolation.level", isolation);
      config.put("max.poll.records", "2000");
      // A fetch left waiting at the log's end would hold up the next batch's seek.
      config.put("fetch.max.wait.ms", "10");
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
      config.put("linger.ms", "5");
      config.put("batch.size", "262144");
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
  public void fetch(List<PartitionFetch> fetches, String isolationLevel, long timeoutMs)
      throws Exception {
    KafkaConsumer<byte[], byte[]> c = consumer(isolationLevel);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    Map<String, Integer> partitionCounts = new HashMap<>();
    Map<TopicPartition, PartitionFetch> live = new HashMap<>();
    for (PartitionFetch f : fetches) {
      Integer n = partitionCounts.get(f.topic);
      if (n == null) {
        List<PartitionInfo> infos = c.partitionsFor(f.topic, left(deadline));
        n = infos == null ? 0 : infos.size();
        partitionCounts.put(f.topic, n);
      }
      if (n == 0) {
        f.loseRest(PartitionFetch.TOPIC_DELETED);
      } else if (f.partition >= n) {
        f.loseRest(PartitionFetch.PARTITION_DELETED);
      } else {
        live.put(new TopicPartition(f.topic, f.partition), f);
      }
    }
    if (live.isEmpty()) {
      return;
    }
    Map<TopicPartition, Long> starts = c.beginningOffsets(live.keySet(), left(deadline));
    Map<TopicPartition, Long> ends = c.endOffsets(live.keySet(), left(deadline));
    Map<TopicPartition, PartitionFetch> reading = new HashMap<>();
    for (Map.Entry<TopicPartition, PartitionFetch> e : live.entrySet()) {
      PartitionFetch f = e.getValue();
      long start = starts.getOrDefault(e.getKey(), 0L);
      long end = ends.getOrDefault(e.getKey(), Long.MAX_VALUE);
      for (long o : f.offsets) {
        if (o < start) {
          f.lost.put(o, PartitionFetch.RETENTION);
        } else if (o >= end) {
          f.lost.put(o, PartitionFetch.BEYOND_LOG_END);
        }
      }
      if (!f.complete()) {
        reading.put(e.getKey(), f);
      }
    }
    if (reading.isEmpty()) {
      return;
    }
    try {
      c.assign(reading.keySet());
      for (Map.Entry<TopicPartition, PartitionFetch> e : reading.entrySet()) {
        c.seek(e.getKey(), firstWanted(e.getValue()));
      }
      while (!reading.isEmpty() && System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> records = c.poll(min(left(deadline), Duration.ofMillis(200)));
        for (TopicPartition tp : records.partitions()) {
          PartitionFetch f = reading.get(tp);
          if (f == null) {
            continue;
          }
          for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
            if (Arrays.binarySearch(f.offsets, r.offset()) >= 0) {
              f.found.put(r.offset(), raw(r));
            }
          }
        }
        java.util.Iterator<Map.Entry<TopicPartition, PartitionFetch>> it = reading.entrySet().iterator();
        while (it.hasNext()) {
          Map.Entry<TopicPartition, PartitionFetch> e = it.next();
          PartitionFetch f = e.getValue();
          long position = c.position(e.getKey(), left(deadline));
          for (long o : f.offsets) {
            if (o < position && !f.found.containsKey(o)) {
              f.lost.putIfAbsent(o, PartitionFetch.COMPACTED);
            }
          }
          if (f.complete()) {
            c.pause(Collections.singletonList(e.getKey()));
            it.remove();
          }
        }
      }
    } catch (OffsetOutOfRangeException raced) {
      // retention moved the log start while reading: the next attempt sorts the offsets out
    } finally {
      c.assign(Collections.<TopicPartition>emptyList());
    }
  }

  private static long firstWanted(PartitionFetch f) {
    for (long o : f.offsets) {
      if (!f.found.containsKey(o) && !f.lost.containsKey(o)) {
        return o;
      }
    }
    return f.offsets[f.offsets.length - 1];
  }

  private static Duration left(long deadline) throws TimeoutException {
    long nanos = deadline - System.nanoTime();
    if (nanos <= 0) {
      throw new TimeoutException("no answer from the broker in time");
    }
    return Duration.ofNanos(nanos);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  @Override
  public String clusterId(long timeoutMs) throws Exception {
    return admin().describeCluster().clusterId().get(timeoutMs, TimeUnit.MILLISECONDS);
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

  private void closeConsumer() {
    if (consumer != null) {
      try {
        consumer.close(Duration.ofMillis(500));
      } catch (RuntimeException ignored) {
        // closing only
      }
      consumer = null;
    }
  }

  @Override
  public void close() {
    resetProducer();
    closeConsumer();
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
