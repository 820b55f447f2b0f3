package dev.weft.runtime.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.weft.bootstrap.OperationKind;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.trace.Tracing;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The RPC family's rules: ends once, codes by name, methods bounded by the cardinality guard. */
class RpcCallsTest {

  private static final OperationKind KIND = OperationKind.named("rpc-test");

  private MetricsRuntime metrics;
  private OperationPipeline pipeline;

  @BeforeEach
  void start() throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.metrics.jvm.enabled", "false");
    p.setProperty("weft.metrics.cardinality.limit", "3");
    metrics = new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "test", new AgentErrors());
    pipeline =
        new OperationPipeline(
            List.of(Family.rpcCalls(KIND.name(), "grpc")), metrics, Tracing.disabled(), new AgentErrors());
  }

  @Test
  void aCallEndsOnceWithItsCodeByName() {
    Object ok = pipeline.startRpcServer(KIND, "weft.demo.Greeter/SayHello", null, null, null);
    pipeline.end(ok, 0, null);
    pipeline.end(ok, 13, new IOException("late"));
    Object failed = pipeline.startRpcClient(KIND, "weft.demo.Greeter/SayHello", "127.0.0.1:50051");
    pipeline.end(failed, 4, null);
    pipeline.end(failed, 0, null);
    Object odd = pipeline.startRpcClient(KIND, "weft.demo.Greeter/SayHello", "[::1]:50051");
    pipeline.end(odd, 99, null); // not a gRPC code: UNKNOWN
    assertEquals(Map.of("weft.demo.Greeter|SayHello|OK", 1L), counts("rpc_server_requests"));
    assertEquals(
        Map.of(
            "weft.demo.Greeter|SayHello|DEADLINE_EXCEEDED", 1L,
            "weft.demo.Greeter|SayHello|UNKNOWN", 1L),
        counts("rpc_client_requests"));
    assertNull(pipeline.context(ok), "no span context with tracing off");
    assertEquals(0, pipeline.propagationHeaders(ok).length);
  }

  @Test
  void methodsPastTheCardinalityLimitShareOneOtherSeriesAndAreCounted() {
    for (int i = 0; i < 10; i++) {
      pipeline.end(pipeline.startRpcServer(KIND, "scan.Svc" + i + "/M", null, null, null), 0, null);
    }
    pipeline.end(pipeline.startRpcServer(KIND, "no-slash-at-all", null, null, null), 5, null);
    Map<String, Long> server = counts("rpc_server_requests");
    assertEquals(
        Map.of(
            "scan.Svc0|M|OK", 1L,
            "scan.Svc1|M|OK", 1L,
            "scan.Svc2|M|OK", 1L,
            "_other_|_other_|OK", 7L,
            "_other_|_other_|NOT_FOUND", 1L),
        server);
    assertEquals(8L, overflow("rpc_server_requests"));
  }

  @Test
  void nothingIsRecordedForAMissingMethodName() {
    assertNull(pipeline.startRpcServer(KIND, null, null, null, null));
    assertNull(pipeline.startRpcClient(KIND, null, "h:1"));
    assertEquals(Map.of(), counts("rpc_client_requests"));
  }

  private Map<String, Long> counts(String counter) {
    Map<String, Long> out = new TreeMap<>();
    for (MetricSnapshot s : metrics.registry().scrape()) {
      if (s.getMetadata().getName().equals(counter)) {
        for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) s).getDataPoints()) {
          Labels l = p.getLabels();
          out.put(l.get("service") + "|" + l.get("method") + "|" + l.get("code"), (long) p.getValue());
        }
      }
    }
    return out;
  }

  private long overflow(String metric) {
    for (MetricSnapshot s : metrics.registry().scrape()) {
      if (s.getMetadata().getName().equals("weft_label_overflow")) {
        for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) s).getDataPoints()) {
          if (metric.equals(p.getLabels().get("metric"))) {
            return (long) p.getValue();
          }
        }
      }
    }
    return 0;
  }
}
