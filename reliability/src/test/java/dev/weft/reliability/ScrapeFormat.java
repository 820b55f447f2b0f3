package dev.weft.reliability;

/**
 * The scrapes a Prometheus server can ask Weft's /metrics for, by their Accept header, and what
 * Weft must answer each with. Weft serves the Prometheus text format (0.0.4) and OpenMetrics 1.0;
 * it bundles no protobuf writer, so a scrape that prefers protobuf (Prometheus with native
 * histograms on sends this header) gets the next format it lists, OpenMetrics.
 */
enum ScrapeFormat {
  TEXT("text/plain; version=0.0.4; charset=utf-8", "text/plain; version=0.0.4", false),
  OPENMETRICS(
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
      "application/openmetrics-text; version=1.0.0",
      true),
  PROTOBUF_FIRST(
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;"
          + "q=0.8,application/openmetrics-text;version=1.0.0;q=0.75,"
          + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      "application/openmetrics-text; version=1.0.0",
      true);

  final String accept;
  /** What the answer's Content-Type must start with. */
  final String contentType;
  final boolean openMetrics;

  ScrapeFormat(String accept, String contentType, boolean openMetrics) {
    this.accept = accept;
    this.contentType = contentType;
    this.openMetrics = openMetrics;
  }
}
