package dev.weft.runtime.sql;

/**
 * What the JDBC instrumentation needs to know about one SQL statement: the operation and the
 * table for the {@code operation} and {@code table} metric labels, and the statement text with
 * every literal replaced by {@code ?}, safe to put on a span. Produced by {@link
 * SqlStatementParser}; immutable, so one instance can be cached and shared by every thread that
 * runs the same statement.
 */
public final class SqlStatement {

  public static final String SELECT = "SELECT";
  public static final String INSERT = "INSERT";
  public static final String UPDATE = "UPDATE";
  public static final String DELETE = "DELETE";
  public static final String MERGE = "MERGE";
  public static final String REPLACE = "REPLACE";
  public static final String CALL = "CALL";
  public static final String CREATE = "CREATE";
  public static final String ALTER = "ALTER";
  public static final String DROP = "DROP";
  public static final String TRUNCATE = "TRUNCATE";
  public static final String BEGIN = "BEGIN";
  public static final String COMMIT = "COMMIT";
  public static final String ROLLBACK = "ROLLBACK";
  public static final String SET = "SET";
  public static final String SHOW = "SHOW";
  public static final String EXPLAIN = "EXPLAIN";
  public static final String OTHER = "OTHER";

  /** The result for null, empty or blank input. */
  static final SqlStatement EMPTY = new SqlStatement(OTHER, "", "");

  private final String operation;
  private final String table;
  private final String sanitized;

  SqlStatement(String operation, String table, String sanitized) {
    // Label values must never be null: the metrics runtime would reject the observation.
    this.operation = operation == null ? OTHER : operation;
    this.table = table == null ? "" : table;
    this.sanitized = sanitized == null ? "" : sanitized;
  }

  /** The upper-case operation ({@link #SELECT}, {@link #INSERT}, ...), {@link #OTHER} if unknown. */
  public String operation() {
    return operation;
  }

  /** The first table the statement names, quoting removed; empty when it names none. */
  public String table() {
    return table;
  }

  /** The statement text with literals replaced by {@code ?} and comments removed. */
  public String sanitized() {
    return sanitized;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SqlStatement)) {
      return false;
    }
    SqlStatement other = (SqlStatement) o;
    return operation.equals(other.operation)
        && table.equals(other.table)
        && sanitized.equals(other.sanitized);
  }

  @Override
  public int hashCode() {
    return (operation.hashCode() * 31 + table.hashCode()) * 31 + sanitized.hashCode();
  }

  @Override
  public String toString() {
    return "SqlStatement{" + operation + ", table=" + table + ", sql=" + sanitized + "}";
  }
}
