package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.kafka.KafkaBroker;
import dev.weft.testing.kafka.TestKafka;
import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Kafka issue's acceptance against a real KRaft broker (auto-creation off), for kafka-clients
 * 3.0.0 (lowest) and 4.4.0 (highest, with the classic and the new consumer group protocol): a
 * producer service and a consumer service, both with the agent, in their own JVMs.
 *
 * <ol>
 *   <li>10,000 records in 10 traced requests to a 3-partition topic, and 4 to a topic that does
 *       not exist: the producer's counters move by exactly the acknowledged and failed numbers
 *       its own callbacks saw, the consumer's by exactly what it received.
 *   <li>Every record's process span is in the trace of the request that produced it, a child of
 *       that record's producer span, read back from the OTLP receiver.
 *   <li>Lag: with the consumer paused while 5,000 records are produced, then one poll and
 *       commit, kafka_consumer_lag summed over partitions equals the lag the broker's admin API
 *       reports for the group at that moment; after the consumer catches up it is 0.
 * </ol>
 *
 * Also: a traceparent the application set on a record is the one the consumer continues, and
 * when a second consumer joins the group, each keeps lag series for its own partitions only.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class KafkaSmokeTest {

  static final int REQUESTS = 10;
  static final int PER_REQUEST = 1_000;
  static final int MISSING = 4;
  static final int PAUSED_BATCH = 5_000;

  record Case(String clients, String protocol) {
    String id() {
      return clients.replace('.', '-') + "-" + protocol;
    }
  }

  static Stream<Named<Case>> cases() {
    return Stream.of(
            new Case("kafka-clients-3.0.0", "classic"),
            new Case("kafka-clients-4.4.0", "classic"),
            new Case("kafka-clients-4.4.0", "consumer"))
        .map(c -> Named.of(c.clients() + " " + c.protocol() + " protocol", c));
  }

  static TestKafka kafka;
  static KafkaBroker broker;
  static Admin admin;

  @TempDir static Path brokerDir;

  private final List<ServiceProcess> services = new ArrayList<>();

  @BeforeAll
  static void startBroker() {
    kafka = TestKafka.start(brokerDir.resolve("broker"));
    broker = kafka.broker;
    admin = kafka.admin;
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @AfterEach
  void stopServices() {
    for (ServiceProcess s : services) {
      s.close();
    }
  }

  private ServiceProcess start(Case c, String role, int port, int metricsPort, OtlpReceiver receiver,
      String... args) {
    return start(c, role, role, port, metricsPort, receiver, args);
  }

  private ServiceProcess start(Case c, String role, String name, int port, int metricsPort,
      OtlpReceiver receiver, String... args) {
    Path dir = SmokeEnv.kafkaServiceDir();
    String cp = dir.resolve("kafka-service.jar") + File.pathSeparator + dir.resolve("libs").resolve(c.clients()) + "/*";
    List<String> all = new ArrayList<>(List.of("dev.weft.smoke.kafka.KafkaService", "--role", role,
        "--port", Integer.toString(port), "--bootstrap", broker.bootstrapServers()));
    all.addAll(List.of(args));
    ServiceProcess service =
        ServiceProcess.builder("kafka-" + name + "-" + c.id())
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs(Services.KEEP_IDLE_CONNECTIONS,
                "-Dweft.metrics.port=" + metricsPort,
                "-Dotel.service.name=kafka-" + role,
                "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
                "-Dotel.bsp.max.queue.size=60000",
                "-Dotel.bsp.max.export.batch.size=2000",
                "-Dotel.bsp.schedule.delay=100",
                "-cp", cp)
            .args(all.toArray(new String[0]))
            .start();
    services.add(service);
    service.awaitStdoutLine("kafka-service " + role + " listening on http://127.0.0.1:" + port, Services.STARTUP);
    return service;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void producedConsumedTracedAndLagged(Case c, @TempDir Path tmp) throws Exception {
    String topic = "orders-" + c.id();
    String missing = "missing-" + c.id();
    String group = "billing-" + c.id();
    admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);

    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      HttpClient client = Http.newClient();
      int consumerPort = SmokeEnv.freePort();
      int consumerMetrics = SmokeEnv.freePort();
      ServiceProcess consumer = start(c, "consumer", consumerPort, consumerMetrics, receiver,
          "--topic", topic, "--group", group, "--protocol", c.protocol());
      int producerPort = SmokeEnv.freePort();
      int producerMetrics = SmokeEnv.freePort();
      ServiceProcess producer = start(c, "producer", producerPort, producerMetrics, receiver);
      MetricsScrape producerBefore = Http.awaitMetrics(producer, client, producerMetrics, Services.STARTUP);
      Http.awaitMetrics(consumer, client, consumerMetrics, Services.STARTUP);
      Poll.until(Poll.deadline(Duration.ofSeconds(60)),
          () -> Http.get(client, Http.url(consumerPort, "/assignment")).body().equals("3"),
          "the consumer was not assigned the topic's 3 partitions");

      // 1. Records sent, acknowledged, failed, received.
      Set<String> traceIds = new HashSet<>();
      for (int i = 0; i < REQUESTS; i++) {
        String traceId = TraceTestSupport.newTraceId();
        traceIds.add(traceId);
        HttpRequest request = TraceTestSupport.get(producerPort, "/produce?topic=" + topic + "&n=" + PER_REQUEST,
            "traceparent", TraceTestSupport.traceparent(traceId, TraceTestSupport.newSpanId(), true));
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals("sent=" + PER_REQUEST + " acked=" + PER_REQUEST + " failed=0 errors=[]", r.body());
      }
      HttpResponse<String> failed = Http.get(client, Http.url(producerPort, "/produce?topic=" + missing + "&n=" + MISSING + "&maxBlockMs=1000"));
      assertEquals("sent=" + MISSING + " acked=0 failed=" + MISSING + " errors=[TimeoutException]", failed.body(),
          "a topic that does not exist: the application's callbacks see the failures they see without Weft");

      int sent = REQUESTS * PER_REQUEST;
      MetricsScrape producerAfter = Http.scrape(client, producerMetrics);
      assertMoved(producerBefore, producerAfter, "kafka_producer_records_total",
          Map.of("topic", topic, "status", "ok", "error_type", ""), sent);
      assertMoved(producerBefore, producerAfter, "kafka_producer_send_duration_seconds_count",
          Map.of("topic", topic, "status", "ok", "error_type", ""), sent);
      assertMoved(producerBefore, producerAfter, "kafka_producer_records_total",
          Map.of("topic", missing, "status", "error", "error_type", "TimeoutException"), MISSING);
      assertMoved(producerBefore, producerAfter, "kafka_producer_send_duration_seconds_count",
          Map.of("topic", missing, "status", "error", "error_type", "TimeoutException"), MISSING);

      Poll.until(Poll.deadline(Duration.ofSeconds(60)),
          () -> Http.get(client, Http.url(consumerPort, "/stats")).body().equals("received=" + sent),
          "the consumer did not receive the " + sent + " records");
      Map<String, String> consumed = Map.of("topic", topic, "group", group, "status", "ok", "error_type", "");
      MetricsScrape consumerScrape = Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)),
          () -> Http.scrape(client, consumerMetrics),
          s -> s.valueOrZero("kafka_consumer_process_duration_seconds_count", consumed) >= sent,
          s -> "process durations: " + (s == null ? "" : s.series("kafka_consumer_process_duration_seconds_count")));
      assertEquals(sent, consumerScrape.valueOrZero("kafka_consumer_records_total", consumed),
          "records handed over by poll: " + consumerScrape.series("kafka_consumer_records_total"));
      assertEquals(sent, consumerScrape.valueOrZero("kafka_consumer_process_duration_seconds_count", consumed),
          "records processed: " + consumerScrape.series("kafka_consumer_process_duration_seconds_count"));

      // 2. Every process span in the trace of the request that produced its record.
      List<ReceivedSpan> spans = receiver.awaitSpans(s -> traceIds.contains(s.traceId()),
          REQUESTS + 2 * sent, Duration.ofSeconds(120));
      Map<String, ReceivedSpan> byId = new HashMap<>();
      spans.forEach(s -> byId.put(s.spanId(), s));
      int processSpans = 0;
      int producerSpans = 0;
      for (ReceivedSpan s : spans) {
        if (s.kind().equals("PRODUCER")) {
          producerSpans++;
          ReceivedSpan parent = byId.get(s.parentSpanId());
          assertTrue(parent != null && parent.kind().equals("SERVER"), "a producer span's parent is its request: " + s);
          assertEquals(topic, s.attribute("messaging.destination.name"), s.toString());
        } else if (s.kind().equals("CONSUMER")) {
          processSpans++;
          ReceivedSpan parent = byId.get(s.parentSpanId());
          assertTrue(parent != null && parent.kind().equals("PRODUCER"),
              "a process span's parent is its record's producer span, in the producing request's trace: " + s);
          assertEquals("kafka-consumer", s.resourceAttribute("service.name"), s.toString());
          assertEquals(group, s.attribute("messaging.consumer.group.name"), s.toString());
          assertTrue(!s.fullText().contains("order-"), "no record value in a span: " + s.fullText());
        }
      }
      assertEquals(sent, producerSpans, "one producer span per record sent");
      assertEquals(sent, processSpans, "one process span per record consumed");

      // 3. Lag, the consumer's view against the broker's, while paused; 0 once caught up.
      assertEquals("paused", Http.get(client, Http.url(consumerPort, "/pause")).body());
      assertEquals("sent=" + PAUSED_BATCH + " acked=" + PAUSED_BATCH + " failed=0 errors=[]",
          Http.get(client, Http.url(producerPort, "/produce?topic=" + topic + "&n=" + PAUSED_BATCH)).body());
      String stepped = Http.get(client, Http.url(consumerPort, "/step")).body();
      assertTrue(stepped.startsWith("stepped="), stepped);
      int taken = Integer.parseInt(stepped.substring("stepped=".length()));
      long brokerLag = adminLag(topic, group);
      double weftLag = lagSum(Http.scrape(client, consumerMetrics), topic, group);
      System.out.printf("%s: paused, one step took %d records; lag: broker %d, kafka_consumer_lag %.0f%n",
          c.id(), taken, brokerLag, weftLag);
      System.out.printf("%s: paused, one step took %d records; lag: broker %d, kafka_consumer_lag %.0f%n",
          c.id(), taken, brokerLag, weftLag);
      assertTrue(taken > 0 && brokerLag > 0, "paused with lag: took " + taken + ", broker lag " + brokerLag);
      assertEquals(PAUSED_BATCH - taken, brokerLag, "the broker's lag is what was produced minus what was taken");
      assertEquals((double) brokerLag, weftLag, "kafka_consumer_lag summed over partitions, against the admin API: "
          + Http.scrape(client, consumerMetrics).series("kafka_consumer_lag"));
      assertEquals(3, Http.scrape(client, consumerMetrics).series("kafka_consumer_lag").stream()
          .filter(s -> s.labels().get("topic").equals(topic)).count(), "one lag series per assigned partition");

      assertEquals("resumed", Http.get(client, Http.url(consumerPort, "/resume")).body());
      Poll.until(Poll.deadline(Duration.ofSeconds(60)),
          () -> adminLag(topic, group) == 0 && lagSum(Http.scrape(client, consumerMetrics), topic, group) == 0,
          "lag did not come back to 0 after the consumer resumed");
      assertEquals("received=" + (sent + PAUSED_BATCH), Http.get(client, Http.url(consumerPort, "/stats")).body());

      // A traceparent the application put in the record itself is what the consumer continues.
      String ownTrace = TraceTestSupport.newTraceId();
      String ownSpan = TraceTestSupport.newSpanId();
      assertEquals("sent=1 acked=1 failed=0 errors=[]", Http.get(client, Http.url(producerPort,
          "/produce?topic=" + topic + "&n=1&traceparent=" + TraceTestSupport.traceparent(ownTrace, ownSpan, true))).body());
      List<ReceivedSpan> own = receiver.awaitSpans(
          s -> s.traceId().equals(ownTrace) && s.kind().equals("CONSUMER"), 1, Duration.ofSeconds(60));
      assertEquals(ownSpan, own.get(0).parentSpanId(), "the application's own traceparent was not replaced: " + own);

      // A second consumer joins the group: partitions move, and each consumer keeps lag series
      // only for the partitions it still has.
      int secondPort = SmokeEnv.freePort();
      int secondMetrics = SmokeEnv.freePort();
      start(c, "consumer", "second-consumer", secondPort, secondMetrics, receiver,
          "--topic", topic, "--group", group, "--protocol", c.protocol());
      Poll.untilValue(Poll.deadline(Duration.ofSeconds(90)),
          () -> new long[] {
              Long.parseLong(Http.get(client, Http.url(consumerPort, "/assignment")).body()),
              Long.parseLong(Http.get(client, Http.url(secondPort, "/assignment")).body()),
              lagSeries(Http.scrape(client, consumerMetrics), topic),
              lagSeries(Http.scrape(client, secondMetrics), topic)},
          a -> a[0] > 0 && a[1] > 0 && a[0] + a[1] == 3 && a[2] == a[0] && a[3] == a[1],
          a -> "after the rebalance, each consumer should have lag series for its own partitions only:"
              + (a == null ? "" : " partitions " + a[0] + " and " + a[1] + ", lag series " + a[2] + " and " + a[3]));

      assertEquals(List.of(), TraceTestSupport.weftProblems(producer), producer.describe());
      assertEquals(List.of(), TraceTestSupport.weftProblems(consumer), consumer.describe());
    }
  }

  private static void assertMoved(MetricsScrape before, MetricsScrape after, String metric,
      Map<String, String> labels, double by) {
    assertEquals(by, after.valueOrZero(metric, labels) - before.valueOrZero(metric, labels),
        metric + labels + "\n" + after.series(metric).stream().map(Object::toString).collect(Collectors.joining("\n")));
  }

  private static long lagSeries(MetricsScrape scrape, String topic) {
    return scrape.series("kafka_consumer_lag").stream().filter(s -> s.labels().get("topic").equals(topic)).count();
  }

  private static double lagSum(MetricsScrape scrape, String topic, String group) {
    return scrape.series("kafka_consumer_lag").stream()
        .filter(s -> s.labels().get("topic").equals(topic) && s.labels().get("group").equals(group))
        .mapToDouble(MetricsScrape.Sample::value).sum();
  }

  /** The group's lag as the broker sees it: log end offset minus committed offset, summed. */
  private static long adminLag(String topic, String group) throws Exception {
    return kafka.groupLag(topic, group);
  }
}
