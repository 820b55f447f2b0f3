package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.weft.smoke.it.DeadLetterData.Read;
import dev.weft.testing.kafka.TestKafka;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A plain consumer that retries by itself: on a failure it seeks the partition back to the
 * record and tries it again, three times, then moves on. Only the failure it moved on from is
 * final: one dead letter per record that never succeeded, carrying its last attempt's exception;
 * none for a record that succeeded on its retry.
 */
class RetriedRecordDeadLetterSmokeTest {

  @TempDir Path dir;

  private TestKafka kafka;
  private DeadLetterHarness harness;

  @BeforeEach
  void start() {
    kafka = TestKafka.start(dir.resolve("broker"));
    harness = new DeadLetterHarness(dir);
  }

  @AfterEach
  void stop() {
    harness.close();
    kafka.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"kafka-clients-3.0.0", "kafka-clients-4.4.0"})
  void aRecordIsDeadLetteredOnceAfterTheConsumerMovesOnAndNotWhenARetrySucceeds(String clients)
      throws Exception {
    String topic = "orders-seek-" + clients.substring(clients.lastIndexOf('-') + 1).replace('.', '-');
    String group = "billing-seek";
    kafka.createTopic(topic);
    Map<String, Long> offsets = new HashMap<>();
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      String[][] byPartition = {
        {"ok-a", "fail-times=1;flaky", "fail-times=99;never-1", "ok-b"},
        {"fail-times=99;never-2", "ok-c"}
      };
      for (int partition = 0; partition < byPartition.length; partition++) {
        for (String value : byPartition[partition]) {
          long offset = producer.send(new ProducerRecord<>(topic, partition, null, value.getBytes(StandardCharsets.UTF_8)))
              .get(30, TimeUnit.SECONDS).offset();
          offsets.put(value, offset);
        }
      }
    }
    int port = SmokeEnv.freePort();
    int metrics = SmokeEnv.freePort();
    ServiceProcess consumer = harness.startConsumer(kafka.broker, "seek-" + topic, clients, "seek", topic, group,
        dir.resolve("spool"), port, metrics, null, 0);

    // ok-a, flaky (at its second attempt), ok-b, ok-c processed; 1 + 4 + 4 failed attempts.
    harness.awaitProcessed(consumer, port, 4, 9, Duration.ofSeconds(60));
    List<Read> deadLetters = DeadLetterHarness.awaitDeadLetters(kafka.broker, topic + ".dlq", 2, Duration.ofSeconds(60));
    MetricsScrape scrape = Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)), () -> Http.scrape(harness.client, metrics),
        m -> m.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")) >= 2,
        m -> "dead letters published: " + (m == null ? "" : m.series("kafka_dlq_records_total")));

    assertEquals(2, deadLetters.size(), "one dead letter per record that never succeeded: " + deadLetters);
    Map<String, Read> byValue = new HashMap<>();
    for (Read d : deadLetters) {
      assertNull(byValue.put(new String(d.value(), StandardCharsets.UTF_8), d), "dead-lettered twice");
    }
    for (String never : List.of("fail-times=99;never-1", "fail-times=99;never-2")) {
      Read d = byValue.get(never);
      assertNotNull(d, never + " not dead-lettered: " + byValue.keySet());
      assertEquals(offsets.get(never), ByteBuffer.wrap(d.header("kafka_dlt-original-offset")).getLong());
      assertEquals(DeadLetterSmokeTest.EXCEPTION, d.text("kafka_dlt-exception-fqcn"));
      assertEquals("flaky record at attempt 4", d.text("kafka_dlt-exception-message"),
          "the last attempt's exception, made after the consumer moved on");
    }
    assertEquals(2, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")));
    assertEquals(2, DeadLetterData.readAll(kafka.bootstrap(), topic + ".dlq").size(), "still two");
  }
}
