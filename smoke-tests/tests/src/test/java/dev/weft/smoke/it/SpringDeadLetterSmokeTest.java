package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.smoke.it.DeadLetterData.Original;
import dev.weft.smoke.it.DeadLetterData.Read;
import dev.weft.testing.kafka.TestKafka;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Dead letters of Spring Kafka listeners against a real KRaft broker: Spring Boot services with
 * no Weft code or configuration, under Spring's error handlers, on Spring Kafka 3.x (Spring Boot
 * 3.5) and 4.0 (Spring Boot 4.0). Only a final failure is a dead letter: Spring's error handler
 * decides when a record is given up; a record that succeeds on a retry is none; an application
 * that publishes its own dead letters keeps Weft out.
 */
class SpringDeadLetterSmokeTest {

  static final String EXCEPTION = DeadLetterSmokeTest.EXCEPTION;
  static final String LISTENER_FAILED = "org.springframework.kafka.listener.ListenerExecutionFailedException";

  /** The two Spring Kafka lines, one service jar each (the same application source). */
  enum SpringKafka {
    V3, V4;

    Path jar() {
      return this == V3 ? SmokeEnv.springKafkaServiceJar() : SmokeEnv.springKafka4ServiceJar();
    }

    String suffix() {
      return "-" + name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One broker for the class (a start costs about 10 s): every case has topics and a consumer
   * group of its own (the Spring line's suffix on both), so what one case counts, reads and
   * commits is its own.
   */
  @TempDir static Path brokerDir;

  private static TestKafka kafka;

  @TempDir Path dir;

  private DeadLetterHarness harness;

  @BeforeAll
  static void startBroker() {
    kafka = TestKafka.start(brokerDir.resolve("broker"));
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @BeforeEach
  void start() {
    harness = new DeadLetterHarness(dir);
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  /**
   * Shape 2: a Spring Boot service's {@code @KafkaListener} (taking the value and key) throws;
   * Spring's default error handler retries each failing record 9 times, then skips it. The
   * service has no Weft code or configuration: only the agent, and the ports of the test.
   */
  @ParameterizedTest
  @EnumSource(SpringKafka.class)
  void aSpringKafkaListenerThatThrowsHasItsRecordDeadLettered(SpringKafka spring) throws Exception {
    runSpringService(spring, "orders-spring" + spring.suffix(), "billing-spring" + spring.suffix(), 5);
  }

  /**
   * Shape 2, batch: a Spring batch listener ({@code List<ConsumerRecord>}) throws Spring's
   * {@code BatchListenerFailedException} with the failing record's index; only that record is
   * dead-lettered, once, through Spring's commits of the records before it and its 9 retries.
   */
  @ParameterizedTest
  @EnumSource(SpringKafka.class)
  void aSpringKafkaBatchListenerHasTheRecordItNamesDeadLettered(SpringKafka spring) throws Exception {
    runSpringService(spring, "orders-spring-batch" + spring.suffix(), "billing-spring-batch" + spring.suffix(), 7,
        "--app.record-listener=false", "--app.batch-listener=true");
  }

  /**
   * Under Spring's default error handler (10 attempts): a record that fails twice and succeeds
   * at its third attempt is no dead letter; a record that fails every attempt is exactly one,
   * made when the error handler gives it up, so it carries the tenth attempt's exception.
   */
  @ParameterizedTest
  @EnumSource(SpringKafka.class)
  void onlyARecordThatSpringGivesUpIsDeadLettered(SpringKafka spring) throws Exception {
    String topic = "orders-retried" + spring.suffix();
    String group = "billing-retried" + spring.suffix();
    kafka.createTopic(topic);
    List<Long> offsets = produceText(topic, "fail-times=2;recovers", "fail-times=99;never", "ok-1", "ok-2", "ok-3");
    long recovers = offsets.get(0);
    long never = offsets.get(1);
    int metrics = SmokeEnv.freePort();
    int port = SmokeEnv.freePort();
    ServiceProcess service = startSpringService(spring, topic, group, port, metrics);

    // 2 failed attempts at the first record, 10 at the second; the three after it processed.
    harness.awaitProcessed(service, port, 4, 12, Duration.ofSeconds(120));
    List<Read> deadLetters = DeadLetterHarness.awaitDeadLetters(kafka.broker, topic + ".dlq", 1, Duration.ofSeconds(60));
    MetricsScrape scrape = Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)), () -> Http.scrape(harness.client, metrics),
        m -> m.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")) >= 1,
        m -> "dead letters published: " + (m == null ? "" : m.series("kafka_dlq_records_total")));

    assertEquals(1, deadLetters.size(), "one dead letter: the record Spring gave up; none for the one that recovered");
    Read d = deadLetters.get(0);
    assertEquals("fail-times=99;never", new String(d.value(), StandardCharsets.UTF_8));
    assertEquals(never, ByteBuffer.wrap(d.header("kafka_dlt-original-offset")).getLong());
    assertEquals(LISTENER_FAILED, d.text("kafka_dlt-exception-fqcn"));
    assertTrue(d.text("kafka_dlt-exception-message").endsWith("flaky record failed at attempt 10"),
        "the last attempt's exception: " + d.text("kafka_dlt-exception-message"));
    String attempts = Http.get(harness.client, Http.url(port, "/attempts")).body();
    assertTrue(attempts.contains(topic + "-0@" + recovers + "=3"), attempts);
    assertTrue(attempts.contains(topic + "-0@" + never + "=10"), attempts);
    assertEquals(1, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")));
    assertEquals(1, DeadLetterData.readAll(kafka.bootstrap(), topic + ".dlq").size(), "still one");
  }

  /**
   * An application with its own {@code DeadLetterPublishingRecoverer}: its record is in its own
   * dead-letter topic once, Weft's topic is never made, and Weft says once why it stays out.
   */
  @ParameterizedTest
  @EnumSource(SpringKafka.class)
  void anApplicationThatPublishesItsOwnDeadLettersKeepsThem(SpringKafka spring) throws Exception {
    String topic = "orders-own-dlt" + spring.suffix();
    String group = "billing-own-dlt" + spring.suffix();
    kafka.createTopic(topic);
    kafka.createTopic(topic + ".app-dlt");
    List<Long> offsets = produceText(topic, "fail-times=99;never", "ok-1", "ok-2");
    int metrics = SmokeEnv.freePort();
    int port = SmokeEnv.freePort();
    ServiceProcess service = startSpringService(spring, topic, group, port, metrics, "--app.own-dlt=true");

    // The application's error handler makes 3 attempts, then publishes; the consumer goes on.
    harness.awaitProcessed(service, port, 2, 3, Duration.ofSeconds(120));
    List<Read> own = DeadLetterHarness.awaitDeadLetters(kafka.broker, topic + ".app-dlt", 1, Duration.ofSeconds(60));
    assertEquals(1, own.size());
    assertEquals("fail-times=99;never", new String(own.get(0).value(), StandardCharsets.UTF_8));
    assertEquals(offsets.get(0), ByteBuffer.wrap(own.get(0).header("kafka_dlt-original-offset")).getLong());

    assertEquals(List.of(), DeadLetterData.readAll(kafka.bootstrap(), topic + ".dlq"), "nothing in Weft's dead-letter topic");
    MetricsScrape scrape = Http.scrape(harness.client, metrics);
    assertEquals(0, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")));
    long lines = service.weftLines().stream().filter(l -> l.contains("publishes its own dead letters")).count();
    assertEquals(1, lines, "one line for the container: " + service.weftLines());
  }

  private List<Long> produceText(String topic, String... values) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    List<Long> offsets = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (String v : values) {
        offsets.add(producer.send(new ProducerRecord<>(topic, 0, null, v.getBytes(StandardCharsets.UTF_8)))
            .get(30, TimeUnit.SECONDS).offset());
      }
    }
    return offsets;
  }

  private ServiceProcess startSpringService(
      SpringKafka spring, String topic, String group, int port, int metrics, String... appArgs) {
    List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--app.bootstrap=" + kafka.bootstrap(),
        "--app.topic=" + topic, "--app.group=" + group));
    args.addAll(List.of(appArgs));
    ServiceProcess service =
        ServiceProcess.builder("dlq-" + topic)
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs(Services.KEEP_IDLE_CONNECTIONS, "-Dweft.metrics.port=" + metrics,
                "-Dotel.traces.exporter=none")
            .jar(spring.jar())
            .args(args.toArray(new String[0]))
            .start();
    harness.track(service);
    service.awaitStdoutLine("spring-kafka-service listening on http://127.0.0.1:" + port, Services.STARTUP);
    return service;
  }

