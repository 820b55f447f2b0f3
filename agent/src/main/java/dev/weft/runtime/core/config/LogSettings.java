package dev.weft.runtime.core.config;

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
}
