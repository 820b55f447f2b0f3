package dev.weft.runtime.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.weft.bootstrap.OperationKind;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.metrics.NamedOutcomeMetrics;
import dev.weft.runtime.trace.Tracing;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pipeline's own rules, on a family of its own: ends once, replies in order, names. */
class OperationPipelineTest {

  private static final OperationKind KIND = OperationKind.named("pipeline-test");

  private MetricsRuntime metrics;
  private OperationPipeline pipeline;

  @BeforeEach
  void start() throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.metrics.jvm.enabled", "false");
    metrics = new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "test", new AgentErrors());
    Family family =
        Family.databaseCommands(
            KIND.name(),
            "testdb",
            new NamedOutcomeMetrics.Shape(
                "test_ops", "Test operations.", "test_op_duration_seconds", "Their time.", "op",
                new double[] {0.001, 1}));
    pipeline = new OperationPipeline(List.of(family), metrics, Tracing.disabled(), new AgentErrors());
  }

  private Object start(String name) {
    return pipeline.start(KIND, null, name.getBytes(StandardCharsets.ISO_8859_1), "127.0.0.1", 1, -1);
  }

  @Test
  void anOperationEndsOnceWhoeverEndsIt() {
    Object ok = start("get");
    pipeline.end(ok, null);
    pipeline.end(ok, new IOException("late"));
    Object failed = start("get");
    pipeline.end(failed, new IOException("refused"));
    pipeline.end(failed, null);
    assertEquals(Map.of("GET|ok|", 1L, "GET|error|IOException", 1L), counts());
  }

  @Test
  void repliesEndTheOldestWaitingAndABrokenConnectionEndsThemAll() {
    Object connection = new Object();
    for (String name : List.of("a", "b", "c", "d")) {
      pipeline.awaitReply(connection, start(name));
    }
    pipeline.replied(connection, null, false); // a
    pipeline.replied(connection, new IllegalStateException("WRONGTYPE"), false); // b, error reply
    pipeline.replied(connection, new IOException("reset"), true); // c and d: broken
    pipeline.replied(connection, null, false); // nothing waits any more
    assertEquals(
        Map.of(
            "A|ok|", 1L,
            "B|error|IllegalStateException", 1L,
            "C|error|IOException", 1L,
            "D|error|IOException", 1L),
        counts());
  }

  @Test
  void namesAreUpperCasedBoundedAndOddBytesReplaced() {
    pipeline.end(start("hget"), null);
    pipeline.end(start("x\u0000y\u00ff"), null);
    pipeline.end(start("k".repeat(100)), null);
    assertEquals(
        Map.of("HGET|ok|", 1L, "X_Y_|ok|", 1L, "K".repeat(64) + "|ok|", 1L), counts());
  }

  @Test
  void aKindNoFamilyDescribesIsIgnored() {
    Object op = pipeline.start(OperationKind.named("nobody"), null, new byte[] {'G'}, (String) null, -1, -1);
    assertNull(op);
    pipeline.end(op, null);
    pipeline.awaitReply(new Object(), op);
    pipeline.replied(new Object(), null, false);
    assertEquals(Map.of(), counts());
    assertNotNull(start("x"), "the described kind still records");
  }

  @Test
  void aConnectionsEndpointIsUsedForItsOperations() {
    Object connection = new Object();
    pipeline.connected(connection, "10.0.0.7", 6380, 2);
    pipeline.end(pipeline.startOn(KIND, connection, "k", new byte[] {'p', 'i', 'n', 'g'}), null);
    pipeline.end(pipeline.startOn(KIND, new Object(), "k", null), null); // name cached by key
    assertEquals(Map.of("PING|ok|", 2L), counts());
  }

  /** "op|status|error_type" to the count of the test family's counter, where it moved. */
  private Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    for (MetricSnapshot s : metrics.registry().scrape()) {
      if (s.getMetadata().getName().equals("test_ops")) {
        for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) s).getDataPoints()) {
          Labels l = p.getLabels();
          if (p.getValue() == 0) {
            continue; // a name's success series exists from its first operation on
          }
          out.put(l.get("op") + "|" + l.get("status") + "|" + l.get("error_type"), (long) p.getValue());
        }
      }
    }
    return out;
  }
}
