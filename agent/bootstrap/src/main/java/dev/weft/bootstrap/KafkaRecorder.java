package dev.weft.bootstrap;

/**
 * What Kafka client advice reports. Objects of Kafka's own types (consumers, record batches,
 * iterators) are passed as {@code Object}, for their identity: the bridge cannot see Kafka's
 * classes, and the advice reads what the runtime needs (topics, partitions, offsets, headers)
 * with Kafka's types itself. A poll is two calls, one at its entry and one at its exit, each
 * carrying a {@link KafkaPoll}. Keys, values and header values other than trace context are never
 * passed here.
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
        public void pollStarting(KafkaPoll poll) {}

        @Override
        public void polled(KafkaPoll poll) {}

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

  /**
   * {@code poll} starts on this thread: a record still being processed on it is done, and, while
   * {@link KafkaPoll#failuresWaiting}, the consumer's positions as the application left them
   * decide which of its failed records are final (before this poll can commit past them). The
   * one call at a poll's entry.
   */
  public abstract void pollStarting(KafkaPoll poll);

  /**
   * {@code poll} returned (or threw): the records it handed over per topic, the consumer's group,
   * and its own view of its assigned partitions (end offset of its last fetch and position: the
   * lag, with no request to the broker; partitions no longer assigned lose their series). The
   * one call at a poll's exit.
   */
  public abstract void polled(KafkaPoll poll);

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
