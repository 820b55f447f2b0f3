package dev.weft.runtime.dlq;

import dev.weft.runtime.core.WeftLog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends one cluster's dead letters, on a thread of its own (a cluster that is away never holds
 * up another's). Each round takes up to {@value #BATCH} waiting entries of the cluster, reads the
 * failed records back from the broker in one go (every partition assigned to one byte-array
 * consumer, a range of offsets each), publishes them pipelined with the idempotent producer, and
 * waits for the acknowledgements; the spool then forgets them with one flush to disk.
 *
 * <p>Order is kept where it matters: within one original partition, entries go in the order
 * they failed, and an entry that has to wait holds up only the later entries of its own
 * partition. An entry that can never be sent (its topic or partition is gone, its offset is
 * below the log start or beyond the end, the cluster is another one now, Kafka rejects it for
 * good) is set aside as lost and never holds up anything. A partition whose entries have to wait
 * (broker away, timeouts) is retried with backoff, alone.
 */
final class DeadLetterSender {

  static final int BATCH = 2000;
  private static final long FIRST_BACKOFF_MS = 250;
  private static final long MAX_BACKOFF_MS = 10_000;
  /** The producer's delivery timeout is 60 s: by then every send has its final answer. */
  private static final long SEND_SETTLED_MS = 90_000;
  static final String CLUSTER_CHANGED = "cluster_changed";
  static final String REJECTED = "rejected";

  private final DeadLetters owner;
  private final DeadLetters.Cluster cluster;
  private final Map<String, Backoff> backoffs = new HashMap<>();
  private volatile boolean hurry;

  DeadLetterSender(DeadLetters owner, DeadLetters.Cluster cluster) {
    this.owner = owner;
    this.cluster = cluster;
  }

  /** The JVM is exiting: retry waiting partitions at once, without backoff. */
  void hurry() {
    hurry = true;
  }

  /** A partition's entries wait until {@code at} (System.nanoTime). */
  private static final class Backoff {
    long at;
    long ms = FIRST_BACKOFF_MS;
  }

