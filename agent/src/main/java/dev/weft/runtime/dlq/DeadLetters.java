package dev.weft.runtime.dlq;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.WeftLog;
import dev.weft.runtime.core.config.DlqSettings;
import dev.weft.runtime.metrics.DlqMetrics;
import java.io.File;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Dead-letter capture. A record whose processing finally failed is described on the consumer's
 * thread (where it came from, the exception, the failing span's {@code traceparent}) and queued
 * for the spool writer, which writes every failure queued meanwhile with one flush to disk; the
 * consumer thread waits for that write at most {@code weft.dlq.block.ms}. One
 * {@link DeadLetterSender} per cluster then reads the records' exact bytes back from the broker
 * in batches (the application's deserializers never matter, and the happy path pays nothing),
 * publishes the copies pipelined with its own idempotent producer on the consumer's cluster, and
 * the spool forgets them once Kafka acknowledges them. While the broker is away the entries
 * wait; they survive a crash or a restart of the process, and on a normal exit they get
 * {@code weft.dlq.shutdown.ms} to be delivered.
 *
 * <p>A record is dead-lettered once per consumer group: a retry of the same offset (Spring's
 * default error handler, an application seeking back, a restart before the offset was committed)
 * is recognised by its group, topic, partition and offset, here and in the spool's record of the
 * entries delivered lately.
 */
public final class DeadLetters {

  public static final String ORIGINAL_TOPIC = FailureHeaders.ORIGINAL_TOPIC;
  private static final String MODULE = "kafka-clients";
  private static final String SPOOLED = "spooled";

  private final DlqSettings settings;
  private final DlqMetrics metrics; // null when metrics are off
  private final AgentErrors errors;
  private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
  private final Map<String, Boolean> recent =
      Collections.synchronizedMap(
          new LinkedHashMap<String, Boolean>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > 100_000;
            }
          });
  private final LinkedBlockingQueue<Failure> queue =
      new LinkedBlockingQueue<>();
  private final AtomicInteger senders = new AtomicInteger();
  private final Set<String> lostLogged = ConcurrentHashMap.newKeySet();
  /** The last failure this thread queued whose write it has not waited for yet. */
  private final ThreadLocal<Failure> unwritten = new ThreadLocal<>();
  private final List<Runnable> exitActions = new CopyOnWriteArrayList<>();
  private volatile Spool spool;
  private volatile boolean writerStarted;
  private volatile boolean shutdownRegistered;
  private volatile boolean senderFailing;
  private long lastDropLog;
  private long dropsSinceLog;

  public DeadLetters(DlqSettings settings, DlqMetrics metrics, AgentErrors errors) {
    this.settings = settings;
    this.metrics = metrics;
    this.errors = errors;
  }

  public DlqSettings settings() {
    return settings;
  }

  /** True on Weft's own dead-letter threads: their Kafka traffic is never recorded. */
  public boolean ownThread() {
    return Thread.currentThread() instanceof SenderThread;
  }

  // ---- clusters ---------------------------------------------------------------------------

  /** The settings a dead-letter client copies from the application's consumer. */
  static boolean connectionKey(String key) {
    return key.equals("bootstrap.servers")
        || key.equals("client.dns.lookup")
        || key.startsWith("security.")
        || key.startsWith("ssl.")
        || key.startsWith("sasl.")
        || key.startsWith("socket.connection.setup.")
        || key.startsWith("reconnect.backoff.")
        || key.equals("retry.backoff.ms")
        || key.equals("metadata.recovery.strategy");
  }

  /**
   * A consumer was made with {@code config}; its Kafka classes come from {@code kafkaLoader}.
   * Returns the cluster its dead letters go to, or null without bootstrap servers.
   */
  public Cluster cluster(Map<?, ?> config, ClassLoader kafkaLoader) {
    Map<String, Object> connection = new TreeMap<>();
    for (Map.Entry<?, ?> e : config.entrySet()) {
      if (e.getKey() instanceof String && e.getValue() != null && connectionKey((String) e.getKey())) {
        connection.put((String) e.getKey(), e.getValue());
      }
    }
    Object servers = connection.get("bootstrap.servers");
    if (servers == null) {
      return null;
    }
    String bootstrap =
        servers instanceof List
            ? String.join(",", toStrings((List<?>) servers))
            : String.valueOf(servers).trim();
    // Named by settings that hold no secret: the spool on disk refers to a cluster by this key.
    String key =
        digest(
            bootstrap
                + '\u0000' + connection.getOrDefault("security.protocol", "")
                + '\u0000' + connection.getOrDefault("sasl.mechanism", "")
                + '\u0000' + connection.getOrDefault("ssl.truststore.location", ""));
    Cluster c = clusters.get(key);
    if (c == null || c.loader.get() == null) {
      c = new Cluster(key, bootstrap, connection, kafkaLoader);
      clusters.put(key, c);
    }
    startSender(c);
    return c;
  }

  private static List<String> toStrings(List<?> list) {
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      out.add(String.valueOf(o).trim());
    }
    return out;
  }

  private static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 12; i++) {
        b.append(String.format("%02x", d[i]));
      }
      return b.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      return Integer.toHexString(text.hashCode());
    }
  }

  /** A Kafka cluster the application consumes from, and Weft's client on it (made on first use). */
  public static final class Cluster {
    final String key;
    final String bootstrap;
    final Map<String, Object> connection;
    final WeakReference<ClassLoader> loader;
    KafkaIo io; // sender thread only
    volatile String clusterId; // the id the broker reports, once the sender has connected
    DeadLetterSender sender; // guarded by this
    final Map<String, Integer> dlqPartitions = new ConcurrentHashMap<>();

    Cluster(String key, String bootstrap, Map<String, Object> connection, ClassLoader loader) {
      this.key = key;
      this.bootstrap = bootstrap;
      this.connection = connection;
      this.loader = new WeakReference<>(loader);
    }
  }

  // ---- capture (consumer thread) ----------------------------------------------------------

  /**
   * The processing of {@code record} (a {@code ConsumerRecord}) by a consumer of {@code group} on
   * {@code cluster} failed with {@code error}. Returns quickly once the failure is on disk, or
   * after {@code weft.dlq.block.ms} at most; with {@code deferDiskWait}, returns at once, and
   * the thread's next {@link #awaitWritten()} waits for the write.
   */
  public void capture(
      Cluster cluster,
      String group,
      String isolationLevel,
      Object record,
      Throwable error,
      String traceparent,
      boolean deferDiskWait) {
    RecordAccess.Fields r = RecordAccess.read(record);
    if (r == null || cluster == null) {
      return;
    }
    if (settings.isDlqTopic(r.topic) || r.header(ORIGINAL_TOPIC) != null) {
      return; // a dead letter itself: never dead-lettered again
    }
    String g = group == null ? "" : group;
    String recordKey = DlqEntry.recordKey(cluster.key, g, r.topic, r.partition, r.offset);
    if (recent.put(recordKey, Boolean.TRUE) != null) {
      return; // this failure was captured already (a retry of the same record)
    }
    List<String> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    FailureHeaders.add(r, g, error, traceparent, keys, values);
    String dlqTopic = settings.dlqTopic(r.topic);
    Failure failure =
        new Failure(recordKey, cluster, g, r.topic, r.partition, r.offset, dlqTopic, isolationLevel, keys, values);
    queue.add(failure);
    startWriter();
    unwritten.set(failure);
    if (!deferDiskWait) {
      awaitWritten();
    }
  }

  /**
   * Waits until the failures this thread captured are safely on disk, at most
   * {@code weft.dlq.block.ms}. Called before the consumer can commit past them (at its next
   * poll, commit or close): a storm of failures between two polls then costs one flush to disk,
   * not one per record.
   */
  public void awaitWritten() {
    Failure last = unwritten.get();
    if (last == null) {
      return;
    }
    unwritten.remove();
    if (settings.blockMs <= 0) {
      return;
    }
    try {
      // The writer takes failures in order: once this thread's last is written, so are the others.
      if (!last.written.await(settings.blockMs, TimeUnit.MILLISECONDS)) {
        WeftLog.errorOnce(
            "dlq-slow-spool",
            "the dead-letter spool took more than weft.dlq.block.ms=" + settings.blockMs
                + " ms; the consumer goes on while the write finishes",
            null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A failed record on its way to the spool. */
  private static final class Failure {
    final String recordKey;
    final Cluster cluster;
    final String group;
    final String topic;
    final int partition;
    final long offset;
    final String dlqTopic;
    final String isolationLevel;
    final List<String> keys;
    final List<byte[]> values;
    final CountDownLatch written = new CountDownLatch(1);

    Failure(String recordKey, Cluster cluster, String group, String topic, int partition, long offset,
        String dlqTopic, String isolationLevel, List<String> keys, List<byte[]> values) {
      this.recordKey = recordKey;
      this.cluster = cluster;
      this.group = group;
      this.topic = topic;
      this.partition = partition;
      this.offset = offset;
      this.dlqTopic = dlqTopic;
      this.isolationLevel = isolationLevel;
      this.keys = keys;
      this.values = values;
    }
  }

  private void startWriter() {
    if (writerStarted) {
      return;
    }
    synchronized (this) {
      if (!writerStarted) {
        writerStarted = true;
        new SenderThread(this::writeLoop, "weft-dlq-spool").start();
      }
    }
  }

  /**
   * The spool writer: takes every failure queued meanwhile and writes them with one flush to
   * disk (a storm of failures costs one flush per batch), then releases their consumer threads.
   */
  private void writeLoop() {
    List<Failure> batch = new ArrayList<>();
    while (!Thread.currentThread().isInterrupted()) {
      try {
        batch.add(queue.take());
        queue.drainTo(batch, 4999);
        writeBatch(batch);
      } catch (InterruptedException e) {
        return;
      } catch (Throwable t) {
        errors.internalFailure("kafka-dlq", "writing dead letters to the spool", t);
      } finally {
        for (Failure f : batch) {
          f.written.countDown();
        }
        batch.clear();
      }
    }
  }

  private void writeBatch(List<Failure> batch) throws IOException {
    Spool s = spool();
    List<DlqEntry> entries = new ArrayList<>(batch.size());
    Set<String> inBatch = new HashSet<>();
    for (Failure f : batch) {
      if (f.recordKey == null || s.known(f.recordKey) || !inBatch.add(f.recordKey)) {
        continue;
      }
      entries.add(
          new DlqEntry(
              s.nextSeq(), f.cluster.key, f.cluster.bootstrap, f.group, f.topic, f.partition,
              f.offset, f.dlqTopic, f.isolationLevel, f.keys, f.values, f.cluster.clusterId, null,
              null));
    }
    for (DlqEntry full : s.append(entries)) {
      dropped(full);
    }
    s.wakeUp();
  }

  Spool spool() throws IOException {
    Spool s = spool;
    if (s == null) {
      synchronized (this) {
        s = spool;
        if (s == null) {
          s = Spool.open(settings.spoolDir.toPath(), settings.spoolMaxBytes);
          if (s.size() > 0) {
            WeftLog.info(s.size() + " dead letters from an earlier run wait in " + s.dir()
                + "; they are sent when a consumer of their cluster starts");
          }
          Spool opened = s;
          if (metrics != null) {
            metrics.spool(opened::size);
          }
          spool = s;
        }
      }
    }
    return s;
  }

  private void dropped(DlqEntry entry) {
    if (metrics != null) {
      metrics.outcome(entry.topic, entry.dlqTopic, entry.group, "dropped").inc();
    }
    long now = System.nanoTime();
    synchronized (this) {
      dropsSinceLog++;
      if (lastDropLog == 0 || now - lastDropLog > TimeUnit.MINUTES.toNanos(1)) {
        WeftLog.error(
            "dead-letter spool " + settings.spoolDir + " is full (weft.dlq.spool.max.mb); "
                + dropsSinceLog + " dead letter(s) dropped, the last: " + entry.describe());
        lastDropLog = now;
        dropsSinceLog = 0;
      }
    }
  }

  // ---- senders ----------------------------------------------------------------------------

  /** Weft's dead-letter threads: their own Kafka traffic is never recorded. */
  private static final class SenderThread extends Thread {
    SenderThread(Runnable r, String name) {
      super(r, name);
      setDaemon(true);
    }
  }

  private void startSender(Cluster c) {
    synchronized (c) {
      if (c.sender != null) {
        return;
      }
      c.sender = new DeadLetterSender(this, c);
      DeadLetterSender sender = c.sender;
      new SenderThread(sender::run, "weft-dlq-sender-" + senders.incrementAndGet()).start();
    }
    registerShutdown();
  }

  void internalFailure(String what, Throwable t) {
    errors.internalFailure("kafka-dlq", what, t);
  }

  /** {@code entry} was acknowledged by its dead-letter topic. */
  void published(DlqEntry entry) {
    if (metrics != null) {
      metrics.outcome(entry.topic, entry.dlqTopic, entry.group, "published").inc();
    }
    if (senderFailing) {
      senderFailing = false;
      Spool s = spool;
      WeftLog.info("dead letters are delivered again (" + (s == null ? 0 : s.size())
          + " still in the spool)");
    }
  }

  /**
   * {@code entry} can never be sent: set aside in the spool's quarantine, counted {@code lost}
   * with its reason, logged once per topic and reason.
   */
  void lost(Spool s, DlqEntry entry, String reason, String why) {
    try {
      s.quarantine(entry, reason);
    } catch (java.io.IOException e) {
      internalFailure("setting a dead letter aside", e);
      return; // it stays in the queue; the next round tries again
    }
    if (metrics != null) {
      metrics.lost(entry.topic, entry.dlqTopic, entry.group, reason).inc();
    }
    if (lostLogged.add(entry.topic + '\u0000' + reason)) {
      WeftLog.error("dead letters of topic " + entry.topic + " are lost (" + reason + ": " + why
          + "); they are kept in " + s.dir().resolve(Spool.QUARANTINE)
          + " (java -jar weft-agent.jar dlq inspect --spool " + s.dir() + "), and counted in"
          + " kafka_dlq_records_total{outcome=\"lost\"}; reported once per topic and reason."
          + " First: " + entry.describe());
    }
  }

  /**
   * While the broker does not take dead letters, every entry not acknowledged within
   * {@code weft.dlq.ack.timeout.ms} of its failure (or of this process finding it in the spool)
   * is counted as spooled, once.
   */
  void countOverdue(List<DlqEntry> pending) {
    if (!senderFailing) {
      return;
    }
    long now = System.nanoTime();
    long limit = TimeUnit.MILLISECONDS.toNanos(settings.ackTimeoutMs);
    for (DlqEntry e : pending) {
      if (!e.counted && now - e.createdNanos >= limit) {
        countSpooled(e);
      }
    }
  }

  private void countSpooled(DlqEntry entry) {
    if (!entry.counted) {
      entry.counted = true;
      if (metrics != null) {
        metrics.outcome(entry.topic, entry.dlqTopic, entry.group, SPOOLED).inc();
      }
    }
  }

  /** The broker did not take {@code entry} in time: it waits in the spool, counted once. */
  void waiting(DlqEntry entry, String doing, Throwable why) {
    countSpooled(entry);
    if (!senderFailing) {
      senderFailing = true;
      WeftLog.warn("dead letters wait in the spool " + spoolDirName() + ": " + doing + " on "
          + entry.bootstrap + " failed (" + why + "); retrying");
    }
  }

  private String spoolDirName() {
    Spool s = spool;
    return s == null ? settings.spoolDir.getPath() : s.dir().toString();
  }

  // ---- shutdown ---------------------------------------------------------------------------

  private void registerShutdown() {
    if (shutdownRegistered) {
      return;
    }
    synchronized (this) {
      if (shutdownRegistered) {
        return;
      }
      shutdownRegistered = true;
      try {
        Runtime.getRuntime().addShutdownHook(new SenderThread(this::drainAtExit, "weft-dlq-shutdown"));
      } catch (IllegalStateException exiting) {
        // the JVM is already exiting
      }
    }
  }

  /** Actions run first when the JVM exits (final failures still held, for one). */
  public void beforeExit(Runnable action) {
    exitActions.add(action);
  }

  /**
   * On a normal exit: pending dead letters get {@code weft.dlq.shutdown.ms} to be acknowledged;
   * the rest stay in the spool for the next start, and one line says how many.
   */
  void drainAtExit() {
    try {
      for (Runnable action : exitActions) {
        try {
          action.run();
        } catch (Throwable t) {
          internalFailure("finishing dead letters at exit", t);
        }
      }
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.shutdownMs);
      if (writerStarted) {
        Failure marker = new Failure(null, null, null, null, 0, 0, null, null, null, null);
        queue.add(marker); // written after every failure queued before it
        marker.written.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      Spool s = spool;
      if (s == null || s.size() == 0) {
        return;
      }
      int atStart = s.size();
      for (Cluster c : clusters.values()) {
        synchronized (c) {
          if (c.sender != null) {
            c.sender.hurry();
          }
        }
      }
      s.wakeUp();
      while (s.size() > 0 && System.nanoTime() < deadline && sendable(s)) {
        s.awaitChange(50);
      }
      int left = s.size();
      if (left > 0) {
        WeftLog.warn(left + " dead letter(s) stay in the spool " + s.dir()
            + " for the next start (" + (atStart - left) + " delivered during the "
            + settings.shutdownMs + " ms of weft.dlq.shutdown.ms)");
      }
    } catch (Throwable t) {
      internalFailure("delivering dead letters at exit", t);
    }
  }

  /** True while some waiting entry belongs to a cluster this process can still send to. */
  private boolean sendable(Spool s) {
    for (DlqEntry e : s.pending()) {
      Cluster c = clusters.get(e.clusterKey);
      if (c != null && c.loader.get() != null) {
        return true;
      }
    }
    return false;
  }

  /** The dead letters waiting in the spool directory {@code dir}, read without taking it over. */
  public static int waitingIn(Path dir) throws IOException {
    return Spool.waiting(dir).size();
  }

  /** For tests: the directory in use. */
  File spoolDirectory() {
    Spool s = spool;
    return s == null ? null : s.dir().toFile();
  }
}
