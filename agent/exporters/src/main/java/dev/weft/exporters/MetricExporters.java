package dev.weft.exporters;

import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporterBuilder;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * Builds the OTLP metric exporter for Weft's metrics push, over the same senders as the span
 * exporters ({@link SpanExporters}): http/protobuf through the JDK's HttpClient, gRPC through
 * OkHttp. Both keep their default temporality, cumulative, which is what Prometheus-style
 * counters are.
 */
public final class MetricExporters {

  private MetricExporters() {}

  /**
   * OTLP http/protobuf through the JDK's HttpClient.
   *
   * @param executor runs the sends (the JDK sender hands each send to it)
   */
  public static MetricExporter otlpHttp(
      String endpoint,
      Map<String, String> headers,
      int timeoutMillis,
      String compression,
      ExecutorService executor) {
    OtlpHttpMetricExporterBuilder b =
        OtlpHttpMetricExporter.builder()
            .setEndpoint(endpoint)
            .setTimeout(Duration.ofMillis(timeoutMillis))
            .setCompression(compression)
            .setExecutorService(executor);
    headers.forEach(b::addHeader);
    return b.build();
  }

  /** OTLP/gRPC through OkHttp. */
  public static MetricExporter otlpGrpc(
      String endpoint, Map<String, String> headers, int timeoutMillis, String compression) {
    OtlpGrpcMetricExporterBuilder b =
        OtlpGrpcMetricExporter.builder()
            .setEndpoint(endpoint)
            .setTimeout(Duration.ofMillis(timeoutMillis))
            .setCompression(compression);
    headers.forEach(b::addHeader);
    return b.build();
  }
}
