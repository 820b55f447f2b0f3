package dev.weft.runtime.sql;

/** The keywords {@link SqlSummariser} looks for, and the words it skips before a table name. */
final class SqlKeywords {

  // Which words may stand between the keyword and the table name.
  static final int CTX_FROM = 0;
  static final int CTX_INSERT = 1;
  static final int CTX_REPLACE = 2;
  static final int CTX_UPDATE = 3;
  static final int CTX_DELETE = 4;
  static final int CTX_MERGE = 5;
  static final int CTX_DDL = 6;
  static final int CTX_TRUNCATE = 7;
  static final int CTX_CALL = 8;
  static final int CTX_ON = 9;

  private SqlKeywords() {}

  /** Whether {@code sql[s, e)} is {@code keyword}, in any case. */
  static boolean is(String sql, int s, int e, String keyword) {
    int n = keyword.length();
    return e - s == n && sql.regionMatches(true, s, keyword, 0, n);
  }

  static boolean isSkippable(String sql, int s, int e, int ctx) {
    switch (ctx) {
      case CTX_FROM:
        return is(sql, s, e, "ONLY") || is(sql, s, e, "LATERAL") || is(sql, s, e, "OJ");
      case CTX_INSERT:
        return is(sql, s, e, "INTO")
            || is(sql, s, e, "IGNORE")
            || is(sql, s, e, "LOW_PRIORITY")
            || is(sql, s, e, "DELAYED")
            || is(sql, s, e, "HIGH_PRIORITY")
            || is(sql, s, e, "OR")
            || is(sql, s, e, "REPLACE")
            || is(sql, s, e, "ABORT")
            || is(sql, s, e, "FAIL")
            || is(sql, s, e, "ROLLBACK");
      case CTX_REPLACE:
        return is(sql, s, e, "INTO") || is(sql, s, e, "LOW_PRIORITY") || is(sql, s, e, "DELAYED");
      case CTX_UPDATE:
        return is(sql, s, e, "LOW_PRIORITY") || is(sql, s, e, "IGNORE") || is(sql, s, e, "ONLY");
      case CTX_DELETE:
        return is(sql, s, e, "FROM")
            || is(sql, s, e, "LOW_PRIORITY")
            || is(sql, s, e, "QUICK")
            || is(sql, s, e, "IGNORE")
            || is(sql, s, e, "ONLY");
      case CTX_MERGE:
        return is(sql, s, e, "INTO");
      case CTX_DDL:
        return is(sql, s, e, "IF")
            || is(sql, s, e, "NOT")
            || is(sql, s, e, "EXISTS")
            || is(sql, s, e, "ONLY");
      case CTX_TRUNCATE:
        return is(sql, s, e, "TABLE")
            || is(sql, s, e, "ONLY")
            || is(sql, s, e, "IF")
            || is(sql, s, e, "EXISTS");
      case CTX_ON:
        return is(sql, s, e, "ONLY");
      default:
        return false;
    }
  }

  /** Words between CREATE/ALTER/DROP and the kind of object. */
  static boolean isObjectModifier(String sql, int s, int e) {
    return is(sql, s, e, "OR")
        || is(sql, s, e, "REPLACE")
        || is(sql, s, e, "TEMPORARY")
        || is(sql, s, e, "TEMP")
        || is(sql, s, e, "GLOBAL")
        || is(sql, s, e, "LOCAL")
        || is(sql, s, e, "UNLOGGED")
        || is(sql, s, e, "UNIQUE")
        || is(sql, s, e, "MATERIALIZED")
        || is(sql, s, e, "CACHED")
        || is(sql, s, e, "MEMORY")
        || is(sql, s, e, "FULLTEXT")
        || is(sql, s, e, "SPATIAL")
        || is(sql, s, e, "CLUSTERED")
        || is(sql, s, e, "NONCLUSTERED")
        || is(sql, s, e, "FORCE")
        || is(sql, s, e, "EXTERNAL");
  }

  /** The statements a WITH clause can lead to. */
  static boolean isMainStatement(String sql, int s, int e) {
    return is(sql, s, e, "SELECT")
        || is(sql, s, e, "INSERT")
        || is(sql, s, e, "UPDATE")
        || is(sql, s, e, "DELETE")
        || is(sql, s, e, "MERGE");
  }

  /** The statements EXPLAIN describes by their own operation. */
  static boolean isExplained(String sql, int s, int e) {
    return isMainStatement(sql, s, e) || is(sql, s, e, "REPLACE") || is(sql, s, e, "WITH");
  }
}
