package dev.weft.runtime.operation;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.ConcurrentWeakIdentityMap;
import dev.weft.runtime.metrics.JdbcMetrics;
import dev.weft.runtime.metrics.PoolMetrics;
import dev.weft.runtime.trace.DbSpan;
import dev.weft.runtime.sql.SqlStatement;
import dev.weft.runtime.sql.SqlStatementParser;
import dev.weft.runtime.trace.Tracing;
import java.sql.Connection;
import java.sql.Statement;

/**
 * The SQL statements' shape of the pipeline (the JDBC module, and a connection pool's events): one
 * operation per outermost {@code execute*} call on a thread, with
 * the SQL parsed once per distinct text (at {@code prepareStatement} for prepared statements),
 * RED metrics per (system, operation, table) and a CLIENT span with the sanitized text.
 *
 * <p>Nested executions are one operation: a pool's proxy statement calling the driver's, a
 * driver's {@code executeQuery} calling its own {@code execute}, a driver running its own
 * statements while executing ours. A per-thread depth counter sees them; only depth 1 records.
 */
final class SqlStatements extends Shape {

  static final int PARSE_CACHE_ENTRIES = 2000;

  private final JdbcMetrics metrics; // null when metrics are off
  private final PoolMetrics pools; // null when metrics are off
  private final SqlStatementParser parser = new SqlStatementParser(PARSE_CACHE_ENTRIES);
  /** MySQL and MariaDB read "..." as a string: it must be hidden like any other literal. */
  private final SqlStatementParser mysqlParser = new SqlStatementParser(PARSE_CACHE_ENTRIES, true);
  private final ConcurrentWeakIdentityMap<StatementState> statements = new ConcurrentWeakIdentityMap<>();
  private final ConcurrentWeakIdentityMap<ConnectionInfo> connections = new ConcurrentWeakIdentityMap<>();
  private final SqlStatement unknownStatement;
  private final ThreadLocal<ThreadState> threads = ThreadLocal.withInitial(() -> new ThreadState(this));

  SqlStatements(
      OperationPipeline pipeline,
      String module,
      JdbcMetrics metrics,
      PoolMetrics pools,
      Tracing tracing,
      AgentErrors errors) {
    super(pipeline, module, tracing, errors);
    this.metrics = metrics;
    this.pools = pools;
    this.unknownStatement = parser.get("");
  }

  void prepared(Object statement, String sql) {
    try {
      if (metrics == null && !tracing.enabled()) {
        return;
      }
      StatementState state = state(statement);
      if (isBlank(sql)) {
        state.prepare(null);
        state.blank = true;
      } else {
        state.blank = false;
        state.prepare(parserFor(state.connection(this, statement)).get(sql));
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "reading a prepared statement", t);
    }
  }

  /**
   * A connection starts preparing: only the depth and, when outermost, the start time are kept;
   * nothing is recorded unless the prepare fails.
   */
  Object startPrepare() {
    ThreadState t = threads.get();
    if (t.depth++ == 0) {
      t.recording = false;
      t.startNanos = System.nanoTime();
    }
    return t;
  }

  /**
   * A prepare ended. Its statement, if any, is remembered with its SQL; an outermost prepare that
   * threw is one failed operation of its SQL (the statement never runs, so nothing else would
   * count it). Prepares nested in a pool's proxy or inside an execution are not counted again.
   */
  void endPrepare(ThreadState t, Object connection, String sql, Object statement, Throwable error) {
    boolean outermost = t.depth <= 1;
    if (t.depth > 0) {
      t.depth--;
    }
    if (statement != null) {
      prepared(statement, sql);
      return;
    }
    if (!outermost || error == null || metrics == null || tracing.suppressed() || isBlank(sql)) {
      return;
    }
    try {
      double seconds = (System.nanoTime() - t.startNanos) / 1e9;
      ConnectionInfo conn =
          connection instanceof Connection ? connectionInfo((Connection) connection) : ConnectionInfo.UNKNOWN;
      SqlStatement parsed = parserFor(conn).get(sql);
      metrics.operation(conn.system, parsed.operation(), parsed.table()).record(seconds, error, null);
    } catch (Throwable e) {
      errors.internalFailure(module, "recording a failed prepare", e);
    }
  }

  void batchAdded(Object statement, String sql) {
    try {
      if (metrics == null && !tracing.enabled()) {
        return;
      }
      StatementState state = state(statement);
      if (state.batchSql == null) {
        state.batchSql = sql; // a batch is labelled with its first statement's operation
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "reading a batch", t);
    }
  }

  /**
   * Forgets a closed statement at once: an application that prepares a statement per query
   * (JPA, a pool's per-borrow proxies) would otherwise fill the map with dead statements until
   * the next garbage collection.
   */
  void closed(Object statement) {
    try {
      statements.remove(statement);
    } catch (Throwable t) {
      errors.internalFailure(module, "forgetting a closed statement", t);
    }
  }

