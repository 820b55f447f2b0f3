package dev.weft.instrumentation.lettuce.v6;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.WeftAgentExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lettuce-6 module in process: a real Lettuce client, sync and async APIs, against the
 * machine's Redis on 127.0.0.1:6379. The connection is opened before the tests, so its handshake
 * is not counted in any test.
 */
class LettuceModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("lettuce-6");

  private static final String COMMANDS = "redis_client_commands_total";
  private static final String DURATION = "redis_client_command_duration_seconds";
  private static final String ERROR_TYPE = "RedisCommandExecutionException";

  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void connect() {
    client = RedisClient.create("redis://127.0.0.1:6379");
    connection = client.connect();
  }

  @AfterAll
  static void close() {
    connection.close();
    client.shutdown();
  }

  private static String[] ok(String command) {
    return new String[] {"command", command, "status", "ok", "error_type", ""};
  }

  private static String[] failed(String command) {
    return new String[] {"command", command, "status", "error", "error_type", ERROR_TYPE};
  }

  @Test
  void nSyncCommandsWithKFailuresMoveTheCounterByExactlyNMinusKAndK() throws Exception {
    int gets = 5;
    int failures = 2;
    String key = "weft-module-test:" + System.nanoTime();
    RedisCommands<String, String> sync = connection.sync();
    assertEquals("OK", sync.set(key, "not a number"));
    for (int i = 0; i < gets; i++) {
      assertEquals("not a number", sync.get(key));
    }
    for (int i = 0; i < failures; i++) {
      assertThrows(RedisCommandExecutionException.class, () -> sync.incr(key));
    }
    assertEquals(1L, sync.del(key));
    assertEquals(1, weft.awaitCounter(COMMANDS, 1, ok("SET")));
    assertEquals(gets, weft.awaitCounter(COMMANDS, gets, ok("GET")));
    assertEquals(failures, weft.awaitCounter(COMMANDS, failures, failed("INCR")));
    assertEquals(1, weft.awaitCounter(COMMANDS, 1, ok("DEL")));
    assertEquals(gets, weft.histogramCount(DURATION, ok("GET")));
    assertEquals(failures, weft.histogramCount(DURATION, failed("INCR")));
    Map<Map<String, String>, Double> changed = weft.changedSeries(COMMANDS);
    assertEquals(4, changed.size(), changed.toString());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "lettuce-6"));
  }

  /**
   * A connection opened in the test, with a client name and database 1: its handshake
   * ({@code HELLO}, {@code CLIENT SETNAME}, {@code SELECT}, and from Lettuce 6.3
   * {@code CLIENT SETINFO}, which Redis before 7.2 refuses and Lettuce ignores) is Lettuce's own;
   * only the application's N commands and K errors count.
   */
  @Test
  void onlyTheApplicationsCommandsCountWhateverLettuceDidToConnect() throws Exception {
    int sets = 3;
    int failures = 2;
    String key = "weft-module-test:" + System.nanoTime();
    RedisURI uri = RedisURI.create("redis://127.0.0.1:6379/1");
    uri.setClientName("weft-module-test");
    RedisClient own = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> c = own.connect()) {
      RedisCommands<String, String> sync = c.sync();
      for (int i = 0; i < sets; i++) {
        assertEquals("OK", sync.set(key, "not a number"));
      }
      for (int i = 0; i < failures; i++) {
        assertThrows(RedisCommandExecutionException.class, () -> sync.incr(key));
      }
      assertEquals(1L, sync.del(key));
    } finally {
      own.shutdown();
    }
    assertEquals(sets, weft.awaitCounter(COMMANDS, sets, ok("SET")));
    assertEquals(failures, weft.awaitCounter(COMMANDS, failures, failed("INCR")));
    assertEquals(1, weft.awaitCounter(COMMANDS, 1, ok("DEL")));
    Map<Map<String, String>, Double> expected = new HashMap<>();
    expected.put(labelMap(ok("SET")), (double) sets);
    expected.put(labelMap(failed("INCR")), (double) failures);
    expected.put(labelMap(ok("DEL")), 1.0);
    assertEquals(expected, weft.changedSeries(COMMANDS));
    assertEquals(expected, weft.changedSeries(DURATION));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "lettuce-6"));
  }

  private static Map<String, String> labelMap(String[] pairs) {
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      labels.put(pairs[i], pairs[i + 1]);
    }
    return labels;
  }

  @Test
  void nAsyncCommandsWithKFailuresMoveTheCounterByExactlyNMinusKAndK() throws Exception {
    int gets = 6;
    int failures = 3;
    String key = "weft-module-test:" + System.nanoTime();
    RedisAsyncCommands<String, String> async = connection.async();
    assertEquals("OK", async.set(key, "not a number").get(10, TimeUnit.SECONDS));
    List<RedisFuture<String>> values = new ArrayList<>();
    for (int i = 0; i < gets; i++) {
      values.add(async.get(key));
    }
    List<RedisFuture<Long>> increments = new ArrayList<>();
    for (int i = 0; i < failures; i++) {
      increments.add(async.incr(key));
    }
    for (RedisFuture<String> value : values) {
      assertEquals("not a number", value.get(10, TimeUnit.SECONDS));
    }
    for (RedisFuture<Long> increment : increments) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> increment.get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof RedisCommandExecutionException, e.toString());
    }
    assertEquals(1L, async.del(key).get(10, TimeUnit.SECONDS));
    assertEquals(1, weft.awaitCounter(COMMANDS, 1, ok("SET")));
    assertEquals(gets, weft.awaitCounter(COMMANDS, gets, ok("GET")));
    assertEquals(failures, weft.awaitCounter(COMMANDS, failures, failed("INCR")));
    assertEquals(1, weft.awaitCounter(COMMANDS, 1, ok("DEL")));
    assertEquals(gets, weft.histogramCount(DURATION, ok("GET")));
    assertEquals(failures, weft.histogramCount(DURATION, failed("INCR")));
    assertEquals(4, weft.changedSeries(COMMANDS).size());
    assertEquals(1 + gets + failures + 1, weft.awaitSpans(1 + gets + failures + 1).size());
  }

  @Test
  void eachCommandIsOneClientSpanNamedByTheCommand() throws Exception {
    String key = "weft-module-test:" + System.nanoTime();
    RedisCommands<String, String> sync = connection.sync();
    sync.set(key, "v");
    List<SpanData> spans = weft.awaitSpans(1);
    assertEquals(1, spans.size(), spans.toString());
    SpanData span = spans.get(0);
    assertEquals("SET", span.getName());
    assertEquals(SpanKind.CLIENT, span.getKind());
    assertEquals("redis", span.getAttributes().get(AttributeKey.stringKey("db.system")));
    assertEquals("SET", span.getAttributes().get(AttributeKey.stringKey("db.operation.name")));
    assertEquals(6379L, span.getAttributes().get(AttributeKey.longKey("server.port")));
    assertEquals(1L, connection.async().del(key).get(10, TimeUnit.SECONDS));
    assertEquals(2, weft.awaitSpans(2).size());
    assertEquals("DEL", weft.spans().get(1).getName());
  }
}
