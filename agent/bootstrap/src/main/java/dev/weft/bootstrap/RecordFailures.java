package dev.weft.bootstrap;

import java.util.Map;

/**
 * What advice tells the dead-letter capture: which frames process consumed records, how they
 * end, and what the application's error handling decided. A record whose outermost processing
 * frame throws failed; once its failure is final (not retried, or retried and given up), the
 * runtime copies it to its dead-letter topic. Objects of the library's own types (consumers,
 * records, batches, error handlers) are passed as {@code Object}: the runtime reads them through
 * the module's messaging operations ({@link Operations#startProcess}) or by their identity.
 *
 * <p>Every method of this class itself does nothing: the runtime's capture overrides them.
 * Nothing here throws.
 */
public class RecordFailures {

  private static final String[] NONE = new String[0];

  /** Does nothing: what advice reaches until the runtime has started, or with dead letters off. */
  public static final RecordFailures NOOP = new RecordFailures();

  /** For the runtime; advice uses {@link WeftBridge#failures()}. */
  protected RecordFailures() {}

  /**
   * A consumer was built from {@code config} (its original settings): the dead-letter sender
   * reads the consumer's bootstrap servers and security settings from it.
   */
  public void consumerConfigured(Object consumer, Map<?, ?> config) {}

  /** A record-processing frame starts on this thread (a handler, a listener invocation). */
  public void handlerEntered() {}

  /**
   * The frame started by the matching {@link #handlerEntered()} ends, by throwing {@code thrown}
   * or normally (null). {@code records} is what it was processing: a record, a poll's batch or a
   * list of records, or null for the record this thread is processing. Only the outermost
   * frame's exception is a processing failure.
   */
  public void handlerExited(Throwable thrown, Object records) {}

  /** The handler methods named in {@code weft.dlq.handlers}, as {@code Class#method}. */
  public String[] handlers() {
    return NONE;
  }

  /**
   * A listener container starts with {@code consumer}, {@code errorHandler} (or null) and
   * consumer group {@code group}: the error handler may be the one to decide when a failure is
   * final.
   */
  public void errorHandler(Object consumer, Object errorHandler, String group) {}

  /**
   * The application's error handler gave {@code records} (a record, or a batch of them, of
   * {@code consumer}, possibly null) up: its recoverer ran. Their failures are final.
   */
  public void recordRecovered(Object consumer, Object records) {}
}
