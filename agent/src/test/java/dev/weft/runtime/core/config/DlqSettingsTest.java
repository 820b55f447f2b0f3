package dev.weft.runtime.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The {@code weft.dlq.*} keys, read through {@link WeftConfig}. */
class DlqSettingsTest {

  private final Properties props = new Properties();
  private final Map<String, String> env = new HashMap<>();

  private DlqSettings load() throws ConfigException {
    return WeftConfig.load(null, props, env).dlq();
  }

  @Test
  void defaults() throws Exception {
    DlqSettings d = load();
    assertTrue(d.enabled);
    assertEquals(".dlq", d.suffix);
    assertTrue(d.topics.isEmpty());
    assertTrue(d.handlers.isEmpty());
    assertEquals(
        new File(new File(System.getProperty("java.io.tmpdir"), "weft-dlq"), "unknown_service_java"),
        d.spoolDir,
        "under the temporary directory, named by the service, ':' replaced");
    assertEquals(256L * 1024 * 1024, d.spoolMaxBytes);
    assertEquals(2000, d.blockMs);
    assertEquals(5000, d.ackTimeoutMs);
    assertTrue(d.createTopics);

    assertEquals("orders.dlq", d.dlqTopic("orders"));
    assertTrue(d.isDlqTopic("orders.dlq"));
    assertFalse(d.isDlqTopic("orders"));
    assertFalse(d.isDlqTopic("orders.dlq.archive"));
  }

  @Test
  void defaultsMatchTheDocumentedOnes() {
    assertEquals("true", ConfigKey.DLQ_ENABLED.defaultValue());
    assertEquals(".dlq", ConfigKey.DLQ_SUFFIX.defaultValue());
    assertEquals("256", ConfigKey.DLQ_SPOOL_MAX_MB.defaultValue());
    assertEquals("2000", ConfigKey.DLQ_BLOCK_MS.defaultValue());
    assertEquals("5000", ConfigKey.DLQ_ACK_TIMEOUT_MS.defaultValue());
    assertEquals("true", ConfigKey.DLQ_CREATE_TOPICS.defaultValue());
  }

  @Test
  void topicMappingWinsOverTheSuffix() throws Exception {
    props.setProperty("weft.dlq.topics", "orders=orders-failed,payments=pay.dlq");
    DlqSettings d = load();

    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("orders", "orders-failed");
    expected.put("payments", "pay.dlq");
    assertEquals(expected, d.topics);
    assertEquals(Arrays.asList("orders", "payments"), Arrays.asList(d.topics.keySet().toArray()));

    assertEquals("orders-failed", d.dlqTopic("orders"));
    assertEquals("pay.dlq", d.dlqTopic("payments"));
    assertEquals("shipments.dlq", d.dlqTopic("shipments"));

    assertTrue(d.isDlqTopic("orders-failed"));
    assertTrue(d.isDlqTopic("pay.dlq"));
    assertTrue(d.isDlqTopic("shipments.dlq"));
    assertFalse(d.isDlqTopic("orders"));
    assertFalse(d.isDlqTopic("payments"));
    assertFalse(d.isDlqTopic("orders-failed-2"));
  }

  @Test
  void spacesAroundPairsAndEmptyItemsAreIgnored() throws Exception {
    props.setProperty("weft.dlq.topics", " orders = orders-failed , ,payments=pay.dlq,");
    DlqSettings d = load();
    assertEquals("orders-failed", d.dlqTopic("orders"));
    assertEquals("pay.dlq", d.dlqTopic("payments"));
    assertEquals(2, d.topics.size());
  }

  @Test
  void otherValuesAreRead() throws Exception {
    props.setProperty("weft.dlq.enabled", "FALSE");
    props.setProperty("weft.dlq.topic.suffix", "-dlt");
    props.setProperty(
        "weft.dlq.handlers", "com.acme.Orders#handle, Payments$Listener#on_message,ünïcode.Händler#über");
    props.setProperty("weft.dlq.spool.dir", "/var/lib/weft/spool");
    props.setProperty("weft.dlq.spool.max.mb", "1");
    props.setProperty("weft.dlq.block.ms", "0");
    props.setProperty("weft.dlq.ack.timeout.ms", "100");
    env.put("WEFT_DLQ_CREATE_TOPICS", "false");

    DlqSettings d = load();

    assertFalse(d.enabled);
    assertEquals("-dlt", d.suffix);
    assertEquals("orders-dlt", d.dlqTopic("orders"));
    assertTrue(d.isDlqTopic("orders-dlt"));
    assertFalse(d.isDlqTopic("orders.dlq"));
    assertEquals(
        Arrays.asList("com.acme.Orders#handle", "Payments$Listener#on_message", "ünïcode.Händler#über"),
        d.handlers);
    assertEquals(new File("/var/lib/weft/spool"), d.spoolDir);
    assertEquals(1024L * 1024, d.spoolMaxBytes);
    assertEquals(0, d.blockMs);
    assertEquals(100, d.ackTimeoutMs);
    assertFalse(d.createTopics);
  }

