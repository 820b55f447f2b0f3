package dev.weft.bench.micro;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One SLF4J/Logback info call with a parameter, written through an encoder to /dev/null. */
@State(Scope.Benchmark)
public class LogCallBenchmark {

  private static final Logger LOG = LoggerFactory.getLogger(LogCallBenchmark.class);
  private int n;

  @Benchmark
  public void info() {
    LOG.info("order {} accepted", n++);
  }
}
