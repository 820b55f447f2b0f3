package dev.weft.runtime.kafka;

import dev.weft.bootstrap.PollReport;
import dev.weft.bootstrap.RecordFailures;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.WeftLog;
import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.operation.MessageConsumer;
import dev.weft.runtime.operation.Messages;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The dead-letter capture of Kafka records. Frames that process records (the application's
 * methods taking records, Spring Kafka's listener invocation, the handlers named in
 * {@code weft.dlq.handlers}) are counted per thread; when the outermost one ends by throwing, the
 * record it was processing failed. Its processing is recorded as an error (the messaging shape's
 * span and count) and the failure waits in its consumer's {@link PendingFailures} until
 * {@link FinalFailures} finds it final (a later attempt that succeeds cancels it); then
 * {@link DeadLetters} copies the record to its dead-letter topic.
 *
 * <p>Which record a thread processes, and which consumer read it, is the messaging shape's
 * ({@link Messages}) knowledge; this capture watches its consumers' polls and closes.
 */
public final class FailedRecords extends RecordFailures implements Messages.Watcher {

  static final String MODULE = "kafka";

  private final Messages messages;
  private final DeadLetters deadLetters; // null when dead letters are off
  private final FinalFailures finals; // null when dead letters are off
  private final AgentErrors errors;
  private final String[] handlers;

  /**
   * Follows the consumers of {@code messages}, the Kafka family's shape. With dead letters off
   * ({@code deadLetters} null) a failed record's processing is still recorded as an error, and
   * nothing is kept.
   */
  public FailedRecords(Messages messages, DeadLetters deadLetters, AgentErrors errors) {
    this.messages = messages;
    this.deadLetters = deadLetters;
    this.finals = deadLetters == null ? null : new FinalFailures(deadLetters);
    this.errors = errors;
    this.handlers =
        deadLetters == null ? new String[0] : deadLetters.settings().handlers.toArray(new String[0]);
    if (deadLetters != null) {
      messages.watch(this);
    }
  }

  // ---- what the messaging shape tells -----------------------------------------------------

  @Override
  public boolean ownThread() {
    return deadLetters != null && deadLetters.ownThread();
  }

  @Override
  public void pollStarting(MessageConsumer consumer, PollReport poll) {
    ConsumerState s = ConsumerState.kept(consumer);
    if (s != null && poll.failuresWaiting && poll.partitionCount >= 0) {
      for (int i = 0; i < poll.partitionCount; i++) {
        String topic = poll.partitionTopics[i];
        if (topic != null) {
          s.pending.position(topic, poll.partitions[i], poll.positions[i]);
        }
      }
      finals.pollStarting(s); // the failures it moved past are final, before it can commit
    }
    deadLetters.awaitWritten(); // the poll may commit past this thread's failed records
  }

  @Override
  public void closing(MessageConsumer consumer) {
    deadLetters.awaitWritten(); // closing commits
    ConsumerState s = ConsumerState.kept(consumer);
    if (s != null && !s.pending.isEmpty()) {
      finals.closed(s);
    }
  }

  // ---- what advice tells -----------------------------------------------------------------

  @Override
  public void consumerConfigured(Object consumer, Map<?, ?> config) {
    try {
      if (deadLetters == null
          || consumer == null
          || config == null
          || !messages.followsConsumers()) {
        return;
      }
      ConsumerState s = ConsumerState.of(messages.consumer(consumer));
      s.cluster = deadLetters.cluster(config, consumer.getClass().getClassLoader());
      Object isolation = config.get("isolation.level");
      s.isolation = isolation == null ? null : isolation.toString().trim().toLowerCase(Locale.ROOT);
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "reading a consumer's settings", t);
    }
  }

  @Override
  public void handlerEntered() {
    messages.thread().frames++;
  }

  @Override
  public void handlerExited(Throwable thrown, Object records) {
    try {
      Messages.ThreadState thread = messages.thread();
      if (--thread.frames > 0) {
        return;
      }
      thread.frames = 0;
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
  public String[] handlers() {
    return handlers.clone();
  }

  private void failed(Messages.ThreadState thread, Throwable thrown, Object records) {
    Messages.Processing p = thread.current;
    List<Object> failed = BatchFailure.failedRecords(p == null ? null : p.message, thrown, records);
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
      boolean current = p != null && p.message == record;
      if (current) {
        p.error = thrown;
      }
      if (finals == null) {
        continue;
      }
      MessageConsumer c = current && p.consumer != null ? p.consumer : thread.lastPolled;
      ConsumerState s = ConsumerState.kept(c);
      if (s == null || s.cluster == null) {
        WeftLog.errorOnce(
            "dlq-no-consumer",
            "a record failed, but the consumer that read it was made before Weft started;"
                + " nothing is dead-lettered (reported once)",
            null);
        continue;
      }
      finals.failed(s, record, thrown, messages.traceparent(current ? p : null));
    }
  }

  /** The outermost frame ended normally: an earlier failure of what it processed is no failure. */
  private void succeeded(Messages.ThreadState thread, Object records) {
    Messages.Processing p = thread.current;
    MessageConsumer c = p != null && p.consumer != null ? p.consumer : thread.lastPolled;
    ConsumerState s = ConsumerState.kept(c);
    if (s == null || s.pending.isEmpty()) {
      return; // the happy path: nothing waits for a verdict
    }
    finals.succeeded(s, records != null ? records : p == null ? null : p.message);
  }

  /** The dead-letter verdicts (null when dead letters are off); for tests. */
  FinalFailures finalFailures() {
    return finals;
  }

  @Override
  public void errorHandler(Object consumer, Object errorHandler, String group) {
    try {
      if (finals == null || consumer == null || !messages.followsConsumers()) {
        return;
      }
      finals.errorHandler(ConsumerState.of(messages.consumer(consumer)), errorHandler, group);
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
      MessageConsumer c = messages.knownConsumer(consumer);
      if (c == null) {
        c = messages.thread().lastPolled; // the error handler runs on the consumer's own thread
      }
      ConsumerState s = ConsumerState.kept(c);
      if (s != null) {
        finals.givenUp(s, records);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a record given up by its error handler", t);
    }
  }
}
