package dev.weft.runtime.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeftConfigTest {

  private final Properties props = new Properties();
  private final Map<String, String> env = new HashMap<>();

  private WeftConfig load(String args) throws ConfigException {
    return WeftConfig.load(args, props, env);
  }

  @Test
  void defaults() throws Exception {
    WeftConfig c = load(null);
    assertTrue(c.enabled());
    assertEquals(9464, c.metricsPort());
    assertEquals("0.0.0.0", c.metricsHost());
    assertEquals(1000, c.cardinalityLimit());
    assertTrue(c.constantLabels().isEmpty());
    assertEquals("unknown_service:java", c.serviceName());
    assertFalse(c.debug());
    assertTrue(c.warnings().isEmpty());
  }

  @Test
  void agentArgumentsBeatSystemPropertiesBeatEnvironmentBeatFile(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("weft.properties");
    Files.write(
        file,
        "weft.metrics.port=1001\nweft.metrics.host=10.0.0.1\nweft.service.name=from-file\nweft.debug=true\n"
            .getBytes("UTF-8"));
    props.setProperty("weft.config.file", file.toString());
    env.put("WEFT_METRICS_PORT", "1002");
    env.put("WEFT_METRICS_HOST", "10.0.0.2");
    props.setProperty("weft.metrics.port", "1003");

    WeftConfig c = load("weft.metrics.port=1004");

    assertEquals(1004, c.metricsPort());
    assertEquals("10.0.0.2", c.metricsHost());
    assertEquals("from-file", c.serviceName());
    assertTrue(c.debug());
  }

  @Test
  void badPortIsOneLineNamingKeyValueSourceAndAcceptedValues() {
    props.setProperty("weft.metrics.port", "abc");
    ConfigException e = assertThrows(ConfigException.class, () -> load(null));
    assertEquals(
        "bad configuration weft.metrics.port=abc (system property): accepted values: an integer"
            + " 0-65535 (0 picks a free port). Weft is not started; the application runs without"
            + " it.",
        e.getMessage());
  }

  @Test
  void tracingReadsTheStandardOtelKeys() throws Exception {
    env.put("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
    env.put("OTEL_TRACES_SAMPLER_ARG", "0.1");
    env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
    props.setProperty("otel.exporter.otlp.headers", "authorization=Bearer%20x");
    TracingSettings t = load(null).tracing();
    assertEquals("otlp", t.exporter);
    assertEquals("parentbased_traceidratio", t.sampler);
    assertEquals(0.1, t.samplerRatio);
    assertEquals("http://collector:4318/v1/traces", t.otlpEndpoint);
    assertEquals("Bearer x", t.otlpHeaders.get("authorization"));

    env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    assertEquals("http://collector:4318", load(null).tracing().otlpEndpoint);
  }

  @Test
  void badTracingValuesAreOneLineEach() {
    env.put("OTEL_TRACES_SAMPLER", "sometimes");
    ConfigException e = assertThrows(ConfigException.class, () -> load(null));
    assertEquals(
        "bad configuration OTEL_TRACES_SAMPLER=sometimes (environment): accepted values:"
            + " always_on, always_off, traceidratio, parentbased_always_on,"
            + " parentbased_always_off, parentbased_traceidratio. Weft is not started; the"
            + " application runs without it.",
        e.getMessage());
    env.remove("OTEL_TRACES_SAMPLER");
    props.setProperty("otel.traces.sampler.arg", "1.5");
    assertTrue(
        assertThrows(ConfigException.class, () -> load(null))
            .getMessage()
            .startsWith("bad configuration otel.traces.sampler.arg=1.5 (system property)"));
    props.remove("otel.traces.sampler.arg");
    props.setProperty("otel.exporter.otlp.endpoint", "collector:4318");
    assertTrue(
        assertThrows(ConfigException.class, () -> load(null))
            .getMessage()
            .contains("accepted values: an http:// or https:// URL"));
  }

  @Test
  void outOfRangePortFromEnvironmentNamesTheVariable() {
    env.put("WEFT_METRICS_PORT", "70000");
    ConfigException e = assertThrows(ConfigException.class, () -> load(null));
    assertTrue(e.getMessage().startsWith("bad configuration WEFT_METRICS_PORT=70000 (environment)"));
  }

  @Test
  void booleansAcceptOnlyTrueOrFalse() {
    props.setProperty("weft.debug", "maybe");
    ConfigException e = assertThrows(ConfigException.class, () -> load(null));
    assertTrue(e.getMessage().contains("weft.debug=maybe"), e.getMessage());
    assertTrue(e.getMessage().contains("accepted values: true, false"), e.getMessage());
  }

  @Test
  void constantLabelsAreParsedInOrder() throws Exception {
    props.setProperty("weft.metrics.labels", "region=eu-west-1, cluster=blue");
    WeftConfig c = load(null);
    assertEquals("{region=eu-west-1, cluster=blue}", c.constantLabels().toString());
  }

  @Test
  void constantLabelsMayNotShadowWeftLabelsOrBeMalformed() {
    for (String bad :
        new String[] {"status=x", "1abc=x", "region", "region=", "__name__=x", "a=1,a=2", "a-b=1"}) {
      props.setProperty("weft.metrics.labels", bad);
      ConfigException e = assertThrows(ConfigException.class, () -> load(null), bad);
      assertTrue(e.getMessage().contains("weft.metrics.labels"), e.getMessage());
    }
  }

  @Test
  void binaryAndHugeValuesStayOnOneShortLine() {
    StringBuilder huge = new StringBuilder("\u0000\n\u001b");
    for (int i = 0; i < 10_000; i++) {
      huge.append('9');
    }
    props.setProperty("weft.metrics.port", huge.toString());
    ConfigException e = assertThrows(ConfigException.class, () -> load(null));
    assertFalse(e.getMessage().contains("\n"));
    assertTrue(e.getMessage().length() < 400, e.getMessage());
  }

  @Test
  void otelServiceNameAndResourceAttributesAreHonoured() throws Exception {
    env.put("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource,deployment.environment=prod%20eu");
    assertEquals("from-resource", load(null).serviceName());
    assertEquals("prod eu", load(null).resourceAttributes().get("deployment.environment"));
    env.put("OTEL_SERVICE_NAME", "from-otel");
    assertEquals("from-otel", load(null).serviceName());
    props.setProperty("weft.service.name", "from-weft");
    assertEquals("from-weft", load(null).serviceName());
  }

  @Test
  void unknownKeysAreWarnedAboutNotFatal() throws Exception {
    props.setProperty("weft.metric.port", "9999");
    WeftConfig c = load(null);
    assertEquals(1, c.warnings().size());
    assertTrue(c.warnings().get(0).contains("weft.metric.port"));
  }

  @Test
  void missingConfigFileOrExtensionIsAnError(@TempDir Path dir) {
    props.setProperty("weft.config.file", dir.resolve("absent.properties").toString());
    assertTrue(
        assertThrows(ConfigException.class, () -> load(null))
            .getMessage()
            .contains("weft.config.file"));
    props.remove("weft.config.file");
    props.setProperty("weft.extensions", dir.resolve("absent.jar").toString());
    assertTrue(
        assertThrows(ConfigException.class, () -> load(null))
            .getMessage()
            .contains("weft.extensions"));
  }

  @Test
  void extensionFolderListsItsJars(@TempDir Path dir) throws Exception {
    touch(dir.resolve("b.jar").toFile());
    touch(dir.resolve("a.jar").toFile());
    touch(dir.resolve("notes.txt").toFile());
    props.setProperty("weft.extensions", dir.toString());
    WeftConfig c = load(null);
    assertEquals(2, c.extensions().size());
    assertEquals("a.jar", c.extensions().get(0).getName());
  }

  @Test
  void malformedAgentArgumentsAreOneClearLine() {
    ConfigException e = assertThrows(ConfigException.class, () -> load("weft.debug"));
    assertTrue(e.getMessage().contains("key=value pairs separated by ';'"), e.getMessage());
  }

  @Test
  void everyKeyHasAnEnvironmentName() {
    for (ConfigKey key : ConfigKey.all()) {
      assertEquals(key.key().toUpperCase().replace('.', '_'), key.envName());
    }
  }

  private static void touch(File f) throws IOException {
    Files.write(f.toPath(), new byte[0]);
  }
}
