package dev.weft.runtime.core.config;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Weft's configuration, read once at start-up through {@link ConfigSources}; the typed parts are
 * {@link TracingSettings}, {@link DlqSettings} and {@link LogSettings}. Sources, strongest first:
 * the agent arguments ({@code -javaagent:weft-agent.jar=key=value;key=value}), system properties
 * {@code weft.*}, environment variables {@code WEFT_*}, the file named by {@code weft.config.file},
 * defaults. The standard {@code OTEL_SERVICE_NAME} and {@code OTEL_RESOURCE_ATTRIBUTES} (or their
 * {@code otel.*} system properties) are honoured.
 *
 * <p>A value that cannot be accepted raises {@link ConfigException} whose message is the single
 * line the user sees: the key, the value, where it came from, and what is accepted.
 */
public final class WeftConfig {

  /** Label names Weft's own metrics use; a constant label may not take one of them. */
  static final Set<String> RESERVED_LABELS =
      new HashSet<>(
          Arrays.asList(
              "method", "endpoint", "status", "error_type", "host", "db_system", "operation",
              "table", "command", "topic", "partition", "group", "dlq_topic", "outcome", "reason", "module",
              "version", "metric", "le", "quantile", "service_name"));

  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  private final boolean enabled;
  private final String serviceName;
  private final boolean metricsEnabled;
  private final String metricsHost;
  private final int metricsPort;
  private final Map<String, String> constantLabels;
  private final boolean jvmMetrics;
  private final String metricsNaming;
  private final int cardinalityLimit;
  private final Set<String> disabledModules;
  private final List<File> extensions;
  private final boolean debug;
  private final Map<String, String> resourceAttributes;
  private final List<String> warnings;
  private final TracingSettings tracing;
  private final DlqSettings dlq;
  private final LogSettings logs;
  private final MetricsPushSettings metricsPush;
  private final MetricsServerSettings metricsServer;

  private WeftConfig(ConfigSources s) throws ConfigException {
    this.enabled = s.bool(ConfigKey.ENABLED, true);
    this.debug = s.bool(ConfigKey.DEBUG, false);
    this.metricsEnabled = s.bool(ConfigKey.METRICS_ENABLED, true);
    this.jvmMetrics = s.bool(ConfigKey.METRICS_JVM, true);
    this.metricsNaming =
        s.choice(ConfigKey.METRICS_NAMING, "prometheus", "prometheus", "otel", "micrometer");
    this.metricsHost = s.text(ConfigKey.METRICS_HOST, "0.0.0.0");
    this.metricsPort = s.integer(ConfigKey.METRICS_PORT, 9464, 0, 65535);
    this.cardinalityLimit = s.integer(ConfigKey.CARDINALITY_LIMIT, 1000, 1, 1_000_000);
    this.constantLabels = parseLabels(s);
    this.disabledModules = new LinkedHashSet<>(s.list(ConfigKey.MODULES_DISABLED));
    this.extensions = parseExtensions(s);
    this.resourceAttributes = parseResourceAttributes(s);
    this.serviceName = resolveServiceName(s, resourceAttributes);
    this.tracing = TracingSettings.from(s);
    this.dlq = DlqSettings.from(s, serviceName);
    this.logs = LogSettings.from(s);
    this.metricsPush = MetricsPushSettings.from(s, serviceName);
    this.metricsServer = MetricsServerSettings.from(s);
    this.warnings = Collections.unmodifiableList(new ArrayList<>(s.warnings()));
  }

  public TracingSettings tracing() {
    return tracing;
  }

  public DlqSettings dlq() {
    return dlq;
  }

  public LogSettings logs() {
    return logs;
  }

  /** /metrics on or off, OTLP metrics push, Pushgateway. */
  public MetricsPushSettings metricsPush() {
    return metricsPush;
  }

  /** Who can read /metrics: basic authentication and TLS. */
  public MetricsServerSettings metricsServer() {
    return metricsServer;
  }

  /** Reads the real sources: agent arguments, system properties, environment, file. */
  public static WeftConfig load(String agentArgs) throws ConfigException {
    return load(agentArgs, System.getProperties(), System.getenv());
  }

