package dev.weft.runtime.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The tracing part of the configuration, from the standard OpenTelemetry keys. */
public final class TracingSettings {

  /** weft.traces.enabled: false turns every part of tracing off. */
  public final boolean tracesEnabled;
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
      boolean tracesEnabled,
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
    this.tracesEnabled = tracesEnabled;
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

  /** Whether trace context is handled at all: read, carried, propagated, logged. */
  public boolean enabled() {
    return tracesEnabled;
  }

  /**
   * Whether spans are recorded and exported. Without (otel.traces.exporter=none) the caller's
   * context still passes through: outgoing calls and log lines carry the caller's ids.
   */
  public boolean exporting() {
    return tracesEnabled && !"none".equals(exporter);
  }

  static TracingSettings from(ConfigSources s) throws ConfigException {
    String exporter = s.choice(ConfigKey.TRACES_EXPORTER, "otlp", "otlp", "zipkin", "none");
    String sampler =
        s.choice(
            ConfigKey.TRACES_SAMPLER,
            "parentbased_always_on",
            "always_on",
            "always_off",
            "traceidratio",
            "parentbased_always_on",
            "parentbased_always_off",
            "parentbased_traceidratio");
    double ratio = 1.0;
    ConfigSources.Value arg = s.standard(ConfigKey.TRACES_SAMPLER_ARG);
    if (arg != null) {
      try {
        ratio = Double.parseDouble(arg.text.trim());
      } catch (NumberFormatException e) {
        ratio = -1;
      }
      if (!(ratio >= 0 && ratio <= 1)) {
        throw ConfigSources.invalid(ConfigKey.TRACES_SAMPLER_ARG, arg, null);
      }
    }
    String protocol = s.choice(ConfigKey.OTLP_PROTOCOL, "http/protobuf", "http/protobuf", "grpc");
    protocol = s.choice(ConfigKey.OTLP_TRACES_PROTOCOL, protocol, "http/protobuf", "grpc");
    String endpoint = s.url(ConfigKey.OTLP_TRACES_ENDPOINT);
    if (endpoint == null) {
      String base = s.url(ConfigKey.OTLP_ENDPOINT);
      if (base == null) {
        base = protocol.equals("grpc") ? "http://localhost:4317" : "http://localhost:4318";
      }
      if (protocol.equals("grpc")) {
        endpoint = base;
      } else {
        endpoint = (base.endsWith("/") ? base : base + "/") + "v1/traces";
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    ConfigSources.Value rawHeaders = s.standard(ConfigKey.OTLP_HEADERS);
    if (rawHeaders != null) {
      for (String pair : rawHeaders.text.split(",")) {
        if (pair.trim().isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw ConfigSources.invalid(ConfigKey.OTLP_HEADERS, rawHeaders, "'" + pair + "' has no '='");
        }
        headers.put(pair.substring(0, eq).trim(), ConfigSources.decode(pair.substring(eq + 1).trim()));
      }
    }
    int timeout = s.standardInt(ConfigKey.OTLP_TIMEOUT, 10_000, 1, 600_000);
    String compression = s.choice(ConfigKey.OTLP_COMPRESSION, "none", "none", "gzip");
    String zipkin = s.url(ConfigKey.ZIPKIN_ENDPOINT);
    int queue = s.standardInt(ConfigKey.BSP_MAX_QUEUE, 2048, 1, 1_000_000);
    int batch = s.standardInt(ConfigKey.BSP_MAX_BATCH, Math.min(512, queue), 1, queue);
    int delay = s.standardInt(ConfigKey.BSP_SCHEDULE_DELAY, 5000, 0, 600_000);
    int exportTimeout = s.standardInt(ConfigKey.BSP_EXPORT_TIMEOUT, 30_000, 1, 600_000);
    return new TracingSettings(
        s.bool(ConfigKey.TRACES_ENABLED, true),
        exporter,
        sampler,
        ratio,
        protocol,
        endpoint,
        Collections.unmodifiableMap(headers),
        timeout,
        compression,
        zipkin == null ? "http://localhost:9411/api/v2/spans" : zipkin,
        queue,
        batch,
        delay,
        exportTimeout);
  }
}
