package dev.weft.runtime.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.fuzz.FuzzBudget;
import dev.weft.runtime.fuzz.Texts;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Whatever text an application hands to JDBC, the SQL parser never throws, stays linear, keeps its
 * outputs within their documented bounds and never lets a literal or a comment reach the span's
 * text or the table label. Random tries in {@code @Property}; every input that once broke a
 * promise stays below as an {@code @Example} naming what broke.
 */
@AddLifecycleHook(FuzzBudget.class)
class SqlHostileInputTest {

  private static final Set<String> OPERATIONS =
      Set.of(
          "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "CALL", "CREATE", "ALTER",
          "DROP", "TRUNCATE", "BEGIN", "COMMIT", "ROLLBACK", "SET", "SHOW", "EXPLAIN", "OTHER");

  /** The text planted in every string literal and comment, and the number planted as a literal. */
  private static final String SECRET = "S3cr3t";

  private static final String SECRET_NUMBER = "4242424242";

  // ---- never throws, bounded, linear ---------------------------------------------------------

  @Property(tries = 2000)
  void anyTextIsReadWithoutFailureWithinBounds(
      @ForAll("sqlSoup") String sql, @ForAll boolean mysqlDialect) {
    assertBounded(sql, mysqlDialect);
  }

  @Property(tries = 1500)
  void anyCharactersAtAllAreReadWithoutFailureWithinBounds(
      @ForAll("anyChars") String sql, @ForAll boolean mysqlDialect) {
    assertBounded(sql, mysqlDialect);
  }

  @Property(tries = 8)
  void aMegabyteStatementOfAnyShapeIsReadInLinearTime(
      @ForAll("sqlSoup") String seed, @ForAll("endings") String ending, @ForAll boolean mysql) {
    StringBuilder big = new StringBuilder(1 << 20);
    while (big.length() < 1 << 20) {
      big.append(seed.isEmpty() ? "x" : seed).append(' ');
    }
    big.append(ending);
    String sql = big.toString();
    long start = System.nanoTime();
    assertBounded(sql, mysql);
    long millis = (System.nanoTime() - start) / 1_000_000;
    // A linear pass over 1 MB takes milliseconds; a quadratic one would take hours. The bound is
    // loose so that a busy CI machine cannot fail it.
    assertTrue(millis < 5_000, "1 MB took " + millis + " ms");
  }

  // ---- literals and comments never shown ----------------------------------------------------

  @Property(tries = 1500)
  void literalsAndCommentsOfStandardSqlNeverShow(@ForAll("standardStatements") String sql) {
    assertNoSecret(sql, false);
  }

  @Property(tries = 1500)
  void literalsAndCommentsOfMySqlNeverShow(@ForAll("mysqlStatements") String sql) {
    assertNoSecret(sql, true);
  }

  @Property(tries = 200)
  void aLongQuotedTableNameIsCutWholeCharacters(
      @ForAll("wideNames") String name, @ForAll boolean mysql) {
    String quote = mysql ? "`" : "\"";
    assertBounded("SELECT * FROM " + quote + name + quote + " WHERE a = 1", mysql);
    assertBounded("UPDATE [" + name + "] SET a = 1", mysql);
  }

  // ---- inputs that once failed ---------------------------------------------------------------

  @Example
  void mysqlHashCommentsAreComments() {
    // Showed "S3cr3t-": '#' was not read as MySQL's line comment.
    assertNoSecret("# S3cr3t- ", true);
    assertNoSecret("SELECT a FROM t # S3cr3t-1\nWHERE b = ?", true);
    assertEquals("SELECT a FROM t WHERE b = ?",
        SqlStatementParser.parse("SELECT a FROM t # note\nWHERE b = ?", true).sanitized());
  }

  @Example
  void postgresCommentsNest() {
    // Showed "S3cr3t- */": the comment was taken to end at the inner comment's end.
    assertNoSecret("/* outer /* S3cr3t- */ S3cr3t- */", false);
    assertEquals(
        "SELECT a FROM t",
        SqlStatementParser.parse("SELECT /* a /* b */ S3cr3t */ a FROM t", false).sanitized());
    // One that never closes nested was MySQL's: the text after the first end is code.
    assertEquals(
        "SELECT x FROM t",
        SqlStatementParser.parse("SELECT /* a /* b */ x FROM t", false).sanitized());
  }

