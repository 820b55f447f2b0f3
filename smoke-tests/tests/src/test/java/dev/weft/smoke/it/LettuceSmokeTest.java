package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Redis issue's acceptance for Lettuce, against the machine's real Redis (127.0.0.1:6379), at
 * Lettuce 6.0.0 (lowest), 6.8.1 (last 6.x) and 7.7.0 (highest): with each of the sync, async and reactive APIs, N
 * commands of several kinds with K error replies move redis_client_commands_total and the
 * histogram count by exactly N-K and K per (command, status, error_type); a pipelined flush of
 * 100 commands and a MULTI/EXEC transaction are counted command by command; 10,000 async
 * commands issued from 8 request threads are all counted and each is a span of the request that
 * issued it; a Redis stopped under a live connection gives the application its usual exceptions,
 * counted as errors of that class, and once restarted the same connection works and counts again.
 *
 * <p>Lettuce completes a command on its I/O thread, where Weft counts it, possibly a moment after
 * the application's call returned: the counts are polled until they arrive, then checked exactly.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LettuceSmokeTest extends ServiceSmokeTest {

  static final int N = 20;
  static final int K = 5;
  static final String ERROR = "RedisCommandExecutionException";
  static final String LAST_6 = "lettuce-6.8.1.RELEASE";

  static Stream<String> versions() {
    return Stream.of("lettuce-6.0.0.RELEASE", LAST_6, "lettuce-7.7.0.RELEASE");
  }

  private int appPort;
  private Process redis;

  @TempDir Path tempDir;

  @AfterEach
  void killRedis() {
    if (redis != null) {
      redis.destroyForcibly();
    }
  }

  private int start(String version, String name, String... jvmArgs) {
    return start(version, name, List.of(), jvmArgs);
  }

  private int start(String version, String name, List<String> args, String... jvmArgs) {
    Path dir = SmokeEnv.lettuceServiceDir();
    String cp =
        dir.resolve("lettuce-service.jar") + File.pathSeparator + dir.resolve("libs").resolve(version) + "/*";
    appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    List<String> all = new ArrayList<>(List.of("dev.weft.smoke.lettuce.LettuceService", "--port",
        Integer.toString(appPort)));
    all.addAll(args);
    service =
        ServiceProcess.builder(name)
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs("-Dweft.metrics.port=" + metricsPort, "-cp", cp)
            .jvmArgs(jvmArgs)
            .args(all.toArray(new String[0]))
            .start();
    try {
      service.awaitStdoutLine("lettuce-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
    } catch (AssertionError e) {
      throw new AssertionError(
          "the Lettuce service did not start; is Redis running on 127.0.0.1:6379? Start it with:"
              + " redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save \"\""
              + " --appendonly no\n" + e.getMessage(), e);
    }
    return metricsPort;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("versions")
  void everyApiStyleIsCountedExactly(String version) throws Exception {
    int metricsPort = start(version, "lettuce-service-" + version, "-Dotel.traces.exporter=none");
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    for (String api : List.of("sync", "async", "reactive")) {
      HttpResponse<String> run =
          Http.get(client, Http.url(appPort, "/run?api=" + api + "&n=" + N + "&k=" + K));
      assertEquals(200, run.statusCode(), api + ": " + run.body());
      assertEquals("INCR=" + ERROR + ",LPUSH=" + ERROR, run.body(),
          api + ": the application sees Redis's error replies as it does without Weft");
      Map<List<String>, Integer> expected = new HashMap<>();
      expected.put(List.of("SET", "ok", ""), N);
      expected.put(List.of("GET", "ok", ""), N);
      expected.put(List.of("INCR", "ok", ""), N - K);
      expected.put(List.of("INCR", "error", ERROR), K);
      expected.put(List.of("LPUSH", "ok", ""), N - K);
      expected.put(List.of("LPUSH", "error", ERROR), K);
      before = checkEventually(client, metricsPort, before, expected);
    }

    assertEquals("ok:" + ERROR, Http.get(client, Http.url(appPort, "/pipeline")).body());
    Map<List<String>, Integer> expected = new HashMap<>();
    expected.put(List.of("SET", "ok", ""), 40);
    expected.put(List.of("INCR", "ok", ""), 40);
    expected.put(List.of("GET", "ok", ""), 19);
    expected.put(List.of("LPUSH", "error", ERROR), 1);
    before = checkEventually(client, metricsPort, before, expected);

    assertEquals("ok:5", Http.get(client, Http.url(appPort, "/multi")).body());
    expected.clear();
    expected.put(List.of("MULTI", "ok", ""), 1);
    expected.put(List.of("SET", "ok", ""), 3);
    expected.put(List.of("INCR", "ok", ""), 2);
    expected.put(List.of("EXEC", "ok", ""), 1);
    checkEventually(client, metricsPort, before, expected);

    assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
  }

  /**
   * 8 concurrent requests, each in its own trace, each issuing 1,250 async INCRs on the one shared
   * connection: 10,000 commands complete on Lettuce's I/O thread, all are counted, and each is a
   * CLIENT span whose parent is the SERVER span of the request that issued it, with the Redis
   * attributes and no argument.
   */
  @Test
  void asyncCommandsFromEightThreadsAreCountedInTheirRequestsTraces() throws Exception {
    int threads = 8;
    int perRequest = 1_250;
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int metricsPort = start(LAST_6, "lettuce-service-burst",
          "-Dotel.service.name=lettuce-burst",
          "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
          "-Dotel.bsp.max.queue.size=20000",
          "-Dotel.bsp.max.export.batch.size=2000",
          "-Dotel.bsp.schedule.delay=100");
      HttpClient client = Http.newClient();
      MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      List<String> traceIds = new ArrayList<>();
      List<HttpRequest> requests = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        String traceId = TraceTestSupport.newTraceId();
        traceIds.add(traceId);
        requests.add(TraceTestSupport.get(appPort, "/burst?n=" + perRequest,
            "traceparent", TraceTestSupport.traceparent(traceId, TraceTestSupport.newSpanId(), true)));
      }
      assertEquals("", TraceTestSupport.unexpectedStatuses(
          TraceTestSupport.sendAll(client, requests), 200));

      checkEventually(client, metricsPort, before,
          Map.of(List.of("INCR", "ok", ""), threads * perRequest));

      List<ReceivedSpan> spans = receiver.awaitSpans(
          s -> traceIds.contains(s.traceId()), threads * (perRequest + 1), Duration.ofSeconds(90));
      assertEquals(threads * (perRequest + 1), spans.size(), "one SERVER span per request, one per command");
      Map<String, String> serverSpanOfTrace = new HashMap<>();
      for (ReceivedSpan s : spans) {
        if (s.kind().equals("SERVER")) {
          assertEquals(null, serverSpanOfTrace.put(s.traceId(), s.spanId()), "one SERVER span per trace");
        }
      }
      assertEquals(threads, serverSpanOfTrace.size());
      Map<String, Integer> commandsPerTrace = new HashMap<>();
      for (ReceivedSpan s : spans) {
        if (s.kind().equals("SERVER")) {
          continue;
        }
        assertEquals("CLIENT", s.kind(), s.toString());
        assertEquals(serverSpanOfTrace.get(s.traceId()), s.parentSpanId(),
            "the command's span is a child of the request that issued it: " + s);
        assertEquals("redis", s.attribute("db.system"), s.toString());
        assertEquals("INCR", s.attribute("db.operation.name"), s.toString());
        assertEquals("127.0.0.1", s.attribute("server.address"), s.toString());
        assertEquals("6379", s.attribute("server.port"), s.toString());
        assertEquals("0", s.attribute("db.namespace"), s.toString());
        assertTrue(!s.fullText().contains("weft:burst"), "no argument in a span: " + s.fullText());
        commandsPerTrace.merge(s.traceId(), 1, Integer::sum);
      }
      for (String traceId : traceIds) {
        assertEquals(perRequest, commandsPerTrace.get(traceId), "INCR spans in trace " + traceId);
      }
      assertEquals(0.0, TraceTestSupport.droppedTotal(Http.scrape(client, metricsPort)), "no span dropped");
      assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
    }
  }

  /**
   * A Redis the test starts is stopped under the service's live connection: the application's
   * GETs fail as Lettuce makes them fail (command timeout while it reconnects), unchanged, and
   * are counted as errors of that class; once the Redis is back the same connection serves
   * again, and every GET on the way was counted once, as what the application saw.
   */
  @Test
  void redisStoppedUnderALiveConnectionAndRestarted() throws Exception {
    int redisPort = SmokeEnv.freePort();
    startRedis(redisPort);
    int metricsPort = start(LAST_6, "lettuce-service-down",
        List.of("--down-port", Integer.toString(redisPort)), "-Dotel.traces.exporter=none");
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
    Map<String, Integer> outcomes = new LinkedHashMap<>(); // what the application saw, per GET

    assertEquals("ok", down(client, 3, outcomes));

    stopRedis();
    String seen = down(client, 4, outcomes);
    assertEquals("RedisCommandTimeoutException", seen,
        "while Redis is away, Lettuce's sync API times the command out (500 ms), as without Weft");

    startRedis(redisPort);
    Poll.until(Poll.deadline(Duration.ofSeconds(90)), () -> down(client, 1, outcomes).equals("ok"),
        "the connection did not come back after Redis restarted: " + outcomes);
    assertEquals("ok", down(client, 5, outcomes));

    Map<List<String>, Integer> expected = new HashMap<>();
    outcomes.forEach((outcome, count) -> expected.put(
        outcome.equals("ok") ? List.of("GET", "ok", "") : List.of("GET", "error", outcome), count));
    checkEventually(client, metricsPort, before, expected);
    assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
  }

  /** {@code m} GETs on the service's connection to the test's Redis; notes each outcome. */
  private String down(HttpClient client, int m, Map<String, Integer> outcomes) throws Exception {
    HttpResponse<String> r = Http.get(client, Http.url(appPort, "/down?m=" + m));
    assertEquals(200, r.statusCode(), r.body());
    if (m == 1 || !r.body().equals("MIXED")) {
      outcomes.merge(r.body(), m, Integer::sum);
    } else {
      throw new AssertionError("GETs with different outcomes in one call: " + r.body());
    }
    return r.body();
  }

  private void startRedis(int port) throws Exception {
    Path server = Path.of("/usr/bin/redis-server");
    if (!Files.isExecutable(server)) {
      throw new AssertionError("this test starts and stops its own Redis: install redis-server"
          + " (Debian: apt-get install redis-server)");
    }
    redis = new ProcessBuilder(server.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", tempDir.toString())
        .redirectErrorStream(true)
        .redirectOutput(tempDir.resolve("redis-" + port + ".log").toFile())
        .start();
    Poll.until(Poll.deadline(Duration.ofSeconds(30)), () -> {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException notYet) {
        return false;
      }
    }, "redis-server did not listen on " + port + ": " + Files.readString(tempDir.resolve("redis-" + port + ".log")));
  }

  private void stopRedis() throws Exception {
    redis.destroy(); // SIGTERM: Redis shuts down and closes every connection
    assertTrue(redis.waitFor(30, TimeUnit.SECONDS), "redis-server did not stop");
    redis = null;
  }

  /**
   * Polls until every expected (command, status, error_type) has moved by at least its number,
   * then checks that each moved by exactly that and nothing else moved; returns that scrape.
   */
  private MetricsScrape checkEventually(HttpClient client, int metricsPort, MetricsScrape before,
      Map<List<String>, Integer> expected) {
    MetricsScrape after = Poll.untilValue(
        Poll.deadline(Duration.ofSeconds(30)),
        () -> Http.scrape(client, metricsPort),
        s -> expected.entrySet().stream().allMatch(e -> {
          Map<String, String> labels = Map.of("command", e.getKey().get(0), "status", e.getKey().get(1),
              "error_type", e.getKey().get(2));
          return s.valueOrZero(RedisSmokeTest.COUNT, labels) - before.valueOrZero(RedisSmokeTest.COUNT, labels)
              >= e.getValue();
        }),
        s -> "the commands were not all counted: " + expected + "\n" + (s == null ? ""
            : s.series(RedisSmokeTest.COMMANDS).stream().map(Object::toString).collect(Collectors.joining("\n"))));
    RedisSmokeTest.check(before, after, expected);
    return after;
  }
}
