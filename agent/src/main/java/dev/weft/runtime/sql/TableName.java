package dev.weft.runtime.sql;

/**
 * The table name being read, capped at {@link SqlStatementParser#MAX_TABLE_LENGTH} characters: a
 * hostile or broken statement cannot make a huge label value.
 */
final class TableName {

  private static final int MAX = SqlStatementParser.MAX_TABLE_LENGTH;

  private StringBuilder name;

  void reset() {
    if (name == null) {
      name = new StringBuilder(32);
    } else {
      name.setLength(0);
    }
  }

  void append(String sql, int s, int e) {
    int room = MAX - name.length();
    if (room > 0) {
      name.append(sql, s, Math.min(e, s + room));
    }
  }

  /** The body of a quoted name; a doubled closing quote stands for one. */
  void appendQuoted(String sql, int s, int e, char close) {
    for (int i = s; i < e && name.length() < MAX; i++) {
      char c = sql.charAt(i);
      name.append(c);
      if (c == close) {
        i++;
      }
    }
  }

  void append(char c) {
    if (name.length() < MAX) {
      name.append(c);
    }
  }

  @Override
  public String toString() {
    int n = name.length();
    if (n == MAX && Character.isHighSurrogate(name.charAt(n - 1))) {
      // The cap cut a character in two; half a surrogate pair is not valid text downstream.
      return name.substring(0, n - 1);
    }
    return name.toString();
  }
}
