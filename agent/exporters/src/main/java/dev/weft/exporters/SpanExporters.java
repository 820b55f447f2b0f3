package dev.weft.exporters;

import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.exporter.zipkin.ZipkinSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import zipkin2.reporter.urlconnection.URLConnectionSender;

/**
 * Builds the span exporter that the configuration names, each with the smallest HTTP client that
 * speaks its protocol: OTLP http/protobuf and Zipkin go through the JDK's own clients
 * ({@code java.net.http.HttpClient}, {@code HttpURLConnection}); only OTLP/gRPC needs OkHttp
 * (HTTP/2 without TLS by prior knowledge, and trailers, which the JDK's client does not do), so
 * OkHttp and the Kotlin library are loaded only when {@code otel.exporter.otlp.protocol=grpc}.
 */
public final class SpanExporters {

  private SpanExporters() {}

  /**
   * OTLP http/protobuf through the JDK's HttpClient.
   *
   * @param executor runs the sends (the JDK sender hands each send to it)
   */
  public static SpanExporter otlpHttp(
      String endpoint,
      Map<String, String> headers,
      int timeoutMillis,
      String compression,
      ExecutorService executor) {
    OtlpHttpSpanExporterBuilder b =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(endpoint)
            .setTimeout(Duration.ofMillis(timeoutMillis))
            .setCompression(compression)
            .setExecutorService(executor);
    headers.forEach(b::addHeader);
    return b.build();
  }

  /** OTLP/gRPC through OkHttp. */
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

  /**
   * Zipkin JSON v2 through {@code HttpURLConnection}, with what the exporter's default (OkHttp)
   * sender had: gzip on, the read timeout given, a 10 s connect timeout.
   */
  public static SpanExporter zipkin(String endpoint, int timeoutMillis) {
    URLConnectionSender sender =
        URLConnectionSender.newBuilder()
            .endpoint(endpoint)
            .compressionEnabled(true)
            .connectTimeout(10_000)
            .readTimeout(timeoutMillis)
            .build();
    return ZipkinSpanExporter.builder()
        .setEndpoint(endpoint)
        .setReadTimeout(Duration.ofMillis(timeoutMillis))
        .setSender(sender)
        .build();
  }
}
