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
 * used later, where each one goes ({@link #connected} and {@link #startOn}). HTTP calls start with
 * their request's parts ({@link #startCall}), add their span's headers to the request
 * ({@link #propagationHeaders}) and end with the response's status. Messages sent
 * ({@link #startSend}) carry their span's headers likewise; a consumer's polls report what they
 * returned ({@link #polled}), and each message the application takes from a poll's batch is
 * processed until it takes the next one ({@link #startProcess}).
 *
 * <p>Arguments (keys, values, statements' literals) are never passed here. Nothing here throws.
 * Every method of this class itself does nothing (returns null, or no headers): the runtime's
 * pipeline overrides them.
 */
public class Operations {

  private static final String[] NO_HEADERS = new String[0];

  /**
   * What {@link #startRequest} returns for a dispatch nested inside a request already in
   * progress on the same thread (a filter chain calling the next handler): end it like
   * any other, which unwinds the nesting without recording anything.
   */
  public static final Object NESTED = new Object();

  /** Does nothing: what advice reaches until the runtime has started. */
  public static final Operations NOOP = new Operations();

  /** For the runtime's pipeline; advice uses {@link WeftBridge#operations()}. */
  protected Operations() {}

  /**
   * Whether spans are recorded, so that the W3C headers of a received request or message are
   * worth reading. Advice whose header lookups cost something (the JDK server's {@code getFirst}
   * copies the name on every call) passes null for them when this is false.
   */
  public boolean tracing() {
    return false;
  }

  /**
   * Starts an operation against {@code host:port} (host null when unknown), database number
   * {@code db} (-1 when unknown). Returns the operation to end, or null when nothing is recorded.
   */
  public Object start(
      OperationKind kind, Object nameKey, byte[] name, String host, int port, int db) {
    return null;
  }

  /** As above, against the remote end of {@code socket} (null when unknown). */
  public Object start(
      OperationKind kind, Object nameKey, byte[] name, Socket socket, int db) {
    return null;
  }

  /** As above, against where {@code connection} was {@link #connected} to (unknown if never). */
  public Object startOn(
      OperationKind kind, Object connection, Object nameKey, byte[] name) {
    return null;
  }

  /**
   * The operation is over: {@code error} null for success. Only the first end of an operation
   * counts, whoever reports it; a null operation is ignored.
   */
  public void end(Object operation, Throwable error) {}

  /** {@code connection} goes to {@code host:port}, database {@code db} (-1 when unknown). */
  public void connected(Object connection, String host, int port, int db) {}

  /** {@code operation} (or null) was written to {@code connection} and waits for its reply. */
  public void awaitReply(Object connection, Object operation) {}

  /**
   * One reply was read on {@code connection}: the oldest operation waiting there ends with
   * {@code error} (null, or an error reply). When the connection is broken, no waiting operation
   * will get its reply: they all end with {@code error}.
   */
  public void replied(Object connection, Throwable error, boolean connectionBroken) {}

  /**
   * The client library of {@code kind} starts work of its own on this thread: a connection's
   * handshake ({@code HELLO}, {@code AUTH}, {@code SELECT}, {@code CLIENT SETNAME/SETINFO}), a
   * pool's upkeep of its connections (a validation {@code PING}, an activation {@code SELECT}, a
   * {@code QUIT}). Until {@link #endLibraryWork}, the commands this thread starts and the replies
   * it reads are not the application's and are not recorded. Returns the handle to end.
   */
  public Object startLibraryWork(OperationKind kind) {
    return null;
  }

  /** The work {@link #startLibraryWork} began is over (returned or threw). */
  public void endLibraryWork(Object handle) {}

  /**
   * Starts an HTTP call, a child of the current context. Returns the call to end, or null when
   * nothing is recorded (Weft's own export, metrics and traces off).
   *
   * @param host the target host as the application gave it (a label: never user-info)
   * @param port the target port, or -1 for the scheme's default
   * @param path the request path without its query string (a span attribute only)
   */
  public Object startCall(
      OperationKind kind, String method, String scheme, String host, int port, String path) {
    return null;
  }

  /**
   * The headers to add to the call's request, as name, value, name, value, ...: the W3C
   * {@code traceparent} (and {@code tracestate}, {@code baggage}) of its span. Never null; empty
   * when there is nothing to propagate. Advice never overwrites a {@code traceparent} the
   * application set itself.
   */
  public String[] propagationHeaders(Object operation) {
    return NO_HEADERS;
  }

  /**
   * The call is over, once (as {@link #end(Object, Throwable)}).
   *
   * @param status the response's status, or a value below 100 when no response arrived
   * @param error what the call threw (connection refused, timeout, ...), or null
   */
  public void end(Object operation, int status, Throwable error) {}

  /**
   * An RPC arrives at a server: {@code fullMethodName} is {@code package.Service/Method} as the
   * call's descriptor names it (its service and method are labels, through the cardinality
   * guard), the three W3C values are its metadata's (or null). Its SERVER span is not made current
   * here: the module makes {@link #context} current in each of the call's callbacks, on whichever
   * thread runs it. End it once with {@link #end(Object, int, Throwable)}, {@code status} being the
   * gRPC status code value (0 for OK, 1 CANCELLED, 4 DEADLINE_EXCEEDED, 13 INTERNAL ...). Returns
   * null when nothing is recorded.
   */
  public Object startRpcServer(
      OperationKind kind,
      String fullMethodName,
      String traceparent,
      String tracestate,
      String baggage) {
    return null;
  }

  /**
   * An RPC starts on a client, a child of the current context, to {@code authority}
   * ({@code host:port} as the channel names it, or null). Its span's headers, to put into the
   * call's metadata: {@link #propagationHeaders}. Ends as {@link #startRpcServer} does.
   */
  public Object startRpcClient(OperationKind kind, String fullMethodName, String authority) {
    return null;
  }

  /**
   * The trace context of {@code operation} (an RPC's span in its parent's context), for
   * {@link WeftBridge#context()}'s {@code attach}; null when there is none.
   */
  public Object context(Object operation) {
    return null;
  }

  /**
   * A request enters a server's dispatch; while it is in the dispatch, its SERVER span is the
   * thread's current context. Returns the request to end (or to {@link #suspend}), {@link #NESTED}
   * inside a request already in progress on this thread, or null when nothing is recorded.
   *
   * @param owner the object that serves the request (its handler): lets Weft leave out its
   *     own /metrics server
   * @param endpoint the route template known at dispatch (never the raw path); may be refined at
   *     the end. Null for a server that has no routes at all (plain Netty): then the request's
   *     {@code path} is its endpoint label, bounded by {@code weft.metrics.cardinality.limit}
   *     (further paths fold into {@code _other_}), and its span is named by the method alone,
   *     without {@code http.route}
   * @param path the request path without its query string (a span attribute only)
   * @param traceparent the W3C header of that name, or null (likewise the next two)
   */
  public Object startRequest(
      OperationKind kind,
      Object owner,
      String method,
      String endpoint,
      String scheme,
      String path,
      String traceparent,
      String tracestate,
      String baggage) {
    return null;
  }

  /**
   * The dispatch returned but the request goes on asynchronously: the thread lets go of the
   * request's context; the end follows later, from any thread.
   */
  public void suspend(Object operation) {}

  /**
   * The request is complete (as {@link #end(Object, int, Throwable)}).
   *
   * @param status the response status; below 100 when no response was sent
   * @param route the route template found during the dispatch (a web framework's matched
   *     pattern), or null to keep the endpoint given at the start
   */
  public void end(Object operation, int status, Throwable error, String route) {}

  /** {@code statement} was prepared with {@code sql}: parsed once, here, not per execution. */
  public void prepared(OperationKind kind, Object statement, String sql) {}

  /**
   * A connection starts preparing a statement. Returns what {@link #endPrepare} takes; nested
   * prepares (a pool's proxy calling the driver's connection) are seen as such.
   */
  public Object startPrepare(OperationKind kind) {
    return null;
  }

  /**
   * The prepare that {@code handle} started returned {@code statement}, or threw {@code error}.
   * A returned statement is remembered with its SQL (as {@link #prepared}); an outermost prepare
   * that threw is one failed operation of that SQL: the statement will never run, and a driver
   * that checks SQL at prepare time (H2, MariaDB with server-side prepares) fails it here.
   */
  public void endPrepare(
      Object handle, Object connection, String sql, Object statement, Throwable error) {}

  /** {@code sql} was added to {@code statement}'s batch (a batch is named by its first). */
  public void batchAdded(OperationKind kind, Object statement, String sql) {}

  /**
   * {@code resource} (a statement, a consumer) was closed: what Weft knew of it is forgotten at
   * once.
   */
  public void closed(OperationKind kind, Object resource) {}

  /**
   * {@code statement} starts executing {@code sql} (null: its prepared text, or its batch when
   * {@code batch}). Only the outermost execution on a thread is an operation: nested ones (a
   * pool's proxy calling the driver's statement) return a value that ends without recording.
   * End it with {@link #end(Object, Throwable)}, always: it also unwinds the nesting.
   */
  public Object startStatement(
      OperationKind kind, Object statement, String sql, boolean batch) {
    return null;
  }

  /** A connection pool was started (its gauges appear). */
  public void poolOpened(OperationKind kind, Object pool) {}

  /** A connection pool was shut down (its gauges go). */
  public void poolClosed(OperationKind kind, Object pool) {}

  /** Borrowing a connection from {@code pool} took {@code nanos} and failed with {@code error}. */
  public void connectionAcquired(
      OperationKind kind, Object pool, long nanos, Throwable error) {}

  /**
   * Starts sending a message to {@code destination} (a topic), a child of the current context.
   * Returns the send to end ({@link #end(Object, Throwable)}: acknowledged, failed, or thrown by
   * the send itself), or null when nothing is recorded. The span's headers, to add to the
   * message: {@link #propagationHeaders}.
   */
  public Object startSend(OperationKind kind, String destination) {
    return null;
  }

  /**
   * A consumer's poll starts on this thread: a message still being processed on it is done, and,
   * while {@link PollReport#failuresWaiting}, the consumer's positions as the application left
   * them decide which of its failed records are final (before this poll can commit past them).
   */
  public void pollStarting(OperationKind kind, PollReport poll) {}

  /**
   * The poll returned (or threw): the messages it handed over per destination, the consumer's
   * group, and its own view of its assigned partitions (the lag, with no request to the broker;
   * partitions no longer assigned lose their series).
   */
  public void polled(OperationKind kind, PollReport poll) {}

  /** The application iterates over {@code batch} (a poll's result) with {@code iterator}. */
  public void iterating(OperationKind kind, Object batch, Object iterator) {}

  /**
   * The application takes {@code message} from {@code iterator} on this thread: the previous
   * message is done, this one's processing starts (a CONSUMER span, a child of the context its
   * headers carry, current on the thread until it is done).
   */
  public void startProcess(
      OperationKind kind,
      Object iterator,
      Object message,
      String destination,
      int partition,
      long offset,
      byte[] traceparent,
      byte[] tracestate) {}

  /** The iteration on this thread is over: the message being processed is done. */
  public void processEnded(OperationKind kind) {}
}
