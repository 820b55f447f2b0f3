package dev.weft.runtime.dlq.cli;

import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.dlq.DlqEntry;
import dev.weft.runtime.dlq.KafkaIo;
import dev.weft.runtime.dlq.KafkaIoLoader;
import dev.weft.runtime.dlq.RawRecord;
import dev.weft.runtime.dlq.Spool;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar weft-agent.jar dlq replay|inspect ...}: reads a dead-letter topic from its
 * beginning to its current end, and publishes each dead letter's original record again
 * ({@code replay}) or prints it as a line of JSON ({@code inspect}). Kafka is reached through
 * {@link KafkaIo}, loaded next to a kafka-clients jar that {@link KafkaClientJars} finds.
 *
 * <p>Exit codes: 0 done, 1 the cluster failed us (no answer, topic missing, a send refused), 2 bad
 * arguments or no kafka-clients.
 */
public final class DlqCli {

  static final long TIMEOUT_MS = 15_000;
  private static final long ACK_TIMEOUT_MS = 120_000;
  private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Sends awaited before more are made, so that the producer's buffer never fills up. */
  private static final int MAX_IN_FLIGHT = 10_000;
  private static final long MAX_IN_FLIGHT_BYTES = 16L << 20;

  private static final String[] USAGE = {
    "usage: java -jar weft-agent.jar dlq replay  --bootstrap HOST:PORT --from TOPIC [--to TOPIC]",
    "         [--filter exception=NAME|topic=T|partition=N ...] [--kafka-clients PATHS] [--config FILE]",
    "       java -jar weft-agent.jar dlq inspect --bootstrap HOST:PORT --from TOPIC [--limit N]",
    "         [--filter exception=NAME|topic=T|partition=N ...] [--kafka-clients PATHS] [--config FILE]",
    "       java -jar weft-agent.jar dlq inspect --spool DIR [--limit N]",
    "  replay     publishes each dead letter's original record again (key, value, headers,",
    "             timestamp) to --to, or else to the topic it came from, in its original partition",
    "  inspect    prints each dead letter as one JSON object a line",
    "  --spool    a spool directory (weft.dlq.spool.dir): prints the dead letters set aside as lost",
    "             (\"state\":\"lost\", with their reason) and those still waiting, without Kafka",
    "  --from     the dead-letter topic, read from its beginning to its current end",
    "  --filter   exception=NAME: the exception or its cause, full or simple class name;",
    "             topic=T, partition=N: where the record came from; repeatable, all must hold",
    "  --kafka-clients  kafka-clients and slf4j-api jars or directories, separated by '"
        + File.pathSeparator + "';",
    "             default: $" + KafkaClientJars.ENV + ", the jars next to weft-agent.jar, ~/.m2",
    "  --config   a properties file of client settings (security.protocol, sasl.*, ssl.*)",
  };

  private DlqCli() {}

  static void usage(PrintStream out) {
    for (String line : USAGE) {
      out.println(line);
    }
  }

