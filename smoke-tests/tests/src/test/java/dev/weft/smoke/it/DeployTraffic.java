package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.kafka.TestKafka;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The smoke services the deploy/ tests run with the agent, and traffic that gives every family
 * the dashboards and rules of deploy/ some data (DeployMetricNamesTest,
 * DeployQueriesEndToEndTest):
 *
 * <ul>
 *   <li>jdk-http-service in {@code --demo} mode: at start the demo calls /hello, /fail (500),
 *       /boom (the handler throws: 500, and the demo's client gets no response, an HTTP client
 *       error) and /users/N with the JDK's HttpClient: HTTP server and client families. Tracing
 *       goes to a port where nothing listens ({@code weft_spans_dropped_total}), and the test
 *       extension {@code throwing-extension} makes Weft's advice on /hello fail every time
 *       ({@code weft_agent_errors_total{module="test-throwing"}}, an agent error the health
 *       dashboard and WeftAgentErrors are about). {@link #drive} calls /hello, /fail and /users/N
 *       again from the test, and has the service call its own /hello, /fail and /boom through
 *       /call (outgoing calls: 200, 500 and no response).
 *   <li>jdbc-service on in-memory H2 through HikariCP: statements of every kind, the first of
 *       each failing with an SQL error; pool gauges and acquire times.
 *   <li>redis-service (Jedis 5) on the machine's Redis, 127.0.0.1:6379: SET, GET, INCR and LPUSH,
 *       the first INCR and LPUSH answered with an error reply.
 *   <li>grpc-service (gRPC Java 1.85.1): unary calls, one failing INTERNAL and one past its
 *       deadline, and a server stream, each counted by its server and its client.
 *   <li>kafka-service as producer: records to the topic {@value #TOPIC}, and one to the topic
 *       {@value #MISSING_TOPIC}, which does not exist (a send error after 1 s).
 *   <li>the dead-letter consumer service on {@value #TOPIC}: one record whose processing throws
 *       (a dead letter) and a burst of {@value #LAG_BURST} records it works through at
 *       {@value #CONSUMER_DELAY_MS} ms each, so that its lag is above 0 for a few seconds.
 * </ul>
 *
 * All run on a {@link TestKafka} broker; {@link #close} ends them all.
 */
final class DeployTraffic implements AutoCloseable {

  static final String TOPIC = "deploy";
  static final String GROUP = "deploy";
  static final String MISSING_TOPIC = "deploy-missing";
  static final int LAG_BURST = 400;
  static final int CONSUMER_DELAY_MS = 20;

  /** One service with the agent: the families its scrape must show once {@link #drive} ran. */
  static final class Source {
    final String what;
    final List<String> awaited;
    final int appPort = SmokeEnv.freePort();
    final int metricsPort = SmokeEnv.freePort();
    ServiceProcess service;

    Source(String what, List<String> awaited) {
      this.what = what;
      this.awaited = new ArrayList<>(awaited);
    }

    /** {@code 127.0.0.1:<metrics port>}, a scrape target. */
    String target() {
      return "127.0.0.1:" + metricsPort;
    }
  }

  final Source demo = new Source("jdk-http-service --demo", List.of("http_requests_total", "http_requests_active", "http_client_requests_total",
          "weft_spans_dropped_total", "jvm_memory_used_bytes"));
  final Source jdbc = new Source("jdbc-service h2 + HikariCP", List.of("db_client_operations_total", "db_client_connections_max",
          "db_client_connection_acquire_duration_seconds_count"));
  final Source redis = new Source("redis-service Jedis 5", List.of("redis_client_commands_total"));
  final Source grpc = new Source("grpc-service gRPC 1.85.1", List.of("rpc_server_requests_total", "rpc_client_requests_total"));
  final Source producer =
      new Source("kafka-service producer", List.of("kafka_producer_records_total"));
  final Source consumer = new Source("dead-letter consumer service", List.of("kafka_consumer_records_total", "kafka_consumer_lag", "kafka_dlq_records_total"));

  private final List<ServiceProcess> processes = new ArrayList<>();
  /** The naming preset every service runs with ({@code weft.metrics.naming}). */
  private final String naming;
  private final HttpClient client = Http.newClient();
  private TestKafka kafka;
  private int rounds;

  private DeployTraffic(String naming) {
    this.naming = naming;
    if (!naming.equals("prometheus")) {
      // The families each service is awaited for, under the preset's names.
      PresetQueries names = new PresetQueries(
          dev.weft.runtime.metrics.naming.Presets.named(naming));
      for (Source s : sources()) {
        s.awaited.replaceAll(n -> {
          String t = names.translate(n, "DeployTraffic").text();
          return t.contains("{") ? t.substring(0, t.indexOf('{')) : t;
        });
      }
    }
  }

  /**
   * Starts the broker and the six services (all JVMs at once) in {@code dir}, and returns once
   * each printed its listening line. No traffic yet beyond the demo's own.
   */
  static DeployTraffic start(Path dir) throws Exception {
    return start(dir, "prometheus");
  }

  /** As {@link #start(Path)}, every service with {@code weft.metrics.naming=naming}. */
  static DeployTraffic start(Path dir, String naming) throws Exception {
    DeployTraffic traffic = new DeployTraffic(naming);
    try {
      traffic.startAll(dir);
      return traffic;
    } catch (Exception | Error e) {
      traffic.close();
      throw e;
    }
  }

  List<Source> sources() {
    return List.of(demo, jdbc, redis, grpc, producer, consumer);
  }

  /** The services' metrics endpoints, {@code 127.0.0.1:<port>}, in {@link #sources} order. */
  List<String> targets() {
    return sources().stream().map(Source::target).collect(Collectors.toList());
  }

  private void startAll(Path dir) throws Exception {
    kafka = TestKafka.start(dir.resolve("broker"));
    kafka.createTopic(TOPIC);

    int deadOtlpPort = SmokeEnv.freePort();
    demo.service = start(withAgent("deploy-jdk-http-demo")
        .jvmArgs(Services.KEEP_IDLE_CONNECTIONS, "-Dweft.metrics.port=" + demo.metricsPort,
            "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + deadOtlpPort,
            "-Dweft.extensions=" + SmokeEnv.throwingExtensionJar())
        .jar(SmokeEnv.jdkHttpServiceJar())
        .args("--port", Integer.toString(demo.appPort), "--demo"));

    Path jdbcDir = SmokeEnv.jdbcServiceDir();
    jdbc.service = start(withAgent("deploy-jdbc")
        .jvmArgs("-Dweft.metrics.port=" + jdbc.metricsPort, "-Dotel.traces.exporter=none",
            "-cp", classPath(jdbcDir.resolve("jdbc-service.jar"),
                jdbcDir.resolve("libs/h2-2.3.232"), jdbcDir.resolve("libs/hikaricp-7.1.0")))
        .args("dev.weft.smoke.jdbc.JdbcService", "--port", Integer.toString(jdbc.appPort),
            "--db", "h2", "--pool", "hikari"));

    Path redisDir = SmokeEnv.redisServiceDir();
    redis.service = start(withAgent("deploy-redis")
        .jvmArgs("-Dweft.metrics.port=" + redis.metricsPort, "-Dotel.traces.exporter=none",
            "-cp", classPath(redisDir.resolve("redis-service.jar"), redisDir.resolve("libs/jedis-5.2.0")))
        .args("dev.weft.smoke.redis.RedisService", "--port", Integer.toString(redis.appPort),
            "--client", "pool"));

    Path grpcDir = SmokeEnv.grpcServiceDir();
    grpc.service = start(withAgent("deploy-grpc")
        .jvmArgs("-Dweft.metrics.port=" + grpc.metricsPort, "-Dotel.traces.exporter=none",
            "-cp", classPath(grpcDir.resolve("grpc-service.jar"), grpcDir.resolve("libs")))
        .args("dev.weft.smoke.grpc.GrpcService", "--http-port", Integer.toString(grpc.appPort)));

    Path kafkaDir = SmokeEnv.kafkaServiceDir();
    String kafkaCp = classPath(kafkaDir.resolve("kafka-service.jar"),
        kafkaDir.resolve("libs/kafka-clients-4.4.0"));
    producer.service = start(withAgent("deploy-kafka-producer")
        .jvmArgs("-Dweft.metrics.port=" + producer.metricsPort, "-Dotel.traces.exporter=none",
            "-cp", kafkaCp)
        .args("dev.weft.smoke.kafka.KafkaService", "--role", "producer",
            "--port", Integer.toString(producer.appPort), "--bootstrap", kafka.bootstrap()));

    consumer.service = start(withAgent("deploy-kafka-consumer")
        .jvmArgs(Services.KEEP_IDLE_CONNECTIONS, "-Dweft.metrics.port=" + consumer.metricsPort,
            "-Dotel.traces.exporter=none", "-Dweft.dlq.spool.dir=" + dir.resolve("spool"),
            "-cp", kafkaCp)
        .args("dev.weft.smoke.kafka.DeadLetterService", "--port", Integer.toString(consumer.appPort),
            "--bootstrap", kafka.bootstrap(), "--topic", TOPIC, "--group", GROUP,
            "--shape", "record", "--delay-ms", Integer.toString(CONSUMER_DELAY_MS)));

    demo.service.awaitStdoutLine(
        "jdk-http-service listening on http://127.0.0.1:" + demo.appPort, Services.STARTUP);
    jdbc.service.awaitStdoutLine(
        "jdbc-service listening on http://127.0.0.1:" + jdbc.appPort, Services.STARTUP);
    try {
      redis.service.awaitStdoutLine(
          "redis-service listening on http://127.0.0.1:" + redis.appPort, Services.STARTUP);
    } catch (AssertionError e) {
      throw new AssertionError("the Redis service did not start; is Redis running on"
          + " 127.0.0.1:6379? Start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1"
          + " --port 6379 --save \"\"\n" + e.getMessage(), e);
    }
    grpc.service.awaitStdoutLine(
        "grpc-service listening on http://127.0.0.1:" + grpc.appPort, Services.STARTUP);
    producer.service.awaitStdoutLine(
        "kafka-service producer listening on http://127.0.0.1:" + producer.appPort, Services.STARTUP);
    consumer.service.awaitStdoutLine(
        "dlq-service listening on http://127.0.0.1:" + consumer.appPort, Services.STARTUP);
  }

  /**
   * One round of traffic, successes and failures of every family; returns once every service
   * answered (the dead-letter consumer works through its records afterwards, for a few seconds).
   */
  void drive() throws Exception {
    rounds++;
    for (String path : List.of("/hello", "/hello", "/users/" + rounds, "/fail")) {
      HttpResponse<String> r = Http.get(client, Http.url(demo.appPort, path));
      assertEquals(path.equals("/fail") ? 500 : 200, r.statusCode(),
          "jdk-http-service " + path + " answered " + r.body());
    }
    // Outgoing calls of the service itself: an answer, a 5xx and no answer at all.
    Map<String, String> calls = new LinkedHashMap<>();
    calls.put("/hello", "200");
    calls.put("/fail", "500");
    calls.put("/boom", "error ");
    for (Map.Entry<String, String> call : calls.entrySet()) {
      expectBody(Http.get(client, Http.url(demo.appPort, "/call?path=" + call.getKey())),
          call.getValue());
    }
    expectOk(Http.get(client, Http.url(jdbc.appPort, "/run?n=3&k=1")));
    expectOk(Http.get(client, Http.url(redis.appPort, "/run?n=3&k=1")));
    expectBody(Http.get(client, Http.url(grpc.appPort, "/run?n=4&k=1&j=1&m=1")),
        "ListGreetings:OK:3=1,SayHello:DEADLINE_EXCEEDED=1,SayHello:INTERNAL=1,SayHello:OK=2");
    expectBody(Http.get(client, Http.url(producer.appPort, "/produce?topic=" + TOPIC + "&n=3")),
        "sent=3 acked=3 failed=0");
    // No such topic (auto-creation is off): the send fails after max.block.ms.
    expectBody(Http.get(client, Http.url(producer.appPort,
        "/produce?topic=" + MISSING_TOPIC + "&n=1&maxBlockMs=1000")), "sent=1 acked=0 failed=1");

    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    p.put("acks", "all");
    try (KafkaProducer<byte[], byte[]> records =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      records.send(new ProducerRecord<>(TOPIC, new byte[] {1}, new byte[] {'o', 'k'}))
          .get(30, TimeUnit.SECONDS);
      // The consumer service's processing throws for a value starting with 0xEE: a dead letter.
      records.send(new ProducerRecord<>(TOPIC, new byte[] {2}, new byte[] {(byte) 0xEE}))
          .get(30, TimeUnit.SECONDS);
    }
    // More records than the consumer takes in a second: lag above 0 for a few seconds.
    expectBody(Http.get(client,
            Http.url(producer.appPort, "/produce?topic=" + TOPIC + "&n=" + LAG_BURST)),
        "sent=" + LAG_BURST + " acked=" + LAG_BURST + " failed=0");
  }

  /**
   * What one round of {@link #drive} moves, exactly, in Weft's own names (PromQL selectors); a
   * naming preset's test translates them with {@link PresetQueries}. The dead-letter consumer
   * works through its records after {@link #drive} returns: its counts are checked as totals,
   * the others as the move of one round; the pool's gauges by their value.
   */
  record Expected(Source source, String selector, int count, Kind kind) {
    enum Kind {
      /** Moved by {@code count} in one round (a synchronous service). */
      ROUND,
      /** {@code count} per round in total (the consumer, which works after drive returns). */
      TOTAL,
      /** A gauge's value after the traffic, whatever the rounds. */
      VALUE
    }
  }

  List<Expected> expectedPerRound() {
    return List.of(
        // /hello twice, /users/N and /fail from the test, /call three times, and the /hello,
        // /fail and /boom those calls make, /boom twice: the JDK's HttpClient sends a GET again
        // once when the connection closes without an answer (one call for the client, two
        // requests for the server). 11 requests, /fail twice and /boom twice answered 500.
        new Expected(demo, "http_requests_total", 11, Expected.Kind.ROUND),
        new Expected(demo, "http_requests_total{status=~\"5..\"}", 4, Expected.Kind.ROUND),
        new Expected(demo, "http_client_requests_total", 3, Expected.Kind.ROUND),
        new Expected(demo, "http_client_requests_total{status=~\"5..|error\"}", 2,
            Expected.Kind.ROUND),
        // /run?n=3&k=1: plain, prepared, callable and batch, 3 each, the first of each failing.
        new Expected(jdbc, "db_client_operations_total", 12, Expected.Kind.ROUND),
        new Expected(jdbc, "db_client_operations_total{status=\"error\"}", 4, Expected.Kind.ROUND),
        // The HikariCP pool: at most 4 connections, 4 kept idle, none held after the traffic.
        new Expected(jdbc, "db_client_connections_max", 4, Expected.Kind.VALUE),
        new Expected(jdbc, "db_client_connections_idle", 4, Expected.Kind.VALUE),
        new Expected(jdbc, "db_client_connections_active", 0, Expected.Kind.VALUE),
        new Expected(jdbc, "db_client_connections_pending", 0, Expected.Kind.VALUE),
        // /run?n=3&k=1: SET, GET, INCR and LPUSH 3 each, the first INCR and LPUSH failing.
        new Expected(redis, "redis_client_commands_total", 12, Expected.Kind.ROUND),
        new Expected(redis, "redis_client_commands_total{status=\"error\"}", 2,
            Expected.Kind.ROUND),
        // SayHello 4 times and one ListGreetings stream, on each side.
        new Expected(grpc, "rpc_server_requests_total", 5, Expected.Kind.ROUND),
        new Expected(grpc, "rpc_client_requests_total", 5, Expected.Kind.ROUND),
        // 3 records, 1 to the missing topic, the burst.
        new Expected(producer, "kafka_producer_records_total", 4 + LAG_BURST, Expected.Kind.ROUND),
        new Expected(producer, "kafka_producer_records_total{status=\"error\"}", 1,
            Expected.Kind.ROUND),
        // The producer's 3 and burst, and the test's two records, one of which throws.
        new Expected(consumer, "kafka_consumer_records_total", 5 + LAG_BURST, Expected.Kind.TOTAL),
        new Expected(consumer, "kafka_consumer_process_duration_seconds_count", 5 + LAG_BURST,
            Expected.Kind.TOTAL),
        new Expected(consumer, "kafka_consumer_process_duration_seconds_count{status=\"error\"}",
            1, Expected.Kind.TOTAL),
        // Caught up: no lag left on any partition.
        new Expected(consumer, "kafka_consumer_lag", 0, Expected.Kind.VALUE));
  }

  /** Every service's scrape now, by source. */
  Map<Source, MetricsScrape> scrapeAll() throws Exception {
    Map<Source, MetricsScrape> scrapes = new LinkedHashMap<>();
    for (Source s : sources()) {
      scrapes.put(s, MetricsScrape.parse(Http.get(client, Http.url(s.metricsPort, "/metrics")).body()));
    }
    return scrapes;
  }

  /** The rounds {@link #drive} ran. */
  int rounds() {
    return rounds;
  }

  /**
   * Polls each service's /metrics until it shows the families it is there for (so a slow start
   * is not mistaken for a missing family), and returns the last scrape of each, by source.
   */
  Map<Source, String> awaitFamilies(Duration timeout) {
    Map<Source, String> scrapes = new LinkedHashMap<>();
    Instant deadline = Poll.deadline(timeout);
    for (Source s : sources()) {
      String scrape = Poll.untilValue(deadline,
          () -> {
            s.service.requireAlive("exposing " + s.awaited);
            return Http.get(client, Http.url(s.metricsPort, "/metrics")).body();
          },
          text -> namesOf(text).containsAll(s.awaited),
          text -> s.what + " never exposed all of " + s.awaited + " (it exposes "
              + (text == null ? "nothing: /metrics did not answer" : namesOf(text)) + ")\n"
              + s.service.describe());
      scrapes.put(s, scrape);
    }
    return scrapes;
  }

  /**
   * Every service still running; fails naming the first that exited, with {@link Poll#failFast}
   * (a poll stops at once).
   */
  void requireAlive(String during) {
    for (Source s : sources()) {
      if (!s.service.isAlive()) {
        throw Poll.failFast(s.what + " exited during " + during + "\n" + s.service.describe());
      }
    }
  }

  /** Every sample name and every {@code # TYPE} family name of a Prometheus text scrape. */
  static Set<String> namesOf(String text) {
    Set<String> names = new java.util.TreeSet<>(MetricsScrape.parse(text).names());
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        names.add(line.split(" +")[2]);
      }
    }
    return names;
  }

  @Override
  public void close() {
    for (ServiceProcess s : processes) {
      s.close();
    }
    processes.clear();
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
  }

  private ServiceProcess.Builder withAgent(String name) {
    return ServiceProcess.builder(name + (naming.equals("prometheus") ? "" : "-" + naming))
        .java(SmokeEnv.currentJava())
        .agent(SmokeEnv.agentJar())
        .jvmArgs("-Dweft.metrics.naming=" + naming);
  }

  private ServiceProcess start(ServiceProcess.Builder builder) {
    ServiceProcess s = builder.start();
    processes.add(s);
    return s;
  }

  private static String classPath(Path jar, Path... libDirs) {
    StringBuilder cp = new StringBuilder(jar.toString());
    for (Path dir : libDirs) {
      cp.append(File.pathSeparator).append(dir).append("/*");
    }
    return cp.toString();
  }

  private static void expectOk(HttpResponse<String> response) {
    assertEquals(200, response.statusCode(), response.uri() + " answered " + response.body());
  }

  private static void expectBody(HttpResponse<String> response, String prefix) {
    expectOk(response);
    assertTrue(response.body().startsWith(prefix),
        response.uri() + " answered '" + response.body().strip() + "', expected '" + prefix + "...'");
  }
}
