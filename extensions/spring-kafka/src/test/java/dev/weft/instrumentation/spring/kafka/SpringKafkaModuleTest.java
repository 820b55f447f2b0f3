package dev.weft.instrumentation.spring.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.WeftAgentExtension;
import dev.weft.testing.kafka.TestKafka;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.util.backoff.FixedBackOff;

/**
 * The spring-kafka module in process, with kafka-clients woven too: Spring Kafka listener
 * containers of the version on the class path (3.0.0, or 4.0.6 in the execution {@code newest})
 * on a real KRaft broker from weft-testing. A listener's failure is a dead letter once the
 * container's error handler gives the record up, never when a retry succeeds; a container that
 * publishes its own dead letters keeps Weft out.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SpringKafkaModuleTest {

  private static final Path SPOOL =
      Paths.get("target", "dlq-spool-" + Long.toHexString(System.nanoTime())).toAbsolutePath();

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("kafka-clients", "spring-kafka")
          .with("weft.dlq.spool.dir", SPOOL.toString());

  private static final String CONSUMED = "kafka_consumer_records_total";
  private static final String PROCESS_DURATION = "kafka_consumer_process_duration_seconds";
  private static final String DEAD_LETTERS = "kafka_dlq_records_total";
  private static final String LISTENER_FAILED = ListenerExecutionFailedException.class.getName();
  private static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @TempDir static Path dir;
  static TestKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = TestKafka.start(dir.resolve("kafka"));
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /**
   * One record per poll, so that every delivery is one count: order-0 goes through; flaky-1 fails
   * once and succeeds on Spring's retry (no dead letter); order-2 goes through; bad-3 fails its
   * three attempts (two retries), and when Spring's error handler gives it up, it is
   * dead-lettered once, with Spring's exception and the last attempt's processing span.
   */
  @Test
  void aRecordIsDeadLetteredWhenSpringsErrorHandlerGivesItUpNotWhenARetrySucceeds() throws Exception {
    String topic = "orders";
    String group = "billing";
    kafka.createTopic(topic, 1, Collections.emptyMap());
    Map<String, ProducerRecord<String, byte[]>> originals =
        produce(topic, "order-0", "flaky-1", "order-2", "bad-3");
    List<String> attempts = Collections.synchronizedList(new ArrayList<>());
    int[] flakyAttempts = {0};
    MessageListener<String, byte[]> listener =
        record -> {
          attempts.add(record.key());
          if (record.key().startsWith("bad") || (record.key().startsWith("flaky") && ++flakyAttempts[0] == 1)) {
            throw new IllegalStateException("order " + record.key() + " rejected");
          }
        };
    List<ConsumerRecord<byte[], byte[]>> deadLetters;
    KafkaMessageListenerContainer<String, byte[]> container =
        start(topic, group, listener, new DefaultErrorHandler(new FixedBackOff(0L, 2L)), 1);
    try {
      deadLetters = awaitRecords(topic + ".dlq", 1);
      await(() -> attempts.size() >= 7, () -> "attempts: " + attempts);
    } finally {
      container.stop();
    }
    assertEquals(Arrays.asList("order-0", "flaky-1", "flaky-1", "order-2", "bad-3", "bad-3", "bad-3"), attempts);

    String[] ok = {"topic", topic, "group", group, "status", "ok", "error_type", ""};
    String[] failed = {"topic", topic, "group", group, "status", "error", "error_type", "ListenerExecutionFailedException"};
    assertEquals(7, weft.counter(CONSUMED, ok), "one poll per delivery");
    assertEquals(3, weft.histogramCount(PROCESS_DURATION, ok));
    assertEquals(4, weft.histogramCount(PROCESS_DURATION, failed));
    assertEquals(2, weft.changedSeries(PROCESS_DURATION).keySet().stream().filter(l -> l.get("topic").equals(topic)).count(),
        weft.changedSeries(PROCESS_DURATION).toString()); // the test's own reader of the .dlq topic is there too
    assertEquals(1, weft.awaitCounter(DEAD_LETTERS, 1,
        "topic", topic, "dlq_topic", topic + ".dlq", "group", group, "outcome", "published", "reason", ""));
    assertEquals(1, weft.changedSeries(DEAD_LETTERS).size(), weft.changedSeries(DEAD_LETTERS).toString());
    assertEquals(1, Arrays.stream(kafka.endOffsets(topic + ".dlq", deadLetterPartitions(topic + ".dlq"))).sum(),
        "one dead letter, bad-3's; flaky-1 succeeded on its retry");

    ConsumerRecord<byte[], byte[]> letter = deadLetters.get(0);
    assertEquals("bad-3", new String(letter.key(), StandardCharsets.UTF_8));
    assertArrayEquals(originals.get("bad-3").value(), letter.value(), "the value, byte for byte");
    assertEquals("order-header", letter.headers().toArray()[0].key(), "the original headers first");
    assertEquals(topic, header(letter.headers(), "kafka_dlt-original-topic"));
    assertEquals(0, ByteBuffer.wrap(letter.headers().lastHeader("kafka_dlt-original-partition").value()).getInt());
    assertEquals(3L, ByteBuffer.wrap(letter.headers().lastHeader("kafka_dlt-original-offset").value()).getLong());
    assertEquals(group, header(letter.headers(), "kafka_dlt-original-consumer-group"));
    assertEquals(LISTENER_FAILED, header(letter.headers(), "kafka_dlt-exception-fqcn"));
    assertEquals("java.lang.IllegalStateException", header(letter.headers(), "kafka_dlt-exception-cause-fqcn"));

    // The dead letter carries the traceparent of the last failing attempt's processing span.
    List<SpanData> badAttempts = new ArrayList<>();
    for (SpanData s : weft.spans()) {
      if (s.getKind() == SpanKind.CONSUMER && Long.valueOf(3).equals(s.getAttributes().get(OFFSET))) {
        badAttempts.add(s);
      }
    }
    assertEquals(3, badAttempts.size());
    badAttempts.forEach(s -> assertEquals(StatusCode.ERROR, s.getStatus().getStatusCode()));
    SpanData last = Collections.max(badAttempts, Comparator.comparingLong(SpanData::getEndEpochNanos));
    // The record's trace began with Weft (its producer's span): random ids, the flag says so.
    assertEquals(
        "00-" + last.getTraceId() + "-" + last.getSpanId() + "-03",
        header(letter.headers(), "traceparent"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "kafka-clients"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "spring-kafka"));
  }

  /**
   * The application's own {@code DeadLetterPublishingRecoverer}: bad-1 goes to its dead-letter
   * topic, once, and Weft dead-letters nothing of that container.
   */
  @Test
  void aContainerThatPublishesItsOwnDeadLettersKeepsWeftOut() throws Exception {
    String topic = "payments";
    String group = "ledger";
    String own = topic + ".app-dlt";
    kafka.createTopic(topic, 1, Collections.emptyMap());
    kafka.createTopic(own, 1, Collections.emptyMap());
    produce(topic, "order-0", "bad-1", "order-2");
    List<String> attempts = Collections.synchronizedList(new ArrayList<>());
    MessageListener<String, byte[]> listener =
        record -> {
          attempts.add(record.key());
          if (record.key().startsWith("bad")) {
            throw new IllegalStateException("order " + record.key() + " rejected");
          }
        };
    DefaultKafkaProducerFactory<String, byte[]> producers =
        new DefaultKafkaProducerFactory<>(producerConfig());
    DeadLetterPublishingRecoverer publisher =
        new DeadLetterPublishingRecoverer(
            new KafkaTemplate<>(producers), (record, e) -> new TopicPartition(own, record.partition()));
    List<ConsumerRecord<byte[], byte[]>> published;
    KafkaMessageListenerContainer<String, byte[]> container =
        start(topic, group, listener, new DefaultErrorHandler(publisher, new FixedBackOff(0L, 1L)), 1);
    try {
      published = awaitRecords(own, 1);
      await(() -> attempts.contains("order-2"), () -> "attempts: " + attempts);
    } finally {
      container.stop(); // closing the consumer: anything Weft had captured is on disk now
      producers.destroy();
    }
    assertEquals(Arrays.asList("order-0", "bad-1", "bad-1", "order-2"), attempts);
    assertEquals("bad-1", new String(published.get(0).key(), StandardCharsets.UTF_8));
    assertEquals(2, weft.histogramCount(PROCESS_DURATION,
        "topic", topic, "group", group, "status", "error", "error_type", "ListenerExecutionFailedException"));
    assertEquals(Collections.emptyMap(), weft.changedSeries(DEAD_LETTERS), "Weft dead-letters nothing");
    assertEquals(0, weft.gauge("kafka_dlq_spooled_records"), "nothing waits in Weft's spool");
    assertFalse(kafka.topics().contains(topic + ".dlq"), "no Weft dead-letter topic was made");
  }

  /**
   * A batch listener names the failed record with {@code BatchListenerFailedException}: once
   * Spring gives it up, that record alone is dead-lettered.
   */
  @Test
  void aBatchListenersNamedRecordIsTheOneDeadLettered() throws Exception {
    String topic = "invoices";
    String group = "accounting";
    kafka.createTopic(topic, 1, Collections.emptyMap());
    Map<String, ProducerRecord<String, byte[]>> originals =
        produce(topic, "order-0", "order-1", "bad-2", "order-3");
    List<String> attempts = Collections.synchronizedList(new ArrayList<>());
    BatchMessageListener<String, byte[]> listener =
        records -> {
          for (ConsumerRecord<String, byte[]> record : records) {
            attempts.add(record.key());
            if (record.key().startsWith("bad")) {
              throw new BatchListenerFailedException("order " + record.key() + " rejected", record);
            }
          }
        };
    List<ConsumerRecord<byte[], byte[]>> deadLetters;
    KafkaMessageListenerContainer<String, byte[]> container =
        start(topic, group, listener, new DefaultErrorHandler(new FixedBackOff(0L, 1L)), 500);
    try {
      deadLetters = awaitRecords(topic + ".dlq", 1);
      await(() -> attempts.contains("order-3"), () -> "attempts: " + attempts);
    } finally {
      container.stop();
    }
    assertEquals(2, attempts.stream().filter("bad-2"::equals).count(), "attempts: " + attempts);
    assertEquals(1, weft.awaitCounter(DEAD_LETTERS, 1,
        "topic", topic, "dlq_topic", topic + ".dlq", "group", group, "outcome", "published", "reason", ""));
    assertEquals(1, Arrays.stream(kafka.endOffsets(topic + ".dlq", deadLetterPartitions(topic + ".dlq"))).sum());
    ConsumerRecord<byte[], byte[]> letter = deadLetters.get(0);
    assertEquals("bad-2", new String(letter.key(), StandardCharsets.UTF_8));
    assertArrayEquals(originals.get("bad-2").value(), letter.value());
    assertEquals(2L, ByteBuffer.wrap(letter.headers().lastHeader("kafka_dlt-original-offset").value()).getLong());
    assertEquals(LISTENER_FAILED, header(letter.headers(), "kafka_dlt-exception-fqcn"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "spring-kafka"));
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static KafkaMessageListenerContainer<String, byte[]> start(
      String topic, String group, Object listener, CommonErrorHandler errorHandler, int maxPollRecords)
      throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", kafka.bootstrap());
    config.put("group.id", group);
    config.put("auto.offset.reset", "earliest");
    config.put("max.poll.records", maxPollRecords);
    config.put("key.deserializer", StringDeserializer.class);
    config.put("value.deserializer", ByteArrayDeserializer.class);
    ContainerProperties properties = new ContainerProperties(topic);
    properties.setMessageListener(listener);
    KafkaMessageListenerContainer<String, byte[]> container =
        new KafkaMessageListenerContainer<>(new DefaultKafkaConsumerFactory<>(config), properties);
    container.setCommonErrorHandler(errorHandler);
    container.start();
    await(() -> {
      Collection<TopicPartition> assigned = container.getAssignedPartitions();
      return assigned != null && !assigned.isEmpty();
    }, () -> "the container of group " + group + " was not assigned " + topic);
    return container;
  }

  /** Sends records with these keys (64 random bytes, a header of their own), acknowledged. */
  private static Map<String, ProducerRecord<String, byte[]>> produce(String topic, String... keys)
      throws Exception {
    Map<String, ProducerRecord<String, byte[]>> sent = new HashMap<>();
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    Random random = new Random(keys.length);
    Properties p = new Properties();
    p.putAll(producerConfig());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      for (String key : keys) {
        byte[] value = new byte[64];
        random.nextBytes(value);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        record.headers().add("order-header", key.getBytes(StandardCharsets.UTF_8));
        sent.put(key, record);
        acks.add(producer.send(record));
      }
      for (Future<RecordMetadata> ack : acks) {
        ack.get(30, TimeUnit.SECONDS);
      }
    }
    return sent;
  }

  private static Map<String, Object> producerConfig() {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", kafka.bootstrap());
    p.put("key.serializer", StringSerializer.class);
    p.put("value.serializer", ByteArraySerializer.class);
    p.put("acks", "all");
    return p;
  }

  /** Waits (up to 60 s) until {@code topic} exists and holds {@code count} records; returns them. */
  private static List<ConsumerRecord<byte[], byte[]>> awaitRecords(String topic, int count)
      throws Exception {
    await(() -> topics().contains(topic), () -> topic + " was not created");
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(p)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : reader.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      reader.assign(partitions);
      reader.seekToBeginning(partitions);
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (read.size() < count && System.nanoTime() - deadline < 0) {
        reader.poll(Duration.ofMillis(100)).forEach(read::add);
      }
    }
    assertEquals(count, read.size(), "records in " + topic);
    return read;
  }

  private static int deadLetterPartitions(String topic) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      return c.partitionsFor(topic).size();
    }
  }

  private static Set<String> topics() {
    try {
      return kafka.topics();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(BooleanSupplier condition, Supplier<String> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() - deadline < 0, what.get());
      Thread.sleep(20);
    }
  }

  private static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    assertNotNull(h, "header " + name);
    return new String(h.value(), StandardCharsets.UTF_8);
  }
}
