package dev.weft.runtime.sql;

import static dev.weft.runtime.sql.SqlChars.isDigit;
import static dev.weft.runtime.sql.SqlChars.isNamePart;
import static dev.weft.runtime.sql.SqlChars.isNameStart;
import static dev.weft.runtime.sql.SqlChars.isSpace;
import static dev.weft.runtime.sql.SqlChars.isTagPart;
import static dev.weft.runtime.sql.SqlChars.isTagStart;

/**
 * The lexical half of {@link SqlStatementParser}: one left-to-right pass over the characters that
 * tells words, quoted names, literals (strings with their prefixes, dollar-quoted bodies, numbers),
 * placeholders, comments and punctuation apart, under the rules of PostgreSQL, MySQL/MariaDB and
 * H2. Each token goes to a {@link SqlSummariser}; literals are written as {@code ?} and everything
 * else as it stands into a {@link SanitizedSql}.
 */
final class SqlLexer {

  private static final int TOK_NONE = 0;
  private static final int TOK_NAME = 1;
  private static final int TOK_OTHER = 2;

  private final String sql;
  private final int len;
  private final boolean backslashEscapes;
  private final boolean doubleQuotedStrings;
  private final SanitizedSql out;
  private final SqlSummariser summary;
  private int lastToken = TOK_NONE;
  /** Block comments end at their first end mark: MySQL's, or nesting already failed once. */
  private boolean flatComments;

  /** A backslash before a quote was read as an escape: the other reading may be the right one. */
  boolean ambiguousBackslash;

  /** A string, dollar-quoted literal or quoted name ran to the end of the text. */
  boolean unterminatedString;

  SqlLexer(String sql, boolean backslashEscapes, boolean doubleQuotedStrings) {
    this.doubleQuotedStrings = doubleQuotedStrings;
    this.sql = sql;
    this.len = sql.length();
    this.backslashEscapes = backslashEscapes;
    this.out = new SanitizedSql(sql);
    this.summary = new SqlSummariser(sql);
    this.flatComments = doubleQuotedStrings;
  }

  void run() {
    int i = 0;
    while (i < len) {
      if (out.full() && summary.done() && !ambiguousBackslash) {
        // Nothing left to learn: a 1 MB bulk insert costs no more than its first 2,000 chars.
        // Not when a backslash was ambiguous: only the end can tell whether it was misread.
        break;
      }
      char c = sql.charAt(i);
      if (isSpace(c)) {
        out.space();
        i++;
        continue;
      }
      switch (c) {
        case '-':
          if (next(i) == '-') {
            i = lineCommentEnd(i + 2);
            out.space();
            continue;
          }
          break;
        case '#':
          if (doubleQuotedStrings) {
            // MySQL's other line comment; elsewhere '#' is an operator or part of a name.
            i = lineCommentEnd(i + 1);
            out.space();
            continue;
          }
          break;
        case '/':
          if (next(i) == '*') {
            i = blockCommentEnd(i + 2);
            out.space();
            continue;
          }
          break;
        case '\'':
          i = string(i + 1, backslashEscapes, true, '\'');
          continue;
        case '"':
          if (doubleQuotedStrings) {
            i = string(i + 1, backslashEscapes, true, '"');
            continue;
          }
          i = quotedName(i, c);
          continue;
        case '`':
          i = quotedName(i, c);
          continue;
        case '[':
          if (isBracketName(i)) {
            i = quotedName(i, ']');
            continue;
          }
          break;
        case '$':
          {
            int end = dollar(i);
            if (end > 0) {
              i = end;
              continue;
            }
            break;
          }
        case '.':
          if (isDigit(next(i)) && lastToken != TOK_NAME) {
            i = number(i);
            continue;
          }
          break;
        default:
          if (isDigit(c)) {
            i = number(i);
            continue;
          }
          if (isNameStart(c)) {
            i = word(i);
            continue;
          }
          break;
      }
      out.emitChar(c);
      lastToken = TOK_OTHER;
      summary.onPunct(c);
      i++;
    }
    summary.finish();
    out.finish();
  }

  SqlStatement result() {
    return new SqlStatement(summary.operation(), summary.table(), out.text());
  }

  // ---- tokens -------------------------------------------------------------------------------

  private int word(int start) {
    int i = start + 1;
    while (i < len && isNamePart(sql.charAt(i))) {
      i++;
    }
    if (i < len && sql.charAt(i) == '\'' && isStringPrefix(start, i)) {
      // E'..', N'..', X'..', B'..', _utf8mb4'..': the prefix belongs to the literal, and
      // keeping X or B would hint at the value's type for no benefit.
      boolean escapes = (i - start == 1 && (sql.charAt(start) | 0x20) == 'e') || backslashEscapes;
      boolean plain = i - start != 1 || (sql.charAt(start) | 0x20) != 'e';
      return string(i + 1, escapes, plain, '\'');
    }
    out.emit(start, i);
    lastToken = TOK_NAME;
    summary.onWord(start, i);
    return i;
  }

  private boolean isStringPrefix(int start, int end) {
    if (sql.charAt(start) == '_') {
      return end - start > 1;
    }
    if (end - start != 1) {
      return false;
    }
    char c = (char) (sql.charAt(start) | 0x20);
    return c == 'e' || c == 'n' || c == 'x' || c == 'b';
  }

  /** A single-quoted literal whose body starts at {@code i}; returns the index after it. */
  private int string(int i, boolean escapes, boolean plain, char quote) {
    while (i < len) {
      char c = sql.charAt(i);
      if (c == '\\' && escapes) {
        if (plain && next(i) == quote) {
          ambiguousBackslash = true;
        }
        i += 2;
        continue;
      }
      if (c == quote) {
        if (next(i) == quote) {
          i += 2;
          continue;
        }
        literal();
        return i + 1;
      }
      i++;
    }
    // Open to the end: everything after the quote is hidden, whatever it was meant to be.
    unterminatedString = true;
    literal();
    return len;
  }

