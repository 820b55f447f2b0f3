package dev.weft.runtime.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where metrics go besides being scraped: the /metrics server itself, an OTLP push (the standard
 * {@code otel.metrics.exporter} and {@code otel.exporter.otlp.metrics.*} keys, each falling back
 * to its {@code otel.exporter.otlp.*} sibling as upstream does) and a Prometheus Pushgateway.
 */
public final class MetricsPushSettings {

  /** weft.metrics.server.enabled: whether /metrics is served. */
  public final boolean serverEnabled;
  /** otel.metrics.exporter names otlp. */
  public final boolean otlp;
  public final String otlpProtocol;
  public final String otlpEndpoint;
  public final Map<String, String> otlpHeaders;
  public final int otlpTimeoutMillis;
  public final String otlpCompression;
  public final int otlpIntervalMillis;
  /** The Pushgateway's base URL without a trailing '/', or null: no Pushgateway push. */
  public final String pushgatewayUrl;
  public final String pushgatewayJob;
  /** 0: only at JVM exit. */
  public final int pushgatewayIntervalMillis;

  private MetricsPushSettings(Builder b) {
    this.serverEnabled = b.serverEnabled;
    this.otlp = b.otlp;
    this.otlpProtocol = b.otlpProtocol;
    this.otlpEndpoint = b.otlpEndpoint;
    this.otlpHeaders = b.otlpHeaders;
    this.otlpTimeoutMillis = b.otlpTimeoutMillis;
    this.otlpCompression = b.otlpCompression;
    this.otlpIntervalMillis = b.otlpIntervalMillis;
    this.pushgatewayUrl = b.pushgatewayUrl;
    this.pushgatewayJob = b.pushgatewayJob;
    this.pushgatewayIntervalMillis = b.pushgatewayIntervalMillis;
  }

  /** Whether anything is pushed at all. */
  public boolean pushing() {
    return otlp || pushgatewayUrl != null;
  }

  private static final class Builder {
    boolean serverEnabled;
    boolean otlp;
    String otlpProtocol;
    String otlpEndpoint;
    Map<String, String> otlpHeaders;
    int otlpTimeoutMillis;
    String otlpCompression;
    int otlpIntervalMillis;
    String pushgatewayUrl;
    String pushgatewayJob;
    int pushgatewayIntervalMillis;
  }

  static MetricsPushSettings from(ConfigSources s, String serviceName) throws ConfigException {
    Builder b = new Builder();
    b.serverEnabled = s.bool(ConfigKey.METRICS_SERVER_ENABLED, true);
    b.otlp = exportersNameOtlp(s);

    String protocol = s.choice(ConfigKey.OTLP_PROTOCOL, "http/protobuf", "http/protobuf", "grpc");
    protocol = s.choice(ConfigKey.OTLP_METRICS_PROTOCOL, protocol, "http/protobuf", "grpc");
    b.otlpProtocol = protocol;
    String endpoint = s.url(ConfigKey.OTLP_METRICS_ENDPOINT);
    if (endpoint == null) {
      String base = s.url(ConfigKey.OTLP_ENDPOINT);
      if (base == null) {
        base = protocol.equals("grpc") ? "http://localhost:4317" : "http://localhost:4318";
      }
      endpoint =
          protocol.equals("grpc") ? base : (base.endsWith("/") ? base : base + "/") + "v1/metrics";
    }
    b.otlpEndpoint = endpoint;
    ConfigKey headersKey =
        s.standard(ConfigKey.OTLP_METRICS_HEADERS) != null
            ? ConfigKey.OTLP_METRICS_HEADERS
            : ConfigKey.OTLP_HEADERS;
    b.otlpHeaders = headers(s, headersKey);
    int timeout = s.standardInt(ConfigKey.OTLP_TIMEOUT, 10_000, 1, 600_000);
    b.otlpTimeoutMillis = s.standardInt(ConfigKey.OTLP_METRICS_TIMEOUT, timeout, 1, 600_000);
    String compression = s.choice(ConfigKey.OTLP_COMPRESSION, "none", "none", "gzip");
    b.otlpCompression = s.choice(ConfigKey.OTLP_METRICS_COMPRESSION, compression, "none", "gzip");
    b.otlpIntervalMillis = s.standardInt(ConfigKey.METRIC_EXPORT_INTERVAL, 60_000, 100, 86_400_000);

    String url = s.url(ConfigKey.PUSHGATEWAY_URL);
    if (url != null) {
      while (url.endsWith("/")) {
        url = url.substring(0, url.length() - 1);
      }
    }
    b.pushgatewayUrl = url;
    b.pushgatewayJob = s.text(ConfigKey.PUSHGATEWAY_JOB, serviceName);
    b.pushgatewayIntervalMillis = s.integer(ConfigKey.PUSHGATEWAY_INTERVAL, 0, 0, 86_400_000);
    return new MetricsPushSettings(b);
  }

  /**
   * otel.metrics.exporter: a list of prometheus and otlp, or none alone. Upstream's own agent
   * reads the same key; prometheus is what Weft always does (unless its server is switched off).
   */
  private static boolean exportersNameOtlp(ConfigSources s) throws ConfigException {
    ConfigSources.Value v = s.standard(ConfigKey.METRICS_EXPORTER);
    if (v == null) {
      return false;
    }
    boolean otlp = false;
    boolean none = false;
    int named = 0;
    for (String item : v.text.split(",")) {
      String name = item.trim().toLowerCase(Locale.ROOT);
      if (name.isEmpty()) {
        continue;
      }
      named++;
      if (name.equals("otlp")) {
        otlp = true;
      } else if (name.equals("none")) {
        none = true;
      } else if (!name.equals("prometheus")) {
        throw ConfigSources.invalid(ConfigKey.METRICS_EXPORTER, v, "'" + name + "' is unknown");
      }
    }
    if (named == 0 || (none && named > 1)) {
      throw ConfigSources.invalid(
          ConfigKey.METRICS_EXPORTER, v, named == 0 ? "it names nothing" : "none must be alone");
    }
    return otlp;
  }

  private static Map<String, String> headers(ConfigSources s, ConfigKey key)
      throws ConfigException {
    Map<String, String> headers = new LinkedHashMap<>();
    ConfigSources.Value raw = s.standard(key);
    if (raw != null) {
      for (String pair : raw.text.split(",")) {
        if (pair.trim().isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw ConfigSources.invalid(key, raw, "'" + pair + "' has no '='");
        }
        headers.put(
            pair.substring(0, eq).trim(), ConfigSources.decode(pair.substring(eq + 1).trim()));
      }
    }
    return Collections.unmodifiableMap(headers);
  }
}
