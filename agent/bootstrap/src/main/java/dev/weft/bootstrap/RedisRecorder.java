package dev.weft.bootstrap;

import java.net.Socket;

/**
 * What Redis client advice reports. A command is reported in one of two shapes:
 *
 * <ul>
 *   <li>as it is written and as its reply is read, on a connection that answers in order (Jedis:
 *       {@link #sent} then {@link #replied}, one reply per command, pipelines included);
 *   <li>as one call that completes later, possibly on another thread ({@link #start} then
 *       {@link #end});
 *   <li>as a command object handed to a connection that completes it later, on an I/O thread
 *       (Lettuce: {@link #connected} once per connection, then {@link #dispatched} per command;
 *       a command that is a {@code CompletableFuture} is followed by the runtime, any other is
 *       reported through {@link #completed}).
 * </ul>
 *
 * Arguments of commands are never passed here: they hold keys, values and passwords.
 */
public abstract class RedisRecorder {

  public static final RedisRecorder NOOP =
      new RedisRecorder() {
        @Override
        public void sent(Object connection, Object command, byte[] name, Socket socket, int db) {}

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

        @Override
        public void connected(Object connection, String host, int port, int db) {}

        @Override
        public Object dispatched(Object connection, Object command, Object type, byte[] name) {
          return null;
        }

        @Override
        public void completed(Object command, Throwable error) {}

        @Override
        public Object awaitStarted(Object future) {
          return null;
        }

        @Override
        public void awaitEnded(Object previous, Throwable thrown) {}
      };

  /**
   * A command was written to {@code connection}; its reply is the next one not yet read.
   *
   * @param command an object that stands for the command name (Jedis's {@code ProtocolCommand}),
   *     used as a cache key so that {@code name} is decoded once
   * @param name the command name's bytes as sent ({@code GET}, {@code SET}, ...)
   * @param socket the connection's socket (its remote address is the server's), or null
   * @param db the database index, or -1 when unknown
   */
  public abstract void sent(Object connection, Object command, byte[] name, Socket socket, int db);

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

  /** A connection to {@code host:port}, database {@code db} (-1 when unknown), was opened. */
  public abstract void connected(Object connection, String host, int port, int db);

  /**
   * {@code command} was handed to {@code connection} and will complete later, on any thread. A
   * command that is a {@code CompletableFuture} is followed to its completion by the runtime; for
   * any other, the advice reports {@link #completed}.
   *
   * @param type an object that stands for the command name (Lettuce's {@code ProtocolKeyword}),
   *     used as a cache key so that {@code name} is decoded once
   * @param name the command name's bytes as sent
   * @return the handle to pass to {@link #end} should handing the command over throw, or null
   */
  public abstract Object dispatched(Object connection, Object command, Object type, byte[] name);

  /**
   * A command that is not a {@code CompletableFuture} completed ({@code error} null), failed or
   * was cancelled; commands never dispatched are ignored, and only the first report counts.
   */
  public abstract void completed(Object command, Throwable error);

  /**
   * The calling thread starts waiting for {@code future}, a dispatched command, and will cancel it
   * if it does not complete in time (Lettuce's sync API). A cancellation during that wait is not
   * reported as such: the command ends with what the wait throws, see {@link #awaitEnded}.
   *
   * @return what to pass to {@link #awaitEnded}
   */
  public abstract Object awaitStarted(Object future);

  /**
   * The wait started by {@link #awaitStarted} is over; if it cancelled its command, the command
   * ends with {@code thrown} (the application's {@code RedisCommandTimeoutException}).
   */
  public abstract void awaitEnded(Object previous, Throwable thrown);
}
