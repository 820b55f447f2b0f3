package dev.weft.bench.micro;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Base of the log cases that run inside a span: each measurement iteration runs with a Kafka
 * record's process span current on the benchmark thread ({@link KafkaProcessSpan}). JMH runs a
 * thread-scoped state's iteration set-up on the benchmark thread itself.
 */
public abstract class InSpanState {

  private final KafkaProcessSpan span = new KafkaProcessSpan();

  @Setup(Level.Iteration)
  public void enterSpan() {
    span.enter();
  }

  @TearDown(Level.Iteration)
  public void leaveSpan() {
    span.leave();
  }
}
