package dev.weft.runtime.sql;

/**
 * The statement text as spans show it: every literal already replaced by {@code ?} by the
 * {@link SqlLexer}, runs of blanks and comments folded into one space, and cut at {@link
 * SqlStatementParser#MAX_SANITIZED_LENGTH} characters.
 */
final class SanitizedSql {

  private static final int MAX = SqlStatementParser.MAX_SANITIZED_LENGTH;

  private final String sql;
  private final StringBuilder out;
  private boolean pendingSpace;
  private boolean full;

  SanitizedSql(String sql) {
    this.sql = sql;
    this.out = new StringBuilder(Math.min(sql.length(), MAX) + 1);
  }

  /** Whether the cap was reached: nothing more will be written. */
  boolean full() {
    return full;
  }

  /** Blanks or a comment: one space before the next token, none at the start. */
  void space() {
    if (out.length() > 0) {
      pendingSpace = true;
    }
  }

  /** Copies {@code sql[start, end)} as it stands. */
  void emit(int start, int end) {
    if (!separate()) {
      return;
    }
    int room = MAX - out.length();
    if (end - start >= room) {
      out.append(sql, start, start + room);
      full = true;
    } else {
      out.append(sql, start, end);
    }
  }

  void emitChar(char c) {
    if (!separate()) {
      return;
    }
    out.append(c);
    if (out.length() >= MAX) {
      full = true;
    }
  }

  private boolean separate() {
    if (full) {
      return false;
    }
    if (pendingSpace) {
      pendingSpace = false;
      out.append(' ');
      if (out.length() >= MAX) {
        full = true;
        return false;
      }
    }
    return true;
  }

  void finish() {
    int last = out.length() - 1;
    if (last >= 0 && Character.isHighSurrogate(out.charAt(last))) {
      // The cap cut a character in two; half a surrogate pair is not valid text downstream.
      out.setLength(last);
    }
  }

  String text() {
    if (out.length() == sql.length() && sql.contentEquals(out)) {
      // Prepared statements usually come out unchanged; share the application's string.
      return sql;
    }
    return out.toString();
  }
}
