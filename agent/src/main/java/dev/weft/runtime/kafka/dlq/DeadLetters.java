package dev.weft.runtime.kafka.dlq;

import dev.weft.runtime.config.DlqSettings;
import dev.weft.runtime.log.WeftLog;
import dev.weft.runtime.metrics.AgentErrors;
import dev.weft.runtime.metrics.DlqMetrics;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Dead-letter capture. A record whose processing failed is described on the consumer's thread
 * (where it came from, the exception, the failing span's {@code traceparent}) and written to the
 * spool on disk; the consumer thread waits for that write at most {@code weft.dlq.block.ms}.
 * One sender thread then takes the spool's entries in order: it reads each record's exact bytes
 * back from the broker by topic, partition and offset (the application's deserializers never
 * matter, and the happy path pays nothing), publishes the copy with its own idempotent producer on
 * the consumer's cluster, and deletes the entry once Kafka acknowledges it. While the broker is
 * away the entries wait; they survive a crash or a restart of the process.
 *
 * <p>A record is dead-lettered once per consumer group: a retry of the same offset (Spring's
 * default error handler, an application seeking back, a restart before the offset was committed)
 * is recognised by its group, topic, partition and offset, here and in the spool's record of the
 * entries delivered lately.
 */
public final class DeadLetters {

  static final String ORIGINAL_TOPIC = "kafka_dlt-original-topic";
  private static final int STACK_TRACE_LIMIT = 16 * 1024;
  private static final String MODULE = "kafka-clients";
  private static final String SPOOLED = "spooled";

  private final DlqSettings settings;
  private final DlqMetrics metrics; // null when metrics are off
  private final AgentErrors errors;
  private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
  private final Map<String, Boolean> recent =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<String, Boolean>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > 100_000;
            }
          });
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(r -> daemon(r, "weft-dlq-spool"));
  private volatile Spool spool;
  private volatile Thread sender;
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
    return Thread.currentThread() == sender;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
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
    startSender();
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
   * after {@code weft.dlq.block.ms} at most.
   */
  public void capture(
      Cluster cluster,
      String group,
      String isolationLevel,
      Object record,
      Throwable error,
      String traceparent) {
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
    failureHeaders(r, g, error, traceparent, keys, values);
    String dlqTopic = settings.dlqTopic(r.topic);
    Future<?> written =
        writer.submit(
            () -> {
              try {
                Spool s = spool();
                if (s.known(recordKey)) {
                  return;
                }
                DlqEntry entry =
                    new DlqEntry(
                        s.nextSeq(), cluster.key, cluster.bootstrap, g, r.topic, r.partition,
                        r.offset, dlqTopic, isolationLevel, keys, values, null);
                if (s.append(entry)) {
                  s.wakeUp();
                } else {
                  dropped(entry);
                }
              } catch (Throwable t) {
                errors.internalFailure("kafka-dlq", "writing a dead letter to the spool", t);
              }
            });
    if (settings.blockMs > 0) {
      try {
        written.get(settings.blockMs, TimeUnit.MILLISECONDS);
      } catch (TimeoutException slowDisk) {
        WeftLog.errorOnce(
            "dlq-slow-spool",
            "the dead-letter spool took more than weft.dlq.block.ms=" + settings.blockMs
                + " ms; the consumer goes on while the write finishes",
            null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        // reported inside the task
      }
    }
  }

  /** The headers Spring Kafka's dead-letter tooling reads, with the same encodings. */
  static void failureHeaders(
      RecordAccess.Fields r,
      String group,
      Throwable error,
      String traceparent,
      List<String> keys,
      List<byte[]> values) {
    add(keys, values, ORIGINAL_TOPIC, utf8(r.topic));
    add(keys, values, "kafka_dlt-original-partition", ByteBuffer.allocate(4).putInt(r.partition).array());
    add(keys, values, "kafka_dlt-original-offset", ByteBuffer.allocate(8).putLong(r.offset).array());
    add(keys, values, "kafka_dlt-original-timestamp", ByteBuffer.allocate(8).putLong(r.timestamp).array());
    add(keys, values, "kafka_dlt-original-timestamp-type", utf8(r.timestampType));
    add(keys, values, "kafka_dlt-original-consumer-group", utf8(group));
    add(keys, values, "kafka_dlt-exception-fqcn", utf8(error.getClass().getName()));
    // As Spring Kafka's DeadLetterPublishingRecoverer: the root cause's class, and the message
    // of the exception followed by the root cause's.
    Throwable root = rootCause(error);
    if (root != error) {
      add(keys, values, "kafka_dlt-exception-cause-fqcn", utf8(root.getClass().getName()));
    }
    String message = error.getMessage();
    if (root != error) {
      if (message != null) {
        message = message + ";";
      }
      String rootMessage = root.getMessage();
      if (rootMessage != null) {
        message = message == null ? rootMessage : message + rootMessage;
      }
    }
    if (message != null) {
      add(keys, values, "kafka_dlt-exception-message", utf8(message));
    }
    add(keys, values, "kafka_dlt-exception-stacktrace", utf8(stackTrace(error)));
    if (traceparent != null) {
      add(keys, values, "traceparent", traceparent.getBytes(StandardCharsets.US_ASCII));
    }
  }

  static Throwable rootCause(Throwable error) {
    Throwable root = error;
    for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) {
      root = root.getCause();
    }
    return root;
  }

  private static void add(List<String> keys, List<byte[]> values, String key, byte[] value) {
    keys.add(key);
    values.add(value);
  }

  private static byte[] utf8(String s) {
    return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
  }

  static String stackTrace(Throwable error) {
    StringWriter out = new StringWriter();
    try (PrintWriter w = new PrintWriter(out)) {
      error.printStackTrace(w);
    } catch (RuntimeException e) {
      return error.toString();
    }
    String s = out.toString();
    if (s.length() > STACK_TRACE_LIMIT) {
      s = s.substring(0, STACK_TRACE_LIMIT) + "\n\t... (cut by Weft at " + STACK_TRACE_LIMIT + " characters)";
    }
    return s;
  }

  private Spool spool() throws IOException {
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

  // ---- sender thread ----------------------------------------------------------------------

  private void startSender() {
    if (sender != null) {
      return;
    }
    synchronized (this) {
      if (sender != null) {
        return;
      }
      Thread t = daemon(this::sendLoop, "weft-dlq-sender");
      sender = t;
      t.start();
    }
  }

  private void sendLoop() {
    long backoff = 500;
    while (true) {
      try {
        Spool s = spool();
        DlqEntry next = null;
        List<DlqEntry> pending = s.pending();
        countOverdue(pending);
        for (DlqEntry e : pending) {
          Cluster c = clusters.get(e.clusterKey);
          if (c != null && c.loader.get() != null) {
            next = e;
            break;
          }
        }
        if (next == null) {
          s.awaitChange(1000);
          continue;
        }
        if (deliver(s, next)) {
          backoff = 500;
        } else {
          countOverdue(s.pending());
          Thread.sleep(backoff);
          backoff = Math.min(backoff * 2, 10_000);
        }
      } catch (InterruptedException e) {
        return;
      } catch (Throwable t) {
        errors.internalFailure("kafka-dlq", "sending dead letters", t);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** One attempt at {@code entry}; false when it must wait for the broker. */
  private boolean deliver(Spool s, DlqEntry entry) throws IOException, InterruptedException {
    Cluster c = clusters.get(entry.clusterKey);
    ClassLoader loader = c == null ? null : c.loader.get();
    if (loader == null) {
      return false;
    }
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      if (c.io == null) {
        c.io = KafkaIoLoader.open(loader, c.connection, "weft-dlq");
      }
      KafkaIo io = c.io;
      if (entry.record == null) {
        RawRecord raw;
        try {
          raw = io.fetch(entry.topic, entry.partition, entry.offset, entry.isolationLevel, settings.ackTimeoutMs);
        } catch (Exception away) {
          waiting(entry, "reading the failed record back", away);
          return false;
        }
        if (raw == null) {
          WeftLog.error("dead letter " + entry.describe()
              + " is lost: the broker no longer holds the record (retention or compaction)");
          errors.internalFailure("kafka-dlq", "reading a failed record back", new IllegalStateException("record gone"));
          s.remove(entry);
          return true;
        }
        entry.record = raw;
        s.rewrite(entry);
      }
      Integer partitions = c.dlqPartitions.get(entry.dlqTopic);
      if (partitions == null) {
        try {
          int n = io.partitions(entry.dlqTopic, settings.ackTimeoutMs);
          if (n == 0 && settings.createTopics) {
            int source = Math.max(1, io.partitions(entry.topic, settings.ackTimeoutMs));
            io.createTopic(entry.dlqTopic, source, settings.ackTimeoutMs);
            WeftLog.info("created dead-letter topic " + entry.dlqTopic + " (" + source + " partitions)");
            n = source;
          }
          partitions = n;
          if (n > 0) {
            c.dlqPartitions.put(entry.dlqTopic, n);
          }
        } catch (Exception away) {
          waiting(entry, "looking up topic " + entry.dlqTopic, away);
          return false;
        }
      }
      RawRecord r = entry.record;
      List<String> keys = new ArrayList<>(r.headerKeys);
      keys.addAll(entry.failureKeys);
      List<byte[]> values = new ArrayList<>(r.headerValues);
      values.addAll(entry.failureValues);
      Integer partition = partitions > entry.partition ? Integer.valueOf(entry.partition) : null;
      Long timestamp = r.timestamp >= 0 ? Long.valueOf(r.timestamp) : null;
      Future<?> ack;
      try {
        ack = io.send(entry.dlqTopic, partition, timestamp, r.key, r.value, keys, values);
      } catch (Exception away) {
        io.resetProducer();
        waiting(entry, "sending to " + entry.dlqTopic, away);
        return false;
      }
      try {
        try {
          ack.get(settings.ackTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException slow) {
          // Not acknowledged in time: it stays in the spool, and this send (which the producer
          // retries by itself, without duplicates) is awaited to its end before anything else.
          waiting(entry, "waiting for " + entry.dlqTopic + " to acknowledge", slow);
          ack.get(90, TimeUnit.SECONDS);
        }
      } catch (ExecutionException | TimeoutException failed) {
        Throwable cause = failed.getCause() != null ? failed.getCause() : failed;
        String fatal = io.fatalSendError(cause);
        if (fatal != null) {
          WeftLog.error("dead letter " + entry.describe() + " cannot be published (" + fatal + ": "
              + cause.getMessage() + "); it is removed from the spool");
          errors.internalFailure("kafka-dlq", "publishing a dead letter", cause);
          s.remove(entry);
          return true;
        }
        io.resetProducer();
        waiting(entry, "sending to " + entry.dlqTopic, cause);
        return false;
      }
      s.delivered(entry);
      if (metrics != null) {
        metrics.outcome(entry.topic, entry.dlqTopic, entry.group, "published").inc();
      }
      if (senderFailing) {
        senderFailing = false;
        WeftLog.info("dead letters are delivered again (" + s.size() + " still in the spool)");
      }
      return true;
    } catch (ReflectiveOperationException | LinkageError noKafka) {
      WeftLog.errorOnce("dlq-no-kafka", "dead letters cannot be sent: " + noKafka, null);
      return false;
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  /**
   * While the broker does not take dead letters, every entry not acknowledged within
   * {@code weft.dlq.ack.timeout.ms} of its failure (or of this process finding it in the spool)
   * is counted as spooled, once.
   */
  private void countOverdue(List<DlqEntry> pending) {
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
  private void waiting(DlqEntry entry, String doing, Throwable why) {
    countSpooled(entry);
    if (!senderFailing) {
      senderFailing = true;
      WeftLog.warn("dead letters wait in the spool " + spoolDirName() + ": " + doing + " on "
          + clusterName(entry) + " failed (" + why + "); retrying");
    }
  }

  private String spoolDirName() {
    Spool s = spool;
    return s == null ? settings.spoolDir.getPath() : s.dir().toString();
  }

  private String clusterName(DlqEntry entry) {
    return entry.bootstrap;
  }

  /** For tests: the directory in use. */
  File spoolDirectory() {
    Spool s = spool;
    return s == null ? null : s.dir().toFile();
  }
}