  Object start(Object statement, String sql, boolean batch) {
    ThreadState t = threads.get();
    if (t.depth++ > 0) {
      return t; // nested: the outermost call records
    }
    t.recording = false;
    try {
      if (tracing.suppressed() || (metrics == null && !tracing.enabled())) {
        return t;
      }
      if (sql != null && isBlank(sql)) {
        return t; // an empty statement: a driver's or pool's liveness check, not a query
      }
      StatementState state = state(statement);
      if (sql == null && !batch && state.blank) {
        return t;
      }
      ConnectionInfo conn = state.connection(this, statement);
      SqlStatement parsed;
      JdbcMetrics.Operation operation = null;
      if (sql != null) {
        parsed = parserFor(conn).get(sql);
      } else if (batch && state.batchSql != null) {
        parsed = parserFor(conn).get(state.batchSql);
        state.batchSql = null;
      } else if (state.prepared != null) {
        parsed = state.prepared;
        operation = state.preparedOperation;
        if (operation == null && metrics != null) {
          operation = metrics.operation(conn.system, parsed.operation(), parsed.table());
          state.preparedOperation = operation;
        }
      } else {
        parsed = unknownStatement; // prepared before Weft was attached
      }
      if (operation == null && metrics != null) {
        operation = metrics.operation(conn.system, parsed.operation(), parsed.table());
      }
      t.operation = operation;
      t.span =
          tracing.startDb(
              conn.system, parsed.operation(), parsed.table(), parsed.sanitized(), conn.host, conn.port);
      t.recording = true;
      t.startNanos = System.nanoTime();
    } catch (Throwable e) {
      errors.internalFailure(module, "recording a statement start", e);
    }
    return t;
  }

  void end(Object handle, Throwable error) {
    if (!(handle instanceof ThreadState)) {
      return;
    }
    ThreadState t = (ThreadState) handle;
    if (--t.depth > 0 || !t.recording) {
      return;
    }
    t.recording = false;
    try {
      double seconds = (System.nanoTime() - t.startNanos) / 1e9;
      DbSpan span = t.span;
      t.span = null;
      if (span != null) {
        span.end(error);
      }
      JdbcMetrics.Operation operation = t.operation;
      t.operation = null;
      if (operation != null) {
        operation.record(seconds, error, span);
      }
    } catch (Throwable e) {
      errors.internalFailure(module, "recording a statement end", e);
    }
  }

  void poolOpened(Object pool) {
    try {
      if (pools != null) {
        pools.opened(pool);
      }
    } catch (Throwable t) {
      errors.internalFailure("hikaricp", "registering a pool", t);
    }
  }

  void poolClosed(Object pool) {
    try {
      if (pools != null) {
        pools.closed(pool);
      }
    } catch (Throwable t) {
      errors.internalFailure("hikaricp", "removing a pool", t);
    }
  }

  void connectionAcquired(Object pool, long nanos, Throwable error) {
    try {
      if (pools != null) {
        pools.acquired(pool, nanos, error);
      }
    } catch (Throwable t) {
      errors.internalFailure("hikaricp", "recording a connection acquisition", t);
    }
  }

  private SqlStatementParser parserFor(ConnectionInfo conn) {
    return conn.system.equals("mysql") || conn.system.equals("mariadb") ? mysqlParser : parser;
  }

  /**
   * An empty statement text is what pgjdbc's {@code isValid()} (and so HikariCP's check of a
   * connection it lends) executes: a liveness probe, not an operation of the application.
   */
  static boolean isBlank(String sql) {
    if (sql == null) {
      return true;
    }
    for (int i = 0; i < sql.length(); i++) {
      if (!Character.isWhitespace(sql.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private StatementState state(Object statement) {
    StatementState state = statements.get(statement);
    if (state == null) {
      state = new StatementState();
      statements.put(statement, state);
    }
    return state;
  }

  /** The connection's database, read once per connection from its metadata URL. */
  ConnectionInfo connectionOf(Object statement) {
    try {
      return connectionInfo(((Statement) statement).getConnection());
    } catch (Throwable t) {
      // A closed statement: the call itself will say so to the application.
      return ConnectionInfo.UNKNOWN;
    }
  }

  /** The database behind {@code c} (a driver's connection or a pool's proxy). */
  ConnectionInfo connectionInfo(Connection c) {
    try {
      if (c == null) {
        return ConnectionInfo.UNKNOWN;
      }
      // A pool lends a new proxy per borrow (HikariCP's ProxyConnection): keyed by the physical
      // connection behind it, the URL is read once per real connection, not once per borrow.
      try {
        Connection physical = c.unwrap(Connection.class);
        if (physical != null) {
          c = physical;
        }
      } catch (Throwable notWrapped) {
        // a driver without unwrap support: its connection is the key
      }
      ConnectionInfo info = connections.get(c);
      if (info == null) {
        info = ConnectionInfo.fromUrl(c.getMetaData().getURL());
        connections.put(c, info);
      }
      return info;
    } catch (Throwable t) {
      // A closed connection: the call itself will say so to the application.
      return ConnectionInfo.UNKNOWN;
    }
  }

  /** What Weft knows of one statement object. */
  static final class StatementState {
    volatile SqlStatement prepared;
    volatile JdbcMetrics.Operation preparedOperation;
    volatile String batchSql;
    volatile boolean blank;
    private volatile ConnectionInfo connection;

    void prepare(SqlStatement parsed) {
      preparedOperation = null;
      prepared = parsed;
    }

    ConnectionInfo connection(SqlStatements owner, Object statement) {
      ConnectionInfo c = connection;
      if (c == null) {
        c = owner.connectionOf(statement);
        if (c != ConnectionInfo.UNKNOWN) {
          connection = c;
        }
      }
      return c;
    }
  }

  /** One thread's call in progress: reused, so recording allocates nothing per call. */
  static final class ThreadState {
    final SqlStatements owner;
    int depth;
    boolean recording;
    long startNanos;
    JdbcMetrics.Operation operation;
    DbSpan span;

    ThreadState(SqlStatements owner) {
      this.owner = owner;
    }
  }
}
