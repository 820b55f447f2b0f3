package dev.weft.runtime.operation;

import dev.weft.bootstrap.PollReport;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.ConcurrentWeakIdentityMap;
import dev.weft.runtime.metrics.KafkaMetrics;
import dev.weft.runtime.metrics.OutcomeSeries;
import dev.weft.runtime.trace.MessagingSpan;
import dev.weft.runtime.trace.Tracing;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The messaging shape of the pipeline.
 *
 * <p>Sends: each is timed from the call to the broker's acknowledgement or error (a send that
 * throws ends there), with a PRODUCER span whose W3C headers go into the message.
 *
 * <p>Consumers: each poll is two calls, at its entry and its exit, each with the consumer's
 * {@link PollReport}: the messages it handed over are counted per topic, and the lag of every
 * assigned partition is refreshed from the consumer's own view ({@link ConsumerLag}). Messages
 * taken one by one from the iteration over a poll's batch are timed and traced (a CONSUMER span,
 * child of the producer's, current while the application processes the message) until the
 * application takes the next one, ends the iteration, or polls again.
 *
 * <p>The dead-letter capture {@linkplain #watch watches} the consumers: it is told of their polls
 * and closes, finds the message a thread is processing ({@link #thread}), and marks its
 * processing failed.
 */
public final class Messages extends Shape {

  /** The dead-letter capture, as the messaging shape sees it. */
  public interface Watcher {
    /** True on Weft's own threads (the dead-letter sender's): nothing there is recorded. */
    boolean ownThread();

    /**
     * A poll of {@code consumer} starts (its positions in {@code poll} while
     * {@link PollReport#failuresWaiting}), after the message processed before it is done.
     */
    void pollStarting(MessageConsumer consumer, PollReport poll);

    /** {@code consumer} is being closed (it commits as it closes). */
    void closing(MessageConsumer consumer);
  }

  private final String system;
  private final KafkaMetrics metrics; // null when metrics are off
  private final ConsumerLag lag; // null when metrics are off
  private volatile Watcher watcher; // null: dead letters off
  private final ConcurrentWeakIdentityMap<MessageConsumer> consumers =
      new ConcurrentWeakIdentityMap<>();
  private final ConcurrentWeakIdentityMap<MessageConsumer> batches =
      new ConcurrentWeakIdentityMap<>();
  private final ConcurrentWeakIdentityMap<MessageConsumer> iterators =
      new ConcurrentWeakIdentityMap<>();
  private final ThreadLocal<ThreadState> threads = ThreadLocal.withInitial(ThreadState::new);

  Messages(
      OperationPipeline pipeline,
      String module,
      String system,
      KafkaMetrics metrics,
      Tracing tracing,
      AgentErrors errors) {
    super(pipeline, module, tracing, errors);
    this.system = system;
    this.metrics = metrics;
    this.lag = metrics == null ? null : new ConsumerLag(metrics);
  }

  /** The dead-letter capture follows this family's consumers (it needs them followed). */
  public void watch(Watcher w) {
    this.watcher = w;
  }

  /** Nothing to record: metrics and traces off, Weft's own traffic, or Weft's own thread. */
  private boolean off() {
    return (metrics == null && !tracing.enabled()) || tracing.suppressed() || ownThread();
  }

  /** Nothing to follow on the consumer side (dead letters need the consumers too). */
  private boolean consumerOff() {
    return watcher == null ? off() : tracing.suppressed() || ownThread();
  }

  private boolean ownThread() {
    Watcher w = watcher;
    return w != null && w.ownThread();
  }

  // ---- sends -----------------------------------------------------------------------------

  Object startSend(String destination) {
    try {
      if (destination == null || off()) {
        return null;
      }
      Send send = new Send(this);
      send.series = metrics == null ? null : metrics.producer(destination);
      send.span = tracing.startProducer(system, destination);
      send.startNanos = System.nanoTime();
      return send;
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a send", t);
      return null;
    }
  }

  String[] headers(Send send) {
    try {
      String[] headers = send.span == null ? null : send.span.headers();
      return headers == null ? OperationPipeline.NO_HEADERS : headers;
    } catch (Throwable t) {
      errors.internalFailure(module, "writing trace headers", t);
      return OperationPipeline.NO_HEADERS;
    }
  }

  /** Acknowledged ({@code error} null), failed by the broker, or thrown by the send. */
  void end(Send send, Throwable error) {
    try {
      if (!Send.ENDED.compareAndSet(send, 0, 1)) {
        return;
      }
      double seconds = (System.nanoTime() - send.startNanos) / 1e9;
      if (send.span != null) {
        send.span.end(error);
      }
      if (send.series != null) {
        send.series.record(seconds, error, send.span);
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "recording the end of a send", t);
    }
  }

  // ---- polls -----------------------------------------------------------------------------

  void pollStarting(PollReport poll) {
    try {
      endProcessing(null);
      Watcher w = watcher;
      if (w != null) {
        Object kept = poll.state;
        if (kept instanceof MessageConsumer) {
          w.pollStarting((MessageConsumer) kept, poll);
        } else {
          w.pollStarting(null, poll);
        }
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a poll", t);
    }
  }

  void polled(PollReport poll) {
    try {
      if (poll.consumer == null || consumerOff()) {
        return;
      }
      MessageConsumer c = consumerOf(poll);
      if (c.group == null && poll.group != null) {
        c.group = poll.group;
      }
      if (metrics != null) {
        for (int i = 0; i < poll.topicCount; i++) {
          String topic = poll.topics[i];
          int count = poll.topicRecords[i];
          if (topic != null && count > 0) {
            consumerTopic(c, topic).received(count);
          }
        }
      }
      if (poll.records != null) {
        batches.put(poll.records, c);
        threads.get().lastPolled = c;
      }
      if (lag != null && poll.partitionCount >= 0) {
        lag.update(c, poll);
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a poll", t);
    }
  }

  /** The consumer polling, found once and kept in its report. */
  private MessageConsumer consumerOf(PollReport poll) {
    Object kept = poll.state;
    if (kept instanceof MessageConsumer) {
      return (MessageConsumer) kept;
    }
    MessageConsumer c = consumer(poll.consumer);
    c.poll = poll;
    poll.state = c;
    poll.failuresWaiting = c.failures != null && watcher != null && waiting(c);
    poll.partitionsWanted = metrics != null; // the lag's; positions at entry are asked apart
    return c;
  }

  private static boolean waiting(MessageConsumer c) {
    Object f = c.failures;
    return f instanceof Waiting && ((Waiting) f).failuresWaiting();
  }

  /** What the capture keeps per consumer says whether failed records of it wait. */
  public interface Waiting {
    boolean failuresWaiting();
  }

  /** The consumer's record here, made at first sight. */
  public MessageConsumer consumer(Object consumer) {
    MessageConsumer c = consumers.get(consumer);
    if (c == null) {
      c = new MessageConsumer();
      consumers.put(consumer, c);
    }
    return c;
  }

  /** The consumer's record here, or null if it was never seen. */
  public MessageConsumer knownConsumer(Object consumer) {
    return consumer == null ? null : consumers.get(consumer);
  }

  /** Whether this family follows consumers now (dead letters need them even with metrics off). */
  public boolean followsConsumers() {
    return !consumerOff();
  }

  void closed(Object consumer) {
    try {
      endProcessing(null);
      MessageConsumer c = consumer == null ? null : consumers.remove(consumer);
      Watcher w = watcher;
      if (w != null) {
        w.closing(c);
      }
      if (c != null && lag != null) {
        lag.remove(c, -1);
      }
      if (c != null && c.poll != null) {
        c.poll.state = null; // polled again after the close: a new record, as for a new consumer
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a consumer closed", t);
    }
  }

  // ---- processing ------------------------------------------------------------------------

  void iterating(Object batch, Object iterator) {
    try {
      MessageConsumer c = batch == null ? null : batches.get(batch);
      if (c != null && iterator != null) {
        iterators.put(iterator, c);
      }
    } catch (Throwable t) {
      errors.internalFailure(module, "recording an iteration", t);
    }
  }

  void startProcess(
      Object iterator,
      Object message,
      String topic,
      int partition,
      long offset,
      byte[] traceparent,
      byte[] tracestate) {
    try {
      ThreadState thread = threads.get();
      endProcessing(thread);
      if (topic == null || consumerOff()) {
        return;
      }
      MessageConsumer c;
      if (iterator == thread.lastIterator) {
        c = thread.lastIteratorConsumer;
      } else {
        c = iterators.get(iterator);
        if (c == null) {
          c = thread.lastPolled; // records(topic) and friends: the poll made on this thread
        }
        thread.lastIterator = iterator;
        thread.lastIteratorConsumer = c;
      }
      Processing p = new Processing();
      p.message = message;
      p.consumer = c;
      p.series = metrics == null ? null : consumerTopic(c, topic).processed();
      p.span =
          tracing.enabled()
              ? tracing.startProcess(
                  system,
                  topic,
                  c == null ? "" : c.groupOrEmpty(),
                  partition,
                  offset,
                  header(traceparent),
                  header(tracestate))
              : null;
      p.startNanos = System.nanoTime();
      thread.current = p;
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a record processed", t);
    }
  }

  void processEnded() {
    try {
      ThreadState thread = threads.get();
      endProcessing(thread);
      thread.lastIterator = null;
      thread.lastIteratorConsumer = null;
    } catch (Throwable t) {
      errors.internalFailure(module, "recording a record processed", t);
    }
  }

  /** The series of (topic, group), cached per consumer: no key is built per message. */
  private KafkaMetrics.ConsumerTopic consumerTopic(MessageConsumer c, String topic) {
    if (c == null || c.group == null) {
      // group not known yet: not cached under a guess
      return metrics.consumer(topic, c == null ? "" : c.groupOrEmpty());
    }
    KafkaMetrics.ConsumerTopic t = c.topics.get(topic);
    if (t == null) {
      t = metrics.consumer(topic, c.group);
      c.topics.put(topic, t);
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

  /** What this thread is doing with consumed messages. */
  public ThreadState thread() {
    return threads.get();
  }

  /**
   * The W3C {@code traceparent} of {@code p}'s span, or of the current context when {@code p} is
   * null or has no span; null when there is none.
   */
  public String traceparent(Processing p) {
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

  /** One message sent, between the send and its acknowledgement or failure. */
  static final class Send {
    static final AtomicIntegerFieldUpdater<Send> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(Send.class, "ended");

    final Messages messages;
    OutcomeSeries series;
    MessagingSpan span;
    long startNanos;
    volatile int ended;

    Send(Messages messages) {
      this.messages = messages;
    }
  }

  /** One message being processed on a thread. */
  public static final class Processing {
    /** The message (a record of the library's type). */
    public Object message;
    /** Its consumer, when known. */
    public MessageConsumer consumer;
    /** Set when its processing failed: its span and count record the error. */
    public Throwable error;

    OutcomeSeries series;
    MessagingSpan span;
    long startNanos;
  }

  /** What one thread is doing with consumed messages. */
  public static final class ThreadState {
    /** How deep this thread is in frames that process messages (the capture's count). */
    public int frames;
    /** The message being processed, or null. */
    public Processing current;
    /** The consumer of the last poll on this thread that returned messages. */
    public MessageConsumer lastPolled;

    Object lastIterator;
    MessageConsumer lastIteratorConsumer;
  }
}
