package dev.weft.runtime.operation;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.PollReport;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.ConcurrentWeakIdentityMap;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.trace.Tracing;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The one operation pipeline: an operation of a described kind starts with what the module knows
 * of it, ends once with its outcome, and becomes its family's span, count, duration and exemplar.
 * Each family's description ({@link Families}) makes one {@link Shape} here, found from the kind
 * in one field read; kinds that no family describes are ignored (a module newer than this
 * runtime). What several families share is kept here: the operations that wait for a reply on a
 * connection answering in order (a reply ends the oldest, a broken connection ends them all),
 * where each connection goes, and how deep each thread is in server dispatches.
 */
public final class OperationPipeline extends Operations {

  /** Operations waiting for a reply on one connection beyond which the oldest are forgotten. */
  static final int MAX_PENDING = 100_000;
  static final String[] NO_HEADERS = new String[0];

  private final AgentErrors errors;
  private final ConcurrentWeakIdentityMap<ArrayDeque<Commands.Operation>> waiting =
      new ConcurrentWeakIdentityMap<>();
  private final ConcurrentWeakIdentityMap<Endpoint> endpoints = new ConcurrentWeakIdentityMap<>();
  /** Per thread: how deep it is in server dispatches (only the outermost is a request). */
  final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);

  private final boolean tracing;

  @Override
  public boolean tracing() {
    return tracing;
  }

  /** Describes every family's kind; {@code metrics} null when metrics are off. */
  public OperationPipeline(
      List<Family> families, MetricsRuntime metrics, Tracing tracing, AgentErrors errors) {
    this.errors = errors;
    this.tracing = tracing.enabled();
    for (Family family : families) {
      OperationKind.named(family.kind).describe(family.shape(this, metrics, tracing, errors));
    }
  }

  /** The kind's shape in this pipeline if it is a {@code type}, else null. */
  private <T extends Shape> T shape(OperationKind kind, Class<T> type) {
    Object d = kind == null ? null : kind.description();
    return type.isInstance(d) && ((Shape) d).pipeline == this ? type.cast(d) : null;
  }

  // --- commands

  @Override
  public Object start(OperationKind kind, Object nameKey, byte[] name, String host, int port, int db) {
    Commands commands = shape(kind, Commands.class);
    return commands == null ? null : commands.start(nameKey, name, host, port, db);
  }

  @Override
  public Object start(OperationKind kind, Object nameKey, byte[] name, Socket socket, int db) {
    Commands commands = shape(kind, Commands.class);
    if (commands == null) {
      return null;
    }
    SocketAddress address = socket == null ? null : socket.getRemoteSocketAddress();
    if (address instanceof InetSocketAddress) {
      InetSocketAddress inet = (InetSocketAddress) address;
      // getHostString: never a reverse DNS lookup
      return commands.start(nameKey, name, inet.getHostString(), inet.getPort(), db);
    }
    return commands.start(nameKey, name, null, -1, db);
  }

  @Override
  public Object startOn(OperationKind kind, Object connection, Object nameKey, byte[] name) {
    Commands commands = shape(kind, Commands.class);
    if (commands == null) {
      return null;
    }
    Endpoint e = connection == null ? null : endpoints.get(connection);
    return e == null
        ? commands.start(nameKey, name, null, -1, -1)
        : commands.start(nameKey, name, e.host, e.port, e.db);
  }

  @Override
  public void connected(Object connection, String host, int port, int db) {
    try {
      if (connection != null) {
        endpoints.put(connection, new Endpoint(host, port, db));
      }
    } catch (Throwable t) {
      errors.internalFailure("operations", "recording a connection", t);
    }
  }

  @Override
  public void awaitReply(Object connection, Object operation) {
    try {
      if (connection == null || !(operation instanceof Commands.Operation)) {
        return;
      }
      ArrayDeque<Commands.Operation> queue = waiting.get(connection);
      if (queue == null) {
        queue = new ArrayDeque<>();
        waiting.put(connection, queue);
      }
      synchronized (queue) {
        if (queue.size() >= MAX_PENDING) {
          queue.pollFirst(); // replies never read: bounded, whatever the application does
        }
        queue.addLast((Commands.Operation) operation);
      }
    } catch (Throwable t) {
      errors.internalFailure("operations", "recording an operation sent", t);
    }
  }

  @Override
  public Object startLibraryWork(OperationKind kind) {
    Commands commands = shape(kind, Commands.class);
    return commands == null ? null : commands.startLibraryWork();
  }

  @Override
  public void endLibraryWork(Object handle) {
    Commands.endLibraryWork(handle);
  }

  @Override
  public void replied(Object connection, Throwable error, boolean connectionBroken) {
    try {
      ArrayDeque<Commands.Operation> queue = connection == null ? null : waiting.get(connection);
      if (queue == null) {
        return;
      }
      Commands.Operation[] ended;
      synchronized (queue) {
        if (connectionBroken) {
          ended = queue.toArray(new Commands.Operation[0]);
          queue.clear();
        } else {
          Commands.Operation head = queue.peekFirst();
          if (head == null || head.commands.inLibraryWork()) {
            return; // nothing waits, or the library read a reply of its own (not queued)
          }
          queue.pollFirst();
          ended = new Commands.Operation[] {head};
        }
      }
      for (Commands.Operation op : ended) {
        op.commands.end(op, error);
      }
    } catch (Throwable t) {
      errors.internalFailure("operations", "recording a reply", t);
    }
  }

  // --- HTTP client calls

  @Override
  public Object startCall(
      OperationKind kind, String method, String scheme, String host, int port, String path) {
    HttpCalls calls = shape(kind, HttpCalls.class);
    return calls == null ? null : calls.start(method, scheme, host, port, path);
  }

  @Override
  public String[] propagationHeaders(Object operation) {
    if (operation instanceof HttpCalls.Call) {
      HttpCalls.Call call = (HttpCalls.Call) operation;
      return call.calls.headers(call);
    }
    if (operation instanceof Messages.Send) {
      Messages.Send send = (Messages.Send) operation;
      return send.messages.headers(send);
    }
    if (operation instanceof RpcCalls.Call) {
      RpcCalls.Call call = (RpcCalls.Call) operation;
      return call.calls.headers(call);
    }
    return NO_HEADERS;
  }

  // --- RPCs

  @Override
  public Object startRpcServer(
      OperationKind kind,
      String fullMethodName,
      String traceparent,
      String tracestate,
      String baggage) {
    RpcCalls calls = shape(kind, RpcCalls.class);
    return calls == null
        ? null
        : calls.startServer(fullMethodName, traceparent, tracestate, baggage);
  }

  @Override
  public Object startRpcClient(OperationKind kind, String fullMethodName, String authority) {
    RpcCalls calls = shape(kind, RpcCalls.class);
    return calls == null ? null : calls.startClient(fullMethodName, authority);
  }

  @Override
  public Object context(Object operation) {
    if (operation instanceof RpcCalls.Call) {
      RpcCalls.Call call = (RpcCalls.Call) operation;
      return call.calls.context(call);
    }
    return null;
  }

  // --- HTTP server requests

  @Override
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
    HttpRequests requests = shape(kind, HttpRequests.class);
    return requests == null
        ? null
        : requests.start(owner, method, endpoint, scheme, path, traceparent, tracestate, baggage);
  }

  @Override
  public void suspend(Object operation) {
    if (operation instanceof HttpRequests.Request) {
      ((HttpRequests.Request) operation).requests.suspend(operation);
    } else if (operation == NESTED) {
      unwind();
    }
  }

  /** Leaves one level of server dispatch on this thread. */
  void unwind() {
    int[] d = depth.get();
    if (d[0] > 0) {
      d[0]--;
    }
  }

  // --- SQL statements

  @Override
  public void prepared(OperationKind kind, Object statement, String sql) {
    SqlStatements statements = shape(kind, SqlStatements.class);
    if (statements != null) {
      statements.prepared(statement, sql);
    }
  }

  @Override
  public Object startPrepare(OperationKind kind) {
    SqlStatements statements = shape(kind, SqlStatements.class);
    return statements == null ? null : statements.startPrepare();
  }

  @Override
  public void endPrepare(
      Object handle, Object connection, String sql, Object statement, Throwable error) {
    if (handle instanceof SqlStatements.ThreadState) {
      ((SqlStatements.ThreadState) handle).owner.endPrepare(
          (SqlStatements.ThreadState) handle, connection, sql, statement, error);
    }
  }

  @Override
  public void batchAdded(OperationKind kind, Object statement, String sql) {
    SqlStatements statements = shape(kind, SqlStatements.class);
    if (statements != null) {
      statements.batchAdded(statement, sql);
    }
  }

  @Override
  public void closed(OperationKind kind, Object resource) {
    SqlStatements statements = shape(kind, SqlStatements.class);
    if (statements != null) {
      statements.closed(resource);
      return;
    }
    Messages messages = shape(kind, Messages.class);
    if (messages != null) {
      messages.closed(resource);
    }
  }

  @Override
  public Object startStatement(OperationKind kind, Object statement, String sql, boolean batch) {
    SqlStatements statements = shape(kind, SqlStatements.class);
    return statements == null ? null : statements.start(statement, sql, batch);
  }

  @Override
  public void poolOpened(OperationKind kind, Object pool) {
    SqlStatements statements = shape(kind, SqlStatements.class);
    if (statements != null) {
      statements.poolOpened(pool);
    }
  }

  @Override
  public void poolClosed(OperationKind kind, Object pool) {
    SqlStatements statements = shape(kind, SqlStatements.class);
    if (statements != null) {
      statements.poolClosed(pool);
    }
  }

  @Override
  public void connectionAcquired(OperationKind kind, Object pool, long nanos, Throwable error) {
    SqlStatements statements = shape(kind, SqlStatements.class);
    if (statements != null) {
      statements.connectionAcquired(pool, nanos, error);
    }
  }

  // --- messages

  /** The messaging shape of the family named {@code kind} here, or null. */
  public Messages messages(String kind) {
    return shape(OperationKind.named(kind), Messages.class);
  }

  @Override
  public Object startSend(OperationKind kind, String destination) {
    Messages messages = shape(kind, Messages.class);
    return messages == null ? null : messages.startSend(destination);
  }

  @Override
  public void pollStarting(OperationKind kind, PollReport poll) {
    Messages messages = shape(kind, Messages.class);
    if (messages != null && poll != null) {
      messages.pollStarting(poll);
    }
  }

  @Override
  public void polled(OperationKind kind, PollReport poll) {
    Messages messages = shape(kind, Messages.class);
    if (messages != null && poll != null) {
      messages.polled(poll);
    }
  }

  @Override
  public void iterating(OperationKind kind, Object batch, Object iterator) {
    Messages messages = shape(kind, Messages.class);
    if (messages != null) {
      messages.iterating(batch, iterator);
    }
  }

  @Override
  public void startProcess(
      OperationKind kind,
      Object iterator,
      Object message,
      String destination,
      int partition,
      long offset,
      byte[] traceparent,
      byte[] tracestate) {
    Messages messages = shape(kind, Messages.class);
    if (messages != null) {
      messages.startProcess(
          iterator, message, destination, partition, offset, traceparent, tracestate);
    }
  }

  @Override
  public void processEnded(OperationKind kind) {
    Messages messages = shape(kind, Messages.class);
    if (messages != null) {
      messages.processEnded();
    }
  }

  // --- the end of any operation

  @Override
  public void end(Object operation, Throwable error) {
    end(operation, -1, error, null);
  }

  @Override
  public void end(Object operation, int status, Throwable error) {
    end(operation, status, error, null);
  }

  @Override
  public void end(Object operation, int status, Throwable error, String route) {
    if (operation instanceof Commands.Operation) {
      Commands.Operation op = (Commands.Operation) operation;
      op.commands.end(op, error);
    } else if (operation instanceof HttpCalls.Call) {
      HttpCalls.Call call = (HttpCalls.Call) operation;
      call.calls.end(call, status, error);
    } else if (operation instanceof RpcCalls.Call) {
      RpcCalls.Call call = (RpcCalls.Call) operation;
      call.calls.end(call, status, error);
    } else if (operation instanceof HttpRequests.Request) {
      HttpRequests.Request request = (HttpRequests.Request) operation;
      request.requests.end(request, status, error, route);
    } else if (operation instanceof Messages.Send) {
      Messages.Send send = (Messages.Send) operation;
      send.messages.end(send, error);
    } else if (operation instanceof SqlStatements.ThreadState) {
      ((SqlStatements.ThreadState) operation).owner.end(operation, error);
    } else if (operation == NESTED) {
      unwind();
    }
  }

  /** Where a connection goes. */
  static final class Endpoint {
    final String host;
    final int port;
    final int db;

    Endpoint(String host, int port, int db) {
      this.host = host;
      this.port = port;
      this.db = db;
    }
  }
}