  @Example
  void commentsThatNeverCloseNestedCostLinearTime() {
    // Took 50 s for these 900 KB (the nesting fix above, before it was finished): each of these
    // comments was read nested to the end of the text before falling back to its first end.
    String sql = "SELECT a FROM t " + "/* /* */ ".repeat(100_000);
    long start = System.nanoTime();
    SqlStatement st = SqlStatementParser.parse(sql, false);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals("t", st.table());
    assertTrue(millis < 5_000, "took " + millis + " ms");
  }

  @Example
  void mysqlCommentsDoNotNest() {
    // Showed "S3cr3t-": read nested, the comment ended inside the string after it.
    assertNoSecret("/* S3cr3t-/* */ 'S3cr3t-*/' _utf8mb4'S3cr3t-'", true);
  }

  @Example
  void aBackslashReadingThatALaterQuoteClosesShowsNoLiteral() {
    // Showed "S3cr3t-": read with backslash escapes, the first string ended at the second
    // string's opening quote, and the quote in the comment closed the shifted one, so that
    // reading left nothing open and was kept.
    assertNoSecret("'S3cr3t-\\' 'S3cr3t-' /* S3cr3t-' */", false);
    // Found while fixing the one above, when the shorter of two closed readings was taken: a
    // line comment to the end made the wrong one shorter.
    assertNoSecret("'S3cr3t-\\' SELECT 'S3cr3t---'", false);
    assertNoSecret("'S3cr3t-\\'' SELECT 'S3cr3t---'", true);
  }

  @Example
  void anOpenQuotedNameCountsAsAnOpenQuote() {
    // Showed "S3cr3t-": a quoted name left open at the end did not mark the reading as wrong.
    assertNoSecret("'S3cr3t-\\'' SELECT 'S3cr3t-`'", true);
    assertNoSecret("'S3cr3t-\\' SELECT 'S3cr3t-\"'", false);
  }

  @Example
  void aTableNameCutAtItsCapKeepsWholeCharacters() {
    // Ended in half a surrogate pair: the cap at 256 chars fell between its two halves.
    String name = "a" + "\ud83d\ude00".repeat(200);
    SqlStatement st = SqlStatementParser.parse("SELECT * FROM \"" + name + "\"", false);
    assertEquals(name.substring(0, 255), st.table());
  }

  @Example
  void mysqlEscapesInTheMysqlDialectAreShownWhole() {
    assertEquals(
        "INSERT INTO users (email, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)",
        SqlStatementParser.parse(
                "INSERT INTO users (email, name) VALUES ('bob@example.com', 'Bob \\'The"
                    + " Builder\\'') ON DUPLICATE KEY UPDATE name = VALUES(name)",
                true)
            .sanitized());
  }

  // ---- the checks ----------------------------------------------------------------------------

  static void assertBounded(String sql, boolean mysqlDialect) {
    for (boolean backslashEscapes : new boolean[] {true, false}) {
      // The lexer itself, not through parse(), whose catch-all would hide a bug as an OTHER.
      SqlLexer lexer = new SqlLexer(sql, backslashEscapes, mysqlDialect);
      lexer.run();
      lexer.result();
    }
    SqlStatement st = SqlStatementParser.parse(sql, mysqlDialect);
    assertTrue(OPERATIONS.contains(st.operation()), st.operation());
    assertTrue(
        st.sanitized().length() <= SqlStatementParser.MAX_SANITIZED_LENGTH,
        "sanitized length " + st.sanitized().length());
    assertTrue(
        st.table().length() <= SqlStatementParser.MAX_TABLE_LENGTH,
        "table length " + st.table().length());
    if (!Texts.hasLoneSurrogate(sql)) {
      // Cutting at a bound must not leave half a character: the label and span would not be
      // valid UTF-8 any more.
      assertFalse(Texts.hasLoneSurrogate(st.table()), "table " + Texts.escape(st.table()));
      assertFalse(
          Texts.hasLoneSurrogate(st.sanitized()), "sanitized " + Texts.escape(st.sanitized()));
    }
    assertEquals(st, new SqlStatementParser(10, mysqlDialect).get(sql), "the cache gives what parse gives");
  }

