package org.springframework.kafka.listener;

/** A stand-in: the recoverer field and the recovery method Weft weaves in Spring Kafka. */
public class FailedRecordTracker {
  private final Object recoverer;

  FailedRecordTracker(Object recoverer) {
    this.recoverer = recoverer;
  }

  @SuppressWarnings("unused")
  private void attemptRecovery(Object record, Exception exception, Object partition, Object consumer) {}
}
