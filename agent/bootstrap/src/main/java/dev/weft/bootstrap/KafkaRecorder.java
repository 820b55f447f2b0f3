package dev.weft.bootstrap;

/**
 * What Kafka client advice reports. Objects of Kafka's own types (consumers, record batches,
 * iterators) are passed as {@code Object}: the bridge cannot see Kafka's classes, and the advice
 * reads what the runtime needs (topics, partitions, headers) through Kafka's public API itself.
 * Keys, values and header values other than trace context are never passed here.
 */
public abstract class KafkaRecorder {

  public static final KafkaRecorder NOOP =
      new KafkaRecorder() {
        @Override
        public Object sendStarted(String topic) {
          return null;
        }

        @Override
        public String[] headersToInject(Object send) {
          return null;
        }

        @Override
        public void sendEnded(Object send, Throwable error) {}

        @Override
        public void pollStarted(Object consumer) {}

        @Override
        public Object consumerState(Object consumer) {
          return null;
        }

        @Override
        public boolean needsGroup(Object state) {
          return false;
        }

        @Override
        public void group(Object state, String group) {}

        @Override
        public void received(Object state, String topic, int count) {}

        @Override
        public void polled(Object state, Object records) {}

        @Override
        public Object subscriptions(Object state) {
          return null;
        }

        @Override
        public Object isolationLevel(Object state) {
          return null;
        }

        @Override
        public void lag(Object state, String topic, int partition, long endOffset, long position) {}

        @Override
        public void lagDone(Object state) {}

        @Override
        public void closed(Object consumer) {}

        @Override
        public void iterating(Object records, Object iterator) {}

        @Override
        public void processStarted(
            Object iterator,
            Object record,
            String topic,
            int partition,
            long offset,
            byte[] traceparent,
            byte[] tracestate) {}

        @Override
        public void processEnded() {}

        @Override
        public void consumerConfigured(Object consumer, java.util.Map<?, ?> config) {}

        @Override
        public void handlerEntered() {}

        @Override
        public void handlerExited(Throwable thrown, Object records) {}

        @Override
        public String[] deadLetterHandlers() {
          return new String[0];
        }

        @Override
        public Object failuresWaiting(Object consumer) {
          return null;
        }

        @Override
        public void positionBeforePoll(Object state, String topic, int partition, long position) {}

        @Override
        public void positionsBeforePollDone(Object state) {}

        @Override
        public void errorHandler(Object consumer, Object errorHandler, String group) {}

        @Override
        public void recordRecovered(Object consumer, Object records) {}
      };

  // ---- producer ---------------------------------------------------------------------------

  /** {@code KafkaProducer.send} was called for {@code topic}; returns its handle, or null. */
  public abstract Object sendStarted(String topic);

  /**
   * The trace context headers to add to the record of {@code send}, as name, value pairs (the
   * advice adds only those the record does not carry yet), or null.
   */
  public abstract String[] headersToInject(Object send);

  /**
   * {@code send} is over: Kafka acknowledged it ({@code error} null) or failed it, or
   * {@code send} itself threw (the record was not queued). Only the first report counts.
   */
  public abstract void sendEnded(Object send, Throwable error);

  // ---- consumer ---------------------------------------------------------------------------

  /** {@code poll} starts on this thread: a record still being processed on it is done. */
  public abstract void pollStarted(Object consumer);

  /** The runtime's state of {@code consumer}, or null when nothing is recorded. */
  public abstract Object consumerState(Object consumer);

  /** True until the consumer's group id is known. */
  public abstract boolean needsGroup(Object state);

  /** The consumer's group id ("" without a group), or null when it could not be read yet. */
  public abstract void group(Object state, String group);

  /** A {@code poll} handed {@code count} records of {@code topic} to the application. */
  public abstract void received(Object state, String topic, int count);

  /** A {@code poll} returned {@code records} (a non-empty {@code ConsumerRecords}). */
  public abstract void polled(Object state, Object records);

  /** The consumer's {@code SubscriptionState}, or null if it cannot be found. */
  public abstract Object subscriptions(Object state);

  /** The consumer's {@code IsolationLevel}, or null if it cannot be found. */
  public abstract Object isolationLevel(Object state);

  /**
   * The consumer's own view of an assigned partition after a poll: the end offset of its last
   * fetch (high watermark, or last stable offset for read_committed) and its position, each -1
   * when it does not know it.
   */
  public abstract void lag(Object state, String topic, int partition, long endOffset, long position);

  /** Every assigned partition's lag was reported: the others are no longer assigned. */
  public abstract void lagDone(Object state);

  /** The consumer was closed. */
  public abstract void closed(Object consumer);

  /** The application iterates over {@code records} with {@code iterator}. */
  public abstract void iterating(Object records, Object iterator);

  /**
   * The application takes the next record of {@code iterator} on this thread: the previous one
   * is done, this one's processing starts.
   */
  public abstract void processStarted(
      Object iterator,
      Object record,
      String topic,
      int partition,
      long offset,
      byte[] traceparent,
      byte[] tracestate);

  /** The iteration on this thread is over: the record being processed is done. */
  public abstract void processEnded();

  // ---- dead letters -----------------------------------------------------------------------

  /**
   * A {@code KafkaConsumer} was built from {@code config} (its original settings): the
   * dead-letter sender reads the consumer's bootstrap servers and security settings from it.
   */
  public abstract void consumerConfigured(Object consumer, java.util.Map<?, ?> config);

  /** A record-processing frame starts on this thread (a handler, a listener invocation). */
  public abstract void handlerEntered();

  /**
   * The frame started by the matching {@link #handlerEntered()} ends, by throwing {@code thrown}
   * or normally (null). {@code records} is what it was processing: a {@code ConsumerRecord}, a
   * {@code ConsumerRecords} or a list of records, or null for the record this thread is
   * processing. Only the outermost frame's exception is a processing failure.
   */
  public abstract void handlerExited(Throwable thrown, Object records);

  /** The handler methods named in {@code weft.dlq.handlers}, as {@code Class#method}. */
  public abstract String[] deadLetterHandlers();

  /**
   * At the start of {@code poll}: the consumer's state while some of its failed records wait for
   * a verdict, else null (then nothing more is asked).
   */
  public abstract Object failuresWaiting(Object consumer);

  /**
   * At the start of {@code poll}, before it commits anything: the consumer's position of an
   * assigned partition (-1 when it has none), for the consumer returned by
   * {@link #failuresWaiting}.
   */
  public abstract void positionBeforePoll(Object state, String topic, int partition, long position);

  /** Every assigned partition's position was reported: the failures moved past are final. */
  public abstract void positionsBeforePollDone(Object state);

  /**
   * A Spring Kafka listener container starts with {@code consumer} (its {@code KafkaConsumer}),
   * {@code errorHandler} (its {@code CommonErrorHandler}, or null) and consumer group
   * {@code group}: the error handler may be the one to decide when a failure is final.
   */
  public abstract void errorHandler(Object consumer, Object errorHandler, String group);

  /**
   * Spring's error handler gave {@code records} (a {@code ConsumerRecord}, or a batch of them, of
   * {@code consumer}, possibly null) up: its recoverer ran. Their failures are final.
   */
  public abstract void recordRecovered(Object consumer, Object records);
}
