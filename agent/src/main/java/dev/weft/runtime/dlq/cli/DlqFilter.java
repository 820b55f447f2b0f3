package dev.weft.runtime.dlq.cli;

import java.util.List;

/**
 * One {@code --filter} of the {@code dlq} command: {@code exception=NAME} (the exception's or its
 * cause's class, by full name or by a dotted suffix of it such as its simple name),
 * {@code topic=T} or {@code partition=N} (where the record came from).
 */
final class DlqFilter {

  static final String ACCEPTED = "exception=NAME, topic=T or partition=N";

  private final String kind;
  private final String value;
  private final int partition;

  private DlqFilter(String kind, String value, int partition) {
    this.kind = kind;
    this.value = value;
    this.partition = partition;
  }

  /**
   * Parses {@code kind=value}.
   *
   * @throws IllegalArgumentException with a message naming what is accepted
   */
  static DlqFilter parse(String spec) {
    int eq = spec.indexOf('=');
    String kind = eq < 0 ? spec : spec.substring(0, eq).trim();
    String value = eq < 0 ? "" : spec.substring(eq + 1).trim();
    if (eq < 0 || value.isEmpty()) {
      throw new IllegalArgumentException("expected " + ACCEPTED + ", got '" + spec + "'");
    }
    switch (kind) {
      case "exception":
      case "topic":
        return new DlqFilter(kind, value, -1);
      case "partition":
        int n;
        try {
          n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
          n = -1;
        }
        if (n < 0) {
          throw new IllegalArgumentException(
              "partition=N takes a partition number (0 or more), got '" + value + "'");
        }
        return new DlqFilter(kind, value, n);
      default:
        throw new IllegalArgumentException(
            "unknown filter '" + kind + "'; expected " + ACCEPTED);
    }
  }

  boolean matches(DeadLetter d) {
    switch (kind) {
      case "exception":
        return className(d.exception()) || className(d.exceptionCause());
      case "topic":
        return value.equals(d.originalTopic());
      default:
        Integer p = d.originalPartition();
        return p != null && p == partition;
    }
  }

  private boolean className(String fqcn) {
    return fqcn != null && (fqcn.equals(value) || fqcn.endsWith("." + value));
  }

  /** True when every filter matches (so also when there is none). */
  static boolean all(List<DlqFilter> filters, DeadLetter d) {
    for (DlqFilter f : filters) {
      if (!f.matches(d)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return kind + "=" + value;
  }
}