  /** "name", `name` or [name] starting at {@code start}; returns the index after it. */
  private int quotedName(int start, char close) {
    int i = start + 1;
    while (i < len) {
      char c = sql.charAt(i);
      if (c == close) {
        if (next(i) == close) {
          i += 2;
          continue;
        }
        out.emit(start, i + 1);
        lastToken = TOK_NAME;
        summary.onQuotedName(start + 1, i, close);
        return i + 1;
      }
      i++;
    }
    // An unclosed quote may well be a MySQL "string": hide the rest like an open literal, and
    // say so, as for one: it is as much a sign of a misread backslash.
    unterminatedString = true;
    literal();
    return len;
  }

  /**
   * Whether the '[' at {@code i} opens a SQL Server style [name] rather than an array subscript
   * or constructor (arr[1], ARRAY[1,2], '{}'::int[]). Those follow a name or a bracket directly
   * and hold numbers or lists; a bracketed name stands on its own and holds no literal.
   */
  private boolean isBracketName(int i) {
    if (i > 0) {
      char before = sql.charAt(i - 1);
      if (isNamePart(before) || before == ')' || before == ']' || before == '"' || before == '`') {
        return false;
      }
    }
    int j = i + 1;
    if (j >= len) {
      return false;
    }
    char first = sql.charAt(j);
    if (!isNameStart(first) && first != ' ' && first != '#' && first != '@') {
      return false;
    }
    for (; j < len; j++) {
      char c = sql.charAt(j);
      if (c == ']') {
        return j > i + 1;
      }
      if (c == '[' || c == '\'' || c == '"' || c == ',' || c == '\n' || c == '\r') {
        return false;
      }
    }
    return false;
  }

  /**
   * $$..$$ / $tag$..$tag$ (a literal) or $1 (a placeholder, kept) at {@code i}; returns the
   * index after it, or -1 when the '$' is just a character.
   */
  private int dollar(int i) {
    int j = i + 1;
    if (j < len && isDigit(sql.charAt(j))) {
      while (j < len && isDigit(sql.charAt(j))) {
        j++;
      }
      out.emit(i, j);
      lastToken = TOK_OTHER;
      summary.onLiteral();
      return j;
    }
    if (j < len && sql.charAt(j) != '$') {
      if (!isTagStart(sql.charAt(j))) {
        return -1;
      }
      while (j < len && isTagPart(sql.charAt(j))) {
        j++;
      }
      if (j >= len || sql.charAt(j) != '$') {
        return -1;
      }
    }
    if (j >= len) {
      return -1;
    }
    int tagLength = j + 1 - i;
    int k = j + 1;
    while (true) {
      k = sql.indexOf('$', k);
      if (k < 0) {
        unterminatedString = true;
        literal();
        return len;
      }
      if (sql.regionMatches(k, sql, i, tagLength)) {
        literal();
        return k + tagLength;
      }
      k++;
    }
  }

  /** A number starting at {@code start} (a digit or the '.' of .5); returns the index after. */
  private int number(int start) {
    int i = start;
    if (sql.charAt(i) == '0' && (next(i) | 0x20) == 'x') {
      i += 2;
    } else {
      while (i < len && isDigit(sql.charAt(i))) {
        i++;
      }
      if (i < len && sql.charAt(i) == '.') {
        i++;
        while (i < len && isDigit(sql.charAt(i))) {
          i++;
        }
      }
      if (i < len && (sql.charAt(i) | 0x20) == 'e') {
        int k = i + 1;
        if (k < len && (sql.charAt(k) == '+' || sql.charAt(k) == '-')) {
          k++;
        }
        if (k < len && isDigit(sql.charAt(k))) {
          i = k;
        }
      }
    }
    // Hex digits, 1_000_000 (PostgreSQL 16) and MySQL names that start with a digit all end
    // up here: hiding the whole run errs on the side of not leaking a value.
    while (i < len && isNamePart(sql.charAt(i))) {
      i++;
    }
    literal();
    return i;
  }

  private int lineCommentEnd(int i) {
    while (i < len) {
      char c = sql.charAt(i);
      if (c == '\n' || c == '\r') {
        return i;
      }
      i++;
    }
    return len;
  }

  /**
   * The end of a block comment whose body starts at {@code i}. MySQL's end at the first end mark.
   * PostgreSQL's (and the standard's) nest: the text after an inner comment's end is still
   * comment. When the nesting never closes, the text after the first end mark was code after all,
   * and the later comments are not read nested either: each such read goes to the end of the text.
   */
  private int blockCommentEnd(int i) {
    if (flatComments) {
      int end = sql.indexOf("*/", i);
      return end < 0 ? len : end + 2;
    }
    int depth = 1;
    int firstEnd = -1;
    while (i + 1 < len) {
      char c = sql.charAt(i);
      if (c == '*' && sql.charAt(i + 1) == '/') {
        i += 2;
        if (--depth == 0) {
          return i;
        }
        if (firstEnd < 0) {
          firstEnd = i;
        }
        continue;
      }
      if (c == '/' && sql.charAt(i + 1) == '*') {
        depth++;
        i += 2;
        continue;
      }
      i++;
    }
    flatComments = true;
    return firstEnd >= 0 ? firstEnd : len;
  }

  private char next(int i) {
    return i + 1 < len ? sql.charAt(i + 1) : '\0';
  }

  private void literal() {
    out.emitChar('?');
    lastToken = TOK_OTHER;
    summary.onLiteral();
  }
}
