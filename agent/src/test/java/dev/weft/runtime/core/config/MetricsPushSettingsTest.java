package dev.weft.runtime.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class MetricsPushSettingsTest {

  private final Properties props = new Properties();
  private final Map<String, String> env = new HashMap<>();

  private MetricsPushSettings load() throws ConfigException {
    return WeftConfig.load(null, props, env).metricsPush();
  }

  @Test
  void byDefaultMetricsAreServedAndNothingIsPushed() throws Exception {
    MetricsPushSettings s = load();
    assertTrue(s.serverEnabled);
    assertFalse(s.otlp);
    assertNull(s.pushgatewayUrl);
    assertFalse(s.pushing());
    assertEquals(60_000, s.otlpIntervalMillis);
    assertEquals("http://localhost:4318/v1/metrics", s.otlpEndpoint);
  }

  @Test
  void theStandardEnvironmentVariableSwitchesOtlpPushOnBesidesPrometheus() throws Exception {
    env.put("OTEL_METRICS_EXPORTER", "prometheus, otlp");
    env.put("OTEL_METRIC_EXPORT_INTERVAL", "200");
    MetricsPushSettings s = load();
    assertTrue(s.otlp);
    assertTrue(s.serverEnabled);
    assertEquals(200, s.otlpIntervalMillis);
  }

  @Test
  void metricsKeysFallBackToTheGenericOtlpKeys() throws Exception {
    props.setProperty("otel.metrics.exporter", "otlp");
    props.setProperty("otel.exporter.otlp.endpoint", "http://collector:4318/");
    props.setProperty("otel.exporter.otlp.headers", "authorization=Bearer%20abc");
    props.setProperty("otel.exporter.otlp.timeout", "3000");
    props.setProperty("otel.exporter.otlp.compression", "gzip");
    MetricsPushSettings s = load();
    assertEquals("http/protobuf", s.otlpProtocol);
    assertEquals("http://collector:4318/v1/metrics", s.otlpEndpoint);
    assertEquals(Map.of("authorization", "Bearer abc"), s.otlpHeaders);
    assertEquals(3000, s.otlpTimeoutMillis);
    assertEquals("gzip", s.otlpCompression);
  }

  @Test
  void metricsKeysWinOverTheGenericOnes() throws Exception {
    props.setProperty("otel.metrics.exporter", "otlp");
    props.setProperty("otel.exporter.otlp.protocol", "http/protobuf");
    props.setProperty("otel.exporter.otlp.endpoint", "http://collector:4318");
    props.setProperty("otel.exporter.otlp.metrics.protocol", "grpc");
    props.setProperty("otel.exporter.otlp.headers", "a=1");
    props.setProperty("otel.exporter.otlp.metrics.headers", "b=2");
    props.setProperty("otel.exporter.otlp.metrics.timeout", "700");
    props.setProperty("otel.exporter.otlp.metrics.compression", "gzip");
    MetricsPushSettings s = load();
    assertEquals("grpc", s.otlpProtocol);
    assertEquals("http://collector:4318", s.otlpEndpoint, "grpc: the endpoint as given");
    assertEquals(Map.of("b", "2"), s.otlpHeaders);
    assertEquals(700, s.otlpTimeoutMillis);
    assertEquals("gzip", s.otlpCompression);

    props.setProperty("otel.exporter.otlp.metrics.endpoint", "https://metrics.example/push");
    assertEquals("https://metrics.example/push", load().otlpEndpoint);
  }

  @Test
  void pushgatewayJobIsTheServiceNameUnlessSet() throws Exception {
    props.setProperty("weft.metrics.pushgateway.url", "http://pushgateway:9091/");
    props.setProperty("weft.service.name", "nightly-import");
    MetricsPushSettings s = load();
    assertTrue(s.pushing());
    assertEquals("http://pushgateway:9091", s.pushgatewayUrl);
    assertEquals("nightly-import", s.pushgatewayJob);
    assertEquals(0, s.pushgatewayIntervalMillis);

    props.setProperty("weft.metrics.pushgateway.job", "imports");
    props.setProperty("weft.metrics.pushgateway.interval", "15000");
    props.setProperty("weft.metrics.server.enabled", "false");
    s = load();
    assertEquals("imports", s.pushgatewayJob);
    assertEquals(15_000, s.pushgatewayIntervalMillis);
    assertFalse(s.serverEnabled);
  }

  @Test
  void aBadValueIsOneLineNamingTheKeyAndWhatIsAccepted() {
    props.setProperty("otel.metrics.exporter", "otlp,logging");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertEquals(
        "bad configuration otel.metrics.exporter=otlp,logging (system property; 'logging' is"
            + " unknown): accepted values: comma-separated prometheus, otlp; or none. Weft is not"
            + " started; the application runs without it.",
        e.getMessage());

    props.setProperty("otel.metrics.exporter", "none,otlp");
    assertTrue(assertThrows(ConfigException.class, this::load).getMessage().contains("none must be alone"));

    props.remove("otel.metrics.exporter");
    props.setProperty("weft.metrics.pushgateway.url", "pushgateway:9091");
    assertEquals(
        "bad configuration weft.metrics.pushgateway.url=pushgateway:9091 (system property):"
            + " accepted values: an http:// or https:// URL, e.g. http://pushgateway:9091. Weft is"
            + " not started; the application runs without it.",
        assertThrows(ConfigException.class, this::load).getMessage());

    props.remove("weft.metrics.pushgateway.url");
    props.setProperty("otel.metric.export.interval", "10");
    assertTrue(
        assertThrows(ConfigException.class, this::load)
            .getMessage()
            .startsWith("bad configuration otel.metric.export.interval=10 (system property):"
                + " accepted values: milliseconds, an integer 100-86400000."));
  }
}
