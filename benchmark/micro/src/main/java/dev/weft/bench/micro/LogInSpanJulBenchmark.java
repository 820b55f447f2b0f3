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

/**
 * One java.util.logging info call with a parameter while a span is current, formatted by
 * {@code SimpleFormatter} and flushed per record as the console handler does, to a stream that
 * goes nowhere. The format names no trace id: without an agent the JDK refuses a format with
 * {@code %7$s} and falls back to its default one, so every configuration formats the same way
 * here, and {@code weft-json} measures the JSON line in its place.
 */
@State(Scope.Thread)
public class LogInSpanJulBenchmark extends InSpanState {

  private Logger log;
  private int n;

  @Setup(org.openjdk.jmh.annotations.Level.Trial)
  public void setUp() {
    System.setProperty(
        "java.util.logging.SimpleFormatter.format",
        "%1$tT.%1$tL %4$s %3$s - %5$s%6$s%n");
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

  @Benchmark
  public void info() {
    log.log(Level.INFO, "order {0} accepted", n++);
  }
}
