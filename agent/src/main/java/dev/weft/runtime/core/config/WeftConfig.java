package dev.weft.runtime.core.config;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Weft's configuration, read once at start-up. Sources, strongest first: the agent arguments
 * ({@code -javaagent:weft-agent.jar=key=value;key=value}), system properties {@code weft.*},
 * environment variables {@code WEFT_*}, the file named by {@code weft.config.file}, defaults. The
 * standard {@code OTEL_SERVICE_NAME} and {@code OTEL_RESOURCE_ATTRIBUTES} (or their
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
  private final int cardinalityLimit;
  private final Set<String> disabledModules;
  private final List<File> extensions;
  private final boolean debug;
  private final Map<String, String> resourceAttributes;
  private final List<String> warnings;
  private final TracingSettings tracing;
  private final DlqSettings dlq;
  private final LogSettings logs;

  private WeftConfig(Sources s) throws ConfigException {
    this.enabled = s.bool(ConfigKey.ENABLED, true);
    this.debug = s.bool(ConfigKey.DEBUG, false);
    this.metricsEnabled = s.bool(ConfigKey.METRICS_ENABLED, true);
    this.jvmMetrics = s.bool(ConfigKey.METRICS_JVM, true);
    this.metricsHost = s.text(ConfigKey.METRICS_HOST, "0.0.0.0");
    this.metricsPort = s.integer(ConfigKey.METRICS_PORT, 9464, 0, 65535);
    this.cardinalityLimit = s.integer(ConfigKey.CARDINALITY_LIMIT, 1000, 1, 1_000_000);
    this.constantLabels = parseLabels(s);
    this.disabledModules = new LinkedHashSet<>(s.list(ConfigKey.MODULES_DISABLED));
    this.extensions = parseExtensions(s);
    this.resourceAttributes = parseResourceAttributes(s);
    this.serviceName = resolveServiceName(s, resourceAttributes);
    this.tracing = parseTracing(s);
    this.dlq = parseDlq(s, serviceName);
    this.logs = parseLogs(s);
    this.warnings = Collections.unmodifiableList(new ArrayList<>(s.warnings));
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

  private static final Pattern LOG_KEY = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

  private static LogSettings parseLogs(Sources s) throws ConfigException {
    boolean json = "json".equals(s.choice(ConfigKey.LOGS_FORMAT, "plain", "plain", "json"));
    String trace = logKey(s, ConfigKey.LOGS_TRACE_ID_KEY, "trace_id");
    String span = logKey(s, ConfigKey.LOGS_SPAN_ID_KEY, "span_id");
    String flags = logKey(s, ConfigKey.LOGS_TRACE_FLAGS_KEY, "trace_flags");
    if (span.equals(trace)) {
      throw s.invalid(ConfigKey.LOGS_SPAN_ID_KEY, "it is also the trace id's key");
    }
    if (flags.equals(trace) || flags.equals(span)) {
      throw s.invalid(ConfigKey.LOGS_TRACE_FLAGS_KEY, "it is also the key of another id");
    }
    return new LogSettings(json, trace, span, flags);
  }

  private static String logKey(Sources s, ConfigKey key, String fallback) throws ConfigException {
    String value = s.text(key, fallback);
    if (!LOG_KEY.matcher(value).matches()) {
      throw s.invalid(key, null);
    }
    return value;
  }

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Pattern TOPIC_SUFFIX = Pattern.compile("[a-zA-Z0-9._-]{1,100}");
  private static final Pattern HANDLER =
      Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*"
          + "(\\$[\\p{L}\\p{N}_$]+)*#[\\p{L}_$][\\p{L}\\p{N}_$]*");

  private static DlqSettings parseDlq(Sources s, String serviceName) throws ConfigException {
    boolean enabled = s.bool(ConfigKey.DLQ_ENABLED, true);
    String suffix = s.text(ConfigKey.DLQ_SUFFIX, ".dlq");
    if (!TOPIC_SUFFIX.matcher(suffix).matches()) {
      throw s.invalid(ConfigKey.DLQ_SUFFIX, null);
    }
    Map<String, String> topics = new LinkedHashMap<>();
    for (String pair : s.list(ConfigKey.DLQ_TOPICS)) {
      int eq = pair.indexOf('=');
      String from = eq < 0 ? "" : pair.substring(0, eq).trim();
      String to = eq < 0 ? "" : pair.substring(eq + 1).trim();
      if (!TOPIC.matcher(from).matches() || !TOPIC.matcher(to).matches() || from.equals(to)) {
        throw s.invalid(ConfigKey.DLQ_TOPICS, "'" + pair + "' is not accepted");
      }
      topics.put(from, to);
    }
    List<String> handlers = s.list(ConfigKey.DLQ_HANDLERS);
    for (String h : handlers) {
      if (!HANDLER.matcher(h).matches()) {
        throw s.invalid(ConfigKey.DLQ_HANDLERS, "'" + h + "' is not Class#method");
      }
    }
    String dir = s.text(ConfigKey.DLQ_SPOOL_DIR, null);
    if (dir == null) {
      String name = serviceName.replaceAll("[^a-zA-Z0-9._-]", "_");
      dir = new File(new File(System.getProperty("java.io.tmpdir"), "weft-dlq"), name).getPath();
    }
    int maxMb = s.integer(ConfigKey.DLQ_SPOOL_MAX_MB, 256, 1, 1_000_000);
    int blockMs = s.integer(ConfigKey.DLQ_BLOCK_MS, 2000, 0, 600_000);
    int ackMs = s.integer(ConfigKey.DLQ_ACK_TIMEOUT_MS, 5000, 100, 600_000);
    boolean create = s.bool(ConfigKey.DLQ_CREATE_TOPICS, true);
    int shutdownMs = s.integer(ConfigKey.DLQ_SHUTDOWN_MS, 5000, 0, 600_000);
    return new DlqSettings(
        enabled, suffix, topics, handlers, new File(dir), maxMb * 1024L * 1024L, blockMs, ackMs,
        create, shutdownMs);
  }

  private static TracingSettings parseTracing(Sources s) throws ConfigException {
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
    Sources.Value arg = s.standard(ConfigKey.TRACES_SAMPLER_ARG);
    if (arg != null) {
      try {
        ratio = Double.parseDouble(arg.text.trim());
      } catch (NumberFormatException e) {
        ratio = -1;
      }
      if (!(ratio >= 0 && ratio <= 1)) {
        throw Sources.invalid(ConfigKey.TRACES_SAMPLER_ARG, arg, null);
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
    Sources.Value rawHeaders = s.standard(ConfigKey.OTLP_HEADERS);
    if (rawHeaders != null) {
      for (String pair : rawHeaders.text.split(",")) {
        if (pair.trim().isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw Sources.invalid(ConfigKey.OTLP_HEADERS, rawHeaders, "'" + pair + "' has no '='");
        }
        headers.put(pair.substring(0, eq).trim(), decode(pair.substring(eq + 1).trim()));
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

  /** Reads the real sources: agent arguments, system properties, environment, file. */
  public static WeftConfig load(String agentArgs) throws ConfigException {
    return load(agentArgs, System.getProperties(), System.getenv());
  }

  public static WeftConfig load(String agentArgs, Properties systemProperties, Map<String, String> env)
      throws ConfigException {
    return new WeftConfig(new Sources(agentArgs, systemProperties, env));
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

  private static Map<String, String> parseLabels(Sources s) throws ConfigException {
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

  private static List<File> parseExtensions(Sources s) throws ConfigException {
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

  private static Map<String, String> parseResourceAttributes(Sources s) throws ConfigException {
    Sources.Value raw = s.otel("otel.resource.attributes");
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
      attributes.put(pair.substring(0, eq).trim(), decode(pair.substring(eq + 1).trim()));
    }
    return Collections.unmodifiableMap(attributes);
  }

  private static String decode(String value) {
    try {
      return URLDecoder.decode(value.replace("+", "%2B"), "UTF-8");
    } catch (UnsupportedEncodingException | IllegalArgumentException e) {
      return value;
    }
  }

  private static String resolveServiceName(Sources s, Map<String, String> resource)
      throws ConfigException {
    String own = s.text(ConfigKey.SERVICE_NAME, null);
    if (own != null) {
      return own;
    }
    Sources.Value otel = s.otel("otel.service.name");
    if (otel != null && !otel.text.trim().isEmpty()) {
      return otel.text.trim();
    }
    String fromResource = resource.get("service.name");
    return fromResource != null && !fromResource.isEmpty() ? fromResource : "unknown_service:java";
  }

  /** The layered sources and the typed accessors that turn a bad value into one clear line. */
  private static final class Sources {
    private final Map<String, Value> values = new LinkedHashMap<>();
    private final Properties systemProperties;
    private final Map<String, String> env;
    private final List<String> warnings = new ArrayList<>();

    static final class Value {
      final String name;
      final String text;
      final String source;

      Value(String name, String text, String source) {
        this.name = name;
        this.text = text;
        this.source = source;
      }
    }

    Sources(String agentArgs, Properties systemProperties, Map<String, String> env)
        throws ConfigException {
      this.systemProperties = systemProperties;
      this.env = env;
      // Weakest first; each layer overwrites the one below.
      Value file = null;
      Map<String, Value> args = parseAgentArgs(agentArgs);
      Value fromArgs = args.get(ConfigKey.CONFIG_FILE.key());
      String fromProps = systemProperties.getProperty(ConfigKey.CONFIG_FILE.key());
      String fromEnv = env.get(ConfigKey.CONFIG_FILE.envName());
      if (fromArgs != null) {
        file = fromArgs;
      } else if (fromProps != null) {
        file = new Value(ConfigKey.CONFIG_FILE.key(), fromProps, "system property");
      } else if (fromEnv != null) {
        file = new Value(ConfigKey.CONFIG_FILE.envName(), fromEnv, "environment");
      }
      if (file != null) {
        values.put(ConfigKey.CONFIG_FILE.key(), file);
        readFile(file);
      }
      for (Map.Entry<String, String> e : env.entrySet()) {
        if (e.getKey().startsWith("WEFT_")) {
          // A key with '_' in its name (weft.logs.trace_id.key) is found by its own env name.
          String key = e.getKey().toLowerCase(Locale.ROOT).replace('_', '.');
          for (ConfigKey k : ConfigKey.values()) {
            if (k.envName().equals(e.getKey())) {
              key = k.key();
            }
          }
          put(key, new Value(e.getKey(), e.getValue(), "environment"));
        }
      }
      for (String name : systemProperties.stringPropertyNames()) {
        if (name.startsWith("weft.")) {
          put(name, new Value(name, systemProperties.getProperty(name), "system property"));
        }
      }
      for (Map.Entry<String, Value> e : args.entrySet()) {
        put(e.getKey(), e.getValue());
      }
    }

    private void put(String key, Value value) {
      if (ConfigKey.byKey(key) == null) {
        String warning = "unknown configuration key " + value.name + " (" + value.source + ")";
        if (!warnings.contains(warning)) {
          warnings.add(warning + " is ignored; java -jar weft-agent.jar config lists the keys");
        }
        return;
      }
      values.put(key, value);
    }

    private void readFile(Value file) throws ConfigException {
      Properties p = new Properties();
      try (InputStream in = new FileInputStream(file.text)) {
        p.load(in);
      } catch (IOException | IllegalArgumentException e) {
        throw invalid(
            ConfigKey.CONFIG_FILE, file, "it cannot be read (" + e.getClass().getSimpleName() + ")");
      }
      for (String name : p.stringPropertyNames()) {
        put(name, new Value(name, p.getProperty(name), "file " + file.text));
      }
    }

    private static Map<String, Value> parseAgentArgs(String agentArgs) throws ConfigException {
      Map<String, Value> args = new LinkedHashMap<>();
      if (agentArgs == null || agentArgs.trim().isEmpty()) {
        return args;
      }
      for (String part : agentArgs.split(";")) {
        if (part.trim().isEmpty()) {
          continue;
        }
        int eq = part.indexOf('=');
        if (eq <= 0) {
          throw new ConfigException(
              "bad agent arguments '"
                  + agentArgs
                  + "': accepted values: key=value pairs separated by ';', e.g."
                  + " weft.metrics.port=9465;weft.debug=true. Weft is not started; the"
                  + " application runs without it.");
        }
        String key = part.substring(0, eq).trim();
        args.put(key, new Value(key, part.substring(eq + 1).trim(), "agent argument"));
      }
      return args;
    }

    Value otel(String property) {
      String prop = systemProperties.getProperty(property);
      if (prop != null) {
        return new Value(property, prop, "system property");
      }
      String envName = ConfigKey.envName(property);
      String fromEnv = env.get(envName);
      return fromEnv == null ? null : new Value(envName, fromEnv, "environment");
    }

    /**
     * A standard OpenTelemetry key: agent arguments and the properties file may carry it under
     * its otel.* name; else the otel.* system property, else the OTEL_* variable.
     */
    Value standard(ConfigKey key) {
      Value own = values.get(key.key());
      if (own != null) {
        return own;
      }
      Value v = otel(key.key());
      return v == null || v.text.trim().isEmpty() ? null : v;
    }

    String choice(ConfigKey key, String fallback, String... accepted) throws ConfigException {
      Value v = standard(key);
      if (v == null) {
        return fallback;
      }
      String t = v.text.trim().toLowerCase(Locale.ROOT);
      for (String a : accepted) {
        if (a.equals(t)) {
          return a;
        }
      }
      throw invalid(key, v, null);
    }

    int standardInt(ConfigKey key, int fallback, int min, int max) throws ConfigException {
      Value v = standard(key);
      if (v == null) {
        return fallback;
      }
      try {
        int n = Integer.parseInt(v.text.trim());
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // falls through to the error below
      }
      throw invalid(key, v, null);
    }

    String url(ConfigKey key) throws ConfigException {
      Value v = standard(key);
      if (v == null) {
        return null;
      }
      String t = v.text.trim();
      try {
        java.net.URI uri = new java.net.URI(t);
        if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
            && uri.getHost() != null) {
          return t;
        }
      } catch (java.net.URISyntaxException ignored) {
        // falls through to the error below
      }
      throw invalid(key, v, null);
    }

    String text(ConfigKey key, String fallback) throws ConfigException {
      Value v = values.get(key.key());
      if (v == null) {
        return fallback;
      }
      String t = v.text.trim();
      if (t.isEmpty()) {
        throw invalid(key, v, null);
      }
      return t;
    }

    boolean bool(ConfigKey key, boolean fallback) throws ConfigException {
      Value v = values.get(key.key());
      if (v == null) {
        return fallback;
      }
      String t = v.text.trim().toLowerCase(Locale.ROOT);
      if (t.equals("true")) {
        return true;
      }
      if (t.equals("false")) {
        return false;
      }
      throw invalid(key, v, null);
    }

    int integer(ConfigKey key, int fallback, int min, int max) throws ConfigException {
      Value v = values.get(key.key());
      if (v == null) {
        return fallback;
      }
      try {
        int n = Integer.parseInt(v.text.trim());
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // falls through to the error below
      }
      throw invalid(key, v, null);
    }

    List<String> list(ConfigKey key) {
      Value v = values.get(key.key());
      List<String> items = new ArrayList<>();
      if (v == null) {
        return items;
      }
      for (String item : v.text.split(",")) {
        if (!item.trim().isEmpty()) {
          items.add(item.trim());
        }
      }
      return items;
    }

    ConfigException invalid(ConfigKey key, String why) {
      return invalid(key, values.get(key.key()), why);
    }

    static ConfigException invalid(ConfigKey key, Value v, String why) {
      return new ConfigException(
          "bad configuration "
              + v.name
              + "="
              + printable(v.text)
              + " ("
              + v.source
              + (why == null ? "" : "; " + why)
              + "): accepted values: "
              + key.accepted()
              + ". Weft is not started; the application runs without it.");
    }

    /** Keeps the error on one line and short, whatever the value holds. */
    private static String printable(String value) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < value.length() && b.length() < 200; i++) {
        char c = value.charAt(i);
        b.append(c < 0x20 || c == 0x7f ? '?' : c);
      }
      if (value.length() > 200) {
        b.append("...");
      }
      return b.toString();
    }
  }
}
