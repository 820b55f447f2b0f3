package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.smoke.it.DeadLetterData.Original;
import dev.weft.smoke.it.DeadLetterData.Read;
import dev.weft.testing.kafka.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead letters under load and faults, against a real KRaft broker (one shared by the cases that
 * keep it running, one of its own for the case that stops it): a storm
 * of failures, spooled entries that can never be sent, a normal exit with dead letters pending,
 * and two processes sharing one spool setting through a broker outage. The consumer services
 * run in their own JVMs with the agent and no code written for Weft.
 */
class DeadLetterLoadSmokeTest {

  static final String EXCEPTION = DeadLetterSmokeTest.EXCEPTION;
  static final String CLIENTS = "kafka-clients-4.4.0";

  @TempDir Path dir;

  @TempDir static Path sharedDir;

  /**
   * The broker of the cases that keep theirs running, started on first use and shared by them
   * (each has its own topics and group); the outage case starts one of its own.
   */
  private static TestKafka shared;

  private DeadLetterHarness harness;

  @BeforeEach
  void start() {
    harness = new DeadLetterHarness(dir);
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  @AfterAll
  static void stopBroker() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }

  private static TestKafka kafka() {
    if (shared == null) {
      shared = TestKafka.start(sharedDir.resolve("broker"));
    }
    return shared;
  }

