package dev.weft.runtime.operation;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.ConcurrentWeakIdentityMap;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.metrics.NamedOutcomeMetrics;
import dev.weft.runtime.trace.DbSpan;
import dev.weft.runtime.trace.Tracing;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The one operation pipeline: an operation of a described kind starts with its name and where it
 * goes, ends once with its outcome, and becomes its family's span, count, duration and exemplar.
 * Kinds that no family describes are ignored (a module newer than this runtime).
 *
 * <p>Operations that wait for a reply on a connection that answers in order are kept in a queue
 * per connection: a reply read ends the oldest, a broken connection ends them all.
 */
public final class OperationPipeline extends Operations {

  /** Operations waiting for a reply on one connection beyond which the oldest are forgotten. */
  static final int MAX_PENDING = 100_000;
  static final int MAX_NAMES = 1000;
  static final int MAX_NAME_LENGTH = 64;
  private static final String[] NO_HEADERS = new String[0];

  private final Tracing tracing;
  private final AgentErrors errors;
  private final boolean recording;
  private final ConcurrentWeakIdentityMap<ArrayDeque<Operation>> waiting =
      new ConcurrentWeakIdentityMap<>();
  private final ConcurrentWeakIdentityMap<Endpoint> endpoints = new ConcurrentWeakIdentityMap<>();
  /** Per thread: how deep it is in server dispatches (only the outermost is a request). */
  final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);

  /** Describes every family's kind; {@code metrics} null when metrics are off. */
  public OperationPipeline(
      List<Family> families, MetricsRuntime metrics, Tracing tracing, AgentErrors errors) {
    this.tracing = tracing;
    this.errors = errors;
    this.recording = metrics != null || tracing.enabled();
    for (Family family : families) {
      Object description;
      if (family.shape == Family.Shape.SQL_STATEMENTS) {
        description =
            new SqlStatements(
                this,
                family.kind,
                metrics == null ? null : metrics.jdbc(),
                metrics == null ? null : metrics.pools(),
                tracing,
                errors);
      } else if (family.shape == Family.Shape.HTTP_SERVER_REQUESTS) {
        description =
            new HttpRequests(
                this, family.kind, metrics == null ? null : metrics.httpServer(), tracing, errors);
      } else if (family.shape == Family.Shape.HTTP_CLIENT_CALLS) {
        description =
            new HttpCalls(
                this, family.kind, metrics == null ? null : metrics.httpClient(), tracing, errors);
      } else {
        NamedOutcomeMetrics series = metrics == null ? null : metrics.namedOutcomes(family.metrics);
        description = new Described(this, family, series);
      }
      OperationKind.named(family.kind).describe(description);
    }
  }

  @Override
  public Object start(OperationKind kind, Object nameKey, byte[] name, String host, int port, int db) {
    try {
      Described d = describedOrNull(kind);
      return d == null ? null : begin(d, d.nameOf(nameKey, name), host, port, db);
    } catch (Throwable t) {
      errors.internalFailure(kind == null ? "operations" : kind.name(), "recording an operation start", t);
      return null;
    }
  }

  @Override
  public Object start(OperationKind kind, Object nameKey, byte[] name, Socket socket, int db) {
    try {
      Described d = describedOrNull(kind);
      if (d == null) {
        return null;
      }
      SocketAddress address = socket == null ? null : socket.getRemoteSocketAddress();
      if (address instanceof InetSocketAddress) {
        InetSocketAddress inet = (InetSocketAddress) address;
        // getHostString: never a reverse DNS lookup
        return begin(d, d.nameOf(nameKey, name), inet.getHostString(), inet.getPort(), db);
      }
      return begin(d, d.nameOf(nameKey, name), null, -1, db);
    } catch (Throwable t) {
      errors.internalFailure(kind == null ? "operations" : kind.name(), "recording an operation start", t);
      return null;
    }
  }

  @Override
  public Object startOn(OperationKind kind, Object connection, Object nameKey, byte[] name) {
    try {
      Described d = describedOrNull(kind);
      if (d == null) {
        return null;
      }
      Endpoint e = connection == null ? null : endpoints.get(connection);
      return e == null
          ? begin(d, d.nameOf(nameKey, name), null, -1, -1)
          : begin(d, d.nameOf(nameKey, name), e.host, e.port, e.db);
    } catch (Throwable t) {
      errors.internalFailure(kind == null ? "operations" : kind.name(), "recording an operation start", t);
      return null;
    }
  }

  @Override
  public Object startCall(
      OperationKind kind, String method, String scheme, String host, int port, String path) {
    Object d = kind == null ? null : kind.description();
    if (d instanceof HttpCalls && ((HttpCalls) d).pipeline == this) {
      return ((HttpCalls) d).start(method, scheme, host, port, path);
    }
    return null;
  }

  @Override
  public String[] propagationHeaders(Object operation) {
    if (operation instanceof HttpCalls.Call) {
      HttpCalls.Call call = (HttpCalls.Call) operation;
      return call.calls.headers(call);
    }
    return NO_HEADERS;
  }

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
    Object d = kind == null ? null : kind.description();
    if (d instanceof HttpRequests && ((HttpRequests) d).pipeline == this) {
      return ((HttpRequests) d)
          .start(owner, method, endpoint, scheme, path, traceparent, tracestate, baggage);
    }
    return null;
  }

  @Override
  public void suspend(Object operation) {
    if (operation instanceof HttpRequests.Request) {
      ((HttpRequests.Request) operation).requests.suspend(operation);
    } else if (operation == NESTED) {
      unwind();
    }
  }

  @Override
  public void end(Object operation, int status, Throwable error, String route) {
    if (operation instanceof HttpRequests.Request) {
      HttpRequests.Request request = (HttpRequests.Request) operation;
      request.requests.end(request, status, error, route);
    } else {
      end(operation, status, error);
    }
  }

  @Override
  public void end(Object operation, int status, Throwable error) {
    if (operation instanceof HttpCalls.Call) {
      HttpCalls.Call call = (HttpCalls.Call) operation;
      call.calls.end(call, status, error);
    } else if (operation instanceof HttpRequests.Request) {
      HttpRequests.Request request = (HttpRequests.Request) operation;
      request.requests.end(request, status, error, null);
    } else {
      end(operation, error);
    }
  }

  /** The kind's SQL shape, or null. */
  private SqlStatements sql(OperationKind kind) {
    Object d = kind == null ? null : kind.description();
    return d instanceof SqlStatements && ((SqlStatements) d).pipeline == this
        ? (SqlStatements) d
        : null;
  }

  @Override
  public void prepared(OperationKind kind, Object statement, String sql) {
    SqlStatements shape = sql(kind);
    if (shape != null) {
      shape.prepared(statement, sql);
    }
  }

  @Override
  public void batchAdded(OperationKind kind, Object statement, String sql) {
    SqlStatements shape = sql(kind);
    if (shape != null) {
      shape.batchAdded(statement, sql);
    }
  }

  @Override
  public void closed(OperationKind kind, Object statement) {
    SqlStatements shape = sql(kind);
    if (shape != null) {
      shape.closed(statement);
    }
  }

  @Override
  public Object startStatement(OperationKind kind, Object statement, String sql, boolean batch) {
    SqlStatements shape = sql(kind);
    return shape == null ? null : shape.start(statement, sql, batch);
  }

  @Override
  public void poolOpened(OperationKind kind, Object pool) {
    SqlStatements shape = sql(kind);
    if (shape != null) {
      shape.poolOpened(pool);
    }
  }

  @Override
  public void poolClosed(OperationKind kind, Object pool) {
    SqlStatements shape = sql(kind);
    if (shape != null) {
      shape.poolClosed(pool);
    }
  }

  @Override
  public void connectionAcquired(OperationKind kind, Object pool, long nanos, Throwable error) {
    SqlStatements shape = sql(kind);
    if (shape != null) {
      shape.connectionAcquired(pool, nanos, error);
    }
  }

  @Override
  public void end(Object operation, Throwable error) {
    if (operation instanceof SqlStatements.ThreadState) {
      ((SqlStatements.ThreadState) operation).owner.end(operation, error);
      return;
    }
    if (operation == NESTED) {
      unwind();
      return;
    }
    if (operation instanceof HttpCalls.Call || operation instanceof HttpRequests.Request) {
      end(operation, -1, error);
      return;
    }
    if (operation instanceof Operation) {
      Operation op = (Operation) operation;
      try {
        finish(op, error);
      } catch (Throwable t) {
        errors.internalFailure(op.described.family.kind, "recording an operation end", t);
      }
    }
  }

  @Override
  public void connected(Object connection, String host, int port, int db) {
    try {
      if (connection != null && recording) {
        endpoints.put(connection, new Endpoint(host, port, db));
      }
    } catch (Throwable t) {
      errors.internalFailure("operations", "recording a connection", t);
    }
  }

  @Override
  public void awaitReply(Object connection, Object operation) {
    try {
      if (connection == null || !(operation instanceof Operation)) {
        return;
      }
      ArrayDeque<Operation> queue = waiting.get(connection);
      if (queue == null) {
        queue = new ArrayDeque<>();
        waiting.put(connection, queue);
      }
      synchronized (queue) {
        if (queue.size() >= MAX_PENDING) {
          queue.pollFirst(); // replies never read: bounded, whatever the application does
        }
        queue.addLast((Operation) operation);
      }
    } catch (Throwable t) {
      errors.internalFailure(kindOf(operation), "recording an operation sent", t);
    }
  }

  @Override
  public void replied(Object connection, Throwable error, boolean connectionBroken) {
    ArrayDeque<Operation> queue = null;
    try {
      queue = connection == null ? null : waiting.get(connection);
      if (queue == null) {
        return;
      }
      if (connectionBroken) {
        Operation[] all;
        synchronized (queue) {
          all = queue.toArray(new Operation[0]);
          queue.clear();
        }
        for (Operation op : all) {
          finish(op, error);
        }
        return;
      }
      Operation head;
      synchronized (queue) {
        head = queue.pollFirst();
      }
      if (head != null) {
        finish(head, error);
      }
    } catch (Throwable t) {
      errors.internalFailure("operations", "recording a reply", t);
    }
  }

  /** Leaves one level of server dispatch on this thread. */
  void unwind() {
    int[] d = depth.get();
    if (d[0] > 0) {
      d[0]--;
    }
  }

  private static String kindOf(Object operation) {
    return operation instanceof Operation ? ((Operation) operation).described.family.kind : "operations";
  }

  /** The kind's description, or null when this operation is not to be recorded. */
  private Described describedOrNull(OperationKind kind) {
    if (!recording || kind == null) {
      return null;
    }
    Object d = kind.description();
    if (!(d instanceof Described) || ((Described) d).pipeline != this || tracing.suppressed()) {
      return null;
    }
    return (Described) d;
  }

  private Operation begin(Described d, String name, String host, int port, int db) {
    Operation op = new Operation(d);
    op.series = d.metrics == null ? null : d.metrics.named(name);
    op.span =
        tracing.startDb(
            d.family.system, name, null, null, host, port, db >= 0 ? Integer.toString(db) : null);
    op.startNanos = System.nanoTime();
    return op;
  }

  private static void finish(Operation op, Throwable error) {
    if (!ENDED.compareAndSet(op, 0, 1)) {
      return; // an operation ends once, whoever reports it first
    }
    double seconds = (System.nanoTime() - op.startNanos) / 1e9;
    if (op.span != null) {
      op.span.end(error);
    }
    if (op.series != null) {
      op.series.record(seconds, error, op.span);
    }
  }

  /** ASCII upper case, at most {@value #MAX_NAME_LENGTH} characters, anything odd as '_'. */
  static String decode(byte[] raw) {
    if (raw == null || raw.length == 0) {
      return "UNKNOWN";
    }
    int n = Math.min(raw.length, MAX_NAME_LENGTH);
    char[] out = new char[n];
    for (int i = 0; i < n; i++) {
      char c = (char) (raw[i] & 0xff);
      if (c >= 'a' && c <= 'z') {
        c = (char) (c - 32);
      } else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
          || c == '-' || c == ' ')) {
        c = '_';
      }
      out[i] = c;
    }
    return new String(out);
  }

  private static final AtomicIntegerFieldUpdater<Operation> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(Operation.class, "ended");

  /** A family as this pipeline runs it: its series and the names it has decoded. */
  static final class Described {
    final OperationPipeline pipeline;
    final Family family;
    final NamedOutcomeMetrics metrics; // null when metrics are off
    private final ConcurrentHashMap<Object, String> names = new ConcurrentHashMap<>();

    Described(OperationPipeline pipeline, Family family, NamedOutcomeMetrics metrics) {
      this.pipeline = pipeline;
      this.family = family;
      this.metrics = metrics;
    }

    /** The operation's name, decoded once per name key. */
    String nameOf(Object key, byte[] raw) {
      String cached = key == null ? null : names.get(key);
      if (cached != null) {
        return cached;
      }
      String name = decode(raw);
      if (key != null) {
        if (names.size() >= MAX_NAMES) {
          names.clear(); // name objects made per call: bounded, re-decoded
        }
        names.put(key, name);
      }
      return name;
    }
  }

  /** One operation between its start and its end. */
  static final class Operation {
    final Described described;
    NamedOutcomeMetrics.Named series;
    DbSpan span;
    long startNanos;
    volatile int ended;

    Operation(Described described) {
      this.described = described;
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
