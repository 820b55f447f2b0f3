package dev.weft.runtime.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The {@code weft.logs.*} keys, read through {@link WeftConfig}. */
class LogSettingsTest {

  private final Properties props = new Properties();
  private final Map<String, String> env = new HashMap<>();

  private LogSettings load() throws ConfigException {
    return WeftConfig.load(null, props, env).logs();
  }

  @Test
  void defaults() throws Exception {
    LogSettings l = load();
    assertFalse(l.json);
    assertEquals("trace_id", l.traceIdKey);
    assertEquals("span_id", l.spanIdKey);
    assertEquals("trace_flags", l.traceFlagsKey);
    assertEquals("plain", ConfigKey.LOGS_FORMAT.defaultValue());
    assertEquals("trace_id", ConfigKey.LOGS_TRACE_ID_KEY.defaultValue());
  }

  @Test
  void jsonFromAPropertyOrTheEnvironment() throws Exception {
    props.setProperty("weft.logs.format", "JSON");
    assertTrue(load().json);
    props.clear();
    env.put("WEFT_LOGS_FORMAT", "json");
    env.put("WEFT_LOGS_TRACE_ID_KEY", "traceId");
    LogSettings l = load();
    assertTrue(l.json);
    assertEquals("traceId", l.traceIdKey);
  }

  @Test
  void badValuesNameTheKeyAndWhatIsAccepted() {
    props.setProperty("weft.logs.format", "xml");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("weft.logs.format=xml"), e.getMessage());
    assertTrue(e.getMessage().contains("plain, json"), e.getMessage());

    props.clear();
    props.setProperty("weft.logs.span_id.key", "span id");
    e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("weft.logs.span_id.key"), e.getMessage());

    props.clear();
    props.setProperty("weft.logs.trace_flags.key", "trace_id");
    e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("weft.logs.trace_flags.key=trace_id"), e.getMessage());
    assertEquals(1, e.getMessage().split("\n").length, "one line");
  }
}