  void run() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Spool s = owner.spool();
        List<DlqEntry> batch = pick(s.pending());
        owner.countOverdue(batch);
        if (batch.isEmpty()) {
          s.awaitChange(nextWakeUpMs());
          continue;
        }
        deliver(s, batch);
      } catch (InterruptedException e) {
        return;
      } catch (Throwable t) {
        owner.internalFailure("sending dead letters", t);
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** Up to {@link #BATCH} entries of this cluster whose partition is not backing off. */
  private List<DlqEntry> pick(List<DlqEntry> pending) {
    long now = System.nanoTime();
    List<DlqEntry> batch = new ArrayList<>();
    for (DlqEntry e : pending) {
      if (!e.clusterKey.equals(cluster.key)) {
        continue;
      }
      Backoff b = backoffs.get(partitionKey(e));
      if (b != null && !hurry && now - b.at < 0) {
        continue;
      }
      batch.add(e);
      if (batch.size() >= BATCH) {
        break;
      }
    }
    return batch;
  }

  private long nextWakeUpMs() {
    long now = System.nanoTime();
    long next = 1000;
    for (Backoff b : backoffs.values()) {
      next = Math.min(next, Math.max(1, TimeUnit.NANOSECONDS.toMillis(b.at - now)));
    }
    return next;
  }

  private static String partitionKey(DlqEntry e) {
    return e.topic + '\u0000' + e.partition;
  }

  private void backOff(DlqEntry e) {
    Backoff b = backoffs.computeIfAbsent(partitionKey(e), k -> new Backoff());
    b.at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(b.ms);
    b.ms = Math.min(b.ms * 2, MAX_BACKOFF_MS);
  }

  private void deliver(Spool s, List<DlqEntry> batch) throws Exception {
    ClassLoader loader = cluster.loader.get();
    if (loader == null) {
      return; // the application's Kafka is gone (its class loader was collected)
    }
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      if (cluster.io == null) {
        cluster.io = KafkaIoLoader.open(loader, cluster.connection, "weft-dlq");
      }
      KafkaIo io = cluster.io;
      long timeoutMs = owner.settings().ackTimeoutMs;
      if (cluster.clusterId == null) {
        try {
          cluster.clusterId = io.clusterId(timeoutMs);
        } catch (Exception away) {
          waitAll(batch, "connecting", away);
          return;
        }
      }
      long t0 = System.nanoTime();
      List<DlqEntry> ready = readBack(s, io, batch, timeoutMs);
      long t1 = System.nanoTime();
      send(s, io, ready, timeoutMs);
      if (WeftLog.isDebug()) {
        WeftLog.debug("dlq round: " + batch.size() + " picked, " + ready.size() + " read back in "
            + (t1 - t0) / 1_000_000 + " ms, sent in " + (System.nanoTime() - t1) / 1_000_000 + " ms");
      }
    } catch (ReflectiveOperationException | LinkageError noKafka) {
      WeftLog.errorOnce("dlq-no-kafka", "dead letters cannot be sent: " + noKafka, null);
      waitAll(batch, "loading kafka-clients", noKafka);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private void waitAll(List<DlqEntry> batch, String doing, Throwable why) {
    for (DlqEntry e : batch) {
      backOff(e);
      owner.waiting(e, doing, why);
    }
  }

  /**
   * Reads back the records of the entries that do not hold theirs yet; returns the entries
   * ready to send, in order, each partition's up to its first entry that has to wait.
   */
  private List<DlqEntry> readBack(Spool s, KafkaIo io, List<DlqEntry> batch, long timeoutMs)
      throws Exception {
    Map<String, Map<String, List<DlqEntry>>> byIsolation = new LinkedHashMap<>();
    for (DlqEntry e : batch) {
      if (e.clusterId != null && !e.clusterId.equals(cluster.clusterId)) {
        owner.lost(s, e, CLUSTER_CHANGED, "the entry names cluster " + e.clusterId + ", "
            + cluster.bootstrap + " is cluster " + cluster.clusterId);
        continue;
      }
      if (e.record == null) {
        String isolation = e.isolationLevel == null ? "read_uncommitted" : e.isolationLevel;
        byIsolation
            .computeIfAbsent(isolation, k -> new LinkedHashMap<>())
            .computeIfAbsent(partitionKey(e), k -> new ArrayList<>())
            .add(e);
      }
    }
    for (Map.Entry<String, Map<String, List<DlqEntry>>> level : byIsolation.entrySet()) {
      List<PartitionFetch> fetches = new ArrayList<>();
      List<List<DlqEntry>> owners = new ArrayList<>();
      for (List<DlqEntry> entries : level.getValue().values()) {
        long[] offsets = new long[entries.size()];
        for (int i = 0; i < offsets.length; i++) {
          offsets[i] = entries.get(i).offset;
        }
        java.util.Arrays.sort(offsets);
        fetches.add(new PartitionFetch(entries.get(0).topic, entries.get(0).partition, offsets));
        owners.add(entries);
      }
      try {
        io.fetch(fetches, level.getKey(), timeoutMs);
      } catch (Exception away) {
        // what was read before the failure is kept below; the rest waits
        WeftLog.debug("reading failed records back: " + away);
      }
      for (int i = 0; i < fetches.size(); i++) {
        PartitionFetch f = fetches.get(i);
        for (DlqEntry e : owners.get(i)) {
          RawRecord raw = f.found.get(e.offset);
          String reason = f.lost.get(e.offset);
          if (raw != null) {
            e.record = raw;
          } else if (reason != null) {
            owner.lost(s, e, reason, describe(reason));
          } else {
            backOff(e);
            owner.waiting(e, "reading the failed record back",
                new TimeoutException("no answer from the broker for " + f.topic + "-" + f.partition));
          }
        }
      }
    }
    List<DlqEntry> ready = new ArrayList<>(batch.size());
    java.util.Set<String> held = new java.util.HashSet<>();
    for (DlqEntry e : batch) {
      String partition = partitionKey(e);
      if (held.contains(partition) || !s.isPending(e)) {
        continue;
      }
      if (e.record == null) {
        held.add(partition); // later entries of this partition wait behind it
      } else {
        ready.add(e);
      }
    }
    return ready;
  }

  private static String describe(String reason) {
    switch (reason) {
      case PartitionFetch.TOPIC_DELETED:
        return "the topic no longer exists on the cluster";
      case PartitionFetch.PARTITION_DELETED:
        return "the topic no longer has that partition";
      case PartitionFetch.RETENTION:
        return "the record was deleted by retention before it was read back";
      case PartitionFetch.COMPACTED:
        return "the record is gone from the log (compaction, or an aborted transaction)";
      case PartitionFetch.BEYOND_LOG_END:
        return "the offset is beyond the partition's end (the topic was recreated?)";
      default:
        return reason;
    }
  }

  /** One entry's send, with its place in its partition's order. */
  private static final class InFlight {
    final DlqEntry entry;
    final Future<?> ack;

    InFlight(DlqEntry entry, Future<?> ack) {
      this.entry = entry;
      this.ack = ack;
    }
  }

  private void send(Spool s, KafkaIo io, List<DlqEntry> ready, long timeoutMs) throws Exception {
    if (ready.isEmpty()) {
      return;
    }
    Map<String, Integer> partitions = new HashMap<>();
    List<InFlight> inFlight = new ArrayList<>(ready.size());
    java.util.Set<String> held = new java.util.HashSet<>();
    for (DlqEntry e : ready) {
      String partition = partitionKey(e);
      if (held.contains(partition)) {
        continue;
      }
      Integer count = partitions.get(e.dlqTopic);
      if (count == null) {
        try {
          count = dlqPartitions(io, e, timeoutMs);
        } catch (Exception away) {
          count = -1;
          owner.waiting(e, "looking up topic " + e.dlqTopic, away);
        }
        partitions.put(e.dlqTopic, count);
      }
      if (count <= 0) {
        held.add(partition);
        backOff(e);
        continue;
      }
      RawRecord r = e.record;
      List<String> keys = new ArrayList<>(r.headerKeys.size() + e.failureKeys.size());
      keys.addAll(r.headerKeys);
      keys.addAll(e.failureKeys);
      List<byte[]> values = new ArrayList<>(keys.size());
      values.addAll(r.headerValues);
      values.addAll(e.failureValues);
      Integer target = count > e.partition ? Integer.valueOf(e.partition) : null;
      Long timestamp = r.timestamp >= 0 ? Long.valueOf(r.timestamp) : null;
      try {
        inFlight.add(new InFlight(e, io.send(e.dlqTopic, target, timestamp, r.key, r.value, keys, values)));
      } catch (Exception away) {
        held.add(partition);
        backOff(e);
        owner.waiting(e, "sending to " + e.dlqTopic, away);
      }
    }
    List<DlqEntry> acked = new ArrayList<>(inFlight.size());
    boolean resetProducer = false;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    for (InFlight f : inFlight) {
      DlqEntry e = f.entry;
      try {
        try {
          f.ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException slow) {
          // Not acknowledged in time: counted as spooled, and this send (which the producer
          // retries by itself, without duplicates) is awaited to its end before anything else.
          owner.waiting(e, "waiting for " + e.dlqTopic + " to acknowledge", slow);
          f.ack.get(SEND_SETTLED_MS, TimeUnit.MILLISECONDS);
        }
        acked.add(e);
      } catch (ExecutionException | TimeoutException failed) {
        Throwable cause = failed.getCause() != null ? failed.getCause() : failed;
        String fatal = io.fatalSendError(cause);
        if (fatal != null) {
          owner.lost(s, e, REJECTED, "Kafka rejects it: " + fatal + ": " + cause.getMessage());
        } else {
          resetProducer = true;
          backOff(e);
          owner.waiting(e, "sending to " + e.dlqTopic, cause);
        }
      }
    }
    if (resetProducer) {
      io.resetProducer();
    }
    if (!acked.isEmpty()) {
      s.delivered(acked);
      for (DlqEntry e : acked) {
        backoffs.remove(partitionKey(e));
        owner.published(e);
      }
    }
  }

  /** The partition count of the entry's dead-letter topic, creating the topic if it is missing. */
  private int dlqPartitions(KafkaIo io, DlqEntry e, long timeoutMs) throws Exception {
    Integer known = cluster.dlqPartitions.get(e.dlqTopic);
    if (known != null) {
      return known;
    }
    int n = io.partitions(e.dlqTopic, timeoutMs);
    if (n == 0 && owner.settings().createTopics) {
      int source = Math.max(1, io.partitions(e.topic, timeoutMs));
      io.createTopic(e.dlqTopic, source, timeoutMs);
      WeftLog.info("created dead-letter topic " + e.dlqTopic + " (" + source + " partitions)");
      n = source;
    }
    if (n > 0) {
      cluster.dlqPartitions.put(e.dlqTopic, n);
    } else {
      WeftLog.errorOnce("dlq-no-topic-" + e.dlqTopic, "dead-letter topic " + e.dlqTopic
          + " does not exist and weft.dlq.create.topics=false; its dead letters wait in the spool",
          null);
    }
    return n;
  }
}
