package dev.weft.runtime.core.config;

import java.util.regex.Pattern;

/** {@code weft.logs.*}: JSON console output, and the key names of the ids put in log events. */
public final class LogSettings {

  public final boolean json;
  public final String traceIdKey;
  public final String spanIdKey;
  public final String traceFlagsKey;

  public LogSettings(boolean json, String traceIdKey, String spanIdKey, String traceFlagsKey) {
    this.json = json;
    this.traceIdKey = traceIdKey;
    this.spanIdKey = spanIdKey;
    this.traceFlagsKey = traceFlagsKey;
  }

  private static final Pattern LOG_KEY = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

  static LogSettings from(ConfigSources s) throws ConfigException {
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

  private static String logKey(ConfigSources s, ConfigKey key, String fallback) throws ConfigException {
    String value = s.text(key, fallback);
    if (!LOG_KEY.matcher(value).matches()) {
      throw s.invalid(key, null);
    }
    return value;
  }
}
