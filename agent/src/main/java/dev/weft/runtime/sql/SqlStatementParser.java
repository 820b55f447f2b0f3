package dev.weft.runtime.sql;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the SQL text an application hands to JDBC into a {@link SqlStatement}: the operation and
 * the first table it names (for metric labels) and a sanitized copy of the text with every
 * literal replaced by {@code ?} (for spans). Understands the lexical rules of PostgreSQL,
 * MySQL/MariaDB and H2 well enough to tell literals, quoted names and comments apart; it is not a
 * SQL grammar and does not validate anything.
 *
 * <p>{@link #parse} is one left-to-right pass over the characters ({@link SqlLexer}) whose tokens
 * feed the statement's state machine ({@link SqlSummariser}); it never throws, whatever the input. A parser instance adds a bounded cache in front of it ({@link #get}), because
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
      SqlLexer scanner = new SqlLexer(sql, true, doubleQuotedStrings);
      scanner.run();
      if (scanner.ambiguousBackslash) {
        // Whether a backslash escapes the next quote depends on the server (MySQL: yes;
        // PostgreSQL, H2 and MySQL in NO_BACKSLASH_ESCAPES: no). Reading a PostgreSQL 'C:\' the
        // MySQL way shifts every later string boundary by one quote, which would expose the text
        // of the following literals. That mistake mostly shows as a string left open at the end,
        // and then the other reading is taken.
        SqlLexer standard = new SqlLexer(sql, false, doubleQuotedStrings);
        standard.run();
        if (scanner.unterminatedString) {
          return (standard.unterminatedString ? scanner : standard).result();
        }
        if (!doubleQuotedStrings && !standard.unterminatedString) {
          // Both readings close every string (a quote in a later comment or literal can close
          // the shifted one: 'C:\' 'secret' -- it's), and outside the MySQL dialect either may
          // be the server's. Only what both show is shown.
          return common(scanner.result(), standard.result());
        }
      }
      return scanner.result();
    } catch (RuntimeException e) {
      // Not expected, but this runs inside the application's JDBC calls: a bug here must cost a
      // label, never the application's query. No text is returned, as it could not be trusted.
      return new SqlStatement(SqlStatement.OTHER, "", "");
    }
  }

  /**
   * What two readings of one text agree on: the sanitized text up to where they part (then one
   * {@code ?} for the rest), and the operation and the table where they are the same.
   */
  private static SqlStatement common(SqlStatement a, SqlStatement b) {
    if (a.equals(b)) {
      return a;
    }
    String x = a.sanitized();
    String y = b.sanitized();
    int n = 0;
    int max = Math.min(x.length(), y.length());
    while (n < max && x.charAt(n) == y.charAt(n)) {
      n++;
    }
    if (n > 0 && Character.isHighSurrogate(x.charAt(n - 1))) {
      n--;
    }
    String sanitized = n == x.length() ? x : x.substring(0, n) + '?';
    return new SqlStatement(
        a.operation().equals(b.operation()) ? a.operation() : SqlStatement.OTHER,
        a.table().equals(b.table()) ? a.table() : "",
        sanitized);
  }
}
