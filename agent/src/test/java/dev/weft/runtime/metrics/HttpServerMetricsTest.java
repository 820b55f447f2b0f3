package dev.weft.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.operation.Family;
import dev.weft.runtime.operation.OperationPipeline;
import dev.weft.runtime.trace.Tracing;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.HashMap;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The recorder behind every HTTP server module, exercised directly with exact numbers. */
class HttpServerMetricsTest {

  private static final OperationKind SERVER = OperationKind.named("http-server");

  /** The pipeline with the HTTP server requests' family only, on {@code rt}. */
  private static OperationPipeline pipeline(MetricsRuntime rt) {
    return new OperationPipeline(
        List.of(Family.httpServerRequests(SERVER.name())), rt, Tracing.disabled(), new AgentErrors());
  }

  private final Object appHandler = new Object();

  private MetricsRuntime runtime(int cardinalityLimit) throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.metrics.labels", "region=eu-west-1");
    p.setProperty("weft.metrics.cardinality.limit", Integer.toString(cardinalityLimit));
    p.setProperty("weft.metrics.jvm.enabled", "false");
    return new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "test", new AgentErrors());
  }

  @Test
  void countsStatusesErrorsAndDurationsExactly() throws Exception {
    MetricsRuntime rt = runtime(100);
    OperationPipeline m = pipeline(rt);
    for (int i = 0; i < 7; i++) {
      m.end(m.startRequest(SERVER, appHandler, "GET", "/hello", "http", "/hello", null, null, null), 200, null, null);
    }
    for (int i = 0; i < 3; i++) {
      m.end(m.startRequest(SERVER, appHandler, "GET", "/hello", "http", "/hello", null, null, null), 503, null, null);
    }
    m.end(m.startRequest(SERVER, appHandler, "POST", "/boom", "http", "/boom", null, null, null), -1, new IllegalStateException(), null);
    m.end(m.startRequest(SERVER, appHandler, "POST", "/silent", "http", "/silent", null, null, null), -1, null, null);

    assertEquals(7, counter(rt, "http_requests", "GET", "/hello", "200"));
    assertEquals(3, counter(rt, "http_requests", "GET", "/hello", "503"));
    assertEquals(1, counter(rt, "http_requests", "POST", "/boom", "500"));
    assertEquals(1, counter(rt, "http_requests", "POST", "/silent", "500"));
    assertEquals(7, histogramCount(rt, "GET", "/hello", "200"));
    assertEquals(0, active(rt, "GET", "/hello"));
  }

  @Test
  void nestedCallsOnOneThreadAreOneRequest() throws Exception {
    MetricsRuntime rt = runtime(100);
    OperationPipeline m = pipeline(rt);
    Object outer = m.startRequest(SERVER, appHandler, "GET", "/users/", "http", "/users/", null, null, null);
    Object filter = m.startRequest(SERVER, appHandler, "GET", "/users/", "http", "/users/", null, null, null);
    Object handler = m.startRequest(SERVER, appHandler, "GET", "/users/", "http", "/users/", null, null, null);
    assertSame(Operations.NESTED, filter);
    assertEquals(1, active(rt, "GET", "/users/"));
    m.end(handler, 200, null, null);
    m.end(filter, 200, null, null);
    m.end(outer, 200, null, null);
    assertEquals(1, counter(rt, "http_requests", "GET", "/users/", "200"));
    assertEquals(0, active(rt, "GET", "/users/"));
    // The thread is clean again: the next request counts.
    m.end(m.startRequest(SERVER, appHandler, "GET", "/users/", "http", "/users/", null, null, null), 200, null, null);
    assertEquals(2, counter(rt, "http_requests", "GET", "/users/", "200"));
  }

  @Test
  void weftsOwnHandlersAreNotCounted() throws Exception {
    MetricsRuntime rt = runtime(100);
    OperationPipeline m = pipeline(rt);
    Object ownHandler = new BoundedLabelMapTest(); // any class from Weft's own loader
    assertNull(m.startRequest(SERVER, ownHandler, "GET", "/metrics", "http", "/metrics", null, null, null));
  }

  @Test
  void unknownMethodsCollapseToOther() throws Exception {
    MetricsRuntime rt = runtime(100);
    OperationPipeline m = pipeline(rt);
    m.end(m.startRequest(SERVER, appHandler, "get", "/x", "http", "/x", null, null, null), 200, null, null);
    m.end(m.startRequest(SERVER, appHandler, "\u0000BREW\u00ff", "/x", "http", "/x", null, null, null), 200, null, null);
    assertEquals(2, counter(rt, "http_requests", "_OTHER", "/x", "200"));
  }

  @Test
  void endpointsBeyondTheLimitGoToOtherAndAreCounted() throws Exception {
    MetricsRuntime rt = runtime(2);
    OperationPipeline m = pipeline(rt);
    for (String e : new String[] {"/a", "/b", "/c", "/d", "/c"}) {
      m.end(m.startRequest(SERVER, appHandler, "GET", e, "http", e, null, null, null), 200, null, null);
    }
    assertEquals(1, counter(rt, "http_requests", "GET", "/a", "200"));
    assertEquals(3, counter(rt, "http_requests", "GET", BoundedLabelMap.OTHER, "200"));
    assertEquals(3, overflow(rt, "http_requests"));
  }

  @Test
  void aServerWithoutRoutesIsCountedUnderItsPathsThroughTheGuard() throws Exception {
    MetricsRuntime rt = runtime(2);
    OperationPipeline m = pipeline(rt);
    for (String path : new String[] {"/orders/1", "/orders/2", "/orders/3", "/orders/1", "/x"}) {
      Object request = m.startRequest(SERVER, appHandler, "GET", null, "http", path, null, null, null);
      m.end(request, 200, null, null);
    }
    assertEquals(2, counter(rt, "http_requests", "GET", "/orders/1", "200"));
    assertEquals(1, counter(rt, "http_requests", "GET", "/orders/2", "200"));
    assertEquals(2, counter(rt, "http_requests", "GET", BoundedLabelMap.OTHER, "200"));
    assertEquals(2, histogramCount(rt, "GET", BoundedLabelMap.OTHER, "200"));
    assertEquals(2, overflow(rt, "http_requests"));
    assertEquals(0, active(rt, "GET", BoundedLabelMap.OTHER));
  }

  @Test
  void concurrentRequestsAreCountedExactly() throws Exception {
    MetricsRuntime rt = runtime(100);
    OperationPipeline m = pipeline(rt);
    int threads = 8;
    int perThread = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      pool.execute(
          () -> {
            try {
              go.await();
            } catch (InterruptedException e) {
              return;
            }
            for (int i = 0; i < perThread; i++) {
              m.end(m.startRequest(SERVER, appHandler, "GET", "/c", "http", "/c", null, null, null), i % 10 == 0 ? 500 : 200, null, null);
            }
          });
    }
    go.countDown();
    pool.shutdown();
    pool.awaitTermination(60, TimeUnit.SECONDS);
    assertEquals(threads * perThread / 10, counter(rt, "http_requests", "GET", "/c", "500"));
    assertEquals(threads * perThread * 9 / 10, counter(rt, "http_requests", "GET", "/c", "200"));
    assertEquals(threads * perThread * 9 / 10, histogramCount(rt, "GET", "/c", "200"));
    assertEquals(0, active(rt, "GET", "/c"));
  }

  private static MetricSnapshot snapshot(MetricsRuntime rt, String name) {
    MetricSnapshots all = rt.registry().scrape();
    for (MetricSnapshot s : all) {
      if (s.getMetadata().getName().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no metric " + name);
  }

  private static Labels labels(String method, String endpoint, String status) {
    return Labels.of("endpoint", endpoint, "method", method, "region", "eu-west-1", "status", status);
  }

  private static long counter(MetricsRuntime rt, String name, String m, String e, String s) {
    for (CounterSnapshot.CounterDataPointSnapshot p :
        ((CounterSnapshot) snapshot(rt, name)).getDataPoints()) {
      if (p.getLabels().equals(labels(m, e, s))) {
        return (long) p.getValue();
      }
    }
    return 0;
  }

  private static long histogramCount(MetricsRuntime rt, String m, String e, String s) {
    for (HistogramSnapshot.HistogramDataPointSnapshot p :
        ((HistogramSnapshot) snapshot(rt, "http_request_duration_seconds")).getDataPoints()) {
      if (p.getLabels().equals(labels(m, e, s))) {
        return p.getCount();
      }
    }
    return 0;
  }

  private static long active(MetricsRuntime rt, String m, String e) {
    for (GaugeSnapshot.GaugeDataPointSnapshot p :
        ((GaugeSnapshot) snapshot(rt, "http_requests_active")).getDataPoints()) {
      if (p.getLabels().equals(Labels.of("endpoint", e, "method", m, "region", "eu-west-1"))) {
        return (long) p.getValue();
      }
    }
    return 0;
  }

  private static long overflow(MetricsRuntime rt, String metric) {
    for (CounterSnapshot.CounterDataPointSnapshot p :
        ((CounterSnapshot) snapshot(rt, "weft_label_overflow")).getDataPoints()) {
      if (p.getLabels().get("metric").equals(metric)) {
        return (long) p.getValue();
      }
    }
    return 0;
  }
}
