package dev.weft.bootstrap;

import java.net.Socket;

/**
 * The one operation pipeline's entry for advice: an operation of some {@link OperationKind}
 * starts (on the calling thread, a child of its current trace context) and later ends, once,
 * with an outcome; the runtime turns that into the kind's span, counter, histogram and exemplar.
 *
 * <p>Operation names arrive as the bytes or text the protocol uses ({@code GET}, {@code SET});
 * {@code nameKey} is an object that stands for the name (an enum constant of the library) and
 * lets the runtime decode each name once. For clients that write requests and read their replies
 * in order on one connection, the pipeline also keeps the operations that wait for a reply
 * ({@link #awaitReply} and {@link #replied}); for clients whose connections are opened once and
 * used later, where each one goes ({@link #connected} and {@link #startOn}).
 *
 * <p>Arguments (keys, values, statements' literals) are never passed here. Nothing here throws.
 */
public abstract class Operations {

  public static final Operations NOOP =
      new Operations() {
        @Override
        public Object start(
            OperationKind kind, Object nameKey, byte[] name, String host, int port, int db) {
          return null;
        }

        @Override
        public Object start(OperationKind kind, Object nameKey, byte[] name, Socket socket, int db) {
          return null;
        }

        @Override
        public Object startOn(OperationKind kind, Object connection, Object nameKey, byte[] name) {
          return null;
        }

        @Override
        public void end(Object operation, Throwable error) {}

        @Override
        public void connected(Object connection, String host, int port, int db) {}

        @Override
        public void awaitReply(Object connection, Object operation) {}

        @Override
        public void replied(Object connection, Throwable error, boolean connectionBroken) {}
      };

  /**
   * Starts an operation against {@code host:port} (host null when unknown), database number
   * {@code db} (-1 when unknown). Returns the operation to end, or null when nothing is recorded.
   */
  public abstract Object start(
      OperationKind kind, Object nameKey, byte[] name, String host, int port, int db);

  /** As above, against the remote end of {@code socket} (null when unknown). */
  public abstract Object start(
      OperationKind kind, Object nameKey, byte[] name, Socket socket, int db);

  /** As above, against where {@code connection} was {@link #connected} to (unknown if never). */
  public abstract Object startOn(
      OperationKind kind, Object connection, Object nameKey, byte[] name);

  /**
   * The operation is over: {@code error} null for success. Only the first end of an operation
   * counts, whoever reports it; a null operation is ignored.
   */
  public abstract void end(Object operation, Throwable error);

  /** {@code connection} goes to {@code host:port}, database {@code db} (-1 when unknown). */
  public abstract void connected(Object connection, String host, int port, int db);

  /** {@code operation} (or null) was written to {@code connection} and waits for its reply. */
  public abstract void awaitReply(Object connection, Object operation);

  /**
   * One reply was read on {@code connection}: the oldest operation waiting there ends with
   * {@code error} (null, or an error reply). When the connection is broken, no waiting operation
   * will get its reply: they all end with {@code error}.
   */
  public abstract void replied(Object connection, Throwable error, boolean connectionBroken);
}
