package dev.weft.bench.micro;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One Log4j 2 info call with a parameter while a span is current, through a console appender
 * ({@code log4j2.xml}, pattern reading the context data) to a standard output that goes nowhere.
 */
@State(Scope.Thread)
public class LogInSpanLog4j2Benchmark extends InSpanState {

  private Logger log;
  private int n;

  @Setup(Level.Trial)
  public void setUp() {
    NullConsole.install();
    log = LogManager.getLogger(LogInSpanLog4j2Benchmark.class);
  }

  @Benchmark
  public void info() {
    log.info("order {} accepted", n++);
  }
}
