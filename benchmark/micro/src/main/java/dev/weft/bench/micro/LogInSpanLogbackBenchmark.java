package dev.weft.bench.micro;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * As {@link LogCallBenchmark}, with a span current (a Kafka record's process span, see
 * {@link KafkaProcessSpan}): what an agent adds to put the trace ids into the event's MDC, and
 * with {@code weft.logs.format=json} to write the event as a JSON line.
 */
@State(Scope.Thread)
public class LogInSpanLogbackBenchmark extends InSpanState {

  private Logger log;
  private int n;

  @Setup(Level.Trial)
  public void setUp() {
    NullConsole.install();
    log = LoggerFactory.getLogger(LogInSpanLogbackBenchmark.class);
  }

  @Benchmark
  public void info() {
    log.info("order {} accepted", n++);
  }
}
