package dev.weft.exporters;

import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.exporter.zipkin.ZipkinSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Map;

/** Builds the span exporter that the configuration names. */
public final class SpanExporters {

  private SpanExporters() {}

  public static SpanExporter otlpHttp(
      String endpoint, Map<String, String> headers, int timeoutMillis, String compression) {
    OtlpHttpSpanExporterBuilder b =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(endpoint)
            .setTimeout(Duration.ofMillis(timeoutMillis))
            .setCompression(compression);
    headers.forEach(b::addHeader);
    return b.build();
  }

  public static SpanExporter otlpGrpc(
      String endpoint, Map<String, String> headers, int timeoutMillis, String compression) {
    OtlpGrpcSpanExporterBuilder b =
        OtlpGrpcSpanExporter.builder()
            .setEndpoint(endpoint)
            .setTimeout(Duration.ofMillis(timeoutMillis))
            .setCompression(compression);
    headers.forEach(b::addHeader);
    return b.build();
  }

  public static SpanExporter zipkin(String endpoint, int timeoutMillis) {
    return ZipkinSpanExporter.builder()
        .setEndpoint(endpoint)
        .setReadTimeout(Duration.ofMillis(timeoutMillis))
        .build();
  }
}
