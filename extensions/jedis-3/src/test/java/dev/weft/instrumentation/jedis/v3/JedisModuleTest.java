package dev.weft.instrumentation.jedis.v3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The jedis-3 module in process, against the machine's Redis (6379): run with the lowest and the
 * newest Jedis it supports.
 */
class JedisModuleTest {

  @RegisterExtension static final WeftAgentExtension weft = WeftAgentExtension.modules("jedis-3");

  private static final String COMMANDS = "redis_client_commands_total";
  private static final String DURATION = "redis_client_command_duration_seconds";

  @Test
  void nCommandsWithKFailuresMoveTheCounterByExactlyNAndK() {
    int gets = 5;
    int failures = 2;
    String key = "weft-module-test:" + System.nanoTime();
    try (Jedis jedis = new Jedis("127.0.0.1", 6379)) {
      jedis.set(key, "not a number");
      for (int i = 0; i < gets; i++) {
        assertEquals("not a number", jedis.get(key));
      }
      for (int i = 0; i < failures; i++) {
        assertThrows(JedisDataException.class, () -> jedis.incr(key));
      }
      jedis.del(key);
    }
    assertEquals(1, weft.counter(COMMANDS, "command", "SET", "status", "ok", "error_type", ""));
    assertEquals(gets, weft.counter(COMMANDS, "command", "GET", "status", "ok", "error_type", ""));
    assertEquals(gets, weft.histogramCount(DURATION, "command", "GET", "status", "ok", "error_type", ""));
    assertEquals(
        failures,
        weft.counter(COMMANDS, "command", "INCR", "status", "error", "error_type", "JedisDataException"));
    assertEquals(
        failures,
        weft.histogramCount(
            DURATION, "command", "INCR", "status", "error", "error_type", "JedisDataException"));
    assertEquals(0, weft.counter(COMMANDS, "command", "INCR", "status", "ok", "error_type", ""));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "jedis-3"));
  }

  /**
   * Pooled connections with a client name and database 1: each new connection's handshake
   * ({@code SELECT}, {@code CLIENT SETNAME}), the pool's {@code PING} on every borrow and return
   * and its {@code QUIT} at close are Jedis's own; a plain {@code Jedis} on database 1 selects it
   * when its first command connects. Only the application's N commands and K errors count.
   */
  @Test
  void onlyTheApplicationsCommandsCountWhateverJedisDidToConnect() {
    int sets = 4;
    int failures = 3;
    String key = "weft-module-test:" + System.nanoTime();
    GenericObjectPoolConfig validating = new GenericObjectPoolConfig();
    validating.setTestOnBorrow(true);
    validating.setTestOnReturn(true);
    try (JedisPool pool =
        new JedisPool(validating, "127.0.0.1", 6379, 2000, null, 1, "weft-module-test")) {
      for (int i = 0; i < sets; i++) {
        try (Jedis jedis = pool.getResource()) {
          jedis.set(key, "not a number");
        }
      }
      for (int i = 0; i < failures; i++) {
        try (Jedis jedis = pool.getResource()) {
          assertThrows(JedisDataException.class, () -> jedis.incr(key));
        }
      }
    }
    try (Jedis jedis = new Jedis(URI.create("redis://127.0.0.1:6379/1"))) {
      jedis.set(key, "not a number");
      assertThrows(JedisDataException.class, () -> jedis.incr(key));
      jedis.del(key);
    }
    Map<Map<String, String>, Double> expected = new HashMap<>();
    expected.put(series("SET", "ok", ""), (double) sets + 1);
    expected.put(series("INCR", "error", "JedisDataException"), (double) failures + 1);
    expected.put(series("DEL", "ok", ""), 1.0);
    assertEquals(expected, weft.changedSeries(COMMANDS));
    assertEquals(expected, weft.changedSeries(DURATION));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "jedis-3"));
  }

  private static Map<String, String> series(String command, String status, String errorType) {
    Map<String, String> labels = new HashMap<>();
    labels.put("command", command);
    labels.put("status", status);
    labels.put("error_type", errorType);
    return labels;
  }

  @Test
  void eachCommandIsOneClientSpanNamedByTheCommand() {
    String key = "weft-module-test:" + System.nanoTime();
    try (Jedis jedis = new Jedis("127.0.0.1", 6379)) {
      jedis.set(key, "v");
      List<SpanData> spans = weft.spans();
      assertEquals(1, spans.size(), spans.toString());
      SpanData span = spans.get(0);
      assertEquals("SET", span.getName());
      assertEquals(SpanKind.CLIENT, span.getKind());
      assertEquals("redis", span.getAttributes().get(AttributeKey.stringKey("db.system")));
      assertEquals("SET", span.getAttributes().get(AttributeKey.stringKey("db.operation.name")));
      assertEquals(6379L, span.getAttributes().get(AttributeKey.longKey("server.port")));
      jedis.del(key);
    }
  }
}