  public static WeftConfig load(String agentArgs, Properties systemProperties, Map<String, String> env)
      throws ConfigException {
    return new WeftConfig(new ConfigSources(agentArgs, systemProperties, env));
  }

  public boolean enabled() {
    return enabled;
  }

  public String serviceName() {
    return serviceName;
  }

  public boolean metricsEnabled() {
    return metricsEnabled;
  }

  public String metricsHost() {
    return metricsHost;
  }

  public int metricsPort() {
    return metricsPort;
  }

  public Map<String, String> constantLabels() {
    return constantLabels;
  }

  public boolean jvmMetrics() {
    return jvmMetrics;
  }

  /** The naming preset: prometheus, otel or micrometer. */
  public String metricsNaming() {
    return metricsNaming;
  }

  public int cardinalityLimit() {
    return cardinalityLimit;
  }

  public Set<String> disabledModules() {
    return disabledModules;
  }

  public List<File> extensions() {
    return extensions;
  }

  public boolean debug() {
    return debug;
  }

  public Map<String, String> resourceAttributes() {
    return resourceAttributes;
  }

  /** Non-fatal remarks (unknown keys), to be logged once each at start-up. */
  public List<String> warnings() {
    return warnings;
  }

  private static Map<String, String> parseLabels(ConfigSources s) throws ConfigException {
    Map<String, String> labels = new LinkedHashMap<>();
    for (String pair : s.list(ConfigKey.METRICS_LABELS)) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq).trim();
      String value = eq < 0 ? "" : pair.substring(eq + 1).trim();
      if (eq < 0
          || !LABEL_NAME.matcher(name).matches()
          || name.startsWith("__")
          || RESERVED_LABELS.contains(name)
          || value.isEmpty()
          || labels.containsKey(name)) {
        throw s.invalid(ConfigKey.METRICS_LABELS, "'" + pair + "' is not accepted");
      }
      labels.put(name, value);
    }
    return Collections.unmodifiableMap(labels);
  }

  private static List<File> parseExtensions(ConfigSources s) throws ConfigException {
    List<File> jars = new ArrayList<>();
    for (String path : s.list(ConfigKey.EXTENSIONS)) {
      File file = new File(path);
      if (file.isDirectory()) {
        File[] inside = file.listFiles((dir, name) -> name.endsWith(".jar"));
        if (inside != null) {
          Arrays.sort(inside);
          jars.addAll(Arrays.asList(inside));
        }
      } else if (file.isFile() && file.canRead()) {
        jars.add(file);
      } else {
        throw s.invalid(ConfigKey.EXTENSIONS, "'" + path + "' is not a readable file or folder");
      }
    }
    return Collections.unmodifiableList(jars);
  }

  private static Map<String, String> parseResourceAttributes(ConfigSources s) throws ConfigException {
    ConfigSources.Value raw = s.otel("otel.resource.attributes");
    Map<String, String> attributes = new LinkedHashMap<>();
    if (raw == null) {
      return attributes;
    }
    for (String pair : raw.text.split(",")) {
      if (pair.trim().isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(
            "bad configuration "
                + raw.name
                + "="
                + raw.text
                + " ("
                + raw.source
                + "): accepted values: comma-separated key=value pairs. Weft is not started; the"
                + " application runs without it.");
      }
      attributes.put(pair.substring(0, eq).trim(), ConfigSources.decode(pair.substring(eq + 1).trim()));
    }
    return Collections.unmodifiableMap(attributes);
  }


  private static String resolveServiceName(ConfigSources s, Map<String, String> resource)
      throws ConfigException {
    String own = s.text(ConfigKey.SERVICE_NAME, null);
    if (own != null) {
      return own;
    }
    ConfigSources.Value otel = s.otel("otel.service.name");
    if (otel != null && !otel.text.trim().isEmpty()) {
      return otel.text.trim();
    }
    String fromResource = resource.get("service.name");
    return fromResource != null && !fromResource.isEmpty() ? fromResource : "unknown_service:java";
  }

}
