package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.smoke.it.DeadLetterData.Original;
import dev.weft.smoke.it.DeadLetterData.Read;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead letters of Spring Kafka listeners against a real KRaft broker: Spring Boot services with
 * no Weft code or configuration, under Spring's error handlers.
 */
class SpringDeadLetterSmokeTest {

  static final String EXCEPTION = DeadLetterSmokeTest.EXCEPTION;

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

  /**
   * Shape 2: a Spring Boot service's {@code @KafkaListener} (taking the value and key) throws;
   * Spring's default error handler retries each failing record 9 times, then skips it. The
   * service has no Weft code or configuration: only the agent, and the ports of the test.
   */
  @Test
  void aSpringKafkaListenerThatThrowsHasItsRecordDeadLettered() throws Exception {
    runSpringService("orders-spring", "billing-spring", 5);
  }

  /**
   * Shape 2, batch: a Spring batch listener ({@code List<ConsumerRecord>}) throws Spring's
   * {@code BatchListenerFailedException} with the failing record's index; only that record is
   * dead-lettered, once, through Spring's commits of the records before it and its 9 retries.
   */
  @Test
  void aSpringKafkaBatchListenerHasTheRecordItNamesDeadLettered() throws Exception {
    runSpringService("orders-spring-batch", "billing-spring-batch", 7,
        "--app.record-listener=false", "--app.batch-listener=true");
  }

  private void runSpringService(String topic, String group, long seed, String... appArgs) throws Exception {
    kafka.createTopic(topic);
    List<Original> originals = DeadLetterData.produce(kafka.bootstrap(), topic, seed);
    int port = SmokeEnv.freePort();
    int metrics = SmokeEnv.freePort();
    List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--app.bootstrap=" + kafka.bootstrap(),
        "--app.topic=" + topic, "--app.group=" + group));
    args.addAll(List.of(appArgs));
    ServiceProcess service =
        ServiceProcess.builder("dlq-" + topic)
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs(Services.KEEP_IDLE_CONNECTIONS, "-Dweft.metrics.port=" + metrics,
                "-Dotel.traces.exporter=none")
            .jar(SmokeEnv.springKafkaServiceJar())
            .args(args.toArray(new String[0]))
            .start();
    harness.track(service);
    service.awaitStdoutLine("spring-kafka-service listening on http://127.0.0.1:" + port, Services.STARTUP);
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
    DeadLetterData.assertDeadLetters(originals, deadLetters, topic, group,
        "org.springframework.kafka.listener.ListenerExecutionFailedException", EXCEPTION);
    assertEquals(DeadLetterData.FAILING, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")),
        "each failing record once, although Spring tried it 10 times");
  }

}
