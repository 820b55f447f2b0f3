package org.springframework.kafka.listener;

/**
 * A stand-in with the name and the field Weft reads of Spring Kafka's class: the runtime finds
 * Spring's error handlers by class name, so its tests need no Spring.
 */
public class FailedRecordProcessor {
  private final FailedRecordTracker failureTracker;

  public FailedRecordProcessor(Object recoverer) {
    this.failureTracker = new FailedRecordTracker(recoverer);
  }
}
