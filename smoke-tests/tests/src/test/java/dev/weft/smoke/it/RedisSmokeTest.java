package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Redis issue's acceptance for Jedis, against the machine's real Redis (127.0.0.1:6379), at
 * Jedis 3.0.0 (lowest), 3.10.0, 4.0.0 and 5.2.0 (highest), through JedisPool and (Jedis 5)
 * JedisPooled: N commands of several kinds with K error replies move redis_client_commands_total
 * and the histogram count by exactly N-K and K per (command, status, error_type); a pipeline of
 * 100 commands and a MULTI/EXEC transaction are counted command by command; commands to a port
 * where nothing listens fail for the application as they always do and are counted as errors
 * with that exception's class.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RedisSmokeTest extends ServiceSmokeTest {

  static final int N = 20;
  static final int K = 5;
  static final String COMMANDS = "redis_client_commands_total";
  static final String COUNT = "redis_client_command_duration_seconds_count";

  record Case(String jedis, String client) {}

  static Stream<Named<Case>> cases() {
    return Stream.of(
            new Case("jedis-3.0.0", "pool"),
            new Case("jedis-3.10.0", "pool"),
            new Case("jedis-4.0.0", "pool"),
            new Case("jedis-5.2.0", "pool"),
            new Case("jedis-5.2.0", "pooled"))
        .map(c -> Named.of(c.jedis() + " " + c.client(), c));
  }

  private int appPort;

  private int start(Case c) {
    Path dir = SmokeEnv.redisServiceDir();
    String cp =
        dir.resolve("redis-service.jar") + File.pathSeparator + dir.resolve("libs").resolve(c.jedis()) + "/*";
    appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service =
        ServiceProcess.builder("redis-service-" + c.jedis() + "-" + c.client())
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs("-Dweft.metrics.port=" + metricsPort, "-Dotel.traces.exporter=none", "-cp", cp)
            .args("dev.weft.smoke.redis.RedisService", "--port", Integer.toString(appPort), "--client", c.client())
            .start();
    try {
      service.awaitStdoutLine("redis-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
    } catch (AssertionError e) {
      throw new AssertionError(
          "the Redis service did not start; is Redis running on 127.0.0.1:6379? Start it with:"
              + " redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save \"\""
              + " --appendonly no\n" + e.getMessage(), e);
    }
    return metricsPort;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyCommandIsCountedExactly(Case c) throws Exception {
    int metricsPort = start(c);
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    HttpResponse<String> run = Http.get(client, Http.url(appPort, "/run?n=" + N + "&k=" + K));
    assertEquals(200, run.statusCode(), run.body());
    assertEquals("INCR=JedisDataException,LPUSH=JedisDataException", run.body(),
        "the application sees Redis's error replies as it does without Weft");
    MetricsScrape after = Http.scrape(client, metricsPort);
    Map<List<String>, Integer> expected = new HashMap<>();
    expected.put(List.of("SET", "ok", ""), N);
    expected.put(List.of("GET", "ok", ""), N);
    expected.put(List.of("INCR", "ok", ""), N - K);
    expected.put(List.of("INCR", "error", "JedisDataException"), K);
    expected.put(List.of("LPUSH", "ok", ""), N - K);
    expected.put(List.of("LPUSH", "error", "JedisDataException"), K);
    check(before, after, expected);

    if (c.client().equals("pool")) {
      before = after;
      assertEquals("ok:JedisDataException", Http.get(client, Http.url(appPort, "/pipeline")).body());
      after = Http.scrape(client, metricsPort);
      expected.clear();
      expected.put(List.of("SET", "ok", ""), 40);
      expected.put(List.of("INCR", "ok", ""), 40);
      expected.put(List.of("GET", "ok", ""), 19);
      expected.put(List.of("LPUSH", "error", "JedisDataException"), 1);
      check(before, after, expected);

      before = after;
      assertEquals("ok:5", Http.get(client, Http.url(appPort, "/multi")).body());
      after = Http.scrape(client, metricsPort);
      expected.clear();
      expected.put(List.of("MULTI", "ok", ""), 1);
      expected.put(List.of("SET", "ok", ""), 3);
      expected.put(List.of("INCR", "ok", ""), 2);
      expected.put(List.of("EXEC", "ok", ""), 1);
      check(before, after, expected);
    }

    before = after;
    int closed = SmokeEnv.freePort();
    assertEquals("JedisConnectionException",
        Http.get(client, Http.url(appPort, "/down?port=" + closed + "&m=7")).body(),
        "the application's own exception, unchanged");
    after = Http.scrape(client, metricsPort);
    expected.clear();
    expected.put(List.of("GET", "error", "JedisConnectionException"), 7);
    check(before, after, expected);

    assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
  }

  /**
   * Spans: the commands a request runs are CLIENT spans under its SERVER span, with the Redis
   * attributes and no argument anywhere (keys, values).
   */
  @org.junit.jupiter.api.Test
  void commandsAreSpansOfTheRequestWithoutArguments() throws Exception {
    Case c = new Case("jedis-5.2.0", "pool");
    try (dev.weft.testing.traces.OtlpReceiver receiver = dev.weft.testing.traces.OtlpReceiver.startHttp()) {
      Path dir = SmokeEnv.redisServiceDir();
      String cp =
          dir.resolve("redis-service.jar") + File.pathSeparator + dir.resolve("libs").resolve(c.jedis()) + "/*";
      appPort = SmokeEnv.freePort();
      service =
          ServiceProcess.builder("redis-service-spans")
              .java(SmokeEnv.currentJava())
              .agent(SmokeEnv.agentJar())
              .jvmArgs("-Dweft.metrics.port=0", "-Dotel.service.name=redis-spans",
                  "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(), "-Dotel.bsp.schedule.delay=100",
                  "-cp", cp)
              .args("dev.weft.smoke.redis.RedisService", "--port", Integer.toString(appPort), "--client", "pool")
              .start();
      service.awaitStdoutLine("redis-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
      HttpClient client = Http.newClient();
      String traceId = TraceTestSupport.newTraceId();
      HttpResponse<String> r = client.send(
          TraceTestSupport.get(appPort, "/run?n=1&k=0",
              "traceparent", TraceTestSupport.traceparent(traceId, TraceTestSupport.newSpanId(), true)),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      List<dev.weft.testing.traces.ReceivedSpan> trace =
          receiver.awaitSpans(s -> s.traceId().equals(traceId), 5, java.time.Duration.ofSeconds(30));
      String text = trace.stream().map(Object::toString).collect(Collectors.joining("\n"));
      assertEquals(5, trace.size(), text);
      dev.weft.testing.traces.ReceivedSpan server =
          trace.stream().filter(s -> s.kind().equals("SERVER")).findFirst().orElseThrow();
      List<String> commands = new ArrayList<>();
      for (dev.weft.testing.traces.ReceivedSpan s : trace) {
        if (s == server) {
          continue;
        }
        assertEquals("CLIENT", s.kind(), text);
        assertEquals(server.spanId(), s.parentSpanId(), text);
        assertEquals("redis", s.attribute("db.system"), text);
        assertEquals("127.0.0.1", s.attribute("server.address"), text);
        assertEquals("6379", s.attribute("server.port"), text);
        for (String argument : List.of("weft:key", "value-0", "weft:counter", "weft:list", "item-0")) {
          assertEquals(false, s.fullText().contains(argument), "no argument in a span: " + s.fullText());
        }
        commands.add(s.attribute("db.operation.name"));
      }
      commands.sort(null);
      assertEquals(List.of("GET", "INCR", "LPUSH", "SET"), commands, text);
    }
  }

  /** Each expected (command, status, error_type) moved by exactly its number; no other did. */
  static void check(MetricsScrape before, MetricsScrape after, Map<List<String>, Integer> expected) {
    String context = "\n" + after.series(COMMANDS).stream().map(Object::toString).collect(Collectors.joining("\n"));
    for (Map.Entry<List<String>, Integer> e : expected.entrySet()) {
      Map<String, String> labels =
          Map.of("command", e.getKey().get(0), "status", e.getKey().get(1), "error_type", e.getKey().get(2));
      for (String metric : List.of(COMMANDS, COUNT)) {
        assertEquals((double) e.getValue(),
            after.valueOrZero(metric, labels) - before.valueOrZero(metric, labels),
            e.getKey() + " " + metric + context);
      }
    }
    List<String> moved = new ArrayList<>();
    for (MetricsScrape.Sample s : after.series(COMMANDS)) {
      double d = s.value() - before.valueOrZero(COMMANDS, s.labels());
      List<String> key = List.of(s.labels().get("command"), s.labels().get("status"), s.labels().get("error_type"));
      boolean housekeeping = key.get(0).equals("PING") || key.get(0).equals("CLIENT") || key.get(0).equals("HELLO");
      if (d != 0 && !expected.containsKey(key) && !housekeeping) {
        moved.add(key + " +" + d);
      }
    }
    assertEquals(List.of(), moved, "no other command moved (a pool's PING or CLIENT SETINFO aside)" + context);
  }
}
