package dev.weft.runtime.redis;

import dev.weft.bootstrap.RedisRecorder;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.ConcurrentWeakIdentityMap;
import dev.weft.runtime.metrics.RedisMetrics;
import dev.weft.runtime.trace.DbSpan;
import dev.weft.runtime.trace.Tracing;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * Behind the Redis modules: RED metrics per command name and a CLIENT span per command.
 *
 * <p>For clients that write a command and later read its reply on the same connection, in order
 * (Jedis, pipelines included), each connection keeps a queue of the commands waiting for their
 * reply: a reply read ends the oldest. A broken connection ends every command still waiting on
 * it with that error, since none of their replies will come.
 *
 * <p>For clients that hand a command object to a connection and complete it later on an I/O
 * thread (Lettuce), the command is timed from its dispatch, on the caller's thread and in the
 * caller's trace context, to its completion. A command that is a {@code CompletableFuture} (every
 * command of Lettuce's sync and async APIs) gets a completion callback, so nothing is kept per
 * command; any other (the reactive API's) is kept in a weak map until the advice reports it.
 */
public final class RedisCommands extends RedisRecorder {

  static final String MODULE = "redis";
  /** Commands waiting for a reply on one connection beyond which the oldest are forgotten. */
  static final int MAX_PENDING = 100_000;
  static final int MAX_NAMES = 1000;
  static final int MAX_NAME_LENGTH = 64;

  private final RedisMetrics metrics; // null when metrics are off
  private final Tracing tracing;
  private final AgentErrors errors;
  private final ConcurrentWeakIdentityMap<ArrayDeque<Pending>> pending = new ConcurrentWeakIdentityMap<>();
  private final ConcurrentHashMap<Object, String> names = new ConcurrentHashMap<>();
  /** Where each dispatching connection goes (Lettuce): host, port, database. */
  private final ConcurrentWeakIdentityMap<Endpoint> endpoints = new ConcurrentWeakIdentityMap<>();
  /** Dispatched commands that are not futures, until they complete. */
  private final ConcurrentWeakIdentityMap<Pending> tracked = new ConcurrentWeakIdentityMap<>();
  /** How many commands {@link #tracked} holds, so that completions skip it while it is empty. */
  private final LongAdder trackedCount = new LongAdder();
  /** Per thread: the command it is waiting for with a timeout, and that command if it cancelled it. */
  private final ThreadLocal<Await> awaits = ThreadLocal.withInitial(Await::new);

  public RedisCommands(RedisMetrics metrics, Tracing tracing, AgentErrors errors) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.errors = errors;
  }

  @Override
  public void sent(Object connection, Object command, byte[] name, Socket socket, int db) {
    try {
      if (connection == null || (metrics == null && !tracing.enabled()) || tracing.suppressed()) {
        return;
      }
      String host = null;
      int port = -1;
      SocketAddress address = socket == null ? null : socket.getRemoteSocketAddress();
      if (address instanceof InetSocketAddress) {
        host = ((InetSocketAddress) address).getHostString(); // never a reverse DNS lookup
        port = ((InetSocketAddress) address).getPort();
      }
      Pending p = begin(nameOf(command, name), host, port, db);
      ArrayDeque<Pending> queue = pending.get(connection);
      if (queue == null) {
        queue = new ArrayDeque<>();
        pending.put(connection, queue);
      }
      synchronized (queue) {
        if (queue.size() >= MAX_PENDING) {
          queue.pollFirst(); // replies never read: bounded, whatever the application does
        }
        queue.addLast(p);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a command sent", t);
    }
  }

  @Override
  public void sendFailed(Object connection, Object command, byte[] name, Throwable error) {
    try {
      if ((metrics == null && !tracing.enabled()) || tracing.suppressed()) {
        return;
      }
      finish(begin(nameOf(command, name), null, -1, -1), error);
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a failed send", t);
    }
  }

  @Override
  public void replied(Object connection, Throwable error) {
    try {
      ArrayDeque<Pending> queue = connection == null ? null : pending.get(connection);
      if (queue == null) {
        return;
      }
      if (error != null && !isErrorReply(error)) {
        // The connection is broken: no waiting command will get its reply.
        Pending[] all;
        synchronized (queue) {
          all = queue.toArray(new Pending[0]);
          queue.clear();
        }
        for (Pending p : all) {
          finish(p, error);
        }
        return;
      }
      Pending head;
      synchronized (queue) {
        head = queue.pollFirst();
      }
      if (head != null) {
        finish(head, error);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a reply", t);
    }
  }

  @Override
  public Object start(Object command, String name, String host, int port, int db) {
    try {
      if ((metrics == null && !tracing.enabled()) || tracing.suppressed()) {
        return null;
      }
      return begin(nameOf(command, name), host, port, db);
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a command start", t);
      return null;
    }
  }

  @Override
  public void end(Object handle, Throwable error) {
    try {
      if (handle instanceof Pending) {
        finish((Pending) handle, error);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a command end", t);
    }
  }

  @Override
  public void connected(Object connection, String host, int port, int db) {
    try {
      if (connection != null) {
        endpoints.put(connection, new Endpoint(host, port, db));
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a connection", t);
    }
  }

  @Override
  public Object dispatched(Object connection, Object command, Object type, byte[] name) {
    try {
      if (command == null || (metrics == null && !tracing.enabled()) || tracing.suppressed()) {
        return null;
      }
      Endpoint endpoint = endpoints.get(connection);
      Pending p =
          endpoint == null
              ? begin(nameOf(type, name), null, -1, -1)
              : begin(nameOf(type, name), endpoint.host, endpoint.port, endpoint.db);
      if (command instanceof CompletableFuture) {
        p.future = command;
        ((CompletableFuture<?>) command).whenComplete(p);
      } else {
        tracked.put(command, p);
        trackedCount.increment();
      }
      return p;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a command dispatched", t);
      return null;
    }
  }

  @Override
  public void completed(Object command, Throwable error) {
    try {
      if (trackedCount.sum() == 0) {
        return;
      }
      Pending p = tracked.remove(command);
      if (p != null) {
        trackedCount.decrement();
        finish(p, error);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a command completed", t);
    }
  }

  @Override
  public Object awaitStarted(Object future) {
    try {
      Await await = awaits.get();
      Object previous = await.future;
      await.future = future;
      return previous;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a wait", t);
      return null;
    }
  }

  @Override
  public void awaitEnded(Object previous, Throwable thrown) {
    try {
      Await await = awaits.get();
      await.future = previous;
      Pending cancelled = await.cancelled;
      if (cancelled != null) {
        await.cancelled = null;
        finish(cancelled, thrown != null ? thrown : new CancellationException());
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a wait", t);
    }
  }

  /**
   * A future's completion: a cancellation by the thread that is waiting for it with a timeout
   * is left for {@link #awaitEnded}, which knows what the application gets instead.
   */
  void completedFuture(Pending p, Throwable error) {
    if (error instanceof CancellationException) {
      Await await = awaits.get();
      if (await.future == p.future && p.future != null) {
        await.cancelled = p;
        return;
      }
    }
    finish(p, error);
  }

  private Pending begin(String name, String host, int port, int db) {
    Pending p = new Pending(this);
    p.command = metrics == null ? null : metrics.command(name);
    p.span =
        tracing.startDb("redis", name, null, null, host, port, db >= 0 ? Integer.toString(db) : null);
    p.startNanos = System.nanoTime();
    return p;
  }

  private void finish(Pending p, Throwable error) {
    if (!ENDED.compareAndSet(p, 0, 1)) {
      return; // a command completes once, whoever reports it first
    }
    double seconds = (System.nanoTime() - p.startNanos) / 1e9;
    if (p.span != null) {
      p.span.end(error);
    }
    if (p.command != null) {
      p.command.record(seconds, error, p.span);
    }
  }

  /**
   * An error reply from the server (Jedis's {@code JedisDataException} and its subclasses:
   * WRONGTYPE, NOAUTH, MOVED, ...) leaves the connection usable; anything else does not.
   */
  static boolean isErrorReply(Throwable error) {
    for (Class<?> c = error.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals("redis.clients.jedis.exceptions.JedisDataException")) {
        return true;
      }
    }
    return false;
  }

  /** The upper-case command name, decoded once per command object. */
  String nameOf(Object command, byte[] raw) {
    String cached = command == null ? null : names.get(command);
    if (cached != null) {
      return cached;
    }
    String name = decode(raw);
    if (command != null) {
      if (names.size() >= MAX_NAMES) {
        names.clear(); // custom command objects made per call: bounded, re-decoded
      }
      names.put(command, name);
    }
    return name;
  }

  private String nameOf(Object command, String name) {
    String cached = command == null ? null : names.get(command);
    if (cached != null) {
      return cached;
    }
    String upper = normalize(name);
    if (command != null) {
      if (names.size() >= MAX_NAMES) {
        names.clear();
      }
      names.put(command, upper);
    }
    return upper;
  }

  /** ASCII upper case, at most {@value #MAX_NAME_LENGTH} characters, anything odd as '_'. */
  static String decode(byte[] raw) {
    if (raw == null || raw.length == 0) {
      return "UNKNOWN";
    }
    int n = Math.min(raw.length, MAX_NAME_LENGTH);
    char[] out = new char[n];
    for (int i = 0; i < n; i++) {
      out[i] = normalizeChar((char) (raw[i] & 0xff));
    }
    return new String(out);
  }

  static String normalize(String name) {
    if (name == null || name.isEmpty()) {
      return "UNKNOWN";
    }
    int n = Math.min(name.length(), MAX_NAME_LENGTH);
    char[] out = new char[n];
    for (int i = 0; i < n; i++) {
      out[i] = normalizeChar(name.charAt(i));
    }
    return new String(out);
  }

  private static char normalizeChar(char c) {
    if (c >= 'a' && c <= 'z') {
      return (char) (c - 32);
    }
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == ' ') {
      return c;
    }
    return '_';
  }

  private static final AtomicIntegerFieldUpdater<Pending> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(Pending.class, "ended");

  /**
   * One command between its sending and its reply; also the completion callback of a command
   * that is a future (the error it gets is the one the application's future holds).
   */
  static final class Pending implements BiConsumer<Object, Throwable> {
    final RedisCommands owner;
    RedisMetrics.Command command;
    DbSpan span;
    long startNanos;
    Object future; // the command, when it is a future
    volatile int ended;

    Pending(RedisCommands owner) {
      this.owner = owner;
    }

    @Override
    public void accept(Object result, Throwable error) {
      try {
        owner.completedFuture(this, error);
      } catch (Throwable t) {
        owner.errors.internalFailure(MODULE, "recording a command completed", t);
      }
    }
  }

  /** What one thread is waiting for (see {@link #awaitStarted}). */
  static final class Await {
    Object future;
    Pending cancelled;
  }

  /** The server a connection talks to. */
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