  private double scrape(int metricsPort, String topic, String group, String outcome) throws Exception {
    return Http.scrape(harness.client, metricsPort)
        .valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, outcome));
  }

  /**
   * 20,000 records, 5,000 of which throw (8,000 and 2,000 in CI), through one consumer process:
   * every one of the failures is in the dead-letter topic, byte for byte, once. The sustained rate is printed (the
   * benchmark reports it; this test holds completeness within a generous deadline).
   */
  @Test
  void aStormOfFailuresIsDeadLetteredCompletely() throws Exception {
    String topic = "orders-storm";
    String group = "billing-storm";
    int records = SmokeEnv.sized(8_000, 20_000);
    int failing = records / 4;
    kafka().createTopic(topic);
    List<Original> originals = DeadLetterData.produce(kafka().bootstrap(), topic, 11, records, failing);
    int port = SmokeEnv.freePort();
    int metrics = SmokeEnv.freePort();
    long started = System.nanoTime();
    ServiceProcess consumer = harness.startConsumer(kafka().broker, "storm", CLIENTS, "record", topic, group,
        dir.resolve("spool"), port, metrics, null, 0);
    // Published counts sampled as they rise: the rate is taken between the first and the last.
    long[] first = {0};
    Poll.untilValue(Poll.deadline(Duration.ofSeconds(180)), () -> {
          double published = scrape(metrics, topic, group, "published");
          if (published > 0 && first[0] == 0) {
            first[0] = System.nanoTime();
          }
          return published;
        },
        published -> published >= failing,
        published -> "dead letters published: " + published + " of " + failing + "; " + consumer.describe());
    long done = System.nanoTime();
    harness.awaitProcessed(consumer, port, records - failing, failing, Duration.ofSeconds(60));
    List<Read> deadLetters = DeadLetterData.readAll(kafka().bootstrap(), topic + ".dlq");
    DeadLetterData.assertDeadLetters(originals, deadLetters, topic, group, EXCEPTION, null);
    MetricsScrape scrape = Http.scrape(harness.client, metrics);
    assertEquals(failing, scrape.valueOrZero("kafka_dlq_records_total",
        DeadLetterHarness.outcome(topic, group, "published")));
    assertEquals(0, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "dropped")));
    double seconds = (done - first[0]) / 1e9;
    System.out.printf("dead-letter storm: %d of %d records failed; all published %.1f s after the consumer"
            + " started, %.1f s from the first to the last: %.0f dead letters/s sustained%n",
        failing, records, (done - started) / 1e9, seconds, failing / Math.max(seconds, 0.001));
  }

  /**
   * A spool left by an earlier process holds 100 dead letters of a topic that has since been
   * deleted; the next process has 500 fresh failures. The 500 are published, the 100 are
   * counted lost with their reason and set aside, and {@code dlq inspect --spool} shows them.
   */
  @Test
  void entriesThatCanNeverBeSentAreSetAsideWithoutHoldingUpTheOthers() throws Exception {
    String gone = "orders-gone";
    String fresh = "orders-fresh";
    String group = "billing-lost";
    Path spool = dir.resolve("spool");
    kafka().createTopic(gone);
    DeadLetterData.produce(kafka().bootstrap(), gone, 21, 400, 100);
    int port = SmokeEnv.freePort();
    int metrics = SmokeEnv.freePort();
    // No dead-letter topic may be created: the first process's dead letters stay in its spool.
    // Closed without leaving its group (SIGTERM, no consumer.close()): the broker holds the next
    // process's join until this member's session times out (10 s here instead of the default 45 s).
    ServiceProcess first = harness.startConsumer(kafka().broker, "lost-1", CLIENTS, "record", gone, group,
        spool, port, metrics, null, 0, "-Dweft.dlq.create.topics=false", "--session-timeout-ms=10000");
    harness.awaitProcessed(first, port, 300, 100, Duration.ofSeconds(60));
    Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)), () -> Http.scrape(harness.client, metrics),
        m -> m.value("kafka_dlq_spooled_records", Map.of()) == 100,
        m -> "the first process did not spool its 100 dead letters: "
            + (m == null ? "" : m.series("kafka_dlq_spooled_records")));
    first.close();
    kafka().admin.deleteTopics(List.of(gone)).all().get(30, TimeUnit.SECONDS);
    Poll.until(Poll.deadline(Duration.ofSeconds(30)),
        () -> !kafka().admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(gone),
        gone + " was not deleted");

    kafka().createTopic(fresh);
    List<Original> originals = DeadLetterData.produce(kafka().bootstrap(), fresh, 22, 2_000, 500);
    int port2 = SmokeEnv.freePort();
    int metrics2 = SmokeEnv.freePort();
    ServiceProcess second = harness.startConsumer(kafka().broker, "lost-2", CLIENTS, "record", fresh, group,
        spool, port2, metrics2, null, 0);
    harness.awaitProcessed(second, port2, 1_500, 500, Duration.ofSeconds(60));
    MetricsScrape scrape = Poll.untilValue(Poll.deadline(Duration.ofSeconds(60)),
        () -> Http.scrape(harness.client, metrics2),
        m -> m.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(fresh, group, "published")) == 500
            && m.valueOrZero("kafka_dlq_records_total", lost(gone, group, "topic_deleted")) == 100,
        m -> "published and lost: " + (m == null ? "" : m.series("kafka_dlq_records_total")));
    assertEquals(0, scrape.value("kafka_dlq_spooled_records", Map.of()));
    DeadLetterData.assertDeadLetters(originals, DeadLetterData.readAll(kafka().bootstrap(), fresh + ".dlq"),
        fresh, group, EXCEPTION, null);
    assertTrue(second.weftLines().stream().anyMatch(l -> l.contains("dead letters of topic " + gone
            + " are lost (topic_deleted")),
        "one line says what was lost and why: " + second.weftLines());
    assertEquals(1, second.weftLines().stream().filter(l -> l.contains("are lost (")).count(),
        "logged once per topic and reason, not per entry");

    DeadLetterHarness.Cli inspect = harness.cli("dlq", "inspect", "--spool", spool.toString());
    assertEquals(0, inspect.exit(), inspect.toString());
    List<String> lines = inspect.stdout().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(100, lines.size(), inspect.toString());
    for (String line : lines) {
      assertTrue(line.contains("\"state\":\"lost\"") && line.contains("\"reason\":\"topic_deleted\"")
          && line.contains("\"original_topic\":\"" + gone + "\"")
          && line.contains("\"exception\":\"" + EXCEPTION + "\""), line);
    }
    assertTrue(inspect.stderr().contains("100 dead letters lost (set aside), 0 waiting"), inspect.stderr());
  }

  private static Map<String, String> lost(String topic, String group, String reason) {
    return Map.of("topic", topic, "dlq_topic", topic + ".dlq", "group", group, "outcome", "lost",
        "reason", reason);
  }

  /**
   * A consumer that exits normally right after its last record, with 1,000 dead letters made in
   * its last moments: they are acknowledged before the JVM ends, or the rest stays in the spool
   * and the next start delivers it; exactly 1,000 in all.
   */
  @Test
  void aNormalExitDeliversPendingDeadLettersOrKeepsThemForTheNextStart() throws Exception {
    String topic = "orders-exit";
    String group = "billing-exit";
    Path spool = dir.resolve("spool");
    int records = 4_000;
    int failing = 1_000;
    kafka().createTopic(topic);
    List<Original> originals = DeadLetterData.produce(kafka().bootstrap(), topic, 31, records, failing);
    int port = SmokeEnv.freePort();
    int metrics = SmokeEnv.freePort();
    ServiceProcess first = harness.startConsumer(kafka().broker, "exit-1", CLIENTS, "record", topic, group,
        spool, port, metrics, null, 0, "--exit-after=" + records);
    assertEquals(0, first.awaitExit(Duration.ofSeconds(120)), "a normal exit; " + first.describe());
    List<String> left = first.weftLines().stream().filter(l -> l.contains("stay in the spool")).toList();
    int delivered = DeadLetterData.readAll(kafka().bootstrap(), topic + ".dlq").size();
    System.out.printf("normal exit: %d of %d dead letters acknowledged before the JVM ended%s%n",
        delivered, failing, left.isEmpty() ? "" : "; " + left);
    if (delivered < failing) {
      assertEquals(1, left.size(), "one line says how many stay: " + first.weftLines());
      int port2 = SmokeEnv.freePort();
      int metrics2 = SmokeEnv.freePort();
      ServiceProcess second = harness.startConsumer(kafka().broker, "exit-2", CLIENTS, "record", topic, group,
          spool, port2, metrics2, null, 0);
      Poll.untilValue(Poll.deadline(Duration.ofSeconds(60)), () -> Http.scrape(harness.client, metrics2),
          m -> m.value("kafka_dlq_spooled_records", Map.of()) == 0,
          m -> "the next start did not empty the spool: " + (m == null ? "" : m.series("kafka_dlq_spooled_records"))
              + "; " + second.describe());
    }
    DeadLetterData.assertDeadLetters(originals, DeadLetterHarness.awaitDeadLetters(kafka().broker, topic + ".dlq",
        failing, Duration.ofSeconds(30)), topic, group, EXCEPTION, null);
  }

  /**
   * Two instances of one service share the spool setting; each has 300 failures while the
   * broker is away for 20 s. Each process keeps its own directory: exactly 600 dead letters,
   * none twice.
   */
  @Test
  void twoProcessesSharingTheSpoolSettingThroughAnOutageLoseAndDuplicateNothing() throws Exception {
    Path spool = dir.resolve("spool");
    String[] topics = {"orders-east", "orders-west"};
    String[] groups = {"billing-east", "billing-west"};
    int records = 1_500;
    int failing = 300;
    List<List<Original>> originals = new ArrayList<>();
    List<ServiceProcess> services = new ArrayList<>();
    int[] ports = new int[2];
    int[] metrics = new int[2];
    // This case stops and restarts its broker: one of its own.
    try (TestKafka kafka = TestKafka.start(dir.resolve("broker"))) {
      for (int i = 0; i < 2; i++) {
        kafka.createTopic(topics[i]);
        originals.add(DeadLetterData.produce(kafka.bootstrap(), topics[i], 41 + i, records, failing));
      }
      for (int i = 0; i < 2; i++) {
        ports[i] = SmokeEnv.freePort();
        metrics[i] = SmokeEnv.freePort();
        services.add(harness.startConsumer(kafka.broker, "shared-" + i, CLIENTS, "record", topics[i], groups[i],
            spool, ports[i], metrics[i], null, 10));
      }
      for (int i = 0; i < 2; i++) {
        harness.awaitAttempts(ports[i], 300, services.get(i));
      }
      Instant at = Instant.now();
      kafka.broker.stopKeepingData();
      try {
        Instant end = at.plusSeconds(20);
        Poll.until(end.plusSeconds(5), () -> {
          for (ServiceProcess s : services) {
            s.requireAlive("the consumers run on while the broker is away");
          }
          return !Instant.now().isBefore(end);
        }, "the outage did not end");
      } finally {
        kafka.broker.restart();
      }
      for (int i = 0; i < 2; i++) {
        harness.awaitProcessed(services.get(i), ports[i], records - failing, failing, Duration.ofSeconds(120));
      }
      for (int i = 0; i < 2; i++) {
        int n = i;
        Poll.untilValue(Poll.deadline(Duration.ofSeconds(120)), () -> Http.scrape(harness.client, metrics[n]),
            m -> m.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topics[n], groups[n], "published")) >= failing
                && m.value("kafka_dlq_spooled_records", Map.of()) == 0,
            m -> topics[n] + ": " + (m == null ? "" : m.series("kafka_dlq_records_total")));
      }
      int total = 0;
      for (int i = 0; i < 2; i++) {
        List<Read> deadLetters = DeadLetterData.readAll(kafka.bootstrap(), topics[i] + ".dlq");
        DeadLetterData.assertDeadLetters(originals.get(i), deadLetters, topics[i], groups[i], EXCEPTION, null);
        total += deadLetters.size();
      }
      assertEquals(600, total);
      long ownDirectories = services.stream()
          .filter(s -> s.weftLines().stream().anyMatch(l -> l.contains("belongs to another process; using")))
          .count();
      assertEquals(1, ownDirectories, "the second process took a directory of its own");
    }
  }
}
