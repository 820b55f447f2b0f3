package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.smoke.it.DeadLetterData.Original;
import dev.weft.smoke.it.DeadLetterData.Read;
import dev.weft.testing.kafka.KafkaBroker;
import dev.weft.testing.kafka.TestKafka;
import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead letters against a real KRaft broker (topics are never created automatically: Weft creates
 * each dead-letter topic itself). Each case produces 2,000 records (5,000 in the long form), 137
 * of which make the consumer service's processing throw ({@link DeadLetterData}), and reads the dead-letter topic
 * back byte for byte. The consumer services run in their own JVMs with the agent and no code
 * written for Weft.
 */
class DeadLetterSmokeTest {

  static final String EXCEPTION = "java.lang.IllegalStateException";
  static final String ORDERS_HANDLER = "dev.weft.smoke.kafka.DeadLetterService$Orders#handle";

  @TempDir Path brokerDir;

  @TempDir static Path sharedDir;

  /**
   * The broker of the cases that keep theirs running, started on first use and shared by them
   * (each has its own topics and group); the cases that stop their broker start one of their own.
   */
  private static TestKafka kafka;

  private DeadLetterHarness harness;
  private HttpClient client;

  @org.junit.jupiter.api.BeforeEach
  void harness() {
    harness = new DeadLetterHarness(brokerDir);
    client = harness.client;
  }

  private static TestKafka kafka() {
    if (kafka == null) {
      kafka = TestKafka.start(sharedDir.resolve("broker"));
    }
    return kafka;
  }

  @AfterEach
  void stopServices() {
    harness.close();
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
  }

