package dev.weft.runtime.core;

import dev.weft.bootstrap.AdviceErrorSink;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failures inside Weft: counted in {@code weft_agent_errors_total{module}} every time, logged
 * once per module (the first occurrence, with its stack), so a broken module cannot flood the
 * application's output.
 */
public final class AgentErrors implements AdviceErrorSink {

  private final ConcurrentHashMap<String, CounterDataPoint> byModule = new ConcurrentHashMap<>();
  private volatile Counter counter;

  public void bind(Counter errorsCounter) {
    this.counter = errorsCounter;
  }

  /** Makes the module's series exist at 0 before anything fails, so rate() works from the start. */
  public void declare(String module) {
    dataPoint(module);
  }

  @Override
  public void adviceFailed(Throwable failure, String module) {
    count(module);
    WeftLog.errorOnce(
        "advice:" + module,
        "advice of module '"
            + module
            + "' failed: "
            + failure
            + "; the application was not affected. Further failures of this module are counted in"
            + " weft_agent_errors_total{module=\""
            + module
            + "\"} and not logged again.",
        failure);
  }

  /** A failure in Weft's own code outside advice (recorders, weaving, exporters). */
  public void internalFailure(String module, String what, Throwable failure) {
    count(module);
    WeftLog.errorOnce(
        // Once per module, whatever failed: "weaving <class>" must not log once per class.
        "internal:" + module,
        what
            + " failed in module '"
            + module
            + "': "
            + failure
            + "; the application was not affected. Further failures are counted in"
            + " weft_agent_errors_total{module=\""
            + module
            + "\"} and not logged again.",
        failure);
  }

  private void count(String module) {
    CounterDataPoint point = dataPoint(module);
    if (point != null) {
      point.inc();
    }
  }

  private CounterDataPoint dataPoint(String module) {
    Counter c = counter;
    if (c == null) {
      return null;
    }
    CounterDataPoint point = byModule.get(module);
    if (point == null) {
      point = byModule.computeIfAbsent(module, c::labelValues);
    }
    return point;
  }
}