  @Test
  void largestSpoolDoesNotOverflow() throws Exception {
    props.setProperty("weft.dlq.spool.max.mb", "1000000");
    assertEquals(1_000_000L * 1024 * 1024, load().spoolMaxBytes);
  }

  @Test
  void theDefaultSpoolDirectoryIsNamedByTheServiceWithUnsafeCharactersReplaced() throws Exception {
    props.setProperty("weft.service.name", "billing/api v2:eu");
    assertEquals(
        new File(new File(System.getProperty("java.io.tmpdir"), "weft-dlq"), "billing_api_v2_eu"),
        load().spoolDir);
  }

  @Test
  void everyBadValueIsOneLineNamingTheKeyAndTheAcceptedValues() {
    Object[][] cases = {
      {ConfigKey.DLQ_SUFFIX, ".d lq"},
      {ConfigKey.DLQ_SUFFIX, "/dlq"},
      {ConfigKey.DLQ_SUFFIX, " "},
      {ConfigKey.DLQ_TOPICS, "orders"},
      {ConfigKey.DLQ_TOPICS, "orders=orders-failed,payments"},
      {ConfigKey.DLQ_TOPICS, "orders=orders"},
      {ConfigKey.DLQ_TOPICS, "=orders-failed"},
      {ConfigKey.DLQ_TOPICS, "orders="},
      {ConfigKey.DLQ_TOPICS, "orders=orders failed"},
      {ConfigKey.DLQ_HANDLERS, "com.acme.Orders.handle"},
      {ConfigKey.DLQ_HANDLERS, "com.acme.Orders#handle,Other"},
      {ConfigKey.DLQ_HANDLERS, "com.acme.Orders#"},
      {ConfigKey.DLQ_HANDLERS, "#handle"},
      {ConfigKey.DLQ_HANDLERS, "com.acme.Orders#handle()"},
      {ConfigKey.DLQ_SPOOL_DIR, "  "},
      {ConfigKey.DLQ_SPOOL_MAX_MB, "0"},
      {ConfigKey.DLQ_SPOOL_MAX_MB, "1000001"},
      {ConfigKey.DLQ_SPOOL_MAX_MB, "1.5"},
      {ConfigKey.DLQ_BLOCK_MS, "-1"},
      {ConfigKey.DLQ_BLOCK_MS, "600001"},
      {ConfigKey.DLQ_ACK_TIMEOUT_MS, "50"},
      {ConfigKey.DLQ_ACK_TIMEOUT_MS, "99"},
      {ConfigKey.DLQ_ENABLED, "maybe"},
      {ConfigKey.DLQ_ENABLED, "yes"},
      {ConfigKey.DLQ_CREATE_TOPICS, "1"},
    };
    for (Object[] c : cases) {
      ConfigKey key = (ConfigKey) c[0];
      String value = (String) c[1];
      props.clear();
      props.setProperty(key.key(), value);
      ConfigException e = assertThrows(ConfigException.class, this::load, key.key() + "=" + value);
      String m = e.getMessage();
      assertFalse(m.contains("\n") || m.contains("\r"), m);
      assertTrue(m.startsWith("bad configuration " + key.key() + "="), m);
      assertTrue(m.contains("(system property"), m);
      assertTrue(m.contains("accepted values: " + key.accepted() + "."), m);
      assertTrue(m.endsWith("Weft is not started; the application runs without it."), m);
    }
  }

  @Test
  void theBadPairIsNamed() {
    props.setProperty("weft.dlq.topics", "orders=orders-failed,payments=payments");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertEquals(
        "bad configuration weft.dlq.topics=orders=orders-failed,payments=payments (system"
            + " property; 'payments=payments' is not accepted): accepted values: comma-separated"
            + " topic=dead-letter-topic pairs. Weft is not started; the application runs without"
            + " it.",
        e.getMessage());

    props.clear();
    props.setProperty("weft.dlq.handlers", "com.acme.Orders.handle");
    assertTrue(
        assertThrows(ConfigException.class, this::load)
            .getMessage()
            .contains("'com.acme.Orders.handle' is not Class#method"));
  }

  @Test
  void aBadValueFromTheEnvironmentNamesTheVariable() {
    env.put("WEFT_DLQ_BLOCK_MS", "-1");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(
        e.getMessage().startsWith("bad configuration WEFT_DLQ_BLOCK_MS=-1 (environment)"),
        e.getMessage());
  }

  @Test
  void settingsAreImmutable() throws Exception {
    props.setProperty("weft.dlq.topics", "a=b");
    props.setProperty("weft.dlq.handlers", "A#b");
    DlqSettings d = load();
    assertThrows(UnsupportedOperationException.class, () -> d.topics.put("x", "y"));
    assertThrows(UnsupportedOperationException.class, () -> d.handlers.add("C#d"));
    assertEquals(Collections.singletonList("A#b"), d.handlers);
  }
}
