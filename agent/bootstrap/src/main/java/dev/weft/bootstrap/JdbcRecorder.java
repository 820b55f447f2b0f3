package dev.weft.bootstrap;

/**
 * What JDBC advice reports. Statements and connections are passed as plain objects: the runtime
 * behind this bridge reads them through the {@code java.sql} interfaces, so the bridge itself
 * stays free of any type but the JDK's core.
 *
 * <p>Every execution is reported as a {@link #start}/{@link #end} pair on one thread, including
 * nested ones (a pool's proxy statement calling the driver's, a driver's {@code executeQuery}
 * calling its own {@code execute}); the recorder counts only the outermost of them.
 */
public abstract class JdbcRecorder {

  public static final JdbcRecorder NOOP =
      new JdbcRecorder() {
        @Override
        public void prepared(Object statement, String sql) {}

        @Override
        public void batchAdded(Object statement, String sql) {}

        @Override
        public void closed(Object statement) {}

        @Override
        public Object start(Object statement, String sql, boolean batch) {
          return null;
        }

        @Override
        public void end(Object handle, Throwable error) {}

        @Override
        public void poolOpened(Object pool) {}

        @Override
        public void poolClosed(Object pool) {}

        @Override
        public void connectionAcquired(Object pool, long nanos, Throwable error) {}
      };

  /**
   * {@code Connection.prepareStatement}/{@code prepareCall} returned {@code statement} for
   * {@code sql}: its executions run that SQL.
   */
  public abstract void prepared(Object statement, String sql);

  /** {@code Statement.addBatch(sql)}: the batch's operation is taken from its statements. */
  public abstract void batchAdded(Object statement, String sql);

  /** {@code Statement.close()}: whatever was kept about the statement can go. */
  public abstract void closed(Object statement);

  /**
   * An {@code execute*} method starts.
   *
   * @param sql the SQL passed to the method, or null (a prepared statement's own SQL)
   * @param batch whether it is {@code executeBatch}/{@code executeLargeBatch}
   * @return the handle to pass to {@link #end}, or null
   */
  public abstract Object start(Object statement, String sql, boolean batch);

  /**
   * The execution started by {@link #start} returned ({@code error} null) or threw.
   * Null handles are ignored.
   */
  public abstract void end(Object handle, Throwable error);

  /** A connection pool (HikariCP's {@code HikariPool}) was created: publish its gauges. */
  public abstract void poolOpened(Object pool);

  /** The pool was shut down: its gauges go away. */
  public abstract void poolClosed(Object pool);

  /**
   * The application asked {@code pool} for a connection and got one ({@code error} null) or
   * not, after {@code nanos}.
   */
  public abstract void connectionAcquired(Object pool, long nanos, Throwable error);
}
