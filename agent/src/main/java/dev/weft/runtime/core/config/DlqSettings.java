package dev.weft.runtime.core.config;

import java.io.File;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The dead-letter settings ({@code weft.dlq.*}), checked. */
public final class DlqSettings {
  public final boolean enabled;
  public final String suffix;
  public final Map<String, String> topics;
  public final List<String> handlers;
  public final File spoolDir;
  public final long spoolMaxBytes;
  public final int blockMs;
  public final int ackTimeoutMs;
  public final boolean createTopics;
  /** How long pending dead letters get to be acknowledged when the JVM exits normally. */
  public final int shutdownMs;

  public DlqSettings(
      boolean enabled,
      String suffix,
      Map<String, String> topics,
      List<String> handlers,
      File spoolDir,
      long spoolMaxBytes,
      int blockMs,
      int ackTimeoutMs,
      boolean createTopics,
      int shutdownMs) {
    this.shutdownMs = shutdownMs;
    this.enabled = enabled;
    this.suffix = suffix;
    this.topics = Collections.unmodifiableMap(new LinkedHashMap<>(topics));
    this.handlers = Collections.unmodifiableList(handlers);
    this.spoolDir = spoolDir;
    this.spoolMaxBytes = spoolMaxBytes;
    this.blockMs = blockMs;
    this.ackTimeoutMs = ackTimeoutMs;
    this.createTopics = createTopics;
  }

  /** The dead-letter topic of {@code topic}. */
  public String dlqTopic(String topic) {
    String mapped = topics.get(topic);
    return mapped != null ? mapped : topic + suffix;
  }

  /** True for a topic that is some topic's dead-letter topic: its records are never dead-lettered. */
  public boolean isDlqTopic(String topic) {
    return topic.endsWith(suffix) || topics.containsValue(topic);
  }

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Pattern TOPIC_SUFFIX = Pattern.compile("[a-zA-Z0-9._-]{1,100}");
  private static final Pattern HANDLER =
      Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*"
          + "(\\$[\\p{L}\\p{N}_$]+)*#[\\p{L}_$][\\p{L}\\p{N}_$]*");

  static DlqSettings from(ConfigSources s, String serviceName) throws ConfigException {
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
}