  private void runSpringService(SpringKafka spring, String topic, String group, long seed, String... appArgs)
      throws Exception {
    kafka.createTopic(topic);
    List<Original> originals = DeadLetterData.produce(kafka.bootstrap(), topic, seed);
    int port = SmokeEnv.freePort();
    int metrics = SmokeEnv.freePort();
    ServiceProcess service = startSpringService(spring, topic, group, port, metrics, appArgs);
    // Spring's error handler makes 10 attempts at each failing record (a batch listener may make
    // one more when two failures share a batch): how many is Spring's business, not Weft's.
    String processed = "processed=" + (DeadLetterData.RECORDS - DeadLetterData.FAILING) + " ";
    Poll.untilValue(Poll.deadline(Duration.ofSeconds(240)), () -> harness.stats(port),
        st -> st.startsWith(processed) && DeadLetterHarness.attempts(st) - (DeadLetterData.RECORDS - DeadLetterData.FAILING)
            >= 10L * DeadLetterData.FAILING,
        st -> "the Spring service did not get through the records (" + st + "); " + service.describe());
    MetricsScrape scrape = Poll.untilValue(Poll.deadline(Duration.ofSeconds(60)), () -> Http.scrape(harness.client, metrics),
        m -> m.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")) >= DeadLetterData.FAILING,
        m -> "dead letters published: " + (m == null ? "" : m.series("kafka_dlq_records_total")));
    List<Read> deadLetters = DeadLetterData.readAll(kafka.bootstrap(), topic + ".dlq");
    DeadLetterData.assertDeadLetters(originals, deadLetters, topic, group, LISTENER_FAILED, EXCEPTION);
    assertEquals(DeadLetterData.FAILING, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")),
        "each failing record once, when Spring gave it up after 10 attempts");
  }
}
