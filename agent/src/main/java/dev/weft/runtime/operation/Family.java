package dev.weft.runtime.operation;

import dev.weft.runtime.metrics.NamedOutcomeMetrics;

/**
 * The one description of a family of operations: the {@link dev.weft.bootstrap.OperationKind}
 * its modules name, and what one operation becomes: a CLIENT span of a database system (span
 * name the operation's name, {@code db.system}, {@code db.operation.name}, {@code db.namespace},
 * {@code server.address} and {@code server.port}), one count and one duration labelled by the
 * operation's name and outcome, and the span as the duration's exemplar when it is sampled.
 */
public final class Family {

  final String kind;
  final String system;
  final NamedOutcomeMetrics.Shape metrics;

  private Family(String kind, String system, NamedOutcomeMetrics.Shape metrics) {
    this.kind = kind;
    this.system = system;
    this.metrics = metrics;
  }

  /**
   * A database client's commands, named by protocol keywords (upper-cased, at most 64
   * characters, anything but letters, digits and {@code ._- } as {@code _}).
   *
   * @param kind the operation kind's name, also the module label of Weft's own errors
   * @param system the span's {@code db.system}
   */
  public static Family databaseCommands(
      String kind, String system, NamedOutcomeMetrics.Shape metrics) {
    return new Family(kind, system, metrics);
  }

  public String kind() {
    return kind;
  }
}
