package dev.weft.runtime.metrics.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.ConfigException;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.metrics.HttpClientMetrics;
import dev.weft.runtime.metrics.HttpServerMetrics;
import dev.weft.runtime.metrics.KafkaMetrics;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.metrics.NamedOutcomeMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The naming presets on Weft's real recorders: known traffic of every family, then exact counts
 * under each preset's names and labels, and promtool's lint of what /metrics would serve.
 */
class NamingPresetTest {

  static final int GET_OK = 7;
  static final int GET_503 = 3;
  static final int CLIENT_OK = 5;
  static final int CLIENT_404 = 2;
  static final int CLIENT_NO_RESPONSE = 1;
  static final int SELECT_OK = 6;
  static final int SELECT_ERRORS = 2;
  static final int REDIS_OK = 9;
  static final int REDIS_ERRORS = 4;
  static final int SENT_OK = 11;
  static final int SENT_ERRORS = 1;
  static final int CONSUMED = 13;
  static final int PROCESS_ERRORS = 3;
  static final int RPC_OK = 4;
  static final int RPC_INTERNAL = 1;

  @TempDir Path tmp;

  private static MetricsRuntime runtime(String naming) throws ConfigException {
    Properties p = new Properties();
    p.setProperty("weft.metrics.jvm.enabled", "false");
    p.setProperty("weft.metrics.labels", "region=eu-west-1");
    if (naming != null) {
      p.setProperty("weft.metrics.naming", naming);
    }
    return new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "test", new AgentErrors());
  }

  /** The same traffic for every preset. Durations are 2 ms (SQL: 20 ms). */
  private static MetricsRuntime withTraffic(String naming) throws ConfigException {
    MetricsRuntime rt = runtime(naming);
    HttpServerMetrics server = rt.httpServer();
    HttpServerMetrics.Series hello = server.series("/hello");
    int get = HttpServerMetrics.methodIndex("GET");
    for (int i = 0; i < GET_OK + GET_503; i++) {
      server.started(hello, get);
      server.finished(hello, hello, get, i < GET_OK ? 200 : 503, 0.002, null, null);
    }
    HttpClientMetrics client = rt.httpClient();
    HttpClientMetrics.HostSeries host = client.host("api.example:8080");
    for (int i = 0; i < CLIENT_OK; i++) {
      client.record(host, get, 200, null, 0.002, null, null);
    }
    for (int i = 0; i < CLIENT_404; i++) {
      client.record(host, get, 404, null, 0.002, null, null);
    }
    for (int i = 0; i < CLIENT_NO_RESPONSE; i++) {
      client.record(host, get, -1, new IOException("reset"), 0.002, null, null);
    }
    for (int i = 0; i < SELECT_OK + SELECT_ERRORS; i++) {
      rt.jdbc()
          .operation("postgresql", "SELECT", "orders")
          .record(0.02, i < SELECT_OK ? null : new java.sql.SQLException("no"), null);
    }
    NamedOutcomeMetrics redis =
        rt.namedOutcomes(
            new NamedOutcomeMetrics.Shape(
                "redis_client_commands", "Redis commands.",
                "redis_client_command_duration_seconds", "Redis time.", "command",
                new double[] {
                  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                  0.5, 1, 5, 10
                }));
    for (int i = 0; i < REDIS_OK + REDIS_ERRORS; i++) {
      redis.named("INCR").record(0.002, i < REDIS_OK ? null : new IllegalStateException(), null);
    }
    KafkaMetrics kafka = rt.kafka();
    for (int i = 0; i < SENT_OK + SENT_ERRORS; i++) {
      kafka.producer("orders").record(0.002, i < SENT_OK ? null : new IllegalStateException(), null);
    }
    KafkaMetrics.ConsumerTopic consumed = kafka.consumer("orders", "billing");
    consumed.received(CONSUMED);
    for (int i = 0; i < CONSUMED; i++) {
      consumed.processed()
          .record(0.002, i < PROCESS_ERRORS ? new IllegalArgumentException() : null, null);
    }
    kafka.lag("orders", 0, "billing").set(42);
    for (int i = 0; i < RPC_OK + RPC_INTERNAL; i++) {
      rt.rpcServer().method("shop.Cart/Add").record(i < RPC_OK ? 0 : 13, 0.002, null, null);
    }
    return rt;
  }

  @Test
  void thePrometheusPresetIsWeftsOwnRegistry() throws Exception {
    MetricsRuntime rt = runtime(null);
    assertSame(rt.registry(), rt.exposedRegistry());
  }

  @Test
  void anUnknownPresetIsOneClearLine() {
    Properties p = new Properties();
    p.setProperty("weft.metrics.naming", "statsd");
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> WeftConfig.load(null, p, new HashMap<>()));
    assertTrue(e.getMessage().contains("weft.metrics.naming"), e.getMessage());
    assertTrue(e.getMessage().contains("prometheus, otel, micrometer"), e.getMessage());
  }

  @Test
  void otelCountsExactly() throws Exception {
    MetricSnapshots s = withTraffic("otel").exposedRegistry().scrape();
    assertAbsent(s, "http_requests_total", "http_client_requests_total",
        "db_client_operations_total", "redis_client_commands_total", "rpc_server_requests_total",
        "http_request_duration_seconds", "redis_client_command_duration_seconds",
        "kafka_producer_records_total");

    HistogramSnapshot server = histogram(s, "http_server_request_duration_seconds");
    assertEquals(GET_OK, count(server, "http_request_method", "GET", "http_route", "/hello",
        "http_response_status_code", "200", "region", "eu-west-1"));
    assertEquals(GET_503, count(server, "error_type", "503", "http_request_method", "GET",
        "http_route", "/hello", "http_response_status_code", "503", "region", "eu-west-1"));
    assertEquals(0, gauge(s, "http_server_active_requests", "http_request_method", "GET",
        "http_route", "/hello", "region", "eu-west-1"));

    HistogramSnapshot client = histogram(s, "http_client_request_duration_seconds");
    assertEquals(CLIENT_OK, count(client, "http_request_method", "GET",
        "http_response_status_code", "200", "region", "eu-west-1", "server_address",
        "api.example:8080"));
    assertEquals(CLIENT_404, count(client, "error_type", "404", "http_request_method", "GET",
        "http_response_status_code", "404", "region", "eu-west-1", "server_address",
        "api.example:8080"));
    assertEquals(CLIENT_NO_RESPONSE, count(client, "error_type", "IOException",
        "http_request_method", "GET", "region", "eu-west-1", "server_address",
        "api.example:8080"));

    HistogramSnapshot db = histogram(s, "db_client_operation_duration_seconds");
    assertEquals(SELECT_OK, count(db, "db_collection_name", "orders", "db_operation_name",
        "SELECT", "db_system_name", "postgresql", "region", "eu-west-1"));
    assertEquals(SELECT_ERRORS, count(db, "db_collection_name", "orders", "db_operation_name",
        "SELECT", "db_system_name", "postgresql", "error_type", "SQLException", "region",
        "eu-west-1"));
    assertEquals(REDIS_OK, count(db, "db_operation_name", "INCR", "db_system_name", "redis",
        "region", "eu-west-1"));
    assertEquals(REDIS_ERRORS, count(db, "db_operation_name", "INCR", "db_system_name", "redis",
        "error_type", "IllegalStateException", "region", "eu-west-1"));
    for (DataPointSnapshot p : db.getDataPoints()) {
      ClassicHistogramBuckets b = ((HistogramSnapshot.HistogramDataPointSnapshot) p).getClassicBuckets();
      assertEquals(Presets.OTEL_DB_BOUNDS.length + 1, b.size(), p.getLabels().toString());
      for (int i = 0; i < Presets.OTEL_DB_BOUNDS.length; i++) {
        assertEquals(Presets.OTEL_DB_BOUNDS[i], b.getUpperBound(i));
      }
    }
    // The 20 ms statements sit in the 50 ms bucket, cumulatively in every bucket from there.
    assertEquals(SELECT_OK, cumulativeAt(db, 0.05, "db_collection_name", "orders",
        "db_operation_name", "SELECT", "db_system_name", "postgresql", "region", "eu-west-1"));
    assertEquals(0, cumulativeAt(db, 0.01, "db_collection_name", "orders",
        "db_operation_name", "SELECT", "db_system_name", "postgresql", "region", "eu-west-1"));

    assertEquals(SENT_OK, counter(s, "messaging_client_sent_messages_total",
        "messaging_destination_name", "orders", "messaging_system", "kafka", "region",
        "eu-west-1"));
    assertEquals(SENT_ERRORS, counter(s, "messaging_client_sent_messages_total", "error_type",
        "IllegalStateException", "messaging_destination_name", "orders", "messaging_system",
        "kafka", "region", "eu-west-1"));
    assertEquals(SENT_OK, count(histogram(s, "messaging_client_operation_duration_seconds"),
        "messaging_destination_name", "orders", "messaging_operation_name", "send",
        "messaging_system", "kafka", "region", "eu-west-1"));
    assertEquals(CONSUMED, counter(s, "messaging_client_consumed_messages_total",
        "messaging_consumer_group_name", "billing", "messaging_destination_name", "orders",
        "messaging_system", "kafka", "region", "eu-west-1"));
    assertEquals(PROCESS_ERRORS, count(histogram(s, "messaging_process_duration_seconds"),
        "error_type", "IllegalArgumentException", "messaging_consumer_group_name", "billing",
        "messaging_destination_name", "orders", "messaging_operation_name", "process",
        "messaging_system", "kafka", "region", "eu-west-1"));
    assertEquals(42, gauge(s, "kafka_consumer_lag", "group", "billing", "partition", "0",
        "region", "eu-west-1", "topic", "orders"));

    HistogramSnapshot rpc = histogram(s, "rpc_server_call_duration_seconds");
    assertEquals(RPC_OK, count(rpc, "region", "eu-west-1", "rpc_grpc_status_code", "0",
        "rpc_method", "Add", "rpc_service", "shop.Cart", "rpc_system", "grpc"));
    assertEquals(RPC_INTERNAL, count(rpc, "region", "eu-west-1", "rpc_grpc_status_code", "13",
        "rpc_method", "Add", "rpc_service", "shop.Cart", "rpc_system", "grpc"));

    promtoolAccepts("otel", s);
  }

  @Test
  void micrometerCountsExactly() throws Exception {
    MetricSnapshots s = withTraffic("micrometer").exposedRegistry().scrape();
    assertAbsent(s, "http_requests_total", "http_client_requests_total",
        "http_request_duration_seconds", "http_client_request_duration_seconds");

    HistogramSnapshot server = histogram(s, "http_server_requests_seconds");
    assertEquals(GET_OK, count(server, "error", "none", "exception", "none", "method", "GET",
        "outcome", "SUCCESS", "region", "eu-west-1", "status", "200", "uri", "/hello"));
    assertEquals(GET_503, count(server, "error", "none", "exception", "none", "method", "GET",
        "outcome", "SERVER_ERROR", "region", "eu-west-1", "status", "503", "uri", "/hello"));

    HistogramSnapshot client = histogram(s, "http_client_requests_seconds");
    assertEquals(CLIENT_OK, count(client, "client_name", "api.example:8080", "error", "none",
        "exception", "none", "method", "GET", "outcome", "SUCCESS", "region", "eu-west-1",
        "status", "200", "uri", "none"));
    assertEquals(CLIENT_404, count(client, "client_name", "api.example:8080", "error", "none",
        "exception", "none", "method", "GET", "outcome", "CLIENT_ERROR", "region", "eu-west-1",
        "status", "404", "uri", "none"));
    assertEquals(CLIENT_NO_RESPONSE, count(client, "client_name", "api.example:8080", "error",
        "IOException", "exception", "IOException", "method", "GET", "outcome", "UNKNOWN",
        "region", "eu-west-1", "status", "CLIENT_ERROR", "uri", "none"));

    // Micrometer has no JDBC operation metric: Weft's stays.
    assertEquals(SELECT_ERRORS, counter(s, "db_client_operations_total", "db_system",
        "postgresql", "error_type", "SQLException", "operation", "SELECT", "region", "eu-west-1",
        "status", "error", "table", "orders"));

    HistogramSnapshot lettuce = histogram(s, "lettuce_command_completion_seconds");
    assertEquals(REDIS_OK + REDIS_ERRORS,
        count(lettuce, "command", "INCR", "local", "ANY", "region", "eu-west-1"));
    assertEquals(REDIS_ERRORS, counter(s, "redis_client_commands_total", "command", "INCR",
        "error_type", "IllegalStateException", "region", "eu-west-1", "status", "error"));

    HistogramSnapshot template = histogram(s, "spring_kafka_template_seconds");
    assertEquals(SENT_OK, count(template, "exception", "none", "name", "orders", "region",
        "eu-west-1", "result", "success"));
    assertEquals(SENT_ERRORS, count(template, "exception", "IllegalStateException", "name",
        "orders", "region", "eu-west-1", "result", "failure"));
    assertAbsent(s, "kafka_producer_records_total");
    HistogramSnapshot listener = histogram(s, "spring_kafka_listener_seconds");
    assertEquals(CONSUMED - PROCESS_ERRORS, count(listener, "exception", "none", "name",
        "billing", "region", "eu-west-1", "result", "success", "topic", "orders"));
    assertEquals(PROCESS_ERRORS, count(listener, "exception", "IllegalArgumentException",
        "name", "billing", "region", "eu-west-1", "result", "failure", "topic", "orders"));
    assertEquals(CONSUMED, counter(s, "kafka_consumer_fetch_manager_records_consumed_total",
        "group", "billing", "region", "eu-west-1", "topic", "orders"));
    assertEquals(42, gauge(s, "kafka_consumer_fetch_manager_records_lag", "group", "billing",
        "partition", "0", "region", "eu-west-1", "topic", "orders"));

    // Micrometer's gRPC tags are camelCase (statusCode), which promtool rejects: Weft's stay.
    assertEquals(RPC_INTERNAL, counter(s, "rpc_server_requests_total", "code", "INTERNAL",
        "method", "Add", "region", "eu-west-1", "service", "shop.Cart"));

    promtoolAccepts("micrometer", s);
  }

  @Test
  void prometheusPresetLintsToo() throws Exception {
    promtoolAccepts("prometheus", withTraffic(null).exposedRegistry().scrape());
  }

  @Test
  void everyPresetBoundIsARecordedBound() throws Exception {
    // A narrowed histogram is exact only where its bounds are among the recorded ones; apply()
    // fails loudly otherwise, so scraping the traffic of every family proves it for each rule.
    for (String preset : Presets.names()) {
      withTraffic(preset).exposedRegistry().scrape();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void promtoolAccepts(String preset, MetricSnapshots s) throws Exception {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(text, s);
    Path file = tmp.resolve(preset + ".prom");
    Files.write(file, text.toByteArray());
    Process p;
    try {
      p = new ProcessBuilder("promtool", "check", "metrics")
          .redirectInput(file.toFile())
          .redirectErrorStream(true)
          .start();
    } catch (IOException e) {
      fail("promtool is not installed: install Debian's prometheus package"
          + " (tools/run-tests does)", e);
      return;
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), preset + ": promtool check metrics:\n" + out + "\n"
        + new String(text.toByteArray(), StandardCharsets.UTF_8));
    assertEquals("", out.strip(), preset + ": promtool check metrics:\n" + out);
  }

  private static void assertAbsent(MetricSnapshots s, String... names) {
    Set<String> present = new HashSet<>();
    for (MetricSnapshot m : s) {
      present.add(NamingPreset.exposedName(m));
    }
    for (String n : names) {
      assertFalse(present.contains(n), n + " is still exposed: " + present);
    }
  }

  private static MetricSnapshot metric(MetricSnapshots s, String exposed) {
    for (MetricSnapshot m : s) {
      if (NamingPreset.exposedName(m).equals(exposed)) {
        return m;
      }
    }
    Set<String> present = new HashSet<>();
    for (MetricSnapshot m : s) {
      present.add(NamingPreset.exposedName(m));
    }
    throw new AssertionError(exposed + " is not exposed; these are: " + present);
  }

  private static HistogramSnapshot histogram(MetricSnapshots s, String name) {
    return (HistogramSnapshot) metric(s, name);
  }

  private static <P extends DataPointSnapshot> P find(java.util.List<P> points, String... labels) {
    Labels wanted = Labels.of(labels);
    for (P p : points) {
      if (p.getLabels().equals(wanted)) {
        return p;
      }
    }
    StringBuilder all = new StringBuilder();
    for (P p : points) {
      all.append("\n  ").append(p.getLabels());
    }
    throw new AssertionError("no series " + wanted + " among:" + all);
  }

  private static HistogramSnapshot.HistogramDataPointSnapshot point(
      HistogramSnapshot h, String... labels) {
    return find(h.getDataPoints(), labels);
  }

  private static long count(HistogramSnapshot h, String... labels) {
    return point(h, labels).getCount();
  }

  private static long cumulativeAt(HistogramSnapshot h, double bound, String... labels) {
    ClassicHistogramBuckets b = point(h, labels).getClassicBuckets();
    long cumulative = 0;
    for (int i = 0; i < b.size(); i++) {
      cumulative += b.getCount(i);
      if (b.getUpperBound(i) == bound) {
        return cumulative;
      }
    }
    throw new AssertionError("no bucket " + bound);
  }

  private static double counter(MetricSnapshots s, String name, String... labels) {
    return find(((CounterSnapshot) metric(s, name)).getDataPoints(), labels).getValue();
  }

  private static double gauge(MetricSnapshots s, String name, String... labels) {
    GaugeSnapshot g = (GaugeSnapshot) metric(s, name);
    assertNotNull(g);
    return find(g.getDataPoints(), labels).getValue();
  }
}
