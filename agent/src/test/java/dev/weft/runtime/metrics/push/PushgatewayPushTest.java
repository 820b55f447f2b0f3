package dev.weft.runtime.metrics.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The Pushgateway request: its grouping-key URL and its text-format body. */
class PushgatewayPushTest {

  @Test
  void plainValuesGoIntoThePathAsTheyAre() {
    assertEquals(
        "http://pushgateway:9091/metrics/job/nightly-import/instance/host-1.example",
        PushgatewayPush.groupUrl("http://pushgateway:9091/", "nightly-import", "host-1.example"));
  }

  @Test
  void valuesWithSlashesSpacesOrNothingGoBase64UrlEncoded() {
    // "a/b?" base64url: YS9iPw== ; "unknown_service:java" holds a ':'; "" is "=".
    assertEquals(
        "http://pg:9091/metrics/job@base64/YS9iPw==/instance@base64/=",
        PushgatewayPush.groupUrl("http://pg:9091", "a/b?", ""));
    assertEquals(
        "http://pg:9091/metrics/job@base64/dW5rbm93bl9zZXJ2aWNlOmphdmE=/instance/h",
        PushgatewayPush.groupUrl("http://pg:9091", "unknown_service:java", "h"));
    assertEquals(
        "http://pg:9091/metrics/job@base64/Pz4_/instance@base64/Lg==",
        PushgatewayPush.groupUrl("http://pg:9091", "?>?", "."));
  }

  @Test
  void theBodyIsTheTextFormatOfTheRegistryWithoutCreatedSeries() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter calls =
        Counter.builder()
            .name("http_client_requests_total")
            .help("Calls.")
            .labelNames("status")
            .withoutExemplars()
            .register(registry);
    calls.labelValues("200").inc(5);
    calls.labelValues("500").inc(2);
    Histogram.builder()
        .name("job_duration_seconds")
        .help("Time.")
        .classicUpperBounds(1)
        .withoutExemplars()
        .register(registry)
        .observe(0.5);

    String body =
        new String(
            new PushgatewayPush("http://pg:9091", "j", "i", 1000).body(registry.scrape()),
            StandardCharsets.UTF_8);

    assertEquals(
        "# HELP http_client_requests_total Calls.\n"
            + "# TYPE http_client_requests_total counter\n"
            + "http_client_requests_total{status=\"200\"} 5.0\n"
            + "http_client_requests_total{status=\"500\"} 2.0\n"
            + "# HELP job_duration_seconds Time.\n"
            + "# TYPE job_duration_seconds histogram\n"
            + "job_duration_seconds_bucket{le=\"1.0\"} 1\n"
            + "job_duration_seconds_bucket{le=\"+Inf\"} 1\n"
            + "job_duration_seconds_count 1\n"
            + "job_duration_seconds_sum 0.5\n",
        body);
    assertFalse(body.contains("_created"));
  }
}
