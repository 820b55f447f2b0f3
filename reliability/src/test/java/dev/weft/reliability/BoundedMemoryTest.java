package dev.weft.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.smoke.it.Http;
import dev.weft.smoke.it.Poll;
import dev.weft.smoke.it.ServiceProcess;
import dev.weft.smoke.it.Services;
import dev.weft.smoke.it.SmokeEnv;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Weft's memory stays bounded whatever the application feeds it: open-ended label values (raw
 * paths of a server without routes, tables named by one-off SQL texts) stop at the cardinality
 * limit with the rest counted under {@code _other_} and in {@code weft_label_overflow_total}
 * exactly, the SQL parse cache holds no more than its bound, and the heap after a full GC hardly
 * moves between the moment the limit is reached and the end.
 *
 * <p>Sizes: CI sends 20,000 distinct paths and runs 20,000 distinct SQL texts; the long form
 * ({@code -Dweft.smoke.long=true}) 100,000 of each. Weft's default cardinality limit (1,000).
 */
class BoundedMemoryTest {

  static final int DISTINCT = SmokeEnv.sized(20_000, 100_000);
  /** Past the cardinality limit: the heap is measured from here on. */
  static final int WARM_UP = 2_000;
  static final int LIMIT = 1_000;
  /** Weft's SQL parse cache (SqlStatements.PARSE_CACHE_ENTRIES): cleared when full. */
  static final int SQL_CACHE_BOUND = 2_000;
  private static final int SQL_CHUNK = 3_331;
  /**
   * Allowed growth of the heap after GC from the end of the warm-up to the end (measured: 0.2 MB
   * for either service in the short form).
   */
  static final long HEAP_GROWTH_BOUND = 4L * 1024 * 1024;
  /** The heap after GC at the end, application included (measured: 23 MB netty, 16 MB H2). */
  static final long HEAP_BOUND = 64L * 1024 * 1024;

  @Test
  void rawPathsOfAServerWithoutRoutesStopAtTheLimit() throws Exception {
    int metricsPort = SmokeEnv.freePort();
    ServiceProcess service =
        Services.nettyService(
            ServiceProcess.builder("reliability-netty")
                .agent(SmokeEnv.agentJar())
                .jvmArgs("-Dweft.metrics.port=" + metricsPort, "-Dotel.traces.exporter=none"));
    try (service) {
      int port = Services.nettyServicePort(service);
      HttpClient client = Http.newClient();
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      sendDistinctPaths(port, 0, WARM_UP);
      awaitRecorded(client, metricsPort, WARM_UP);
      long heapAtLimit = HeapProbe.usedAfterFullGc(service.pid());
      sendDistinctPaths(port, WARM_UP, DISTINCT);
      Exposition last = awaitRecorded(client, metricsPort, DISTINCT);
      long heapAtEnd = HeapProbe.usedAfterFullGc(service.pid());

      int ownSeries = 0;
      double other = 0;
      for (Exposition.Sample s : last.samples()) {
        if (s.name().equals("http_requests_total")) {
          String endpoint = s.labels().get("endpoint");
          if (endpoint.equals("_other_")) {
            other += s.value();
          } else {
            assertTrue(endpoint.startsWith("/p/"), "a series of a path never sent: " + s);
            assertEquals(1.0, s.value(), s.key());
            ownSeries++;
          }
        }
      }
      assertEquals(LIMIT, ownSeries, "paths with series of their own");
      assertEquals(DISTINCT - LIMIT, other, "requests under _other_");
      assertEquals(
          (double) (DISTINCT - LIMIT),
          last.values().get(Exposition.key(
              "weft_label_overflow_total", ExactUnderLoadTest.labels("metric", "http_requests"))),
          "weft_label_overflow_total{metric=\"http_requests\"}");
      report("netty-service", DISTINCT + " distinct paths", heapAtLimit, heapAtEnd);
      assertHeapBounded(heapAtLimit, heapAtEnd);
    }
  }

