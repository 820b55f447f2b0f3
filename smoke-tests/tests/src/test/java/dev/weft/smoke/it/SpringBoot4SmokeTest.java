package dev.weft.smoke.it;

import static dev.weft.smoke.it.Boot4Harness.GROUP;
import static dev.weft.smoke.it.Boot4Harness.POOL;
import static dev.weft.smoke.it.Boot4Harness.TABLE;
import static dev.weft.smoke.it.Boot4Harness.describeDeltas;
import static dev.weft.smoke.it.Boot4Harness.jsonLines;
import static dev.weft.smoke.it.Boot4Harness.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.smoke.it.DeadLetterData.Read;
import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An ordinary Spring Boot 4.0 service end to end ({@code smoke-tests/boot4-service}: Spring MVC on
 * Tomcat 11, Spring Data JPA on PostgreSQL through HikariCP, Spring Data Redis on Lettuce,
 * spring-kafka 4.0 producing with {@code KafkaTemplate} and consuming with a {@code
 * @KafkaListener}, Logback), with no Weft code, dependency or configuration in it: everything Weft
 * is told comes from the JVM's command line. Against the machine's PostgreSQL and Redis, a KRaft
 * broker of the harness and the harness' OTLP receiver, on the JDK running the tests and on
 * Temurin 25.
 *
 * <ul>
 *   <li>Every family's metrics move by exactly what the test made the service do, measured from a
 *       scrape taken after start-up and one warm-up of each request kind: HTTP per route and
 *       status, JDBC per operation and table, HikariCP's gauges and acquisitions, Redis per
 *       command, Kafka sends, records handed to the listener (Spring's error handler makes 10
 *       attempts at a record that keeps failing, each a poll's record) and its processing, the
 *       lag back to 0, the dead letters.
 *   <li>One traced {@code POST /orders} is one trace: its SERVER span, the JDBC, Redis and
 *       PRODUCER spans under it, the listener's CONSUMER span under the PRODUCER span, and the
 *       listener's own JDBC and Redis spans under that.
 *   <li>The request's and the listener's log lines (Spring Boot's own Logback console, turned
 *       into JSON lines by {@code -Dweft.logs.format=json}) carry that trace's id and their span's.
 *   <li>The orders the listener refuses, and only those, are in the dead-letter topic, byte for
 *       byte as the service's {@code KafkaTemplate} wrote them.
 * </ul>
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SpringBoot4SmokeTest {

  static final String LISTENER_FAILED =
      "org.springframework.kafka.listener.ListenerExecutionFailedException";
  /** Spring's DefaultErrorHandler: a record that keeps failing gets 10 attempts, then is skipped. */
  static final int ATTEMPTS = 10;

  /** The measured phase. */
  static final int ORDERS = 6;
  static final int REFUSED = 3;
  static final int MISSING = 2;
  static final int EXPLODED = 3;
  static final int UNMATCHED = 2;

  @TempDir Path dir;

  private Boot4Harness boot4;

  @BeforeEach
  void start() {
    boot4 = Boot4Harness.start(dir);
  }

  @AfterEach
  void stop() {
    if (boot4 != null) {
      boot4.close();
    }
  }

  static List<Path> jdks() {
    return SmokeEnv.jdkHomes();
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("jdks")
  void everyFamilyIsCountedTracedAndLoggedAndRefusedOrdersAreDeadLettered(Path jdk) throws Exception {
    String topic = "orders-boot4-" + Math.abs(jdk.toString().hashCode());
    boot4.kafka.createTopic(topic, 1, Map.of());
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int metrics = SmokeEnv.freePort();
      ServiceProcess service = boot4.startService(jdk, topic, metrics, receiver);
      int port = Services.boot4ServicePort(service);
      Http.awaitMetrics(service, boot4.client, metrics, Services.STARTUP);

      // Warm-up: one of each request kind, so that connections, pools, prepared statements and
      // the listener's assignment are made before the baseline.
      long warm = boot4.post(port, "warm-up", false, null);
      assertEquals(200, Http.get(boot4.client, Http.url(port, "/orders/" + warm)).statusCode());
      assertEquals(404, Http.get(boot4.client, Http.url(port, "/orders/" + Long.MAX_VALUE)).statusCode());
      assertEquals(500, Http.get(boot4.client, Http.url(port, "/orders/" + warm + "/explode")).statusCode());
      assertEquals(404, Http.get(boot4.client, Http.url(port, "/nowhere/1")).statusCode());
      boot4.awaitProcessed(service, metrics, topic, 1);
      MetricsScrape before = boot4.awaitSettled(service, metrics, topic, 1);

      // The measured phase. The first order is traced by the test's own parent span.
      String traceId = TraceTestSupport.newTraceId();
      String callerSpan = TraceTestSupport.newSpanId();
      List<Long> ok = new ArrayList<>();
      for (int i = 0; i < ORDERS; i++) {
        ok.add(boot4.post(port, "ok-" + i, false,
            i == 0 ? TraceTestSupport.traceparent(traceId, callerSpan, true) : null));
      }
      for (long id : ok) {
        HttpResponse<String> r = Http.get(boot4.client, Http.url(port, "/orders/" + id));
        assertEquals(200, r.statusCode(), r.body());
      }
      for (int i = 0; i < MISSING; i++) {
        assertEquals(404, Http.get(boot4.client, Http.url(port, "/orders/" + (Long.MAX_VALUE - i))).statusCode());
      }
      for (int i = 0; i < EXPLODED; i++) {
        assertEquals(500, Http.get(boot4.client, Http.url(port, "/orders/" + ok.get(i) + "/explode")).statusCode());
      }
      for (int i = 0; i < UNMATCHED; i++) {
        assertEquals(404, Http.get(boot4.client, Http.url(port, "/nowhere/" + i + "?secret=x")).statusCode());
      }
      boot4.awaitProcessed(service, metrics, topic, 1 + ORDERS);
      // One refused order at a time: each is the only record its retries poll, so the records
      // handed to the listener are exactly 10 per refused order.
      List<Long> refused = new ArrayList<>();
      for (int i = 0; i < REFUSED; i++) {
        refused.add(boot4.post(port, "refused-" + i, true, null));
        DeadLetterHarness.awaitDeadLetters(boot4.kafka.broker, topic + ".dlq", i + 1, Duration.ofSeconds(90));
      }
      MetricsScrape after = boot4.awaitSettled(service, metrics, topic, 1 + ORDERS + REFUSED);

      assertMetrics(before, after, topic);
      assertDeadLetters(topic, refused);
      assertTraceAndLogs(service, receiver, traceId, callerSpan, ok.get(0));
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void assertMetrics(MetricsScrape before, MetricsScrape after, String topic) {
    String all = "moved since the baseline:\n" + describeDeltas(before, after);
    int posts = ORDERS + REFUSED;

    Map<List<String>, Double> http =
        after.deltasSince(before, "http_requests_total", "method", "endpoint", "status");
    Map<List<String>, Double> expectedHttp = new LinkedHashMap<>();
    expectedHttp.put(List.of("GET", "/**", "404"), (double) UNMATCHED);
    expectedHttp.put(List.of("GET", "/orders/{id}", "200"), (double) ORDERS);
    expectedHttp.put(List.of("GET", "/orders/{id}", "404"), (double) MISSING);
    expectedHttp.put(List.of("GET", "/orders/{id}/explode", "500"), (double) EXPLODED);
    expectedHttp.put(List.of("POST", "/orders", "201"), (double) posts);
    assertEquals(expectedHttp, new LinkedHashMap<>(http), all);
    assertEquals(expectedHttp, new LinkedHashMap<>(after.deltasSince(before,
        "http_request_duration_seconds_count", "method", "endpoint", "status")), all);

    // JDBC: an INSERT per POST; a SELECT per cache miss that finds nothing and per processed
    // order; an UPDATE (the listener's dirty order, flushed at commit) per processed order.
    Map<List<String>, Double> expectedDb = new LinkedHashMap<>();
    expectedDb.put(List.of("postgresql", "INSERT", TABLE, "ok"), (double) posts);
    expectedDb.put(List.of("postgresql", "SELECT", TABLE, "ok"), (double) (MISSING + ORDERS));
    expectedDb.put(List.of("postgresql", "UPDATE", TABLE, "ok"), (double) ORDERS);
    assertEquals(expectedDb, new LinkedHashMap<>(after.deltasSince(before,
        "db_client_operations_total", "db_system", "operation", "table", "status")), all);
    assertEquals(expectedDb, new LinkedHashMap<>(after.deltasSince(before,
        "db_client_operation_duration_seconds_count", "db_system", "operation", "table", "status")), all);

    // HikariCP: the pool is read as it is; every connection is back once all is done.
    Map<String, String> pool = Map.of("pool", POOL);
    assertEquals(20, after.value("db_client_connections_max", pool), all);
    assertEquals(0, after.value("db_client_connections_active", pool), all);
    assertEquals(0, after.value("db_client_connections_pending", pool), all);
    assertTrue(after.value("db_client_connections_idle", pool) >= 1, all);
    // A connection per transaction: each POST's save, each miss's lookup, each attempt of the
    // transactional listener (the refused ones included: the transaction begins before it throws).
    assertEquals(
        Map.of(List.of(POOL, "ok"), (double) (posts + MISSING + ORDERS + REFUSED * ATTEMPTS)),
        after.deltasSince(before, "db_client_connection_acquire_duration_seconds_count", "pool", "status"),
        all);

    // Redis: SET and GET per POST; GET per GET (hit or miss); SET per processed order.
    Map<List<String>, Double> expectedRedis = new LinkedHashMap<>();
    expectedRedis.put(List.of("GET", "ok"), (double) (posts + ORDERS + MISSING));
    expectedRedis.put(List.of("SET", "ok"), (double) (posts + ORDERS));
    assertEquals(expectedRedis, new LinkedHashMap<>(after.deltasSince(before,
        "redis_client_commands_total", "command", "status")), all);
    assertEquals(expectedRedis, new LinkedHashMap<>(after.deltasSince(before,
        "redis_client_command_duration_seconds_count", "command", "status")), all);

    // Kafka.
    assertEquals(Map.of(List.of(topic, "ok"), (double) posts),
        after.deltasSince(before, "kafka_producer_records_total", "topic", "status"), all);
    assertEquals(Map.of(List.of(topic, "ok"), (double) posts),
        after.deltasSince(before, "kafka_producer_send_duration_seconds_count", "topic", "status"), all);
    assertEquals(Map.of(List.of(topic, GROUP, "ok"), (double) (ORDERS + REFUSED * ATTEMPTS)),
        after.deltasSince(before, "kafka_consumer_records_total", "topic", "group", "status"), all);
    Map<List<String>, Double> expectedProcess = new LinkedHashMap<>();
    expectedProcess.put(List.of(topic, GROUP, "error"), (double) (REFUSED * ATTEMPTS));
    expectedProcess.put(List.of(topic, GROUP, "ok"), (double) ORDERS);
    assertEquals(expectedProcess, new LinkedHashMap<>(after.deltasSince(before,
        "kafka_consumer_process_duration_seconds_count", "topic", "group", "status")), all);
    assertEquals(0, after.value("kafka_consumer_lag", Map.of("topic", topic, "partition", "0", "group", GROUP)), all);
    assertEquals(REFUSED, after.value("kafka_dlq_records_total",
        DeadLetterHarness.outcome(topic, GROUP, "published")), all);
    assertEquals(0, after.sum("weft_agent_errors_total", l -> true), all);
    for (MetricsScrape.Sample s : after.samples()) {
      assertFalse(s.labels().values().stream().anyMatch(v -> v.contains("secret") || v.contains("nowhere")),
          "no raw path or query in a label: " + s);
    }
  }

  private void assertDeadLetters(String topic, List<Long> refused) {
    List<Read> originals = DeadLetterData.readAll(boot4.kafka.bootstrap(), topic);
    List<Read> deadLetters = DeadLetterData.readAll(boot4.kafka.bootstrap(), topic + ".dlq");
    assertEquals(REFUSED, deadLetters.size(), "exactly the refused orders: " + deadLetters);
    for (int i = 0; i < REFUSED; i++) {
      Read d = deadLetters.get(i);
      long offset = ByteBuffer.wrap(d.header("kafka_dlt-original-offset")).getLong();
      Read o = originals.stream().filter(r -> r.offset() == offset).findFirst().orElse(null);
      assertNotNull(o, "the original of dead letter " + i + " at offset " + offset);
      String what = "dead letter of order " + refused.get(i);
      assertArrayEquals(Long.toString(refused.get(i)).getBytes(StandardCharsets.UTF_8), o.key(), what);
      assertArrayEquals(o.key(), d.key(), what + ": key");
      assertArrayEquals(o.value(), d.value(), what + ": value");
      assertTrue(new String(d.value(), StandardCharsets.UTF_8).endsWith(";fail=true"), what);
      assertEquals(o.timestamp(), d.timestamp(), what + ": timestamp");
      DeadLetterData.assertHeadersEqual(o.headers(), d.originalHeaders(), what);
      assertEquals(topic, d.text("kafka_dlt-original-topic"), what);
      assertEquals(0, ByteBuffer.wrap(d.header("kafka_dlt-original-partition")).getInt(), what);
      assertEquals(GROUP, d.text("kafka_dlt-original-consumer-group"), what);
      assertEquals(LISTENER_FAILED, d.text("kafka_dlt-exception-fqcn"), what);
      assertEquals(IllegalStateException.class.getName(), d.text("kafka_dlt-exception-cause-fqcn"), what);
      assertTrue(d.text("kafka_dlt-exception-message").contains("order " + refused.get(i) + " refused"),
          what + ": " + d.text("kafka_dlt-exception-message"));
    }
  }

  private void assertTraceAndLogs(
      ServiceProcess service, OtlpReceiver receiver, String traceId, String callerSpan, long order)
      throws Exception {
    // SERVER; INSERT; SET; GET; PRODUCER; CONSUMER; the listener's SELECT, SET, UPDATE.
    List<ReceivedSpan> trace =
        receiver.awaitSpans(s -> s.traceId().equals(traceId), 9, Duration.ofSeconds(30));
    String spans = trace.stream().map(ReceivedSpan::toString).collect(Collectors.joining("\n"));
    ReceivedSpan server = only(trace, "SERVER", spans);
    assertEquals(callerSpan, server.parentSpanId(), spans);
    assertEquals("POST /orders", server.name(), spans);
    ReceivedSpan producer = only(trace, "PRODUCER", spans);
    assertEquals(server.spanId(), producer.parentSpanId(), spans);
    ReceivedSpan consumer = only(trace, "CONSUMER", spans);
    assertEquals(producer.spanId(), consumer.parentSpanId(), spans);
    List<ReceivedSpan> clients = trace.stream().filter(s -> s.kind().equals("CLIENT")).toList();
    List<String> underServer = clients.stream().filter(s -> s.parentSpanId().equals(server.spanId()))
        .map(ReceivedSpan::name).sorted().toList();
    List<String> underConsumer = clients.stream().filter(s -> s.parentSpanId().equals(consumer.spanId()))
        .map(ReceivedSpan::name).sorted().toList();
    assertEquals(List.of("GET", "INSERT " + TABLE, "SET"), underServer, spans);
    assertEquals(List.of("SELECT " + TABLE, "SET", "UPDATE " + TABLE), underConsumer, spans);
    assertEquals(9, trace.size(), spans);

    List<JsonNode> lines = Poll.untilValue(Poll.deadline(Duration.ofSeconds(10)), () -> jsonLines(service),
        l -> l.stream().anyMatch(j -> text(j, "message").startsWith("processed order " + order + " ")),
        l -> "the listener's line for order " + order + "\n" + service.describe());
    List<JsonNode> requestLines = lines.stream().filter(j -> text(j, "message").matches(
        "(create order item=ok-0|order " + order + " (stored|cached|sent) item=ok-0.*)")).toList();
    assertEquals(4, requestLines.size(), requestLines.toString());
    for (JsonNode j : requestLines) {
      assertEquals(traceId, text(j, "trace_id"), j.toString());
      assertEquals(server.spanId(), text(j, "span_id"), j.toString());
      assertEquals("01", text(j, "trace_flags"), j.toString());
    }
    List<JsonNode> listenerLines = lines.stream().filter(j -> text(j, "message").matches(
        "(consumed|processed) order " + order + " item=ok-0")).toList();
    assertEquals(2, listenerLines.size(), listenerLines.toString());
    for (JsonNode j : listenerLines) {
      assertEquals(traceId, text(j, "trace_id"), j.toString());
      assertEquals(consumer.spanId(), text(j, "span_id"), j.toString());
    }
    assertEquals(List.of(), TraceTestSupport.weftProblems(service));
  }


  static ReceivedSpan only(List<ReceivedSpan> trace, String kind, String spans) {
    List<ReceivedSpan> of = trace.stream().filter(s -> s.kind().equals(kind)).toList();
    assertEquals(1, of.size(), "one " + kind + " span:\n" + spans);
    return of.get(0);
  }
}
