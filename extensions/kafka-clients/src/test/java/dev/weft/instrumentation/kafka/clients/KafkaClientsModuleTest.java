package dev.weft.instrumentation.kafka.clients;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.orders.Orders;
import dev.weft.testing.WeftAgentExtension;
import dev.weft.testing.kafka.TestKafka;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kafka-clients module in process: real producers and consumers of the kafka-clients version
 * on the class path (3.0.0, or 4.4.0 in the execution {@code newest}, there with both group
 * protocols) against a real KRaft broker from weft-testing, with Weft's dead letters on.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KafkaClientsModuleTest {

  private static final Path SPOOL =
      Paths.get("target", "dlq-spool-" + Long.toHexString(System.nanoTime())).toAbsolutePath();

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("kafka-clients").with("weft.dlq.spool.dir", SPOOL.toString());

  private static final String PRODUCED = "kafka_producer_records_total";
  private static final String SEND_DURATION = "kafka_producer_send_duration_seconds";
  private static final String CONSUMED = "kafka_consumer_records_total";
  private static final String PROCESS_DURATION = "kafka_consumer_process_duration_seconds";
  private static final String LAG = "kafka_consumer_lag";
  private static final String DEAD_LETTERS = "kafka_dlq_records_total";
  private static final AttributeKey<String> PARTITION =
      AttributeKey.stringKey("messaging.destination.partition.id");
  private static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
  private static final AttributeKey<String> GROUP =
      AttributeKey.stringKey("messaging.consumer.group.name");
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

  /** The group protocols of the kafka-clients under test: the consumer protocol from 4.0. */
  static Stream<String> protocols() throws Exception {
    return clientsVersion().startsWith("3.") ? Stream.of("classic") : Stream.of("classic", "consumer");
  }

  /** The version of the kafka-clients jar on the class path, as it says itself. */
  static String clientsVersion() throws Exception {
    Properties p = new Properties();
    try (InputStream in = KafkaConsumer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      p.load(in);
    }
    return p.getProperty("version");
  }

  @Test
  void nSendsWithKFailuresMoveTheProducerCountersByExactlyNMinusKAndK() throws Exception {
    String topic = "sends";
    kafka.createTopic(topic);
    int n = 20;
    List<Integer> tooLarge = Arrays.asList(3, 10, 17); // values beyond max.request.size
    AtomicInteger acknowledged = new AtomicInteger();
    List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
    Properties props = producerProps();
    props.put("max.request.size", "2048");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < n; i++) {
        byte[] value = new byte[tooLarge.contains(i) ? 4096 : 100];
        producer.send(
            new ProducerRecord<>(topic, "order-" + i, value),
            (metadata, e) -> {
              if (e == null) {
                acknowledged.incrementAndGet();
              } else {
                failures.add(e);
              }
            });
      }
      producer.flush();
    }
    int k = tooLarge.size();
    assertEquals(n - k, acknowledged.get(), "the application's callbacks see what they see without Weft");
    assertEquals(k, failures.size());
    failures.forEach(e -> assertTrue(e instanceof RecordTooLargeException, e.toString()));

    String[] ok = {"topic", topic, "status", "ok", "error_type", ""};
    String[] failed = {"topic", topic, "status", "error", "error_type", "RecordTooLargeException"};
    assertEquals(n - k, weft.counter(PRODUCED, ok));
    assertEquals(k, weft.counter(PRODUCED, failed));
    assertEquals(n - k, weft.histogramCount(SEND_DURATION, ok));
    assertEquals(k, weft.histogramCount(SEND_DURATION, failed));
    assertEquals(2, weft.changedSeries(PRODUCED).size(), weft.changedSeries(PRODUCED).toString());
    List<SpanData> spans = weft.awaitSpans(n);
    assertEquals(n, spans.size());
    for (SpanData s : spans) {
      assertEquals(SpanKind.PRODUCER, s.getKind());
      assertEquals(topic + " publish", s.getName());
    }
    assertEquals(k, spans.stream().filter(s -> s.getStatus().getStatusCode() == StatusCode.ERROR).count());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "kafka-clients"));
  }

  @Test
  void aSendToATopicThatDoesNotExistFailsAsItWouldWithoutWeftAndIsCountedSo() throws Exception {
    String topic = "missing";
    int k = 2;
    List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
    Properties props = producerProps();
    props.put("max.block.ms", "500"); // auto-creation is off: the metadata never comes
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < k; i++) {
        producer.send(new ProducerRecord<>(topic, "order-" + i, new byte[10]), (m, e) -> failures.add(e));
      }
    }
    assertEquals(k, failures.size());
    failures.forEach(e -> assertTrue(e instanceof TimeoutException, String.valueOf(e)));
    String[] failed = {"topic", topic, "status", "error", "error_type", "TimeoutException"};
    assertEquals(k, weft.counter(PRODUCED, failed));
    assertEquals(k, weft.histogramCount(SEND_DURATION, failed));
    assertEquals(1, weft.changedSeries(PRODUCED).size(), weft.changedSeries(PRODUCED).toString());
  }

  /**
   * 30 records, 10 in each of 3 partitions, produced before the consumer starts; the consumer
   * takes at most 4 per poll. The first time the consumer knows every partition's end, each
   * partition's lag is what was produced to it minus what the application took from it; once all
   * are taken, 0; once the consumer is closed, the series are gone.
   */
  @ParameterizedTest(name = "{0} group protocol")
  @MethodSource("protocols")
  void consumedRecordsAreCountedTracedFromTheirProducerSpanAndLaggedExactly(String protocol)
      throws Exception {
    String topic = "consumed-" + protocol;
    String group = "billing-" + protocol;
    kafka.createTopic(topic);
    int perPartition = 10;
    int n = TestKafka.PARTITIONS * perPartition;
    produce(topic, n, i -> "order-" + i, i -> i % TestKafka.PARTITIONS);
    List<SpanData> producerSpans = weft.awaitSpans(n);
    assertEquals(n, producerSpans.size());

    Properties props = consumerProps(group, protocol);
    props.put("max.poll.records", "4");
    int[] taken = new int[TestKafka.PARTITIONS];
    List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
    long[] lagSeen = null;
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(Collections.singletonList(topic));
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (received.size() < n && System.nanoTime() - deadline < 0) {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
        for (ConsumerRecord<String, byte[]> r : records) { // the iteration Weft times and traces
          received.add(r);
          taken[r.partition()]++;
        }
        if (lagSeen == null && lagSeriesExist(topic, group)) {
          lagSeen = new long[TestKafka.PARTITIONS];
          for (int p = 0; p < TestKafka.PARTITIONS; p++) {
            assertEquals(perPartition - taken[p], weft.gauge(LAG, lag(topic, p, group)),
                "partition " + p + ": produced " + perPartition + ", taken " + Arrays.toString(taken));
            lagSeen[p] = perPartition - taken[p];
          }
        }
      }
      assertEquals(n, received.size(), "records received");
      assertNotNull(lagSeen, "no lag series for every partition");
      assertTrue(Arrays.stream(lagSeen).sum() > 0, "a backlog was seen: " + Arrays.toString(lagSeen));
      for (int p = 0; p < TestKafka.PARTITIONS; p++) {
        assertEquals(0, weft.gauge(LAG, lag(topic, p, group)), "partition " + p + " caught up");
      }
    }
    for (int p = 0; p < TestKafka.PARTITIONS; p++) {
      assertFalse(weft.hasSeries(LAG, lag(topic, p, group)), "closed: no lag series for partition " + p);
    }

    String[] ok = {"topic", topic, "group", group, "status", "ok", "error_type", ""};
    assertEquals(n, weft.counter(CONSUMED, ok));
    assertEquals(Collections.singletonMap(labels(ok), (double) n), weft.changedSeries(CONSUMED));
    assertEquals(n, weft.histogramCount(PROCESS_DURATION, ok));
    assertEquals(1, weft.changedSeries(PROCESS_DURATION).size());

    // Each record's processing span is a child of its producer span, through its traceparent.
    List<SpanData> spans = weft.awaitSpans(2 * n);
    Map<String, SpanData> producers = new HashMap<>();
    Map<String, SpanData> processing = new HashMap<>();
    for (SpanData s : spans) {
      if (s.getKind() == SpanKind.PRODUCER) {
        producers.put(s.getSpanId(), s);
      } else if (s.getKind() == SpanKind.CONSUMER) {
        processing.put(s.getAttributes().get(PARTITION) + "/" + s.getAttributes().get(OFFSET), s);
      }
    }
    assertEquals(n, producers.size());
    assertEquals(n, processing.size());
    for (ConsumerRecord<String, byte[]> r : received) {
      String traceparent = header(r.headers(), "traceparent");
      assertNotNull(traceparent, "Weft put the producer span's traceparent on " + r.key());
      String[] parts = traceparent.split("-");
      SpanData producer = producers.get(parts[2]);
      assertNotNull(producer, "the traceparent names a producer span: " + traceparent);
      assertEquals(parts[1], producer.getTraceId());
      SpanData process = processing.get(r.partition() + "/" + r.offset());
      assertNotNull(process, "a processing span for " + r.partition() + "/" + r.offset());
      assertEquals(producer.getTraceId(), process.getTraceId());
      assertEquals(producer.getSpanId(), process.getParentSpanId());
      assertEquals(topic + " process", process.getName());
      assertEquals(group, process.getAttributes().get(GROUP));
    }
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "kafka-clients"));
  }

  /**
   * 12 records, 3 of which the application's handler rejects (it catches the exception and goes
   * on, as a loop that logs does): their processing counts as errors, and once the application
   * has moved past them, each is copied once to {@code <topic>.dlq}, byte for byte, with the
   * failure's headers and the failing processing span's traceparent.
   */
  @ParameterizedTest(name = "{0} group protocol")
  @MethodSource("protocols")
  void recordsWhoseHandlerThrowsAreErrorsAndDeadLetteredOnceTheConsumerMovesPast(String protocol)
      throws Exception {
    String topic = "failing-" + protocol;
    String group = "shipping-" + protocol;
    String dlq = topic + ".dlq";
    kafka.createTopic(topic);
    int n = 12;
    List<Integer> bad = Arrays.asList(2, 7, 11);
    Map<String, ProducerRecord<String, byte[]>> originals =
        produce(topic, n, i -> (bad.contains(i) ? "bad-" : "order-") + i, i -> i % TestKafka.PARTITIONS);

    Orders orders = new Orders();
    List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
    List<ConsumerRecord<String, byte[]>> rejected = new ArrayList<>();
    List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
    KafkaConsumer<byte[], byte[]> reader = null;
    int dlqPartitions = 0;
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProps(group, protocol))) {
      consumer.subscribe(Collections.singletonList(topic));
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (deadLetters.size() < bad.size() && System.nanoTime() - deadline < 0) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          received.add(r);
          try {
            orders.handle(r);
          } catch (IllegalStateException e) {
            rejected.add(r); // logged and skipped: the application moves past it
          }
        }
        if (reader == null && kafka.topics().contains(dlq)) {
          reader = reader(dlq);
          dlqPartitions = reader.assignment().size();
        }
        if (reader != null) {
          reader.poll(Duration.ofMillis(100)).forEach(deadLetters::add);
        }
      }
    } finally {
      if (reader != null) {
        reader.close();
      }
    }
    assertEquals(n, received.size());
    assertEquals(bad.size(), rejected.size());
    assertEquals(bad.size(), deadLetters.size(), "dead letters in " + dlq);

    String[] ok = {"topic", topic, "group", group, "status", "ok", "error_type", ""};
    String[] failed = {"topic", topic, "group", group, "status", "error", "error_type", "IllegalStateException"};
    assertEquals(n, weft.counter(CONSUMED, ok));
    assertEquals(n - bad.size(), weft.histogramCount(PROCESS_DURATION, ok));
    assertEquals(bad.size(), weft.histogramCount(PROCESS_DURATION, failed));
    assertEquals(bad.size(), weft.awaitCounter(DEAD_LETTERS, bad.size(),
        "topic", topic, "dlq_topic", dlq, "group", group, "outcome", "published", "reason", ""));
    assertEquals(1, weft.changedSeries(DEAD_LETTERS).size(), weft.changedSeries(DEAD_LETTERS).toString());
    long[] dlqEnds = kafka.endOffsets(dlq, dlqPartitions);
    assertEquals(bad.size(), Arrays.stream(dlqEnds).sum(), "each failure dead-lettered once");

    Map<String, SpanData> failedSpans = new HashMap<>();
    for (SpanData s : weft.spans()) {
      if (s.getKind() == SpanKind.CONSUMER && s.getStatus().getStatusCode() == StatusCode.ERROR) {
        failedSpans.put(s.getAttributes().get(PARTITION) + "/" + s.getAttributes().get(OFFSET), s);
      }
    }
    assertEquals(bad.size(), failedSpans.size());
    for (ConsumerRecord<byte[], byte[]> letter : deadLetters) {
      String key = new String(letter.key(), StandardCharsets.UTF_8);
      ProducerRecord<String, byte[]> original = originals.get(key);
      assertNotNull(original, "a dead letter of a record produced: " + key);
      assertTrue(key.startsWith("bad-"), key);
      ConsumerRecord<String, byte[]> failure =
          rejected.stream().filter(r -> r.key().equals(key)).findFirst().orElseThrow(AssertionError::new);
      assertArrayEquals(original.value(), letter.value(), "the value, byte for byte");
      assertEquals(failure.timestamp(), letter.timestamp());
      List<Header> headers = Arrays.asList(letter.headers().toArray());
      assertEquals("order-header", headers.get(0).key(), "the original headers first, in order");
      assertArrayEquals(original.headers().lastHeader("order-header").value(), headers.get(0).value());
      assertEquals(topic, header(letter.headers(), "kafka_dlt-original-topic"));
      assertEquals(failure.partition(), ByteBuffer.wrap(letter.headers().lastHeader("kafka_dlt-original-partition").value()).getInt());
      assertEquals(failure.offset(), ByteBuffer.wrap(letter.headers().lastHeader("kafka_dlt-original-offset").value()).getLong());
      assertEquals(group, header(letter.headers(), "kafka_dlt-original-consumer-group"));
      assertEquals("java.lang.IllegalStateException", header(letter.headers(), "kafka_dlt-exception-fqcn"));
      assertEquals("order " + key + " rejected", header(letter.headers(), "kafka_dlt-exception-message"));
      SpanData span = failedSpans.get(failure.partition() + "/" + failure.offset());
      assertNotNull(span, "the failing processing span of " + key);
      assertEquals(
          // The record's trace began with Weft (its producer's span): random ids, the flag says so.
          "00-" + span.getTraceId() + "-" + span.getSpanId() + "-03",
          header(letter.headers(), "traceparent"), "the last traceparent: the failing span's");
    }
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "kafka-clients"));
  }

  // ---- helpers ------------------------------------------------------------------------------

  private interface IntToString {
    String apply(int i);
  }

  private interface IntToInt {
    int apply(int i);
  }

  /**
   * Sends {@code n} records (keys and partitions as given, 64 random bytes, a header of their own)
   * and waits for every acknowledgement; returns them by key.
   */
  private static Map<String, ProducerRecord<String, byte[]>> produce(
      String topic, int n, IntToString key, IntToInt partition) throws Exception {
    Map<String, ProducerRecord<String, byte[]>> sent = new ConcurrentHashMap<>();
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    Random random = new Random(n);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps())) {
      for (int i = 0; i < n; i++) {
        byte[] value = new byte[64];
        random.nextBytes(value);
        ProducerRecord<String, byte[]> record =
            new ProducerRecord<>(topic, partition.apply(i), key.apply(i), value);
        record.headers().add("order-header", ("h" + i).getBytes(StandardCharsets.UTF_8));
        sent.put(record.key(), record);
        acks.add(producer.send(record));
      }
      for (Future<RecordMetadata> ack : acks) {
        ack.get(30, TimeUnit.SECONDS);
      }
    }
    return sent;
  }

  private static Properties producerProps() {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("acks", "all");
    return p;
  }

  private static Properties consumerProps(String group, String protocol) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    p.put("group.id", group);
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    if (!protocol.equals("classic")) {
      p.put("group.protocol", protocol);
    }
    return p;
  }

  /** A consumer without a group reading every partition of {@code topic} from the start. */
  private static KafkaConsumer<byte[], byte[]> reader(String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(p);
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo info : reader.partitionsFor(topic)) {
      partitions.add(new TopicPartition(topic, info.partition()));
    }
    reader.assign(partitions);
    reader.seekToBeginning(partitions);
    return reader;
  }

  private static boolean lagSeriesExist(String topic, String group) {
    for (int p = 0; p < TestKafka.PARTITIONS; p++) {
      if (!weft.hasSeries(LAG, lag(topic, p, group))) {
        return false;
      }
    }
    return true;
  }

  private static String[] lag(String topic, int partition, String group) {
    return new String[] {"topic", topic, "partition", Integer.toString(partition), "group", group};
  }

  private static Map<String, String> labels(String... pairs) {
    Map<String, String> m = new TreeMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  private static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
