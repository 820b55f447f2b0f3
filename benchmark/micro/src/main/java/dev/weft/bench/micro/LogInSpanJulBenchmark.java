package dev.weft.bench.micro;

import java.io.OutputStream;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One java.util.logging info call with a parameter while a span is current, formatted by
 * {@code SimpleFormatter} with a format that names the trace ids ({@code %7$s}, {@code %8$s}) and
 * flushed per record as the console handler does, to a stream that goes nowhere.
 */
@State(Scope.Thread)
public class LogInSpanJulBenchmark {

  private final KafkaProcessSpan span = new KafkaProcessSpan();
  private Logger log;
  private int n;

  @Setup(org.openjdk.jmh.annotations.Level.Trial)
  public void setUp() {
    System.setProperty(
        "java.util.logging.SimpleFormatter.format",
        "%1$tT.%1$tL %4$s %3$s trace_id=%7$s span_id=%8$s - %5$s%6$s%n");
    Handler handler =
        new StreamHandler(OutputStream.nullOutputStream(), new SimpleFormatter()) {
          @Override
          public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
          }
        };
    log = Logger.getLogger(LogInSpanJulBenchmark.class.getName());
    log.setUseParentHandlers(false);
    log.addHandler(handler);
    log.setLevel(Level.INFO);
  }

  @Setup(org.openjdk.jmh.annotations.Level.Iteration)
  public void enterSpan() {
    span.enter();
  }

  @TearDown(org.openjdk.jmh.annotations.Level.Iteration)
  public void leaveSpan() {
    span.leave();
  }

  @Benchmark
  public void info() {
    log.log(Level.INFO, "order {0} accepted", n++);
  }
}