  static void assertNoSecret(String sql, boolean mysqlDialect) {
    SqlStatement st = SqlStatementParser.parse(sql, mysqlDialect);
    for (String shown : List.of(st.sanitized(), st.table())) {
      assertFalse(
          shown.contains(SECRET) || shown.contains(SECRET_NUMBER),
          "a literal or comment shows in "
              + Texts.escape(shown)
              + "\n of "
              + Texts.escape(sql));
    }
    assertBounded(sql, mysqlDialect);
  }

  // ---- generators ----------------------------------------------------------------------------

  /** Tokens of every dialect Weft reads, and the odd characters between them, glued at random. */
  @Provide
  Arbitrary<String> sqlSoup() {
    Arbitrary<String> token =
        Arbitraries.oneOf(
            Arbitraries.of(
                "SELECT", "select", "FROM", "JOIN", "INSERT", "INTO", "UPDATE", "DELETE", "MERGE",
                "REPLACE", "WITH", "EXPLAIN", "CREATE", "ALTER", "DROP", "TABLE", "INDEX", "ON",
                "VIEW", "TRUNCATE", "CALL", "EXEC", "VALUES", "ONLY", "LATERAL", "IF", "NOT",
                "EXISTS", "t", "orders", "a.b", "x1", "_utf8mb4", "E", "N", "X", "B", "oj",
                "(", ")", ",", ";", ".", "{", "}", "?", "=", "@", "[", "]", "[a b]", "#",
                "'", "\"", "`", "''", "\\", "\\'", "$", "$$", "$a$", "$1", "$a", "--", "/*",
                "*/", "/*/", "-", "*", "/", "0", "1.5e3", "0x1F", ".5", "1e", "1_000", "\n",
                "\r", "\t", " ", "\u0000", "\u00a0", "\u00e9t\u00e9", "\ud83d\ude00", "\ud800",
                "\udc00", "\uffff", "\u0085", "\u2028"),
            Arbitraries.strings().withCharRange('!', '~').ofMaxLength(6));
    return token.list().ofMaxSize(40).map(tokens -> String.join(random(tokens), tokens));
  }

  private static String random(List<String> tokens) {
    // Glued without blanks for half of the statements: "SELECT'a'FROM".
    return tokens.size() % 2 == 0 ? " " : "";
  }

  /** Names of 250 to 400 characters, many outside the Basic Multilingual Plane. */
  @Provide
  Arbitrary<String> wideNames() {
    return Arbitraries.longs()
        .map(
            seed ->
                Texts.wide(
                    seed, 250 + (int) Math.floorMod(seed, 150L), "a", "\u00e9", "\ud83d\ude00",
                    "\ud835\udc9c", "_"));
  }

  @Provide
  Arbitrary<String> anyChars() {
    return Arbitraries.strings().all().ofMaxLength(300);
  }

  /** How a megabyte statement ends: closed, or open in every way a literal or comment can be. */
  @Provide
  Arbitrary<String> endings() {
    return Arbitraries.of(
        "", "'", "\"", "`", "$$", "$a$", "/*", "--", "[", "E'\\", "'\\'", "\ud800", "x = 1");
  }

  @Provide
  Arbitrary<String> standardStatements() {
    return statement(false);
  }

  @Provide
  Arbitrary<String> mysqlStatements() {
    return statement(true);
  }

