package dev.weft.bench.micro;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SLF4J/Logback info call with a parameter and no span current, through a console appender
 * whose pattern reads the MDC ({@code logback.xml}), to a standard output that goes nowhere.
 */
@State(Scope.Thread)
public class LogCallBenchmark {

  private Logger log;
  private int n;

  @Setup(Level.Trial)
  public void setUp() {
    NullConsole.install();
    log = LoggerFactory.getLogger(LogCallBenchmark.class);
  }

  @Benchmark
  public void info() {
    log.info("order {} accepted", n++);
  }
}
