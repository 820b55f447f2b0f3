package dev.weft.runtime.core.config;

import java.util.Map;

/** The tracing part of the configuration, from the standard OpenTelemetry keys. */
public final class TracingSettings {

  public final String exporter;
  public final String sampler;
  public final double samplerRatio;
  public final String otlpProtocol;
  public final String otlpEndpoint;
  public final Map<String, String> otlpHeaders;
  public final int otlpTimeoutMillis;
  public final String otlpCompression;
  public final String zipkinEndpoint;
  public final int maxQueueSize;
  public final int maxExportBatchSize;
  public final int scheduleDelayMillis;
  public final int exportTimeoutMillis;

  TracingSettings(
      String exporter,
      String sampler,
      double samplerRatio,
      String otlpProtocol,
      String otlpEndpoint,
      Map<String, String> otlpHeaders,
      int otlpTimeoutMillis,
      String otlpCompression,
      String zipkinEndpoint,
      int maxQueueSize,
      int maxExportBatchSize,
      int scheduleDelayMillis,
      int exportTimeoutMillis) {
    this.exporter = exporter;
    this.sampler = sampler;
    this.samplerRatio = samplerRatio;
    this.otlpProtocol = otlpProtocol;
    this.otlpEndpoint = otlpEndpoint;
    this.otlpHeaders = otlpHeaders;
    this.otlpTimeoutMillis = otlpTimeoutMillis;
    this.otlpCompression = otlpCompression;
    this.zipkinEndpoint = zipkinEndpoint;
    this.maxQueueSize = maxQueueSize;
    this.maxExportBatchSize = maxExportBatchSize;
    this.scheduleDelayMillis = scheduleDelayMillis;
    this.exportTimeoutMillis = exportTimeoutMillis;
  }

  public boolean enabled() {
    return !"none".equals(exporter);
  }
}