  /** Runs {@code dlq} with {@code args} (after the word {@code dlq}); returns the exit code. */
  public static int run(String[] args, File agentJar) {
    PrintStream err = System.err;
    DlqArgs a;
    Map<String, Object> connection;
    List<File> jars;
    try {
      a = DlqArgs.parse(args);
      if (a.help()) {
        usage(System.out);
        return 0;
      }
      if (a.spool != null) {
        return inspectSpool(a, System.out, err);
      }
      connection = a.connection();
    } catch (DlqArgs.BadArgument e) {
      err.println(e.getMessage());
      return 2;
    }
    String prefix = "dlq " + a.command + ": ";
    File agentDir =
        agentJar != null && agentJar.isFile() ? agentJar.getAbsoluteFile().getParentFile() : null;
    try {
      jars =
          KafkaClientJars.find(
              a.kafkaClients,
              System.getenv(KafkaClientJars.ENV),
              agentDir,
              new File(System.getProperty("user.home")));
    } catch (DlqArgs.BadArgument e) {
      err.println(prefix + e.getMessage());
      return 2;
    }
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null && !debug()) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    ClassLoader platform = ClassLoader.getPlatformClassLoader();
    try (URLClassLoader kafka = new URLClassLoader(urls(jars), platform)) {
      // Kafka loads configured classes (assignors, login modules) through the context loader.
      thread.setContextClassLoader(kafka);
      try (KafkaIo io = KafkaIoLoader.open(kafka, connection, "weft-dlq-" + a.command)) {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try {
          return a.command.equals(DlqArgs.REPLAY)
              ? new Replay(io, a, out, err).run()
              : inspect(io, a, out, err);
        } finally {
          out.flush();
        }
      }
    } catch (Exception | LinkageError e) {
      err.println(prefix + describe(e, a.bootstrap));
      if (debug()) {
        e.printStackTrace();
      }
      return 1;
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private static URL[] urls(List<File> jars) {
    URL[] urls = new URL[jars.size()];
    for (int i = 0; i < urls.length; i++) {
      try {
        urls[i] = jars.get(i).toURI().toURL();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException(e);
      }
    }
    return urls;
  }

  static boolean debug() {
    String v = System.getenv("WEFT_DEBUG");
    return v != null && !v.isEmpty();
  }

  /** One line for a failure of the cluster or of the client: no stack trace. */
  static String describe(Throwable error, String bootstrap) {
    Throwable e = error;
    while ((e instanceof InvocationTargetException
            || e instanceof ExecutionException
            || e instanceof Wrapped)
        && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof LinkageError) {
      return "this kafka-clients does not fit (" + e + "); pass another with --kafka-clients";
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c.getClass().getSimpleName().equals("TimeoutException")) {
        return "no answer from " + bootstrap + " in time (" + c.getMessage()
            + "); is the broker up and --bootstrap right?";
      }
    }
    String line = message(e, bootstrap);
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e && root.getMessage() != null && !line.contains(root.getMessage())) {
      line += " (" + message(root, bootstrap) + ")";
    }
    return line;
  }

  private static String message(Throwable e, String bootstrap) {
    if (e instanceof IllegalArgumentException && e.getMessage() != null) {
      // KafkaIo's own, such as "topic 'x' does not exist"
      return e.getMessage() + " [cluster " + bootstrap + "]";
    }
    return e.getMessage() == null
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  // ---- inspect ------------------------------------------------------------------------------

  static int inspect(KafkaIo io, DlqArgs a, PrintStream out, PrintStream err) throws Exception {
    long[] printed = {0};
    long[] skipped = {0};
    boolean stopped = false;
    try {
      io.scan(
          a.from,
          r -> {
            DeadLetter d = new DeadLetter(r);
            if (!DlqFilter.all(a.filters, d)) {
              skipped[0]++;
              return;
            }
            out.print(DlqJson.line(d));
            out.print('\n');
            printed[0]++;
            if (printed[0] == a.limit || (printed[0] % 64 == 0 && out.checkError())) {
              throw Stop.INSTANCE;
            }
          },
          TIMEOUT_MS);
    } catch (Stop stop) {
      stopped = true;
    }
    out.flush();
    String limited = stopped && printed[0] == a.limit ? "; stopped at --limit " + a.limit : "";
    err.println(
        "inspected " + printed[0] + " dead letters of " + a.from + " (" + skipped[0]
            + " skipped by filter" + limited + ")");
    return 0;
  }

  /** {@code dlq inspect --spool DIR}: what a spool holds, read without taking it over. */
  static int inspectSpool(DlqArgs a, PrintStream out, PrintStream err) {
    java.nio.file.Path dir = a.spool.toPath();
    if (!java.nio.file.Files.isDirectory(dir)) {
      err.println("dlq inspect: --spool " + dir + " is not a directory");
      return 2;
    }
    try {
      List<DlqEntry> lost = Spool.quarantined(dir);
      List<DlqEntry> waiting = Spool.waiting(dir);
      long printed = 0;
      for (DlqEntry e : lost) {
        if (printed == a.limit) {
          break;
        }
        out.println(DlqJson.spoolLine(e, "lost"));
        printed++;
      }
      for (DlqEntry e : waiting) {
        if (printed == a.limit) {
          break;
        }
        out.println(DlqJson.spoolLine(e, "waiting"));
        printed++;
      }
      out.flush();
      err.println("spool " + dir + ": " + lost.size() + " dead letters lost (set aside), "
          + waiting.size() + " waiting to be sent");
      return 0;
    } catch (IOException | RuntimeException e) {
      err.println("dlq inspect: cannot read the spool " + dir + ": " + e);
      return 1;
    }
  }

  // ---- replay -------------------------------------------------------------------------------

  /** One replay: sends as the scan goes, at most {@link #MAX_IN_FLIGHT} waiting for their ack. */
  static final class Replay {
    private final KafkaIo io;
    private final DlqArgs a;
    private final PrintStream out;
    private final PrintStream err;
    private final String prefix;
    private final Map<String, Integer> partitions = new HashMap<>();
    private final ArrayDeque<Sent> inFlight = new ArrayDeque<>();
    private long inFlightBytes;
    private long read;
    private long skipped;
    private long sent;
    private long acked;
    private long withoutTopic;
    private String failure; // the first, which stops the replay
    private long lastProgress = System.nanoTime();

    Replay(KafkaIo io, DlqArgs a, PrintStream out, PrintStream err) {
      this.io = io;
      this.a = a;
      this.out = out;
      this.err = err;
      this.prefix = "dlq replay: ";
    }

    int run() throws Exception {
      if (a.to != null && partitions(a.to) == 0) {
        err.println(
            prefix + "topic '" + a.to + "' (--to) does not exist [cluster " + a.bootstrap + "]");
        return 1;
      }
      try {
        io.scan(a.from, this::accept, TIMEOUT_MS);
      } catch (Stop stop) {
        // failure says why
      } catch (Exception | LinkageError e) {
        if (sent == 0) {
          throw e;
        }
        failure = describe(e, a.bootstrap);
        if (debug()) {
          e.printStackTrace();
        }
      }
      collect(true);
      if (failure != null) {
        err.println(prefix + failure + "; " + acked + " of the " + sent
            + " records sent were replayed (a new run replays them again)");
        return 1;
      }
      String to = a.to != null ? a.to : "their original topics";
      out.println("replayed " + acked + " records from " + a.from + " to " + to + " ("
          + skipped + " skipped by filter)");
      if (withoutTopic > 0) {
        err.println(prefix + withoutTopic + " dead letters have no " + DeadLetters.ORIGINAL_TOPIC
            + " header and were not replayed; pass --to TOPIC for them");
        return 1;
      }
      return 0;
    }

    private void accept(RawRecord r) {
      read++;
      DeadLetter d = new DeadLetter(r);
      if (!DlqFilter.all(a.filters, d)) {
        skipped++;
        progress();
        return;
      }
      String topic = a.to != null ? a.to : d.originalTopic();
      if (topic == null || topic.isEmpty()) {
        if (withoutTopic++ < 5) {
          err.println(prefix + d.where() + " has no " + DeadLetters.ORIGINAL_TOPIC
              + " header; not replayed (pass --to TOPIC)");
        }
        return;
      }
      int n = partitions(topic);
      if (n == 0) {
        failure = "topic '" + topic + "', the original topic of " + d.where() + ", does not exist"
            + " [cluster " + a.bootstrap + "]";
        throw Stop.INSTANCE;
      }
      Future<?> ack;
      try {
        ack = io.send(topic, d.replayPartition(n), d.replayTimestamp(), r.key, r.value,
            d.originalHeaderKeys(), d.originalHeaderValues());
      } catch (RuntimeException e) {
        failure = "sending " + d.where() + " to " + topic + " failed: " + describe(e, a.bootstrap);
        throw Stop.INSTANCE;
      }
      Sent s = new Sent(ack, d.where(), topic, size(r));
      inFlight.add(s);
      inFlightBytes += s.bytes;
      sent++;
      collect(false);
      if (failure != null) {
        throw Stop.INSTANCE;
      }
      progress();
    }

    private int partitions(String topic) {
      Integer n = partitions.get(topic);
      if (n == null) {
        try {
          n = io.partitions(topic, TIMEOUT_MS);
        } catch (Exception e) {
          throw new Wrapped(e);
        }
        partitions.put(topic, n);
      }
      return n;
    }

    /** Takes the acknowledgements in; {@code all}: waits for every send. */
    private void collect(boolean all) {
      while (!inFlight.isEmpty()) {
        Sent s = inFlight.peek();
        boolean full = inFlight.size() > MAX_IN_FLIGHT || inFlightBytes > MAX_IN_FLIGHT_BYTES;
        if (!all && !full && !s.ack.isDone()) {
          return;
        }
        await(s);
        inFlight.poll();
        inFlightBytes -= s.bytes;
        progress();
      }
    }

    private void await(Sent s) {
      try {
        s.ack.get(ACK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        acked++;
      } catch (ExecutionException e) {
        fail("sending " + s.where + " to " + s.topic + " failed: " + describe(e, a.bootstrap));
      } catch (java.util.concurrent.TimeoutException e) {
        fail("sending " + s.where + " to " + s.topic + " was not acknowledged within "
            + ACK_TIMEOUT_MS / 1000 + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }

    private void fail(String why) {
      if (failure == null) {
        failure = why;
      }
    }

    private void progress() {
      long now = System.nanoTime();
      if (now - lastProgress >= PROGRESS_EVERY_NANOS) {
        lastProgress = now;
        err.println("replayed " + acked + " of " + sent + " sent (" + read + " read from " + a.from
            + ", " + skipped + " skipped by filter)");
      }
    }

    private static long size(RawRecord r) {
      long n = 64 + (r.key == null ? 0 : r.key.length) + (r.value == null ? 0 : r.value.length);
      for (int i = 0; i < r.headerKeys.size(); i++) {
        byte[] v = r.headerValues.get(i);
        n += r.headerKeys.get(i).length() + (v == null ? 0 : v.length);
      }
      return n;
    }
  }

  /** A record handed to the producer, waiting for Kafka's acknowledgement. */
  private static final class Sent {
    final Future<?> ack;
    final String where;
    final String topic;
    final long bytes;

    Sent(Future<?> ack, String where, String topic, long bytes) {
      this.ack = ack;
      this.where = where;
      this.topic = topic;
      this.bytes = bytes;
    }
  }

  /** Ends a scan early (--limit reached, or a failure already recorded). */
  private static final class Stop extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final Stop INSTANCE = new Stop();

    private Stop() {
      super(null, null, false, false);
    }
  }

  /** A checked exception of {@link KafkaIo} thrown out of a scan's record handler. */
  private static final class Wrapped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Wrapped(Exception cause) {
      super(cause);
    }
  }
}
