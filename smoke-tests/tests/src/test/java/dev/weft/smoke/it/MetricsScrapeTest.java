package dev.weft.smoke.it;

import static dev.weft.smoke.it.MetricsScrape.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The tests' own Prometheus text parser, checked on its own. */
class MetricsScrapeTest {

  static final String TEXT = String.join("\n",
      "# HELP http_requests_total Requests.",
      "# TYPE http_requests_total counter",
      "http_requests_total{method=\"GET\",endpoint=\"/a\",status=\"200\",region=\"eu\"} 3.0",
      "http_requests_total{method=\"POST\",endpoint=\"/a\",status=\"500\",region=\"eu\",} 1",
      "odd{path=\"C:\\\\dir \\\"q\\\"\\nnext\", x = \"{}=,\"} -Inf 1700000000000",
      "up 1",
      "nan_metric NaN",
      "h_bucket{le=\"+Inf\"} 7",
      "");

  @Test
  void parsesLabelsEscapesAndSpecialValues() {
    MetricsScrape scrape = MetricsScrape.parse(TEXT);
    assertEquals(6, scrape.samples().size());
    assertEquals(3.0, scrape.value("http_requests_total", labels("method", "GET")));
    assertEquals(1.0, scrape.value("http_requests_total", labels("status", "500")));
    assertEquals(4.0, scrape.sum("http_requests_total", l -> "eu".equals(l.get("region"))));
    assertEquals(Double.NEGATIVE_INFINITY,
        scrape.value("odd", labels("path", "C:\\dir \"q\"\nnext", "x", "{}=,")));
    assertEquals(1.0, scrape.value("up", Map.of()));
    assertTrue(Double.isNaN(scrape.value("nan_metric", Map.of())));
    assertEquals(7.0, scrape.value("h_bucket", labels("le", "+Inf")));
    assertEquals("counter", scrape.type("http_requests_total"));
    assertEquals(0.0, scrape.valueOrZero("missing", Map.of()));
    assertThrows(AssertionFailedError.class,
        () -> scrape.value("http_requests_total", labels("region", "eu")));
  }

  @Test
  void deltasAreKeyedByTheChosenLabels() {
    MetricsScrape before = MetricsScrape.parse(
        "c_total{a=\"1\",b=\"x\"} 2\nc_total{a=\"2\",b=\"x\"} 5\n");
    MetricsScrape after = MetricsScrape.parse(
        "c_total{a=\"1\",b=\"x\"} 4\nc_total{a=\"2\",b=\"x\"} 5\nc_total{a=\"3\",b=\"y\"} 1\n");
    assertEquals(Map.of(List.of("1"), 2.0, List.of("3"), 1.0),
        after.deltasSince(before, "c_total", "a"));
  }

  @Test
  void rejectsMalformedLines() {
    assertThrows(AssertionFailedError.class, () -> MetricsScrape.parse("x{a=\"1\" 1\n"));
    assertThrows(AssertionFailedError.class, () -> MetricsScrape.parse("x{a=1} 1\n"));
    assertThrows(AssertionFailedError.class, () -> MetricsScrape.parse("x{a=\"\\t\"} 1\n"));
    assertThrows(AssertionFailedError.class, () -> MetricsScrape.parse("x one\n"));
  }
}
