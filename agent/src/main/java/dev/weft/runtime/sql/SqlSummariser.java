package dev.weft.runtime.sql;

import static dev.weft.runtime.sql.SqlKeywords.CTX_CALL;
import static dev.weft.runtime.sql.SqlKeywords.CTX_DDL;
import static dev.weft.runtime.sql.SqlKeywords.CTX_DELETE;
import static dev.weft.runtime.sql.SqlKeywords.CTX_FROM;
import static dev.weft.runtime.sql.SqlKeywords.CTX_INSERT;
import static dev.weft.runtime.sql.SqlKeywords.CTX_MERGE;
import static dev.weft.runtime.sql.SqlKeywords.CTX_ON;
import static dev.weft.runtime.sql.SqlKeywords.CTX_REPLACE;
import static dev.weft.runtime.sql.SqlKeywords.CTX_TRUNCATE;
import static dev.weft.runtime.sql.SqlKeywords.CTX_UPDATE;

/**
 * The statement half of {@link SqlStatementParser}: a state machine fed with the tokens of one
 * {@link SqlLexer} pass that finds the operation (the first keyword, or the main statement's after
 * CTEs and EXPLAIN) and the first table it names (after FROM/JOIN, INTO, UPDATE, TABLE, ON, ...).
 */
final class SqlSummariser {

  // What the state machine is waiting for.
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

  private final String sql;
  private String operation;
  private String table;
  private int mode = START;
  private int ctx;
  private int depth;
  private int base;
  private boolean skipWord;
  private final TableName name = new TableName();

  SqlSummariser(String sql) {
    this.sql = sql;
  }

  /** Whether operation and table are known: later tokens cannot change them. */
  boolean done() {
    return mode == DONE;
  }

  String operation() {
    return operation;
  }

  String table() {
    return table;
  }

  /** The end of the text: a name still open is the table. */
  void finish() {
    if (mode == NAME || mode == NAME_DOT) {
      finishName();
    }
    if (operation == null) {
      operation = SqlStatement.OTHER;
    }
    if (table == null) {
      table = "";
    }
  }

  void onWord(int s, int e) {
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
        if (!SqlKeywords.isSkippable(sql, s, e, ctx)) {
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
        if (depth == base && SqlKeywords.isMainStatement(sql, s, e)) {
          startStatement(s, e);
        }
        return;
      case WAIT_DML:
        if (depth == 0 && SqlKeywords.isExplained(sql, s, e)) {
          startStatement(s, e);
        }
        return;
      case OBJECT_KIND:
        if (is(s, e, "TABLE") || is(s, e, "VIEW")) {
          expectName(CTX_DDL);
        } else if (is(s, e, "INDEX")) {
          mode = WAIT_ON;
        } else if (!SqlKeywords.isObjectModifier(sql, s, e)) {
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

  void onQuotedName(int s, int e, char close) {
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

  void onLiteral() {
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

  void onPunct(char c) {
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

  private void startName() {
    name.reset();
    mode = NAME;
  }

  private void appendName(int s, int e) {
    name.append(sql, s, e);
  }

  private void appendQuotedName(int s, int e, char close) {
    name.appendQuoted(sql, s, e, close);
  }

  private void appendChar(char c) {
    name.append(c);
  }

  private void finishName() {
    table = name.toString();
    mode = DONE;
  }

  private boolean is(int s, int e, String keyword) {
    return SqlKeywords.is(sql, s, e, keyword);
  }
}
