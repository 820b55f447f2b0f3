package dev.weft.runtime.core.config;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Where configuration values come from, and which wins. Strongest first: the agent arguments
 * ({@code -javaagent:weft-agent.jar=key=value;key=value}), system properties {@code weft.*},
 * environment variables {@code WEFT_*}, the properties file named by {@code weft.config.file}.
 * The standard OpenTelemetry keys are read from the same layers under their {@code otel.*} name,
 * then from the {@code otel.*} system properties and the {@code OTEL_*} variables. The typed
 * accessors turn a bad value into the one line the user sees ({@link #invalid}).
 */
final class ConfigSources {
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

  ConfigSources(String agentArgs, Properties systemProperties, Map<String, String> env)
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

  /** Non-fatal remarks (unknown keys), in the order met. */
  List<String> warnings() {
    return warnings;
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
        // Only the part that is wrong: the others may carry a password.
        throw new ConfigException(
            "bad agent argument '"
                + printable(part.trim())
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

  /**
   * The value exactly as given (not trimmed), or null. For secrets: never hand a secret's value to
   * {@link #invalid}, whose line shows it.
   */
  Value raw(ConfigKey key) {
    return values.get(key.key());
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
    return inRange(key, standard(key), fallback, min, max);
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
    return inRange(key, values.get(key.key()), fallback, min, max);
  }

  /** {@code v} as a whole number in {@code [min, max]}; {@code fallback} when {@code v} is null. */
  private static int inRange(ConfigKey key, Value v, int fallback, int min, int max)
      throws ConfigException {
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

  /** Percent-decodes a value of an OpenTelemetry key=value list (OTEL_RESOURCE_ATTRIBUTES). */
  static String decode(String value) {
    try {
      return URLDecoder.decode(value.replace("+", "%2B"), "UTF-8");
    } catch (UnsupportedEncodingException | IllegalArgumentException e) {
      return value;
    }
  }
}
