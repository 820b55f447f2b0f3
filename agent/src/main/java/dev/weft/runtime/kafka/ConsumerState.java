package dev.weft.runtime.kafka;

import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.operation.MessageConsumer;
import dev.weft.runtime.operation.Messages;

/**
 * What the dead-letter capture keeps of one consumer: where its dead letters go, its failed
 * records, and who decides when a failure is final. Kept in the messaging shape's record of the
 * consumer ({@link MessageConsumer#failures}); holds no reference to the consumer itself.
 */
final class ConsumerState implements Messages.Waiting {
  final MessageConsumer consumer;
  volatile DeadLetters.Cluster cluster;
  volatile String isolation;
  /** Failed records waiting to be retried, given up or moved past. */
  final PendingFailures pending = new PendingFailures();
  volatile SpringErrorHandlers.Decider decider = SpringErrorHandlers.Decider.POSITIONS;

  ConsumerState(MessageConsumer consumer) {
    this.consumer = consumer;
  }

  /** The state kept in {@code c}, made at first need. */
  static ConsumerState of(MessageConsumer c) {
    Object kept = c.failures;
    if (kept instanceof ConsumerState) {
      return (ConsumerState) kept;
    }
    synchronized (c) {
      kept = c.failures;
      if (kept instanceof ConsumerState) {
        return (ConsumerState) kept;
      }
      ConsumerState s = new ConsumerState(c);
      c.failures = s;
      return s;
    }
  }

  /** The state kept in {@code c}, or null (none yet, or {@code c} null). */
  static ConsumerState kept(MessageConsumer c) {
    Object kept = c == null ? null : c.failures;
    return kept instanceof ConsumerState ? (ConsumerState) kept : null;
  }

  String groupOrEmpty() {
    return consumer.groupOrEmpty();
  }

  /** Tells the consumer's next poll whether failed records wait for the positions it reads. */
  void failuresWaiting(boolean waiting) {
    consumer.failuresWaiting(waiting);
  }

  @Override
  public boolean failuresWaiting() {
    return !pending.isEmpty();
  }
}
