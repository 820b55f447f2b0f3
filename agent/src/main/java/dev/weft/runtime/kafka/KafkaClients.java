package dev.weft.runtime.kafka;

import dev.weft.bootstrap.KafkaPoll;
import dev.weft.bootstrap.KafkaRecorder;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.ConcurrentWeakIdentityMap;
import dev.weft.runtime.core.WeftLog;
import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.metrics.KafkaMetrics;
import dev.weft.runtime.metrics.OutcomeSeries;
import dev.weft.runtime.trace.MessagingSpan;
import dev.weft.runtime.trace.Tracing;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Behind the Kafka module.
 *
 * <p>Producer: {@link KafkaSends} times each {@code send} (ended by the module's own
 * {@code Callback}) and puts the PRODUCER span's W3C headers into the record.
 *
 * <p>Consumer: each {@code poll} is two calls, at its entry and its exit, each with the
 * consumer's {@link KafkaPoll}, which the kafka-clients module fills in with Kafka's types: the
 * records it handed over per topic are counted, and the lag of every assigned partition is
 * refreshed from the consumer's own view (end offset of its last fetch of the partition minus its
 * position: no request to the broker); partitions no longer assigned lose their series. Records taken one by one from the iteration over a poll's result
 * are timed and traced (a CONSUMER span, child of the producer's, current while the application
 * processes the record) until the application takes the next one, ends the iteration, or polls
 * again.
 *
 * <p>Dead letters: frames that process records (the application's methods taking records, Spring
 * Kafka's listener invocation, the handlers named in {@code weft.dlq.handlers}) are counted per
 * thread; when the outermost one ends by throwing, the record it was processing failed. Its
 * processing is recorded as an error and, unless dead letters are off, the failure waits in its
 * consumer's {@link PendingFailures} until {@link FinalFailures} finds it final (a later attempt
 * that succeeds cancels it); then {@link DeadLetters} copies the record to its dead-letter topic.
 */
public final class KafkaClients extends KafkaRecorder {

  static final String MODULE = "kafka-clients";
  static final String SYSTEM = "kafka";

  private final KafkaMetrics metrics; // null when metrics are off
  private final Tracing tracing;
  private final AgentErrors errors;
  private final DeadLetters deadLetters; // null when dead letters are off
  private final FinalFailures finals; // null when dead letters are off
  private final String[] handlers;
  private final ConcurrentWeakIdentityMap<ConsumerState> consumers = new ConcurrentWeakIdentityMap<>();
  private final ConcurrentWeakIdentityMap<ConsumerState> batches = new ConcurrentWeakIdentityMap<>();
  private final ConcurrentWeakIdentityMap<ConsumerState> iterators = new ConcurrentWeakIdentityMap<>();
  private final ThreadLocal<ThreadState> threads = ThreadLocal.withInitial(ThreadState::new);
  private final KafkaSends sends;

  public KafkaClients(KafkaMetrics metrics, Tracing tracing, AgentErrors errors) {
    this(metrics, tracing, errors, null);
  }

