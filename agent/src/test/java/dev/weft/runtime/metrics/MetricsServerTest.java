package dev.weft.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The /metrics server over real HTTP. Weft bundles no protobuf writer: a scrape that prefers
 * protobuf, as Prometheus does with native histograms on, gets the next format it lists, never
 * an error.
 */
class MetricsServerTest {

  /** What Prometheus sends when its scrape protocols put PrometheusProto first. */
  static final String PROMETHEUS_PROTOBUF_FIRST =
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
          + "application/openmetrics-text;version=1.0.0;q=0.8,"
          + "application/openmetrics-text;version=0.0.1;q=0.75,"
          + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  static final String PROTOBUF_ONLY =
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

  private MetricsRuntime runtime;
  private String url;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Properties p = new Properties();
    p.setProperty("weft.metrics.host", "127.0.0.1");
    p.setProperty("weft.metrics.port", Integer.toString(port));
    p.setProperty("weft.metrics.jvm.enabled", "false");
    runtime = new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "test", new AgentErrors());
    url = runtime.startServer();
    assertEquals("http://127.0.0.1:" + port + "/metrics", url);
  }

  @AfterEach
  void stop() {
    runtime.stopServer();
  }

  private HttpResponse<String> get(String path, String accept) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url.replace("/metrics", path)))
            .timeout(Duration.ofSeconds(10));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String contentType(HttpResponse<?> r) {
    return r.headers().firstValue("Content-Type").orElse("");
  }

  @Test
  void prometheusAskingForProtobufFirstGetsOpenMetrics() throws Exception {
    HttpResponse<String> r = get("/metrics", PROMETHEUS_PROTOBUF_FIRST);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(contentType(r).startsWith("application/openmetrics-text; version=1.0.0"), contentType(r));
    assertTrue(r.body().contains("weft_agent_info{version=\"test\"} 1"), r.body());
    assertTrue(r.body().endsWith("# EOF\n"), r.body());
  }

  @Test
  void aScrapeAskingForProtobufOnlyGetsTheTextFormat() throws Exception {
    HttpResponse<String> r = get("/metrics", PROTOBUF_ONLY);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(contentType(r).startsWith("text/plain; version=0.0.4"), contentType(r));
    assertTrue(r.body().contains("weft_agent_info{version=\"test\"} 1"), r.body());
  }

  @Test
  void textAndOpenMetricsAreAnsweredAsAsked() throws Exception {
    HttpResponse<String> text = get("/metrics", null);
    assertEquals(200, text.statusCode());
    assertTrue(contentType(text).startsWith("text/plain; version=0.0.4"), contentType(text));
    HttpResponse<String> om = get("/metrics", "application/openmetrics-text;version=1.0.0");
    assertEquals(200, om.statusCode());
    assertTrue(contentType(om).startsWith("application/openmetrics-text"), contentType(om));
    // Other query parameters still work through the handler (name[] filters the families).
    HttpResponse<String> one = get("/metrics?name[]=weft_agent_info", null);
    assertTrue(one.body().contains("weft_agent_info"), one.body());
    assertTrue(!one.body().contains("weft_label_overflow_total"), one.body());
  }

  @Test
  void healthAndIndexPagesAreServedAsBefore() throws Exception {
    assertEquals(200, get("/-/healthy", null).statusCode());
    assertEquals(200, get("/", null).statusCode());
  }

  @Test
  void onlyTheProtobufMediaRangesAreTakenOut() {
    assertEquals(
        "application/openmetrics-text;version=1.0.0;q=0.8,"
            + "application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        TextFormatScrapes.withoutProtobuf(PROMETHEUS_PROTOBUF_FIRST));
    assertNull(TextFormatScrapes.withoutProtobuf(PROTOBUF_ONLY));
    assertEquals("text/plain", TextFormatScrapes.withoutProtobuf("text/plain"));
    assertNull(TextFormatScrapes.withoutProtobuf(null));
    assertNotNull(TextFormatScrapes.withoutProtobuf("*/*"));
  }
}