  @Test
  void distinctSqlTextsStopAtTheLimitAndTheParseCacheAtItsBound() throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    Path dir = SmokeEnv.jdbcServiceDir();
    String cp = dir.resolve("jdbc-service.jar") + File.pathSeparator
        + dir.resolve("libs").resolve("h2-2.3.232") + "/*";
    ServiceProcess service =
        ServiceProcess.builder("reliability-jdbc-h2")
            .agent(SmokeEnv.agentJar())
            .jvmArgs(
                "-Dsun.net.httpserver.idleInterval=3600",
                "-Dweft.metrics.port=" + metricsPort,
                "-Dotel.traces.exporter=none",
                "-cp",
                cp)
            .args("dev.weft.smoke.jdbc.JdbcService", "--port", Integer.toString(appPort),
                "--db", "h2")
            .start();
    try (service) {
      service.awaitStdoutLine(
          "jdbc-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
      HttpClient client = Http.newClient();
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
      Exposition before = ExactUnderLoadTest.scrape(client, metricsPort);

      runDistinct(client, appPort, 0, WARM_UP);
      long heapAtLimit = HeapProbe.usedAfterFullGc(service.pid());
      // The parse cache is emptied when it fills up, so what it holds goes up and down: count
      // the parsed statements alive after every chunk, a chunk's size chosen so that the counts
      // land all over the cycle (3,331 is 1,331 past a multiple of the bound).
      long cached = 0;
      for (int from = WARM_UP; from < DISTINCT; from += SQL_CHUNK) {
        runDistinct(client, appPort, from, Math.min(DISTINCT, from + SQL_CHUNK));
        cached = Math.max(cached,
            HeapProbe.liveInstances(service.pid(), "dev.weft.runtime.sql.SqlStatement"));
      }
      long heapAtEnd = HeapProbe.usedAfterFullGc(service.pid());
      Exposition last = ExactUnderLoadTest.scrape(client, metricsPort);

      // Start-up (tables weft_orders and weft_batch, the routine) took table values too.
      java.util.Set<String> tables = new java.util.TreeSet<>();
      double otherBefore = 0;
      double otherNow = 0;
      double all = 0;
      for (Exposition.Sample s : last.samples()) {
        if (s.name().equals("db_client_operations_total")) {
          all += s.value();
          String table = s.labels().get("table");
          if (table.equals("_other_")) {
            otherNow += s.value();
          } else {
            tables.add(table);
          }
        }
      }
      for (Exposition.Sample s : before.samples()) {
        if (s.name().equals("db_client_operations_total")) {
          all -= s.value();
          if (s.labels().get("table").equals("_other_")) {
            otherBefore += s.value();
          }
        }
      }
      assertEquals(DISTINCT, all, "operations counted");
      assertEquals(LIMIT, tables.size(), "tables with series of their own");
      TreeMap<String, String> ok =
          ExactUnderLoadTest.labels("db_system", "h2", "operation", "SELECT", "table",
              "weft_orders", "status", "ok", "error_type", "");
      assertEquals(
          DISTINCT / 2,
          last.values().get(Exposition.key("db_client_operations_total", ok))
              - before.values().getOrDefault(Exposition.key("db_client_operations_total", ok), 0.0),
          "successful selects of weft_orders");
      double overflow =
          last.values().getOrDefault(Exposition.key("weft_label_overflow_total",
              ExactUnderLoadTest.labels("metric", "db_client_operations")), 0.0);
      assertEquals(otherNow, overflow, "weft_label_overflow_total equals what _other_ holds");
      // Every table beyond the limit is one failed statement under _other_.
      long goneWithOwnSeries = tables.stream().filter(t -> t.startsWith("weft_gone_")).count();
      assertEquals(DISTINCT / 2 - goneWithOwnSeries, otherNow - otherBefore,
          "failed statements on tables beyond the limit");
      report("jdbc-service (H2)", DISTINCT + " distinct SQL texts, " + DISTINCT / 2
          + " distinct tables; at most " + cached + " parsed statements alive", heapAtLimit,
          heapAtEnd);
      // One statement more than the bound: the one the cache was just cleared for, and the one
      // Weft keeps for statements without text.
      assertTrue(cached <= SQL_CACHE_BOUND + 2,
          cached + " parsed statements alive, the cache's bound is " + SQL_CACHE_BOUND);
      assertTrue(cached > SQL_CACHE_BOUND / 2, "the cache never filled: " + cached);
      assertHeapBounded(heapAtLimit, heapAtEnd);
    }
  }

  private static void assertHeapBounded(long heapAtLimit, long heapAtEnd) {
    assertTrue(heapAtEnd - heapAtLimit < HEAP_GROWTH_BOUND,
        "the heap after GC grew by " + (heapAtEnd - heapAtLimit) + " bytes past the limit");
    assertTrue(heapAtEnd < HEAP_BOUND, "the heap after GC holds " + heapAtEnd + " bytes");
  }

  private static void report(String service, String what, long heapAtLimit, long heapAtEnd) {
    System.out.printf(
        "[reliability] %s: %s; heap after full GC %.1f MB at the limit, %.1f MB at the end"
            + " (%+.1f MB)%n",
        service, what, heapAtLimit / 1048576.0, heapAtEnd / 1048576.0,
        (heapAtEnd - heapAtLimit) / 1048576.0);
  }

  /** {@code GET /p/<n>} for n in [from, to) over 8 keep-alive connections; each answered 404. */
  private static void sendDistinctPaths(int port, int from, int to) throws InterruptedException {
    AtomicInteger next = new AtomicInteger(from);
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      Thread t =
          new Thread(
              () -> {
                try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                  for (int n = next.getAndIncrement(); n < to; n = next.getAndIncrement()) {
                    int status = connection.get("/p/" + n);
                    if (status != 404) {
                      throw new IllegalStateException("/p/" + n + " answered " + status);
                    }
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(List.of(), new ArrayList<>(failures), "failed requests");
  }

  private static Exposition awaitRecorded(HttpClient client, int metricsPort, int requests) {
    return Poll.untilValue(
        Poll.deadline(Duration.ofSeconds(30)),
        () -> ExactUnderLoadTest.scrape(client, metricsPort),
        s -> ExactUnderLoadTest.sum(s, "http_requests_total") == requests,
        s -> "http_requests_total did not reach " + requests + ": "
            + (s == null ? "no scrape" : ExactUnderLoadTest.sum(s, "http_requests_total")));
  }

  /** Runs the statements for n in [from, to) through /distinct, 5,000 a request. */
  private static void runDistinct(HttpClient client, int port, int from, int to) throws Exception {
    for (int start = from; start < to; start += 5_000) {
      int end = Math.min(to, start + 5_000);
      int evens = (end + 1) / 2 - (start + 1) / 2;
      HttpResponse<String> response =
          client.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(Http.url(port, "/distinct?from=" + start + "&to=" + end)))
                  .timeout(Duration.ofSeconds(120))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), response.body());
      assertTrue(
          response.body().startsWith("ok=" + evens + "\nerror=" + (end - start - evens) + "\n"),
          response.body());
    }
  }
}
