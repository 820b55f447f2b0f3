package dev.weft.bootstrap;

/**
 * What Redis client advice reports. A command is reported in one of two shapes:
 *
 * <ul>
 *   <li>as it is written and as its reply is read, on a connection that answers in order (Jedis:
 *       {@link #sent} then {@link #replied}, one reply per command, pipelines included);
 *   <li>as one call that completes later, possibly on another thread (Lettuce: {@link #start}
 *       then {@link #end}).
 * </ul>
 *
 * Arguments of commands are never passed here: they hold keys, values and passwords.
 */
public abstract class RedisRecorder {

  public static final RedisRecorder NOOP =
      new RedisRecorder() {
        @Override
        public void sent(Object connection, Object command, byte[] name, String host, int port, int db) {}

        @Override
        public void sendFailed(Object connection, Object command, byte[] name, Throwable error) {}

        @Override
        public void replied(Object connection, Throwable error) {}

        @Override
        public Object start(Object command, String name, String host, int port, int db) {
          return null;
        }

        @Override
        public void end(Object handle, Throwable error) {}
      };

  /**
   * A command was written to {@code connection}; its reply is the next one not yet read.
   *
   * @param command an object that stands for the command name (Jedis's {@code ProtocolCommand}),
   *     used as a cache key so that {@code name} is decoded once
   * @param name the command name's bytes as sent ({@code GET}, {@code SET}, ...)
   * @param host the server's host, or null
   * @param port the server's port, or -1
   * @param db the database index, or -1 when unknown
   */
  public abstract void sent(Object connection, Object command, byte[] name, String host, int port, int db);

  /** Writing a command failed (connection refused, broken): it is over, with that error. */
  public abstract void sendFailed(Object connection, Object command, byte[] name, Throwable error);

  /**
   * One reply was read on {@code connection} (an error reply when {@code error} is a data
   * exception): the oldest command still waiting on that connection is over.
   */
  public abstract void replied(Object connection, Throwable error);

  /** A command was dispatched and will complete later; returns the handle for {@link #end}. */
  public abstract Object start(Object command, String name, String host, int port, int db);

  /** The command started with {@link #start} completed ({@code error} null) or failed. */
  public abstract void end(Object handle, Throwable error);
}
