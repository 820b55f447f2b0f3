package dev.weft.runtime.kafka;

import dev.weft.bootstrap.KafkaRecorder;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.ConcurrentWeakIdentityMap;
import dev.weft.runtime.core.WeftLog;
import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.metrics.KafkaMetrics;
import dev.weft.runtime.metrics.OutcomeSeries;
import dev.weft.runtime.trace.MessagingSpan;
import dev.weft.runtime.trace.Tracing;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Behind the Kafka module.
 *
 * <p>Producer: {@link KafkaSends} times each {@code send} (ended by the module's own
 * {@code Callback}) and puts the PRODUCER span's W3C headers into the record.
 *
 * <p>Consumer: each {@code poll} counts the records it handed over per topic and refreshes the
 * lag of every assigned partition from the consumer's own {@code SubscriptionState} (end offset
 * of its last fetch of the partition minus its position: no request to the broker); partitions no
 * longer assigned lose their series. Records taken one by one from the iteration over a poll's result
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
  public void pollStarted(Object consumer) {
    try {
      endProcessing(null);
      if (deadLetters != null) {
        deadLetters.awaitWritten(); // the poll may commit past this thread's failed records
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a poll", t);
    }
  }

  @Override
  public Object consumerState(Object consumer) {
    try {
      if (consumer == null || consumerOff()) {
        return null;
      }
      ConsumerState state = consumers.get(consumer);
      if (state == null) {
        state = new ConsumerState(consumer);
        consumers.put(consumer, state);
      }
      return state;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a poll", t);
      return null;
    }
  }

  @Override
  public boolean needsGroup(Object state) {
    return state instanceof ConsumerState && ((ConsumerState) state).group == null;
  }

  @Override
  public void group(Object state, String group) {
    if (state instanceof ConsumerState && group != null) {
      ((ConsumerState) state).group = group;
    }
  }

  @Override
  public void received(Object state, String topic, int count) {
    try {
      if (metrics != null && state instanceof ConsumerState && topic != null && count > 0) {
        ConsumerState s = (ConsumerState) state;
        consumerTopic(s, topic, s.groupOrEmpty()).received(count);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "counting received records", t);
    }
  }

  @Override
  public void polled(Object state, Object records) {
    try {
      if (state instanceof ConsumerState && records != null) {
        batches.put(records, (ConsumerState) state);
        threads.get().lastPolled = (ConsumerState) state;
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a poll", t);
    }
  }

  @Override
  public Object subscriptions(Object state) {
    try {
      return state instanceof ConsumerState ? ((ConsumerState) state).internals().subscriptions : null;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "reading the consumer's subscription state", t);
      return null;
    }
  }

  @Override
  public Object isolationLevel(Object state) {
    try {
      return state instanceof ConsumerState ? ((ConsumerState) state).internals().isolationLevel : null;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "reading the consumer's isolation level", t);
      return null;
    }
  }

  @Override
  public void lag(Object state, String topic, int partition, long endOffset, long position) {
    try {
      if (!(state instanceof ConsumerState) || topic == null) {
        return;
      }
      ConsumerState s = (ConsumerState) state;
      if (metrics == null) {
        return;
      }
      PartitionKey key = new PartitionKey(topic, partition);
      s.seen.put(key, Boolean.TRUE);
      if (endOffset >= 0) {
        s.lastEnd.put(key, endOffset);
      } else {
        // Reassigned and not fetched since (a fetch session leaves out a partition with nothing
        // new): the end it saw last is still the end, or a fetch would have brought a newer one.
        Long last = s.lastEnd.get(key);
        endOffset = last == null ? -1 : last;
      }
      if (endOffset < 0 || position < 0) {
        return; // not known before the partition's first fetch: no series rather than a guess
      }
      GaugeDataPoint point = s.lag.get(key);
      if (point == null) {
        point = metrics.lag(topic, partition, s.groupOrEmpty());
        s.lag.put(key, point);
      }
      point.set(Math.max(0, endOffset - position));
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording consumer lag", t);
    }
  }

  @Override
  public void lagDone(Object state) {
    try {
      if (!(state instanceof ConsumerState)) {
        return;
      }
      ConsumerState s = (ConsumerState) state;
      if (metrics == null) {
        return;
      }
      s.lag.keySet().removeIf(key -> {
        if (s.seen.containsKey(key)) {
          return false;
        }
        metrics.removeLag(key.topic, key.partition, s.groupOrEmpty());
        return true;
      });
      s.seen.clear();
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording consumer lag", t);
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
        for (PartitionKey key : s.lag.keySet()) {
          metrics.removeLag(key.topic, key.partition, s.groupOrEmpty());
        }
        s.lag.clear();
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
      if (deadLetters == null || consumer == null || config == null || ownThread()) {
        return;
      }
      Object state = consumerState(consumer);
      if (state instanceof ConsumerState) {
        ConsumerState s = (ConsumerState) state;
        s.cluster = deadLetters.cluster(config, consumer.getClass().getClassLoader());
        Object isolation = config.get("isolation.level");
        s.isolation = isolation == null ? null : isolation.toString().trim().toLowerCase(java.util.Locale.ROOT);
      }
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
  public Object failuresWaiting(Object consumer) {
    try {
      if (finals == null || finals.nothingWaits() || consumer == null) {
        return null; // the happy path: one volatile read per poll
      }
      ConsumerState s = consumers.get(consumer);
      return s != null && !s.pending.isEmpty() ? s : null;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a poll", t);
      return null;
    }
  }

  @Override
  public void positionBeforePoll(Object state, String topic, int partition, long position) {
    try {
      if (state instanceof ConsumerState && topic != null) {
        ((ConsumerState) state).pending.position(topic, partition, position);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a poll", t);
    }
  }

  @Override
  public void positionsBeforePollDone(Object state) {
    try {
      if (finals != null && state instanceof ConsumerState) {
        finals.pollStarting((ConsumerState) state);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "deciding failed records at a poll", t);
    }
  }

  @Override
  public void errorHandler(Object consumer, Object errorHandler, String group) {
    try {
      if (finals == null || consumer == null) {
        return;
      }
      Object state = consumerState(consumer);
      if (state instanceof ConsumerState) {
        finals.errorHandler((ConsumerState) state, errorHandler, group);
      }
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
