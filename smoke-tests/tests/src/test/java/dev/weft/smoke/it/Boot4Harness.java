package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.testing.kafka.TestKafka;
import dev.weft.testing.traces.OtlpReceiver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the Spring Boot 4 smoke tests share: the machine's PostgreSQL and Redis checked, a KRaft
 * broker, {@code boot4-service} started with the agent and everything Weft is told on its command
 * line, orders posted, and the waits for the listener and for a quiet service.
 */
final class Boot4Harness implements AutoCloseable {

  static final String GROUP = "billing-boot4";
  static final String POOL = "orders-pool";
  static final String TABLE = "boot4_orders";

  static final ObjectMapper JSON = new ObjectMapper();

  final Path dir;
  final TestKafka kafka;
  final HttpClient client = Http.newClient();
  private final List<ServiceProcess> services = new ArrayList<>();

  private Boot4Harness(Path dir, TestKafka kafka) {
    this.dir = dir;
    this.kafka = kafka;
  }

  /** Checks PostgreSQL and Redis, then starts a broker under {@code dir}. */
  static Boot4Harness start(Path dir) {
    requireServer("PostgreSQL", 5432);
    requireServer("Redis", 6379);
    return new Boot4Harness(dir, TestKafka.start(dir.resolve("broker")));
  }

  /** Fails at once, naming the server, when the machine's PostgreSQL or Redis is not there. */
  static void requireServer(String name, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
    } catch (IOException e) {
      fail(name + " is not listening on 127.0.0.1:" + port + " (" + e + "); boot4-service needs it");
    }
  }

  @Override
  public void close() {
    services.forEach(ServiceProcess::close);
    kafka.close();
  }

  /**
   * Starts boot4-service on {@code jdk} with the agent, Weft's /metrics on {@code metrics}, spans
   * to {@code receiver}, Boot's console as JSON lines and the dead-letter spool under the test's
   * folder; of {@code extra}, those starting with {@code --} are the service's (Spring Boot's)
   * arguments, the others JVM options. Returns once it listens.
   */
  ServiceProcess startService(Path jdk, String topic, int metrics, OtlpReceiver receiver, String... extra) {
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
