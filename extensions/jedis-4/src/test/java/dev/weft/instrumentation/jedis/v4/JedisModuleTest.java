package dev.weft.instrumentation.jedis.v4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The jedis-4 module in process, against the machine's Redis (6379): run with the lowest and the
 * newest Jedis it supports.
 */
class JedisModuleTest {

  @RegisterExtension static final WeftAgentExtension weft = WeftAgentExtension.modules("jedis-4");

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
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "jedis-4"));
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