  public KafkaClients(
      KafkaMetrics metrics, Tracing tracing, AgentErrors errors, DeadLetters deadLetters) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.errors = errors;
    this.deadLetters = deadLetters;
    this.finals = deadLetters == null ? null : new FinalFailures(deadLetters);
    this.handlers =
        deadLetters == null ? new String[0] : deadLetters.settings().handlers.toArray(new String[0]);
    this.sends = new KafkaSends(metrics, tracing, errors, this::off);
  }

  /** Nothing to record: metrics and traces off, Weft's own traffic, or Weft's dead-letter thread. */
  private boolean off() {
    return (metrics == null && !tracing.enabled()) || tracing.suppressed() || ownThread();
  }

  /** Nothing to follow on the consumer side (dead letters need the consumers too). */
  private boolean consumerOff() {
    return deadLetters == null ? off() : tracing.suppressed() || ownThread();
  }

  private boolean ownThread() {
    return deadLetters != null && deadLetters.ownThread();
  }

  // ---- producer: see KafkaSends ----------------------------------------------------------

  @Override
  public Object sendStarted(String topic) {
    return sends.started(topic);
  }

  @Override
  public String[] headersToInject(Object send) {
    return sends.headersToInject(send);
  }

  @Override
  public void sendEnded(Object send, Throwable error) {
    sends.ended(send, error);
  }

  // ---- consumer ---------------------------------------------------------------------------

  @Override
  public void pollStarting(KafkaPoll poll) {
    try {
      if (finals != null && poll.failuresWaiting && poll.partitionCount >= 0
          && poll.state instanceof ConsumerState) {
        ConsumerState s = (ConsumerState) poll.state;
        for (int i = 0; i < poll.partitionCount; i++) {
          String topic = poll.partitionTopics[i];
          if (topic != null) {
            s.pending.position(topic, poll.partitions[i], poll.positions[i]);
          }
        }
        finals.pollStarting(s); // the failures it moved past are final, before it can commit
      }
      endProcessing(null);
      if (deadLetters != null) {
        deadLetters.awaitWritten(); // the poll may commit past this thread's failed records
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a poll", t);
    }
  }

  @Override
  public void polled(KafkaPoll poll) {
    try {
      if (poll.consumer == null || consumerOff()) {
        return;
      }
      ConsumerState s = stateOf(poll);
      if (s.group == null && poll.group != null) {
        s.group = poll.group;
      }
      if (metrics != null) {
        for (int i = 0; i < poll.topicCount; i++) {
          String topic = poll.topics[i];
          int count = poll.topicRecords[i];
          if (topic != null && count > 0) {
            consumerTopic(s, topic, s.groupOrEmpty()).received(count);
          }
        }
      }
      if (poll.records != null) {
        batches.put(poll.records, s);
        threads.get().lastPolled = s;
      }
      if (metrics != null && poll.partitionCount >= 0) {
        lag(s, poll);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a poll", t);
    }
  }

  /** The state of the consumer polling, found once and kept in its report. */
  private ConsumerState stateOf(KafkaPoll poll) {
    Object kept = poll.state;
    if (kept instanceof ConsumerState) {
      return (ConsumerState) kept;
    }
    ConsumerState s = state(poll.consumer);
    s.poll = poll;
    poll.state = s;
    poll.failuresWaiting = !s.pending.isEmpty();
    poll.partitionsWanted = metrics != null; // the lag's; positions at entry are asked apart
    return s;
  }

  private ConsumerState state(Object consumer) {
    ConsumerState s = consumers.get(consumer);
    if (s == null) {
      s = new ConsumerState();
      consumers.put(consumer, s);
    }
    return s;
  }

  /**
   * The lag of every assigned partition, from the consumer's own view: end offset of its last
   * fetch minus its position. A partition reassigned and not fetched since (a fetch session
   * leaves out a partition with nothing new) keeps the end it saw last: a fetch would have
   * brought a newer one. No series before a partition's first fetch (no guess); partitions no
   * longer assigned lose theirs. Nothing is allocated once every partition was seen once.
   */
  private void lag(ConsumerState s, KafkaPoll poll) {
    long view = ++s.views;
    int withSeries = 0;
    String group = s.groupOrEmpty();
    for (int i = 0; i < poll.partitionCount; i++) {
      String topic = poll.partitionTopics[i];
      int partition = poll.partitions[i];
      if (topic == null || partition < 0) {
        continue;
      }
      ConsumerState.PartitionLag p = s.partition(topic, partition);
      p.seen = view;
      long end = poll.endOffsets[i];
      if (end >= 0) {
        p.lastEnd = end;
      } else {
        end = p.lastEnd;
      }
      long position = poll.positions[i];
      if (end >= 0 && position >= 0) {
        if (p.series == null) {
          p.series = metrics.lag(topic, partition, group);
          s.lagSeries++;
        }
        p.series.set(Math.max(0, end - position));
      }
      if (p.series != null) {
        withSeries++;
      }
    }
    if (withSeries < s.lagSeries) {
      removeLag(s, view); // some partition with a series is no longer assigned
    }
  }

  /** Removes the lag series of the partitions not seen in {@code view} (every one: -1). */
  private void removeLag(ConsumerState s, long view) {
    for (ConsumerState.PartitionLag[] byNumber : s.partitions.values()) {
      for (ConsumerState.PartitionLag p : byNumber) {
        if (p != null && p.series != null && p.seen != view) {
          metrics.removeLag(p.topic, p.partition, s.groupOrEmpty());
          p.series = null;
          s.lagSeries--;
        }
      }
    }
  }

  @Override
  public void closed(Object consumer) {
    try {
      endProcessing(null);
      if (deadLetters != null) {
        deadLetters.awaitWritten(); // closing commits
      }
      ConsumerState s = consumer == null ? null : consumers.remove(consumer);
      if (s != null && finals != null && !s.pending.isEmpty()) {
        finals.closed(s);
      }
      if (s != null && metrics != null) {
        removeLag(s, -1);
      }
      if (s != null && s.poll != null) {
        s.poll.state = null; // polled again after the close: a new state, as for a new consumer
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a consumer closed", t);
    }
  }

  @Override
  public void iterating(Object records, Object iterator) {
    try {
      ConsumerState s = records == null ? null : batches.get(records);
      if (s != null && iterator != null) {
        iterators.put(iterator, s);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording an iteration", t);
    }
  }

  @Override
  public void processStarted(
      Object iterator,
      Object record,
      String topic,
      int partition,
      long offset,
      byte[] traceparent,
      byte[] tracestate) {
    try {
      ThreadState thread = threads.get();
      endProcessing(thread);
      if (consumerOff() || topic == null) {
        return;
      }
      ConsumerState s;
      if (iterator == thread.lastIterator) {
        s = thread.lastIteratorState;
      } else {
        s = iterators.get(iterator);
        if (s == null) {
          s = thread.lastPolled; // records(topic) and friends: the poll made on this thread
        }
        thread.lastIterator = iterator;
        thread.lastIteratorState = s;
      }
      String group = s == null ? "" : s.groupOrEmpty();
      Processing p = new Processing();
      p.record = record;
      p.state = s;
      p.series = metrics == null ? null : consumerTopic(s, topic, group).processed();
      p.span =
          tracing.enabled()
              ? tracing.startProcess(
                  SYSTEM, topic, group, partition, offset, header(traceparent), header(tracestate))
              : null;
      p.startNanos = System.nanoTime();
      thread.current = p;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a record processed", t);
    }
  }

  @Override
  public void processEnded() {
    try {
      ThreadState thread = threads.get();
      endProcessing(thread);
      thread.lastIterator = null;
      thread.lastIteratorState = null;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a record processed", t);
    }
  }

  /** The series of (topic, group), cached per consumer: no key is built per record. */
  private KafkaMetrics.ConsumerTopic consumerTopic(ConsumerState s, String topic, String group) {
    if (s == null || s.group == null) {
      return metrics.consumer(topic, group); // group not known yet: not cached under a guess
    }
    KafkaMetrics.ConsumerTopic t = s.topics.get(topic);
    if (t == null) {
      t = metrics.consumer(topic, group);
      s.topics.put(topic, t);
    }
    return t;
  }

  private void endProcessing(ThreadState thread) {
    if (thread == null) {
      thread = threads.get();
    }
    Processing p = thread.current;
    if (p == null) {
      return;
    }
    thread.current = null;
    double seconds = (System.nanoTime() - p.startNanos) / 1e9;
    if (p.span != null) {
      p.span.end(p.error);
    }
    if (p.series != null) {
      p.series.record(seconds, p.error, p.span);
    }
  }

  // ---- dead letters -----------------------------------------------------------------------

  @Override
  public void consumerConfigured(Object consumer, Map<?, ?> config) {
    try {
      if (deadLetters == null || consumer == null || config == null || consumerOff()) {
        return;
      }
      ConsumerState s = state(consumer);
      s.cluster = deadLetters.cluster(config, consumer.getClass().getClassLoader());
      Object isolation = config.get("isolation.level");
      s.isolation = isolation == null ? null : isolation.toString().trim().toLowerCase(java.util.Locale.ROOT);
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "reading a consumer's settings", t);
    }
  }

  @Override
  public void handlerEntered() {
    threads.get().handlerDepth++;
  }

  @Override
  public void handlerExited(Throwable thrown, Object records) {
    try {
      ThreadState thread = threads.get();
      if (--thread.handlerDepth > 0) {
        return;
      }
      thread.handlerDepth = 0;
      if (ownThread()) {
        return;
      }
      if (thrown != null) {
        failed(thread, thrown, records);
      } else if (finals != null) {
        succeeded(thread, records);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a failed record", t);
    }
  }

  @Override
  public String[] deadLetterHandlers() {
    return handlers.clone();
  }

  private void failed(ThreadState thread, Throwable thrown, Object records) {
    Processing p = thread.current;
    List<Object> failed = BatchFailure.failedRecords(p == null ? null : p.record, thrown, records);
    if (failed.isEmpty()) {
      WeftLog.errorOnce(
          "dlq-no-record",
          "a record handler threw " + thrown.getClass().getName()
              + " but no record is being processed on its thread; nothing is dead-lettered"
              + " (reported once)",
          null);
      return;
    }
    for (Object record : failed) {
      boolean current = p != null && p.record == record;
      if (current) {
        p.error = thrown;
      }
      if (deadLetters == null) {
        continue;
      }
      ConsumerState s = current && p.state != null ? p.state : thread.lastPolled;
      if (s == null || s.cluster == null) {
        WeftLog.errorOnce(
            "dlq-no-consumer",
            "a record failed, but the consumer that read it was made before Weft started;"
                + " nothing is dead-lettered (reported once)",
            null);
        continue;
      }
      finals.failed(s, record, thrown, traceparent(current ? p : null));
    }
  }

  /** The outermost frame ended normally: an earlier failure of what it processed is no failure. */
  private void succeeded(ThreadState thread, Object records) {
    Processing p = thread.current;
    ConsumerState s = p != null && p.state != null ? p.state : thread.lastPolled;
    if (s == null || s.pending.isEmpty()) {
      return; // the happy path: nothing waits for a verdict
    }
    finals.succeeded(s, records != null ? records : p == null ? null : p.record);
  }

  /** The dead-letter verdicts (null when dead letters are off); for tests. */
  FinalFailures finalFailures() {
    return finals;
  }

  @Override
  public void errorHandler(Object consumer, Object errorHandler, String group) {
    try {
      if (finals == null || consumer == null || consumerOff()) {
        return;
      }
      finals.errorHandler(state(consumer), errorHandler, group);
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "reading a listener container's error handler", t);
    }
  }

  @Override
  public void recordRecovered(Object consumer, Object records) {
    try {
      if (finals == null || records == null || ownThread()) {
        return;
      }
      ConsumerState s = consumer == null ? null : consumers.get(consumer);
      if (s == null) {
        s = threads.get().lastPolled; // the error handler runs on the consumer's own thread
      }
      if (s != null) {
        finals.givenUp(s, records);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a record given up by its error handler", t);
    }
  }

  private String traceparent(Processing p) {
    String[] headers = p != null && p.span != null ? p.span.headers() : tracing.currentHeaders();
    if (headers == null) {
      return null;
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      if (headers[i].equals("traceparent")) {
        return headers[i + 1];
      }
    }
    return null;
  }

  /** A trace header's value, if it is short printable ASCII (anything else is ignored). */
  static String header(byte[] value) {
    if (value == null || value.length == 0 || value.length > 512) {
      return null;
    }
    for (byte b : value) {
      if (b < 0x20 || b > 0x7e) {
        return null;
      }
    }
    return new String(value, StandardCharsets.US_ASCII);
  }

  /** One record being processed on a thread. */
  static final class Processing {
    Object record;
    ConsumerState state;
    OutcomeSeries series;
    MessagingSpan span;
    long startNanos;
    Throwable error;
  }

  /** What one thread is doing with consumed records. */
  static final class ThreadState {
    int handlerDepth;
    Processing current;
    ConsumerState lastPolled;
    Object lastIterator;
    ConsumerState lastIteratorState;
  }
}
