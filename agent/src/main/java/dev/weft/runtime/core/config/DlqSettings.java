package dev.weft.runtime.core.config;

import java.io.File;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
      boolean createTopics) {
    this(enabled, suffix, topics, handlers, spoolDir, spoolMaxBytes, blockMs, ackTimeoutMs,
        createTopics, 5000);
  }

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
}
