package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.smoke.it.DeadLetterData.Read;
import dev.weft.testing.kafka.TestKafka;
import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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

  static final String GROUP = "billing-boot4";
  static final String POOL = "orders-pool";
  static final String TABLE = "boot4_orders";
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
  /** Orders posted at once on virtual threads. */
  static final int CONCURRENT = 500;

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private TestKafka kafka;
  private final List<ServiceProcess> services = new ArrayList<>();
  private final HttpClient client = Http.newClient();

  @BeforeEach
  void startBroker() {
    requireServer("PostgreSQL", 5432);
    requireServer("Redis", 6379);
    kafka = TestKafka.start(dir.resolve("broker"));
  }

  /** Fails at once, naming the server, when the machine's PostgreSQL or Redis is not there. */
  static void requireServer(String name, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
    } catch (IOException e) {
      fail(name + " is not listening on 127.0.0.1:" + port + " (" + e + "); boot4-service needs it");
    }
  }

  @AfterEach
  void stop() {
    services.forEach(ServiceProcess::close);
    if (kafka != null) {
      kafka.close();
    }
  }

  static List<Path> jdks() {
    return SmokeEnv.jdkHomes();
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("jdks")
  void everyFamilyIsCountedTracedAndLoggedAndRefusedOrdersAreDeadLettered(Path jdk) throws Exception {
    String topic = "orders-boot4-" + Math.abs(jdk.toString().hashCode());
    kafka.createTopic(topic, 1, Map.of());
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int metrics = SmokeEnv.freePort();
      ServiceProcess service = start(jdk, topic, metrics, receiver);
      int port = Services.boot4ServicePort(service);
      Http.awaitMetrics(service, client, metrics, Services.STARTUP);

      // Warm-up: one of each request kind, so that connections, pools, prepared statements and
      // the listener's assignment are made before the baseline.
      long warm = post(port, "warm-up", false, null);
      assertEquals(200, Http.get(client, Http.url(port, "/orders/" + warm)).statusCode());
      assertEquals(404, Http.get(client, Http.url(port, "/orders/" + Long.MAX_VALUE)).statusCode());
      assertEquals(500, Http.get(client, Http.url(port, "/orders/" + warm + "/explode")).statusCode());
      assertEquals(404, Http.get(client, Http.url(port, "/nowhere/1")).statusCode());
      awaitProcessed(service, metrics, topic, 1);
      MetricsScrape before = awaitSettled(service, metrics, topic, 1);

      // The measured phase. The first order is traced by the test's own parent span.
      String traceId = TraceTestSupport.newTraceId();
      String callerSpan = TraceTestSupport.newSpanId();
      List<Long> ok = new ArrayList<>();
      for (int i = 0; i < ORDERS; i++) {
        ok.add(post(port, "ok-" + i, false,
            i == 0 ? TraceTestSupport.traceparent(traceId, callerSpan, true) : null));
      }
      for (long id : ok) {
        HttpResponse<String> r = Http.get(client, Http.url(port, "/orders/" + id));
        assertEquals(200, r.statusCode(), r.body());
      }
      for (int i = 0; i < MISSING; i++) {
        assertEquals(404, Http.get(client, Http.url(port, "/orders/" + (Long.MAX_VALUE - i))).statusCode());
      }
      for (int i = 0; i < EXPLODED; i++) {
        assertEquals(500, Http.get(client, Http.url(port, "/orders/" + ok.get(i) + "/explode")).statusCode());
      }
      for (int i = 0; i < UNMATCHED; i++) {
        assertEquals(404, Http.get(client, Http.url(port, "/nowhere/" + i + "?secret=x")).statusCode());
      }
      awaitProcessed(service, metrics, topic, 1 + ORDERS);
      // One refused order at a time: each is the only record its retries poll, so the records
      // handed to the listener are exactly 10 per refused order.
      List<Long> refused = new ArrayList<>();
      for (int i = 0; i < REFUSED; i++) {
        refused.add(post(port, "refused-" + i, true, null));
        DeadLetterHarness.awaitDeadLetters(kafka.broker, topic + ".dlq", i + 1, Duration.ofSeconds(90));
      }
      MetricsScrape after = awaitSettled(service, metrics, topic, 1 + ORDERS + REFUSED);

      assertMetrics(before, after, topic);
      assertDeadLetters(topic, refused);
      assertTraceAndLogs(service, receiver, traceId, callerSpan, ok.get(0));
    }
  }

  /**
   * The same service with Spring Boot's {@code spring.threads.virtual.enabled=true} (a command-line
   * property), on Temurin 25: Tomcat runs each request on a virtual thread, the listener container
   * too. 500 orders posted at once, each with a trace id of its own, move every counter by exactly
   * 500 (or what 500 orders make), every log line of a request and of its order's listener carries
   * that request's trace id and no line another's, and JFR's {@code jdk.VirtualThreadPinned}
   * events (every pinning, threshold 0) show no Weft frame.
   */
  @Test
  void onVirtualThreadsConcurrentRequestsKeepExactCountsAndTheirOwnTraceIds() throws Exception {
    Path jdk = Paths.get(SmokeEnv.TEMURIN_25_HOME);
    String topic = "orders-boot4-virtual";
    kafka.createTopic(topic, 1, Map.of());
    Path jfr = dir.resolve("pinned.jfr");
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int metrics = SmokeEnv.freePort();
      ServiceProcess service = start(jdk, topic, metrics, receiver,
          "--spring.threads.virtual.enabled=true",
          "-XX:StartFlightRecording:name=pinning,settings=none,+jdk.VirtualThreadPinned#enabled=true,"
              + "+jdk.VirtualThreadPinned#threshold=0ms,+jdk.VirtualThreadPinned#stackTrace=true");
      int port = Services.boot4ServicePort(service);
      Http.awaitMetrics(service, client, metrics, Services.STARTUP);
      post(port, "warm-up", false, null);
      awaitProcessed(service, metrics, topic, 1);
      MetricsScrape before = awaitSettled(service, metrics, topic, 1);

      Map<String, String> traceOf = new LinkedHashMap<>();
      for (int i = 0; i < CONCURRENT; i++) {
        traceOf.put("vt-" + i, TraceTestSupport.newTraceId());
      }
      List<Integer> statuses = Http.sendConcurrently(CONCURRENT, new ArrayList<>(traceOf.keySet()), item -> {
        try {
          return client.send(postRequest(port, item, false,
              TraceTestSupport.traceparent(traceOf.get(item), TraceTestSupport.newSpanId(), false)),
              HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
          throw new AssertionError("POST /orders for " + item + ": " + e, e);
        }
      });
      assertEquals("", TraceTestSupport.unexpectedStatuses(statuses, 201));
      awaitProcessed(service, metrics, topic, 1 + CONCURRENT);
      MetricsScrape after = awaitSettled(service, metrics, topic, 1 + CONCURRENT);

      String all = "moved since the baseline:\n" + describeDeltas(before, after);
      assertEquals(Map.of(List.of("POST", "/orders", "201"), (double) CONCURRENT),
          after.deltasSince(before, "http_requests_total", "method", "endpoint", "status"), all);
      assertEquals(Map.of(List.of("POST", "/orders", "201"), (double) CONCURRENT),
          after.deltasSince(before, "http_request_duration_seconds_count", "method", "endpoint", "status"), all);
      Map<List<String>, Double> expectedDb = new LinkedHashMap<>();
      expectedDb.put(List.of("INSERT", TABLE, "ok"), (double) CONCURRENT);
      expectedDb.put(List.of("SELECT", TABLE, "ok"), (double) CONCURRENT);
      expectedDb.put(List.of("UPDATE", TABLE, "ok"), (double) CONCURRENT);
      assertEquals(expectedDb, new LinkedHashMap<>(after.deltasSince(before,
          "db_client_operations_total", "operation", "table", "status")), all);
      assertEquals(Map.of(List.of(POOL, "ok"), (double) (2 * CONCURRENT)),
          after.deltasSince(before, "db_client_connection_acquire_duration_seconds_count", "pool", "status"), all);
      Map<List<String>, Double> expectedRedis = new LinkedHashMap<>();
      expectedRedis.put(List.of("GET", "ok"), (double) CONCURRENT);
      expectedRedis.put(List.of("SET", "ok"), (double) (2 * CONCURRENT));
      assertEquals(expectedRedis, new LinkedHashMap<>(after.deltasSince(before,
          "redis_client_commands_total", "command", "status")), all);
      assertEquals(Map.of(List.of(topic, "ok"), (double) CONCURRENT),
          after.deltasSince(before, "kafka_producer_records_total", "topic", "status"), all);
      assertEquals(Map.of(List.of(topic, GROUP, "ok"), (double) CONCURRENT),
          after.deltasSince(before, "kafka_consumer_records_total", "topic", "group", "status"), all);
      assertEquals(Map.of(List.of(topic, GROUP, "ok"), (double) CONCURRENT),
          after.deltasSince(before, "kafka_consumer_process_duration_seconds_count", "topic", "group", "status"), all);
      assertEquals(0, after.sum("weft_agent_errors_total", l -> true), all);

      // Every line of a request (4) and of its order's listener (2) carries its trace id; no line
      // carries another request's.
      Map<String, String> itemOfTrace = new HashMap<>();
      traceOf.forEach((item, trace) -> itemOfTrace.put(trace, item));
      Pattern itemIn = Pattern.compile("item=(vt-\\d+)\\b");
      List<JsonNode> lines = Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)), () -> jsonLines(service),
          l -> l.stream().filter(j -> text(j, "message").matches("processed order \\d+ item=vt-\\d+")).count() == CONCURRENT,
          l -> "the listener's lines for " + CONCURRENT + " orders\n" + service.describe());
      Map<String, Integer> linesOf = new HashMap<>();
      Map<String, Set<String>> requestSpans = new HashMap<>();
      int requestThreadsVirtual = 0;
      for (JsonNode j : lines) {
        String message = text(j, "message");
        Matcher m = itemIn.matcher(message);
        String trace = text(j, "trace_id");
        if (!m.find()) {
          assertFalse(itemOfTrace.containsKey(trace), "a line of no request with a request's trace id: " + j);
          continue;
        }
        String item = m.group(1);
        assertEquals(traceOf.get(item), trace, "the line's own request's trace id: " + j);
        assertEquals("00", text(j, "trace_flags"), j.toString());
        linesOf.merge(item, 1, Integer::sum);
        if (!message.startsWith("consumed") && !message.startsWith("processed")) {
          requestSpans.computeIfAbsent(item, k -> new TreeSet<>()).add(text(j, "span_id"));
          if (text(j, "thread").startsWith("tomcat-handler-")) {
            requestThreadsVirtual++;
          }
        }
      }
      assertEquals(CONCURRENT, linesOf.size());
      linesOf.forEach((item, n) -> assertEquals(6, n, "log lines of " + item));
      requestSpans.forEach((item, ids) -> assertEquals(1, ids.size(), "one SERVER span for " + item + ": " + ids));
      assertEquals(4 * CONCURRENT, requestThreadsVirtual, "every request line on a virtual thread (tomcat-handler-N)");

      Pinning pinning = pinnedEvents(service, jdk, jfr);
      System.out.println("[SpringBoot4SmokeTest] jdk.VirtualThreadPinned: " + pinning.events()
          + " event(s), " + pinning.weftEvents() + " with a Weft frame, of which "
          + pinning.weftInClassDefinition() + " in Weft's class file transformer");
      assertEquals("", pinning.weftElsewhere(), "pinned in Weft outside a class definition");
      assertEquals(List.of(), TraceTestSupport.weftProblems(service));
    }
  }

  /**
   * What JFR saw: every {@code jdk.VirtualThreadPinned} event; those with a frame of Weft's own
   * (its runtime or the Byte Buddy it bundles: {@code dev.weft.} but not the smoke service's
   * {@code dev.weft.smoke.}); of those, the ones inside a class definition (Weft's class file
   * transformer runs under {@code ClassLoader.defineClass1}, a native frame, so a virtual thread
   * defining a class is pinned there with or without an agent, and Byte Buddy reading the class
   * loader's resources may wait on the loader's monitors); and the rest, which must be none.
   */
  record Pinning(int events, int weftEvents, int weftInClassDefinition, String weftElsewhere, String text) {}

  /** Dumps the service's JFR recording and reads its {@code jdk.VirtualThreadPinned} events. */
  static Pinning pinnedEvents(ServiceProcess service, Path jdk, Path jfr) throws Exception {
    run(jdk.resolve("bin/jcmd").toString(), Long.toString(service.pid()), "JFR.dump", "name=pinning",
        "filename=" + jfr);
    String text = run(jdk.resolve("bin/jfr").toString(), "print", "--stack-depth", "64", "--events",
        "jdk.VirtualThreadPinned", jfr.toString());
    Files.writeString(SmokeEnv.logDir().resolve("boot4-virtual-threads-pinned.txt"), text);
    Pattern weftFrame =
        Pattern.compile("(?m)^\\s+dev\\.weft\\.(?!smoke\\.)");
    int events = 0;
    int weft = 0;
    int inDefinition = 0;
    StringBuilder elsewhere = new StringBuilder();
    for (String event : text.split("(?m)^jdk\\.VirtualThreadPinned \\{")) {
      if (event.isBlank()) {
        continue;
      }
      events++;
      if (weftFrame.matcher(event).find()) {
        weft++;
        if (event.contains("sun.instrument.TransformerManager.transform")) {
          inDefinition++;
        } else {
          elsewhere.append("jdk.VirtualThreadPinned {").append(event);
        }
      }
    }
    return new Pinning(events, weft, inDefinition, elsewhere.toString(), text);
  }

  static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
    assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
    return out;
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
    List<Read> originals = DeadLetterData.readAll(kafka.bootstrap(), topic);
    List<Read> deadLetters = DeadLetterData.readAll(kafka.bootstrap(), topic + ".dlq");
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

  // ---------------------------------------------------------------------------------------------

  private ServiceProcess start(Path jdk, String topic, int metrics, OtlpReceiver receiver, String... extra) {
    List<String> jvm = new ArrayList<>(List.of(Services.KEEP_IDLE_CONNECTIONS,
        "-Dweft.metrics.port=" + metrics,
        "-Dotel.service.name=boot4-service",
        "-Dweft.logs.format=json",
        "-Dweft.dlq.spool.dir=" + dir.resolve("spool-" + metrics),
        "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
        "-Dotel.bsp.max.queue.size=20000",
        "-Dotel.bsp.schedule.delay=100"));
    List<String> args = new ArrayList<>(List.of("--app.bootstrap=" + kafka.bootstrap(),
        "--app.topic=" + topic, "--app.group=" + GROUP));
    for (String e : extra) {
      (e.startsWith("--") ? args : jvm).add(e);
    }
    ServiceProcess.Builder builder = ServiceProcess.builder("boot4-" + jdk.getFileName())
        .java(SmokeEnv.javaOf(jdk))
        .agent(SmokeEnv.agentJar())
        .jvmArgs(jvm.toArray(new String[0]))
        .args(args.toArray(new String[0]));
    ServiceProcess service = Services.boot4Service(builder);
    services.add(service);
    return service;
  }

  /** {@code POST /orders}; returns the new order's id. */
  long post(int port, String item, boolean fail, String traceparent) throws Exception {
    HttpResponse<String> r = client.send(postRequest(port, item, fail, traceparent),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
    return Long.parseLong(r.body());
  }

  static HttpRequest postRequest(int port, String item, boolean fail, String traceparent) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(Http.url(port, "/orders")))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"item\":\"" + item + "\",\"quantity\":2,\"fail\":" + fail + "}"));
    if (traceparent != null) {
      b.header("traceparent", traceparent);
    }
    return b.build();
  }

  /** Waits until the listener has processed {@code n} orders successfully since the start. */
  void awaitProcessed(ServiceProcess service, int metrics, String topic, int n) {
    Map<String, String> labels = Map.of("topic", topic, "group", GROUP, "status", "ok");
    Poll.untilValue(Poll.deadline(Duration.ofSeconds(90)), () -> Http.scrape(client, metrics),
        m -> m.valueOrZero("kafka_consumer_process_duration_seconds_count", labels) >= n,
        m -> "the listener did not process " + n + " orders: "
            + (m == null ? "" : m.series("kafka_consumer_process_duration_seconds_count"))
            + "\n" + service.describe());
  }

  /**
   * Waits until all is quiet: the producer has every send acknowledged, the lag is 0, no
   * connection is lent out and every HTTP request has ended; returns that scrape.
   */
  MetricsScrape awaitSettled(ServiceProcess service, int metrics, String topic, int posts) {
    return Poll.untilValue(Poll.deadline(Duration.ofSeconds(60)), () -> Http.scrape(client, metrics),
        m -> m.valueOrZero("kafka_producer_send_duration_seconds_count", Map.of("topic", topic)) >= posts
            && m.find("kafka_consumer_lag", Map.of("topic", topic, "group", GROUP)).orElse(-1) == 0
            && m.valueOrZero("db_client_connections_active", Map.of("pool", POOL)) == 0
            && m.sum("http_requests_active", l -> true) == 0,
        m -> "the service did not settle: " + (m == null ? "" : m.series("kafka_consumer_lag")
            + " " + m.series("db_client_connections_active") + " " + m.series("http_requests_active"))
            + "\n" + service.describe());
  }

  static String describeDeltas(MetricsScrape before, MetricsScrape after) {
    StringBuilder out = new StringBuilder();
    for (String name : after.names()) {
      if (name.startsWith("jvm_") || name.startsWith("process_") || name.endsWith("_bucket")) {
        continue;
      }
      for (MetricsScrape.Sample s : after.series(name)) {
        double old = before.find(name, s.labels()).orElse(0);
        if (s.value() != old) {
          out.append("  ").append(name).append(s.labels()).append(" +").append(s.value() - old).append('\n');
        }
      }
    }
    return out.toString();
  }

  static ReceivedSpan only(List<ReceivedSpan> trace, String kind, String spans) {
    List<ReceivedSpan> of = trace.stream().filter(s -> s.kind().equals(kind)).toList();
    assertEquals(1, of.size(), "one " + kind + " span:\n" + spans);
    return of.get(0);
  }

  /** The service's stdout lines that are JSON objects (Spring Boot's console through Weft). */
  static List<JsonNode> jsonLines(ServiceProcess service) {
    List<JsonNode> out = new ArrayList<>();
    for (String raw : service.stdoutLines()) {
      if (raw.startsWith("{")) {
        try {
          out.add(JSON.readTree(raw));
        } catch (Exception e) {
          throw new AssertionError("not one JSON object: " + raw, e);
        }
      }
    }
    return out;
  }

  static String text(JsonNode json, String field) {
    JsonNode v = json.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }
}
