package dev.weft.runtime.redis;

import dev.weft.bootstrap.RedisRecorder;
import dev.weft.runtime.metrics.AgentErrors;
import dev.weft.runtime.metrics.RedisMetrics;
import dev.weft.runtime.trace.DbSpan;
import dev.weft.runtime.trace.Tracing;
import dev.weft.runtime.util.ConcurrentWeakIdentityMap;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Behind the Redis modules: RED metrics per command name and a CLIENT span per command.
 *
 * <p>For clients that write a command and later read its reply on the same connection, in order
 * (Jedis, pipelines included), each connection keeps a queue of the commands waiting for their
 * reply: a reply read ends the oldest. A broken connection ends every command still waiting on
 * it with that error, since none of their replies will come.
 */
public final class RedisInstrumenter extends RedisRecorder {

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

  public RedisInstrumenter(RedisMetrics metrics, Tracing tracing, AgentErrors errors) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.errors = errors;
  }

  @Override
  public void sent(Object connection, Object command, byte[] name, String host, int port, int db) {
    try {
      if (connection == null || (metrics == null && !tracing.enabled()) || tracing.suppressed()) {
        return;
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

  private Pending begin(String name, String host, int port, int db) {
    Pending p = new Pending();
    p.command = metrics == null ? null : metrics.command(name);
    p.span =
        tracing.startDb("redis", name, null, null, host, port, db >= 0 ? Integer.toString(db) : null);
    p.startNanos = System.nanoTime();
    return p;
  }

  private void finish(Pending p, Throwable error) {
    if (p.ended) {
      return;
    }
    p.ended = true;
    double seconds = (System.nanoTime() - p.startNanos) / 1e9;
    String traceId = null;
    String spanId = null;
    if (p.span != null) {
      p.span.end(error);
      traceId = p.span.sampledTraceId();
      spanId = traceId == null ? null : p.span.spanId();
    }
    if (p.command != null) {
      p.command.record(seconds, error, traceId, spanId);
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

  /** One command between its sending and its reply. */
  static final class Pending {
    RedisMetrics.Command command;
    DbSpan span;
    long startNanos;
    boolean ended;
  }
}