  /**
   * Lexically valid statements of one dialect: code words and punctuation (none holding a
   * secret), with literals and comments between them that all hold one.
   */
  private static Arbitrary<String> statement(boolean mysql) {
    Arbitrary<String> code =
        Arbitraries.of(
            "SELECT", "*", "a,", "b", "FROM", "orders", "o", "JOIN", "items", "i", "ON", "=", "AND",
            "WHERE", "IN", "(", ")", ",", "INSERT INTO", "VALUES", "UPDATE", "SET", "DELETE",
            "WITH", "w", "AS", "CALL", "proc", "LIMIT", "::text", "||", "-", "+", "?", "$1", ";",
            mysql ? "`name`" : "\"name\"", "[n]", "x.y", "@v", "{", "}");
    Arbitrary<String> piece =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, code),
            net.jqwik.api.Tuple.of(3, mysql ? mysqlLiteral() : standardLiteral()),
            net.jqwik.api.Tuple.of(1, comment(mysql)));
    Arbitrary<String> gap = Arbitraries.of(" ", "  ", "\n", "\t", " \r\n ");
    return Combinators.combine(piece.list().ofMinSize(1).ofMaxSize(24), gap.list().ofSize(24))
        .as(
            (pieces, gaps) -> {
              StringBuilder sql = new StringBuilder();
              for (int i = 0; i < pieces.size(); i++) {
                if (i > 0) {
                  sql.append(gaps.get(i));
                }
                sql.append(pieces.get(i));
              }
              return sql.toString();
            });
  }

  /** Characters a literal body is made of: quotes, backslashes, comment and dollar marks. */
  private static Arbitrary<String> body() {
    Arbitrary<String> part =
        Arbitraries.of(
            "'", "\"", "`", "\\", "$", "$$", "$a$", "--", "/*", "*/", "#", ";", "\n", " ", "a",
            "it's", "C:\\", "\u00e9", "\ud83d\ude00", "[", "]", "?", "0");
    return part.list().ofMaxSize(6).map(parts -> SECRET + "-" + String.join("", parts));
  }

  private static Arbitrary<String> number() {
    return Arbitraries.of(
        SECRET_NUMBER,
        SECRET_NUMBER + ".5",
        "." + SECRET_NUMBER,
        SECRET_NUMBER + "e10",
        SECRET_NUMBER + "E-3",
        "-" + SECRET_NUMBER,
        "0x" + SECRET_NUMBER);
  }

  /** PostgreSQL, H2 and the SQL standard: backslashes are plain characters in '...'. */
  private static Arbitrary<String> standardLiteral() {
    return Arbitraries.oneOf(
        body().map(b -> "'" + b.replace("'", "''") + "'"),
        body().map(b -> "E'" + b.replace("\\", "\\\\").replace("'", "\\'") + "'"),
        body().map(b -> "N'" + b.replace("'", "''") + "'"),
        body().filter(b -> !b.contains("$$")).map(b -> "$$" + b + "$$"),
        body().filter(b -> !b.contains("$q$")).map(b -> "$q$" + b + "$q$"),
        number());
  }

  /** MySQL and MariaDB: backslash escapes, and "..." is a string too. */
  private static Arbitrary<String> mysqlLiteral() {
    return Arbitraries.oneOf(
        body().map(b -> "'" + b.replace("\\", "\\\\").replace("'", "''") + "'"),
        body().map(b -> "'" + b.replace("\\", "\\\\").replace("'", "\\'") + "'"),
        body().map(b -> "\"" + b.replace("\\", "\\\\").replace("\"", "\\\"") + "\""),
        body().map(b -> "\"" + b.replace("\\", "\\\\").replace("\"", "\"\"") + "\""),
        body().map(b -> "_utf8mb4'" + b.replace("\\", "\\\\").replace("'", "''") + "'"),
        Arbitraries.of("X'" + SECRET_NUMBER + "'", "x'" + SECRET_NUMBER + "'"),
        number());
  }

  private static Arbitrary<String> comment(boolean mysql) {
    List<Arbitrary<String>> kinds = new ArrayList<>();
    // Not "/*" inside: in PostgreSQL that would open a nested comment.
    kinds.add(
        body().filter(b -> !b.contains("*/") && !b.contains("/*")).map(b -> "/* " + b + " */"));
    kinds.add(body().filter(b -> !b.contains("\n")).map(b -> "-- " + b + "\n"));
    if (mysql) {
      kinds.add(body().filter(b -> !b.contains("\n")).map(b -> "# " + b + "\n"));
    } else {
      // PostgreSQL's block comments nest.
      kinds.add(
          body()
              .filter(b -> !b.contains("*/") && !b.contains("/*"))
              .map(b -> "/* outer /* " + b + " */ " + b + " */"));
    }
    return Arbitraries.oneOf(kinds);
  }
}
