package dev.weft.runtime.metrics.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.metrics.MetricsRuntime;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** A push that cannot be delivered never reaches the application: counted, logged once. */
class MetricsPushTest {

  @Test
  void failedPushesAreCountedEveryTimeAndLoggedOncePerWay() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort(); // nothing listens there once it is closed
    }
    Properties p = new Properties();
    p.setProperty("weft.metrics.jvm.enabled", "false");
    p.setProperty("otel.metrics.exporter", "otlp");
    p.setProperty("otel.exporter.otlp.metrics.endpoint", "http://127.0.0.1:" + closed + "/v1/metrics");
    p.setProperty("otel.exporter.otlp.metrics.timeout", "500");
    p.setProperty("weft.metrics.pushgateway.url", "http://127.0.0.1:" + closed);
    WeftConfig config = WeftConfig.load(null, p, new HashMap<>());
    AgentErrors errors = new AgentErrors();
    MetricsRuntime metrics = new MetricsRuntime(config, "t", errors);
    MetricsPush push =
        new MetricsPush(config, "t", metrics.exposedRegistry()::scrape, errors, task -> task);

    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      push.start();
      for (int i = 0; i < 3; i++) {
        push.pushOtlp();
        push.pushToGateway();
      }
      push.finalPush(); // one more of each, then the exporter is shut down
    } finally {
      System.setErr(original);
    }

    assertEquals(4, counter(metrics, MetricsPush.OTLP_MODULE));
    assertEquals(4, counter(metrics, MetricsPush.PUSHGATEWAY_MODULE));
    String log = captured.toString(StandardCharsets.UTF_8);
    assertEquals(1, count(log, "failed in module 'otlp-metrics'"), log);
    assertEquals(1, count(log, "failed in module 'pushgateway'"), log);
    assertTrue(log.contains("pushing metrics to http://127.0.0.1:" + closed), log);
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
    return -1;
  }
}
