package dev.weft.runtime.jdbc;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the SQL text an application hands to JDBC into a {@link SqlStatement}: the operation and
 * the first table it names (for metric labels) and a sanitized copy of the text with every
 * literal replaced by {@code ?} (for spans). Understands the lexical rules of PostgreSQL,
 * MySQL/MariaDB and H2 well enough to tell literals, quoted names and comments apart; it is not a
 * SQL grammar and does not validate anything.
 *
 * <p>{@link #parse} is one left-to-right pass over the characters that never throws, whatever
 * the input. A parser instance adds a bounded cache in front of it ({@link #get}), because
 * applications run the same few hundred statement strings over and over.
 */
public final class SqlStatementParser {

  /** The sanitized text is cut here: spans have to stay small. */
  public static final int MAX_SANITIZED_LENGTH = 2000;

  /**
   * Longer statements are parsed but never cached: they are usually generated (bulk inserts with
   * inlined values), so each is seen once, and caching them would pin megabytes of key text.
   */
  public static final int MAX_CACHED_SQL_LENGTH = 10_000;

  /**
   * The table name is cut here. Real identifiers are far shorter (63 bytes in PostgreSQL, 64 in
   * MySQL); the cap only keeps a hostile or broken statement from producing a huge label value.
   */
  static final int MAX_TABLE_LENGTH = 256;

  private final ConcurrentHashMap<String, SqlStatement> cache;
  private final int maxEntries;
  private final boolean doubleQuotedStrings;

  /**
   * @param maxEntries how many distinct statements the cache holds at most; 0 or less turns the
   *     cache off
   */
  public SqlStatementParser(int maxEntries) {
    this(maxEntries, false);
  }

  /**
   * @param maxEntries how many distinct statements the cache holds at most; 0 or less turns the
   *     cache off
   * @param doubleQuotedStrings whether {@code "..."} is a string literal (MySQL and MariaDB
   *     without ANSI_QUOTES) rather than a quoted name (the SQL standard, PostgreSQL, H2)
   */
  public SqlStatementParser(int maxEntries, boolean doubleQuotedStrings) {
    this.doubleQuotedStrings = doubleQuotedStrings;
    this.maxEntries = maxEntries;
    this.cache = new ConcurrentHashMap<>(maxEntries > 0 ? Math.min(maxEntries, 1024) : 1);
  }

  /**
   * The analysis of {@code sql}, from the cache when this exact text was seen before.
   *
   * <p>When the cache is full it is cleared rather than frozen. An application that inlines
   * literals produces an endless stream of one-off statements; a cache that stopped admitting
   * when full would stay filled with the first of those forever and every hot statement after
   * them would be parsed on every call. Clearing lets the statements that really repeat come
   * back within one round, at the price of a burst of re-parsing that is cheap anyway. Under
   * concurrent misses the map can overshoot {@code maxEntries} by at most the number of racing
   * threads until the next clear.
   */
  public SqlStatement get(String sql) {
    if (sql == null || maxEntries <= 0 || sql.length() > MAX_CACHED_SQL_LENGTH) {
      return parse(sql, doubleQuotedStrings);
    }
    SqlStatement cached = cache.get(sql);
    if (cached != null) {
      return cached;
    }
    SqlStatement parsed = parse(sql, doubleQuotedStrings);
    if (cache.size() >= maxEntries) {
      cache.clear();
    }
    SqlStatement raced = cache.putIfAbsent(sql, parsed);
    return raced != null ? raced : parsed;
  }

  /** How many statements the cache holds now. */
  int cachedStatements() {
    return cache.size();
  }

  /** Analyses {@code sql} without caching. Never throws; null or blank input gives OTHER. */
  public static SqlStatement parse(String sql) {
    return parse(sql, false);
  }

  /**
   * Analyses {@code sql} without caching, reading {@code "..."} as a string literal when
   * {@code doubleQuotedStrings} (MySQL dialect). Never throws.
   */
  public static SqlStatement parse(String sql, boolean doubleQuotedStrings) {
    if (sql == null || sql.isEmpty()) {
      return SqlStatement.EMPTY;
    }
    try {
      Scanner scanner = new Scanner(sql, true, doubleQuotedStrings);
      scanner.run();
      if (scanner.ambiguousBackslash && scanner.unterminatedString) {
        // Whether a backslash escapes the next quote depends on the server (MySQL: yes;
        // PostgreSQL, H2 and MySQL in NO_BACKSLASH_ESCAPES: no). Reading a PostgreSQL 'C:\' the
        // MySQL way shifts every later string boundary by one quote, which would expose the text
        // of the following literals. That mistake shows as a string left open at the end, so
        // then, and only then, the other reading is tried.
        Scanner standard = new Scanner(sql, false, doubleQuotedStrings);
        standard.run();
        if (!standard.unterminatedString) {
          scanner = standard;
        }
      }
      return scanner.result();
    } catch (RuntimeException e) {
      // Not expected, but this runs inside the application's JDBC calls: a bug here must cost a
      // label, never the application's query. No text is returned, as it could not be trusted.
      return new SqlStatement(SqlStatement.OTHER, "", "");
    }
  }

  /** One parse: the tokenizer, the sanitized output, and the operation/table state machine. */
  private static final class Scanner {

    // What the state machine is waiting for.
    private static final int START = 0; // the first keyword of the statement
    private static final int WANT_FROM = 1; // a FROM or JOIN at depth `base`
    private static final int EXPECT_NAME = 2; // the table name, in context `ctx`
    private static final int NAME = 3; // inside a name; a '.' would continue it
    private static final int NAME_DOT = 4; // after a '.' in a name
    private static final int SUBQUERY = 5; // just after FROM (
    private static final int WITH = 6; // skipping CTEs until the main statement at depth `base`
    private static final int WAIT_DML = 7; // EXPLAIN: waiting for the explained statement
    private static final int OBJECT_KIND = 8; // after CREATE / ALTER / DROP
    private static final int WAIT_ON = 9; // an INDEX statement: the table follows ON
    private static final int DONE = 10;

    // Which words may stand between the keyword and the table name.
    private static final int CTX_FROM = 0;
    private static final int CTX_INSERT = 1;
    private static final int CTX_REPLACE = 2;
    private static final int CTX_UPDATE = 3;
    private static final int CTX_DELETE = 4;
    private static final int CTX_MERGE = 5;
    private static final int CTX_DDL = 6;
    private static final int CTX_TRUNCATE = 7;
    private static final int CTX_CALL = 8;
    private static final int CTX_ON = 9;

    private static final int TOK_NONE = 0;
    private static final int TOK_NAME = 1;
    private static final int TOK_OTHER = 2;

    private final String sql;
    private final int len;
    private final boolean backslashEscapes;
    private final boolean doubleQuotedStrings;
    private final StringBuilder out;
    private boolean pendingSpace;
    private boolean outFull;
    private int lastToken = TOK_NONE;

    boolean ambiguousBackslash;
    boolean unterminatedString;

    private String operation;
    private String table;
    private int mode = START;
    private int ctx;
    private int depth;
    private int base;
    private boolean skipWord;
    private StringBuilder name;

    Scanner(String sql, boolean backslashEscapes, boolean doubleQuotedStrings) {
      this.doubleQuotedStrings = doubleQuotedStrings;
      this.sql = sql;
      this.len = sql.length();
      this.backslashEscapes = backslashEscapes;
      this.out = new StringBuilder(Math.min(len, MAX_SANITIZED_LENGTH) + 1);
    }

    void run() {
      int i = 0;
      while (i < len) {
        if (outFull && mode == DONE && !ambiguousBackslash) {
          // Nothing left to learn: a 1 MB bulk insert costs no more than its first 2,000 chars.
          // Not when a backslash was ambiguous: only the end can tell whether it was misread.
          break;
        }
        char c = sql.charAt(i);
        if (isSpace(c)) {
          space();
          i++;
          continue;
        }
        switch (c) {
          case '-':
            if (next(i) == '-') {
              i = lineCommentEnd(i + 2);
              space();
              continue;
            }
            break;
          case '/':
            if (next(i) == '*') {
              i = blockCommentEnd(i + 2);
              space();
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
        emitChar(c);
        lastToken = TOK_OTHER;
        onPunct(c);
        i++;
      }
      finish();
    }

    SqlStatement result() {
      String sanitized;
      if (out.length() == len && sql.contentEquals(out)) {
        // Prepared statements usually come out unchanged; share the application's string.
        sanitized = sql;
      } else {
        sanitized = out.toString();
      }
      return new SqlStatement(operation, table, sanitized);
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
      emit(start, i);
      lastToken = TOK_NAME;
      onWord(start, i);
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
          emit(start, i + 1);
          lastToken = TOK_NAME;
          onQuotedName(start + 1, i, close);
          return i + 1;
        }
        i++;
      }
      // An unclosed quote may well be a MySQL "string": hide the rest like an open literal.
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
        if (isNamePart(before) || before == ')' || before == ']' || before == '"'
            || before == '`') {
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
        emit(i, j);
        lastToken = TOK_OTHER;
        onLiteral();
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

    private int blockCommentEnd(int i) {
      while (i + 1 < len) {
        if (sql.charAt(i) == '*' && sql.charAt(i + 1) == '/') {
          return i + 2;
        }
        i++;
      }
      return len;
    }

    private char next(int i) {
      return i + 1 < len ? sql.charAt(i + 1) : '\0';
    }

    // ---- sanitized output ---------------------------------------------------------------------

    private void literal() {
      emitChar('?');
      lastToken = TOK_OTHER;
      onLiteral();
    }

    private void space() {
      if (out.length() > 0) {
        pendingSpace = true;
      }
    }

    private boolean separate() {
      if (outFull) {
        return false;
      }
      if (pendingSpace) {
        pendingSpace = false;
        out.append(' ');
        if (out.length() >= MAX_SANITIZED_LENGTH) {
          outFull = true;
          return false;
        }
      }
      return true;
    }

    private void emit(int start, int end) {
      if (!separate()) {
        return;
      }
      int room = MAX_SANITIZED_LENGTH - out.length();
      if (end - start >= room) {
        out.append(sql, start, start + room);
        outFull = true;
      } else {
        out.append(sql, start, end);
      }
    }

    private void emitChar(char c) {
      if (!separate()) {
        return;
      }
      out.append(c);
      if (out.length() >= MAX_SANITIZED_LENGTH) {
        outFull = true;
      }
    }

    private void finish() {
      if (mode == NAME || mode == NAME_DOT) {
        finishName();
      }
      if (operation == null) {
        operation = SqlStatement.OTHER;
      }
      if (table == null) {
        table = "";
      }
      int last = out.length() - 1;
      if (last >= 0 && Character.isHighSurrogate(out.charAt(last))) {
        // The cap cut a character in two; half a surrogate pair is not valid text downstream.
        out.setLength(last);
      }
    }

    // ---- operation and table ------------------------------------------------------------------

    private void onWord(int s, int e) {
      switch (mode) {
        case START:
          startStatement(s, e);
          return;
        case WANT_FROM:
          if (depth == base && (is(s, e, "FROM") || is(s, e, "JOIN"))) {
            expectName(CTX_FROM);
          }
          return;
        case EXPECT_NAME:
          if (skipWord) {
            skipWord = false;
            return;
          }
          if (!isSkippable(s, e)) {
            startName();
            appendName(s, e);
          }
          return;
        case NAME:
          finishName();
          return;
        case NAME_DOT:
          appendChar('.');
          appendName(s, e);
          mode = NAME;
          return;
        case SUBQUERY:
          if (is(s, e, "SELECT") || is(s, e, "VALUES")) {
            mode = WANT_FROM;
            base = depth;
          } else if (is(s, e, "WITH")) {
            mode = WITH;
            base = depth;
          } else {
            // FROM (a JOIN b): a parenthesised join starts with its first table.
            startName();
            appendName(s, e);
          }
          return;
        case WITH:
          if (depth == base
              && (is(s, e, "SELECT")
                  || is(s, e, "INSERT")
                  || is(s, e, "UPDATE")
                  || is(s, e, "DELETE")
                  || is(s, e, "MERGE"))) {
            startStatement(s, e);
          }
          return;
        case WAIT_DML:
          if (depth == 0
              && (is(s, e, "SELECT")
                  || is(s, e, "INSERT")
                  || is(s, e, "UPDATE")
                  || is(s, e, "DELETE")
                  || is(s, e, "MERGE")
                  || is(s, e, "REPLACE")
                  || is(s, e, "WITH"))) {
            startStatement(s, e);
          }
          return;
        case OBJECT_KIND:
          if (is(s, e, "TABLE") || is(s, e, "VIEW")) {
            expectName(CTX_DDL);
          } else if (is(s, e, "INDEX")) {
            mode = WAIT_ON;
          } else if (!isObjectModifier(s, e)) {
            // A sequence, schema, function, user...: no table to report.
            mode = DONE;
          }
          return;
        case WAIT_ON:
          if (depth == 0 && is(s, e, "ON")) {
            expectName(CTX_ON);
          }
          return;
        default:
          return;
      }
    }

    private void onQuotedName(int s, int e, char close) {
      switch (mode) {
        case START:
          operation = SqlStatement.OTHER;
          mode = DONE;
          return;
        case EXPECT_NAME:
          if (skipWord) {
            skipWord = false;
            return;
          }
          startName();
          appendQuotedName(s, e, close);
          return;
        case SUBQUERY:
          startName();
          appendQuotedName(s, e, close);
          return;
        case NAME:
          finishName();
          return;
        case NAME_DOT:
          appendChar('.');
          appendQuotedName(s, e, close);
          mode = NAME;
          return;
        default:
          return;
      }
    }

    private void onLiteral() {
      switch (mode) {
        case START:
          operation = SqlStatement.OTHER;
          mode = DONE;
          return;
        case NAME:
        case NAME_DOT:
          finishName();
          return;
        case EXPECT_NAME:
          noName();
          return;
        case SUBQUERY:
          mode = WANT_FROM;
          base = depth;
          return;
        default:
          return;
      }
    }

    private void onPunct(char c) {
      if (c == '(') {
        if (mode == NAME || mode == NAME_DOT) {
          if (ctx == CTX_FROM) {
            // FROM generate_series(..), FROM TABLE(..): a function, not a table; a JOIN may
            // still name one.
            mode = WANT_FROM;
            base = depth;
          } else {
            finishName();
          }
        } else if (mode == EXPECT_NAME) {
          if (ctx == CTX_FROM) {
            mode = SUBQUERY;
          } else {
            noName();
          }
        }
        depth++;
        return;
      }
      if (c == ')') {
        if (mode == NAME || mode == NAME_DOT) {
          finishName();
        } else if (mode == EXPECT_NAME) {
          noName();
        }
        if (depth > 0) {
          depth--;
        }
        if ((mode == WANT_FROM || mode == WITH) && depth < base) {
          // Left the subquery without finding a table in it: keep looking one level up.
          base = depth;
        } else if (mode == SUBQUERY) {
          mode = WANT_FROM;
          base = depth;
        }
        return;
      }
      if (c == ';') {
        if (mode == START) {
          // An empty statement before the real one.
          depth = 0;
          return;
        }
        if (mode == NAME || mode == NAME_DOT) {
          finishName();
        }
        // Only the first statement of a batch is described.
        mode = DONE;
        return;
      }
      switch (mode) {
        case START:
          if (c != '{' && c != '?' && c != '=') {
            // Skipping {, ? and = lets JDBC's {call p} and {? = call p} reach the keyword.
            operation = SqlStatement.OTHER;
            mode = DONE;
          }
          return;
        case NAME:
          if (c == '.') {
            mode = NAME_DOT;
          } else {
            finishName();
          }
          return;
        case NAME_DOT:
          finishName();
          return;
        case EXPECT_NAME:
          if (ctx == CTX_CALL && (c == '=' || c == '?')) {
            return;
          }
          if (ctx == CTX_CALL && c == '@') {
            // EXEC @rc = proc: the variable is not the procedure.
            skipWord = true;
            return;
          }
          if (ctx == CTX_FROM && c == '{') {
            return; // FROM {oj a LEFT JOIN b ..}
          }
          noName();
          return;
        default:
          return;
      }
    }

    private void startStatement(int s, int e) {
      if (is(s, e, "SELECT")) {
        op(SqlStatement.SELECT);
        mode = WANT_FROM;
        base = depth;
      } else if (is(s, e, "INSERT")) {
        op(SqlStatement.INSERT);
        expectName(CTX_INSERT);
      } else if (is(s, e, "UPDATE")) {
        op(SqlStatement.UPDATE);
        expectName(CTX_UPDATE);
      } else if (is(s, e, "DELETE")) {
        op(SqlStatement.DELETE);
        expectName(CTX_DELETE);
      } else if (is(s, e, "MERGE")) {
        op(SqlStatement.MERGE);
        expectName(CTX_MERGE);
      } else if (is(s, e, "REPLACE")) {
        op(SqlStatement.REPLACE);
        expectName(CTX_REPLACE);
      } else if (is(s, e, "WITH")) {
        // The operation is the main statement's, after the CTEs.
        mode = WITH;
        base = depth;
      } else if (is(s, e, "CALL") || is(s, e, "EXEC") || is(s, e, "EXECUTE")) {
        op(SqlStatement.CALL);
        expectName(CTX_CALL);
      } else if (is(s, e, "CREATE")) {
        op(SqlStatement.CREATE);
        mode = OBJECT_KIND;
      } else if (is(s, e, "ALTER")) {
        op(SqlStatement.ALTER);
        mode = OBJECT_KIND;
      } else if (is(s, e, "DROP")) {
        op(SqlStatement.DROP);
        mode = OBJECT_KIND;
      } else if (is(s, e, "TRUNCATE")) {
        op(SqlStatement.TRUNCATE);
        expectName(CTX_TRUNCATE);
      } else if (is(s, e, "EXPLAIN")) {
        op(SqlStatement.EXPLAIN);
        mode = WAIT_DML;
      } else {
        if (is(s, e, "BEGIN") || is(s, e, "START")) {
          op(SqlStatement.BEGIN);
        } else if (is(s, e, "COMMIT") || is(s, e, "END")) {
          op(SqlStatement.COMMIT);
        } else if (is(s, e, "ROLLBACK") || is(s, e, "ABORT")) {
          op(SqlStatement.ROLLBACK);
        } else if (is(s, e, "SET")) {
          op(SqlStatement.SET);
        } else if (is(s, e, "SHOW")) {
          op(SqlStatement.SHOW);
        } else {
          op(SqlStatement.OTHER);
        }
        mode = DONE;
      }
    }

    /** Sets the operation unless an outer statement (EXPLAIN, a FROM subquery) already did. */
    private void op(String operation) {
      if (this.operation == null) {
        this.operation = operation;
      }
    }

    private void expectName(int context) {
      mode = EXPECT_NAME;
      ctx = context;
      skipWord = false;
    }

    /** The place for a table held something else. */
    private void noName() {
      if (ctx == CTX_FROM) {
        mode = WANT_FROM;
        base = depth;
      } else {
        mode = DONE;
      }
    }

    private boolean isSkippable(int s, int e) {
      switch (ctx) {
        case CTX_FROM:
          return is(s, e, "ONLY") || is(s, e, "LATERAL") || is(s, e, "OJ");
        case CTX_INSERT:
          return is(s, e, "INTO")
              || is(s, e, "IGNORE")
              || is(s, e, "LOW_PRIORITY")
              || is(s, e, "DELAYED")
              || is(s, e, "HIGH_PRIORITY")
              || is(s, e, "OR")
              || is(s, e, "REPLACE")
              || is(s, e, "ABORT")
              || is(s, e, "FAIL")
              || is(s, e, "ROLLBACK");
        case CTX_REPLACE:
          return is(s, e, "INTO") || is(s, e, "LOW_PRIORITY") || is(s, e, "DELAYED");
        case CTX_UPDATE:
          return is(s, e, "LOW_PRIORITY") || is(s, e, "IGNORE") || is(s, e, "ONLY");
        case CTX_DELETE:
          return is(s, e, "FROM")
              || is(s, e, "LOW_PRIORITY")
              || is(s, e, "QUICK")
              || is(s, e, "IGNORE")
              || is(s, e, "ONLY");
        case CTX_MERGE:
          return is(s, e, "INTO");
        case CTX_DDL:
          return is(s, e, "IF") || is(s, e, "NOT") || is(s, e, "EXISTS") || is(s, e, "ONLY");
        case CTX_TRUNCATE:
          return is(s, e, "TABLE") || is(s, e, "ONLY") || is(s, e, "IF") || is(s, e, "EXISTS");
        case CTX_ON:
          return is(s, e, "ONLY");
        default:
          return false;
      }
    }

    /** Words between CREATE/ALTER/DROP and the kind of object. */
    private boolean isObjectModifier(int s, int e) {
      return is(s, e, "OR")
          || is(s, e, "REPLACE")
          || is(s, e, "TEMPORARY")
          || is(s, e, "TEMP")
          || is(s, e, "GLOBAL")
          || is(s, e, "LOCAL")
          || is(s, e, "UNLOGGED")
          || is(s, e, "UNIQUE")
          || is(s, e, "MATERIALIZED")
          || is(s, e, "CACHED")
          || is(s, e, "MEMORY")
          || is(s, e, "FULLTEXT")
          || is(s, e, "SPATIAL")
          || is(s, e, "CLUSTERED")
          || is(s, e, "NONCLUSTERED")
          || is(s, e, "FORCE")
          || is(s, e, "EXTERNAL");
    }

    private void startName() {
      if (name == null) {
        name = new StringBuilder(32);
      } else {
        name.setLength(0);
      }
      mode = NAME;
    }

    private void appendName(int s, int e) {
      int room = MAX_TABLE_LENGTH - name.length();
      if (room > 0) {
        name.append(sql, s, Math.min(e, s + room));
      }
    }

    private void appendQuotedName(int s, int e, char close) {
      for (int i = s; i < e && name.length() < MAX_TABLE_LENGTH; i++) {
        char c = sql.charAt(i);
        name.append(c);
        if (c == close) {
          i++; // a doubled quote stands for one
        }
      }
    }

    private void appendChar(char c) {
      if (name.length() < MAX_TABLE_LENGTH) {
        name.append(c);
      }
    }

    private void finishName() {
      table = name.toString();
      mode = DONE;
    }

    private boolean is(int s, int e, String keyword) {
      int n = keyword.length();
      return e - s == n && sql.regionMatches(true, s, keyword, 0, n);
    }

    // ---- characters ---------------------------------------------------------------------------

    private static boolean isSpace(char c) {
      // Control characters count as blanks so that binary junk cannot glue tokens together.
      return c <= ' ' || c == '\u00a0' || Character.isWhitespace(c);
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private static boolean isNameStart(char c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || c == '_'
          || (c >= 0x80 && Character.isLetter(c));
    }

    private static boolean isNamePart(char c) {
      return isNameStart(c) || isDigit(c) || c == '$' || (c >= 0x80 && Character.isDigit(c));
    }

    private static boolean isTagStart(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    private static boolean isTagPart(char c) {
      return isTagStart(c) || isDigit(c);
    }
  }
}