  /** Shape 1: the application's method taking the ConsumerRecord throws; then replay. */
  @Test
  void aRecordHandlerThatThrowsHasItsRecordDeadLetteredByteForByte() throws Exception {
    String topic = "orders-record";
    String group = "billing-record";
    kafka().createTopic(topic);
    List<Original> originals = DeadLetterData.produce(kafka().bootstrap(), topic, 1);
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int port = SmokeEnv.freePort();
      int metrics = SmokeEnv.freePort();
      ServiceProcess consumer = harness.startConsumer(kafka().broker, "record", "kafka-clients-4.4.0", "record", topic, group,
          brokerDir.resolve("spool-record"), port, metrics, receiver, 0);
      harness.awaitProcessed(consumer, port);
      MetricsScrape scrape = Poll.untilValue(Poll.deadline(Duration.ofSeconds(60)), () -> Http.scrape(client, metrics),
          s -> s.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")) >= DeadLetterData.FAILING,
          s -> "dead letters published: " + (s == null ? "" : s.series("kafka_dlq_records_total")));
      List<Read> deadLetters = DeadLetterData.readAll(kafka().bootstrap(), topic + ".dlq");
      Map<String, Read> byOriginal =
          DeadLetterData.assertDeadLetters(originals, deadLetters, topic, group, EXCEPTION, null);

      assertEquals(DeadLetterData.FAILING, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")));
      assertEquals(0, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "spooled")));
      assertEquals(0, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "dropped")));
      assertEquals(0, scrape.value("kafka_dlq_spooled_records", Map.of()));
      assertEquals(DeadLetterData.FAILING, scrape.valueOrZero("kafka_consumer_process_duration_seconds_count",
              Map.of("topic", topic, "group", group, "status", "error", "error_type", "IllegalStateException")),
          "a record whose processing threw is processed with status error: "
              + scrape.series("kafka_consumer_process_duration_seconds_count"));
      assertEquals(DeadLetterData.RECORDS - DeadLetterData.FAILING,
          scrape.valueOrZero("kafka_consumer_process_duration_seconds_count",
              Map.of("topic", topic, "group", group, "status", "ok", "error_type", "")));

      // Each dead letter carries the traceparent of the failing processing span.
      List<ReceivedSpan> failedSpans = receiver.awaitSpans(
          s -> s.kind().equals("CONSUMER") && s.proto().getStatus().getCodeValue() == 2,
          DeadLetterData.FAILING, Duration.ofSeconds(60));
      Map<String, ReceivedSpan> bySpanId = new HashMap<>();
      failedSpans.forEach(s -> bySpanId.put(s.spanId(), s));
      for (Read d : byOriginal.values()) {
        String traceparent = d.text("traceparent");
        assertNotNull(traceparent, "a dead letter without the failing span's traceparent");
        String[] parts = traceparent.split("-");
        ReceivedSpan span = bySpanId.get(parts[2]);
        assertNotNull(span, "the traceparent " + traceparent + " names no failed CONSUMER span");
        assertEquals(parts[1], span.traceId());
        assertEquals(topic, span.attribute("messaging.destination.name"));
        assertEquals(Long.toString(java.nio.ByteBuffer.wrap(d.header("kafka_dlt-original-offset")).getLong()),
            span.attribute("messaging.kafka.offset"), "the span of the dead letter's own record");
      }
    }
    assertReplayReproducesTheOriginals(topic, group, originals);
  }

  /**
   * {@code java -jar weft-agent.jar dlq replay} of a dead-letter topic into a fresh topic
   * reproduces the 137 originals byte for byte (key, value, headers, timestamp, partition);
   * {@code dlq inspect} prints them as JSON lines.
   */
  private void assertReplayReproducesTheOriginals(String topic, String group, List<Original> originals)
      throws Exception {
    String fresh = topic + "-replayed";
    kafka().createTopic(fresh);
    String kafkaClients = SmokeEnv.kafkaServiceDir().resolve("libs").resolve("kafka-clients-4.4.0").toString();
    DeadLetterHarness.Cli replay = harness.cli("dlq", "replay", "--bootstrap", kafka().bootstrap(), "--from", topic + ".dlq",
        "--to", fresh, "--kafka-clients", kafkaClients);
    assertEquals(0, replay.exit(), replay.toString());
    assertTrue(replay.stdout().contains("replayed " + DeadLetterData.FAILING + " records from " + topic + ".dlq to " + fresh),
        replay.toString());
    List<Read> replayed = DeadLetterData.readAll(kafka().bootstrap(), fresh);
    assertEquals(DeadLetterData.FAILING, replayed.size(), "replayed records");
    Map<String, Original> failing = new HashMap<>();
    for (Original o : originals) {
      if (o.fails()) {
        failing.put(o.partition() + "/" + java.util.Base64.getEncoder().encodeToString(
            o.value() == null ? new byte[0] : o.value()) + "/" + o.timestamp(), o);
      }
    }
    for (Read r : replayed) {
      Original o = failing.remove(r.partition() + "/" + java.util.Base64.getEncoder().encodeToString(
          r.value() == null ? new byte[0] : r.value()) + "/" + r.timestamp());
      assertNotNull(o, "a replayed record that matches no failing original: partition " + r.partition()
          + " timestamp " + r.timestamp());
      String what = "replay of record " + o.index();
      org.junit.jupiter.api.Assertions.assertArrayEquals(o.key(), r.key(), what + ": key");
      org.junit.jupiter.api.Assertions.assertArrayEquals(o.value(), r.value(), what + ": value");
      DeadLetterData.assertHeadersEqual(o.headers(), r.headers(), what + " (all its headers, none of Weft's)");
    }
    assertTrue(failing.isEmpty(), failing.size() + " originals were not replayed");

    DeadLetterHarness.Cli inspect = harness.cli("dlq", "inspect", "--bootstrap", kafka().bootstrap(), "--from", topic + ".dlq",
        "--limit", "3", "--filter", "exception=IllegalStateException", "--kafka-clients", kafkaClients);
    assertEquals(0, inspect.exit(), inspect.toString());
    List<String> lines = inspect.stdout().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(3, lines.size(), inspect.toString());
    for (String line : lines) {
      assertTrue(line.startsWith("{") && line.contains("\"original_topic\":\"" + topic + "\"")
          && line.contains("\"consumer_group\":\"" + group + "\""), line);
    }
  }

  /** Shape 3: a handler taking the value and key, named in weft.dlq.handlers (kafka-clients 3.0). */
  @Test
  void aConfiguredHandlerThatThrowsHasTheRecordOfItsThreadDeadLettered() throws Exception {
    String topic = "orders-handler";
    String group = "billing-handler";
    kafka().createTopic(topic);
    List<Original> originals = DeadLetterData.produce(kafka().bootstrap(), topic, 2);
    int port = SmokeEnv.freePort();
    int metrics = SmokeEnv.freePort();
    ServiceProcess consumer = harness.startConsumer(kafka().broker, "handler", "kafka-clients-3.0.0", "handler", topic, group,
        brokerDir.resolve("spool-handler"), port, metrics, null, 0, "-Dweft.dlq.handlers=" + ORDERS_HANDLER);
    harness.awaitProcessed(consumer, port);
    List<Read> deadLetters = DeadLetterHarness.awaitDeadLetters(kafka().broker, topic + ".dlq", DeadLetterData.FAILING, Duration.ofSeconds(60));
    DeadLetterData.assertDeadLetters(originals, deadLetters, topic, group, EXCEPTION, null);
    MetricsScrape scrape = Http.scrape(client, metrics);
    assertEquals(DeadLetterData.FAILING, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")));
    assertTrue(deadLetters.stream().allMatch(d -> d.header("traceparent") == null),
        "traces are off: no traceparent is made up");
  }

  /**
   * A run on a broker of its own (the case stops and restarts it): the records, a consumer
   * that takes 5 ms per record, the broker stopped once 1,000 went through.
   */
  private record Stopped(
      TestKafka kafka, List<Original> originals, ServiceProcess consumer, int port, int metrics, Instant at) {}

  private Stopped runUntilTheBrokerStops(
      Path dir, String name, String shape, String topic, String group, Path spool, long seed, String... jvmArgs)
      throws Exception {
    TestKafka own = TestKafka.start(dir.resolve("broker"));
    own.createTopic(topic);
    List<Original> originals = DeadLetterData.produce(own.bootstrap(), topic, seed);
    int port = SmokeEnv.freePort();
    int metrics = SmokeEnv.freePort();
    ServiceProcess consumer = harness.startConsumer(own.broker, name, "kafka-clients-4.4.0", shape, topic, group,
        spool, port, metrics, null, 5, jvmArgs);
    harness.awaitAttempts(port, 1_000, consumer);
    Instant at = Instant.now();
    own.broker.stopKeepingData();
    return new Stopped(own, originals, consumer, port, metrics, at);
  }

  /** The broker goes away for 20 s in the middle of the run: nothing lost, nothing twice. */
  @Test
  void deadLettersWaitInTheSpoolWhileTheBrokerIsAway(@TempDir Path dir) throws Exception {
    String topic = "orders-away";
    String group = "billing-away";
    Stopped run = runUntilTheBrokerStops(dir, "away", "record", topic, group, dir.resolve("spool"), 3);
    try (TestKafka own = run.kafka()) {
      int metrics = run.metrics();
      try {
        Poll.untilValue(Poll.deadline(Duration.ofSeconds(20)), () -> Http.scrape(client, metrics),
            s -> s.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "spooled")) >= 1,
            s -> "no dead letter was spooled while the broker was away: "
                + (s == null ? "" : s.series("kafka_dlq_records_total")));
        holdTheOutage(Duration.ofSeconds(20), run.at(), run.consumer());
      } finally {
        own.broker.restart();
      }
      harness.awaitProcessed(run.consumer(), run.port());
      MetricsScrape scrape = Poll.untilValue(Poll.deadline(Duration.ofSeconds(120)), () -> Http.scrape(client, metrics),
          s -> s.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")) >= DeadLetterData.FAILING
              && s.value("kafka_dlq_spooled_records", Map.of()) == 0,
          s -> "dead letters after the broker came back: " + (s == null ? "" : s.series("kafka_dlq_records_total")
              + " " + s.series("kafka_dlq_spooled_records")));
      List<Read> deadLetters = DeadLetterData.readAll(own.bootstrap(), topic + ".dlq");
      DeadLetterData.assertDeadLetters(run.originals(), deadLetters, topic, group, EXCEPTION, null);
      double spooled = scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "spooled"));
      System.out.printf("broker away 20 s: %.0f of %d dead letters spooled, then all published%n",
          spooled, DeadLetterData.FAILING);
      assertTrue(spooled > 0, "some dead letters were spooled");
      assertEquals(DeadLetterData.FAILING,
          scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "published")));
      assertEquals(0, scrape.valueOrZero("kafka_dlq_records_total", DeadLetterHarness.outcome(topic, group, "dropped")));
    }
  }

  /** SIGKILL with dead letters spooled and the broker away; the next run delivers them. */
  @Test
  void spooledDeadLettersSurviveAKilledProcess(@TempDir Path dir) throws Exception {
    String topic = "orders-killed";
    String group = "billing-killed";
    Path spool = dir.resolve("spool");
    String handlers = "-Dweft.dlq.handlers=" + ORDERS_HANDLER;
    // The killed process never leaves its group: the broker holds the next one's join until the
    // dead member's session times out (10 s here instead of the default 45 s).
    Stopped run = runUntilTheBrokerStops(dir, "killed-1", "handler", topic, group, spool, 4, handlers,
        "--session-timeout-ms=10000");
    try (TestKafka own = run.kafka()) {
      double spooled;
      try {
        MetricsScrape s = Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)), () -> Http.scrape(client, run.metrics()),
            m -> m.value("kafka_dlq_spooled_records", Map.of()) >= 3,
            m -> "fewer than 3 dead letters spooled: " + (m == null ? "" : m.series("kafka_dlq_spooled_records")));
        ProcessHandle.of(run.consumer().pid()).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
        assertEquals(137, run.consumer().awaitExit(Duration.ofSeconds(10)), "killed by SIGKILL");
        spooled = s.value("kafka_dlq_spooled_records", Map.of());
      } finally {
        own.broker.restart();
      }
      int port = SmokeEnv.freePort();
      int metrics = SmokeEnv.freePort();
      ServiceProcess second = harness.startConsumer(own.broker, "killed-2", "kafka-clients-4.4.0", "handler", topic, group,
          spool, port, metrics, null, 0, handlers);
      Poll.until(Poll.deadline(Duration.ofSeconds(120)), () -> own.groupLag(topic, group) == 0,
          "the restarted consumer did not catch up; " + second.describe());
      Poll.untilValue(Poll.deadline(Duration.ofSeconds(60)), () -> Http.scrape(client, metrics),
          m -> m.value("kafka_dlq_spooled_records", Map.of()) == 0,
          m -> "the spool was not emptied: " + (m == null ? "" : m.series("kafka_dlq_spooled_records")));
      List<Read> deadLetters = DeadLetterData.readAll(own.bootstrap(), topic + ".dlq");
      System.out.printf("killed with %.0f dead letters spooled; after the restart the topic holds %d%n",
          spooled, deadLetters.size());
      DeadLetterData.assertDeadLetters(run.originals(), deadLetters, topic, group, EXCEPTION, null);
    }
  }

  /**
   * Keeps the broker away until {@code length} after {@code since} (the scenario's own length),
   * polling meanwhile that the consumer goes on running without it.
   */
  private static void holdTheOutage(Duration length, Instant since, ServiceProcess consumer) {
    Instant end = since.plus(length);
    Poll.until(end.plusSeconds(5), () -> {
      consumer.requireAlive("the consumer runs on while the broker is away");
      return !Instant.now().isBefore(end);
    }, "the outage did not end");
  }
}
