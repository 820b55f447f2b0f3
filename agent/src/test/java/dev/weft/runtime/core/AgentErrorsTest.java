package dev.weft.runtime.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.metrics.MetricsRuntime;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Failures inside Weft: every one counted, each module's logged once. */
class AgentErrorsTest {

  @Test
  void everyFailureIsCountedAndEachModuleLoggedOnce() throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.metrics.jvm.enabled", "false");
    AgentErrors errors = new AgentErrors();
    MetricsRuntime rt = new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "t", errors);
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (int i = 0; i < 100; i++) {
        errors.adviceFailed(new IllegalStateException("boom " + i), "mod-a");
        errors.internalFailure("weaving-test", "weaving com.example.Type" + i, new LinkageError());
      }
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertEquals(1, count(log, "advice of module 'mod-a' failed"));
    assertEquals(1, count(log, "failed in module 'weaving-test'"));
    assertEquals(100, counter(rt, "mod-a"));
    assertEquals(100, counter(rt, "weaving-test"));
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  private static long counter(MetricsRuntime rt, String module) {
    for (MetricSnapshot s : rt.registry().scrape()) {
      if (s.getMetadata().getName().equals("weft_agent_errors")) {
        for (CounterSnapshot.CounterDataPointSnapshot d : ((CounterSnapshot) s).getDataPoints()) {
          if (module.equals(d.getLabels().get("module"))) {
            return (long) d.getValue();
          }
        }
      }
    }
    return 0;
  }
}
