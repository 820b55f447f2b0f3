package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JDBC issue's acceptance, against the machine's real PostgreSQL (127.0.0.1:5432) and MariaDB
 * (127.0.0.1:3306) and an in-memory H2, each directly and through HikariCP, at the lowest and
 * highest supported versions of pgjdbc, MariaDB Connector/J and HikariCP: N executions of each
 * kind (plain, prepared, callable, batch) of which K fail move db_client_operations_total and the
 * duration histogram's count by exactly N-K and K per label set, the error_type is the class the
 * application caught, nothing else is counted (no double count through the pool's proxies), and
 * the pool gauges equal what HikariCP's own MXBean reports.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class JdbcSmokeTest extends ServiceSmokeTest {

  static final int N = 20;
  static final int K = 5;
  static final String OPS = "db_client_operations_total";
  static final String OPS_COUNT = "db_client_operation_duration_seconds_count";

  /** A database, the driver version and (or not) the pool version it runs with. */
  record Case(String db, String system, String driver, String pool) {
    List<String> libraries() {
      return pool == null ? List.of(driver) : List.of(driver, pool);
    }
  }

  static Stream<Named<Case>> cases() {
    return Stream.of(
            new Case("postgresql", "postgresql", "pgjdbc-42.2.0", null),
            new Case("postgresql", "postgresql", "pgjdbc-42.2.0", "hikaricp-4.0.3"),
            new Case("postgresql", "postgresql", "pgjdbc-42.7.14", null),
            new Case("postgresql", "postgresql", "pgjdbc-42.7.14", "hikaricp-7.1.0"),
            new Case("mariadb", "mariadb", "mariadb-2.7.0", null),
            new Case("mariadb", "mariadb", "mariadb-2.7.0", "hikaricp-7.1.0"),
            new Case("mariadb", "mariadb", "mariadb-4.0.0", null),
            new Case("mariadb", "mariadb", "mariadb-4.0.0", "hikaricp-4.0.3"),
            new Case("h2", "h2", "h2-2.3.232", null),
            new Case("h2", "h2", "h2-2.3.232", "hikaricp-7.1.0"))
        .map(c -> Named.of(c.driver() + (c.pool() == null ? "" : " + " + c.pool()), c));
  }

  private int appPort;

  private int start(Case c, String... extraJvmArgs) {
    Path dir = SmokeEnv.jdbcServiceDir();
    StringBuilder cp = new StringBuilder(dir.resolve("jdbc-service.jar").toString());
    for (String library : c.libraries()) {
      cp.append(File.pathSeparator).append(dir.resolve("libs").resolve(library)).append("/*");
    }
    appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    List<String> jvmArgs = new ArrayList<>(List.of("-Dweft.metrics.port=" + metricsPort));
    jvmArgs.addAll(List.of(extraJvmArgs));
    jvmArgs.addAll(List.of("-cp", cp.toString()));
    service =
        ServiceProcess.builder("jdbc-service-" + c.driver() + (c.pool() == null ? "" : "-" + c.pool()))
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs(jvmArgs.toArray(new String[0]))
            .args(
                "dev.weft.smoke.jdbc.JdbcService",
                "--port", Integer.toString(appPort),
                "--db", c.db(),
                "--pool", c.pool() == null ? "none" : "hikari")
            .start();
    try {
      service.awaitStdoutLine("jdbc-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
    } catch (AssertionError e) {
      throw new AssertionError(
          "the JDBC service did not start; is " + c.db() + " running on this machine?"
              + " PostgreSQL (127.0.0.1:5432, database test, user postgres):"
              + " pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start;"
              + " MariaDB (127.0.0.1:3306, database test, root without password):"
              + " start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd\n"
              + e.getMessage(), e);
    }
    return metricsPort;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyExecutionIsCountedExactlyOnce(Case c) throws Exception {
    int metricsPort = start(c, "-Dotel.traces.exporter=none");
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
    String poolName = "weft-smoke-" + c.db();
    double acquiredBefore =
        before.valueOrZero(
            "db_client_connection_acquire_duration_seconds_count",
            Map.of("pool", poolName, "status", "ok"));

    HttpResponse<String> run = Http.get(client, Http.url(appPort, "/run?n=" + N + "&k=" + K));
    assertEquals(200, run.statusCode(), run.body());
    Map<String, String> caught = new HashMap<>();
    for (String line : run.body().split("\n")) {
      String[] kv = line.split("=", 2);
      caught.put(kv[0], kv[1]);
      assertFalse(kv[1].isEmpty() || kv[1].equals("MIXED") || kv[1].equals("NOT-THROWN"),
          "the application saw one kind of failure per kind: " + run.body());
    }
    MetricsScrape after = Http.scrape(client, metricsPort);

    // kind -> operation and table, as the statements the service runs name them
    Map<String, String[]> kinds = Map.of(
        "plain", new String[] {"SELECT", "weft_orders"},
        "prepared", new String[] {"INSERT", "weft_orders"},
        "callable", new String[] {"CALL", "weft_touch"},
        "batch", new String[] {"INSERT", "weft_batch"});
    String context = "\n" + after.series(OPS).stream().map(Object::toString).collect(Collectors.joining("\n"));
    for (Map.Entry<String, String[]> kind : kinds.entrySet()) {
      Map<String, String> ok = Map.of(
          "db_system", c.system(), "operation", kind.getValue()[0], "table", kind.getValue()[1],
          "status", "ok", "error_type", "");
      Map<String, String> error = Map.of(
          "db_system", c.system(), "operation", kind.getValue()[0], "table", kind.getValue()[1],
          "status", "error", "error_type", caught.get(kind.getKey()));
      for (String metric : List.of(OPS, OPS_COUNT)) {
        assertEquals(N - K, delta(before, after, metric, ok), kind.getKey() + " ok, " + metric + context);
        assertEquals(K, delta(before, after, metric, error), kind.getKey() + " errors, " + metric + context);
      }
    }
    assertEquals(4 * N, after.sum(OPS, l -> true) - before.sum(OPS, l -> true),
        "nothing but the service's statements is counted, and each once" + context);
    assertEquals(4 * N, after.sum(OPS_COUNT, l -> true) - before.sum(OPS_COUNT, l -> true), context);

    if (c.pool() != null) {
      assertEquals(4 * N,
          after.value("db_client_connection_acquire_duration_seconds_count",
              Map.of("pool", poolName, "status", "ok")) - acquiredBefore,
          "one acquisition per borrowed connection");
      checkPoolGaugesMatchTheMxBean(client, metricsPort, poolName);
    }
    assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
  }

  private void checkPoolGaugesMatchTheMxBean(HttpClient client, int metricsPort, String poolName)
      throws Exception {
    assertEquals("2", Http.get(client, Http.url(appPort, "/hold?n=2")).body());
    // The pool fills itself to its fixed size in the background: wait until it has.
    Map<String, String> mx =
        Poll.untilValue(
            Poll.deadline(Duration.ofSeconds(30)),
            () -> parse(Http.get(client, Http.url(appPort, "/pool")).body()),
            m -> m.get("total").equals(m.get("max")),
            m -> "pool never full: " + m);
    MetricsScrape scrape = Http.scrape(client, metricsPort);
    Map<String, String> again = parse(Http.get(client, Http.url(appPort, "/pool")).body());
    assertEquals(mx, again, "the pool is quiet: MXBean readings before and after the scrape agree");
    assertEquals(poolName, mx.get("name"));
    Map<String, String> pool = Map.of("pool", poolName);
    assertEquals(Double.parseDouble(mx.get("active")), scrape.value("db_client_connections_active", pool));
    assertEquals(Double.parseDouble(mx.get("idle")), scrape.value("db_client_connections_idle", pool));
    assertEquals(Double.parseDouble(mx.get("pending")), scrape.value("db_client_connections_pending", pool));
    assertEquals(Double.parseDouble(mx.get("max")), scrape.value("db_client_connections_max", pool));
    assertEquals(2.0, scrape.value("db_client_connections_active", pool));
    Http.get(client, Http.url(appPort, "/release"));
  }

  /**
   * Acceptance 4: a request that runs three statements yields three database spans, children of
   * the request's SERVER span, whose query text has no literal of the statements.
   */
  @Test
  void aRequestsStatementsAreItsChildSpansWithSanitizedText() throws Exception {
    Case c = new Case("postgresql", "postgresql", "pgjdbc-42.7.14", "hikaricp-7.1.0");
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int metricsPort = start(c,
          "-Dotel.service.name=jdbc-spans",
          "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
          "-Dotel.bsp.schedule.delay=100");
      HttpClient client = Http.newClient();
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
      String traceId = TraceTestSupport.newTraceId();
      String caller = TraceTestSupport.newSpanId();
      HttpResponse<String> r = client.send(
          TraceTestSupport.get(appPort, "/three",
              "traceparent", TraceTestSupport.traceparent(traceId, caller, true)),
          HttpResponse.BodyHandlers.ofString());
      assertEquals("ok", r.body());
      List<ReceivedSpan> trace =
          receiver.awaitSpans(s -> s.traceId().equals(traceId), 4, Duration.ofSeconds(30));
      String text = trace.stream().map(ReceivedSpan::toString).collect(Collectors.joining("\n"));
      assertEquals(4, trace.size(), text);
      ReceivedSpan server =
          trace.stream().filter(s -> s.kind().equals("SERVER")).findFirst().orElseThrow();
      assertEquals(caller, server.parentSpanId(), text);
      List<ReceivedSpan> db =
          trace.stream().filter(s -> s.kind().equals("CLIENT")).collect(Collectors.toList());
      assertEquals(3, db.size(), text);
      List<String> operations = new ArrayList<>();
      for (ReceivedSpan s : db) {
        assertEquals(server.spanId(), s.parentSpanId(), "a child of the request: " + text);
        assertEquals("postgresql", s.attribute("db.system"), text);
        assertEquals("127.0.0.1", s.attribute("server.address"), text);
        assertEquals("5432", s.attribute("server.port"), text);
        String query = s.attribute("db.query.text");
        assertTrue(query != null && !query.isEmpty(), text);
        for (String literal : List.of("secret-7781", "424242", "919191", "hidden")) {
          assertFalse(s.fullText().contains(literal), "no literal in the span: " + s.fullText());
        }
        operations.add(s.attribute("db.operation.name") + " " + s.attribute("db.collection.name"));
      }
      operations.sort(null);
      assertEquals(List.of("DELETE weft_batch", "SELECT weft_orders", "UPDATE weft_orders"), operations, text);
    }
  }

  private static double delta(MetricsScrape before, MetricsScrape after, String name, Map<String, String> labels) {
    return after.valueOrZero(name, labels) - before.valueOrZero(name, labels);
  }

  private static Map<String, String> parse(String body) {
    Map<String, String> m = new HashMap<>();
    for (String pair : body.split(",")) {
      String[] kv = pair.split("=", 2);
      m.put(kv[0], kv.length > 1 ? kv[1] : "");
    }
    return m;
  }
}
