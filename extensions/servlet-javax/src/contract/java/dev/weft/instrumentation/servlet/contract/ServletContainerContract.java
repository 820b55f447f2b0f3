package dev.weft.instrumentation.servlet.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What both servlet modules must do on every container, written once (no servlet type in it):
 * servlet-javax compiles it with its javax application, servlet-jakarta with its jakarta one. A
 * subclass names the container, its launcher and the Weft extension (with its module).
 *
 * <p>The application ({@code TestApp} in each module's tests) runs two contexts, {@code ""} and
 * {@code /shop}; see its description for what each path answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServletContainerContract {

  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");

  /** The application's async delay before it completes (TestApp.ASYNC_DELAY_MS). */
  private static final long ASYNC_DELAY_MILLIS = 50;

  private static final int CLIENT_THREADS = 4;

  private Container container;

  /** The extension, registered by the subclass with its module. */
  protected abstract WeftAgentExtension weft();

  /** {@code servlet-javax} or {@code servlet-jakarta}. */
  protected abstract String module();

  /** {@code tomcat} or {@code jetty}: where its jars are and which version property to check. */
  protected abstract String containerName();

  /** The launcher's class name (as text: a class literal would load it from the test class path). */
  protected abstract String launcher();

  @BeforeAll
  void startContainer() throws Exception {
    container = Container.start(containerName(), launcher());
    System.out.println(
        getClass().getSimpleName() + ": " + containerName() + " " + container.version()
            + " on port " + container.port() + ", loaded by " + container.loader().getName());
  }

  @AfterAll
  void stopContainer() throws Exception {
    if (container != null) {
      container.close();
    }
  }

  /** One request of the plan: what to send, and how the server must answer and count it. */
  static final class Call {
    final String method;
    final String path;
    final String endpoint;
    final int status;

    Call(String method, String path, String endpoint, int status) {
      this.method = method;
      this.path = path;
      this.endpoint = endpoint;
      this.status = status;
    }

    @Override
    public String toString() {
      return method + " " + path + " -> " + status;
    }
  }

  /**
   * 44 requests: exact, prefix and extension mappings in two contexts, the default servlets,
   * 405 from HttpServlet, 403 from a filter that answers itself, 5xx set by the servlet, thrown by
   * it, set by async completion on another thread and at an async timeout (by the application's
   * listener, and by the container when nobody answers), 404 from the default servlets and from
   * sendError, and an async request dispatched back to another servlet.
   */
  static List<Call> plan() {
    List<Call> calls = new ArrayList<>();
    add(calls, 5, i -> new Call("GET", "/hello", "/hello", 200));
    add(calls, 2, i -> new Call("POST", "/hello", "/hello", 405));
    add(calls, 4, i -> new Call("GET", "/api/items/" + i, "/api/*", 200));
    add(calls, 1, i -> new Call("GET", "/api", "/api/*", 200));
    add(calls, 2, i -> new Call("GET", "/api/fail", "/api/*", 503));
    add(calls, 2, i -> new Call("GET", "/api/boom", "/api/*", 500));
    add(calls, 2, i -> new Call("GET", "/api/missing/" + i, "/api/*", 404));
    add(calls, 2, i -> new Call("GET", "/api/admin/users/" + i, "/api/*", 403));
    add(calls, 3, i -> new Call("GET", "/nope/" + i + "/page.html", "/", 404));
    add(calls, 3, i -> new Call("GET", "/async/ok", "/async/*", 200));
    add(calls, 2, i -> new Call("GET", "/async/fail", "/async/*", 502));
    add(calls, 2, i -> new Call("GET", "/async/dispatch", "/async/*", 200));
    add(calls, 2, i -> new Call("GET", "/async/timeout", "/async/*", 504));
    add(calls, 2, i -> new Call("GET", "/async/expire", "/async/*", 500));
    add(calls, 3, i -> new Call("GET", "/shop/orders/" + i, "/shop/orders/*", 200));
    add(calls, 2, i -> new Call("GET", "/shop/checkout.do", "/shop/*.do", 200));
    add(calls, 2, i -> new Call("GET", "/shop/aisle/" + i, "/shop/", 404));
    add(calls, 3, i -> new Call("GET", "/api/items/" + i + "?q=" + i, "/api/*", 200));
    Collections.shuffle(calls, new Random(20260101L));
    return calls;
  }

  private static void add(List<Call> calls, int n, IntFunction<Call> call) {
    for (int i = 0; i < n; i++) {
      calls.add(call.apply(i));
    }
  }

  static String traceId(int i) {
    return String.format("4bf92f3577b34da6a3ce929d0e%06x", i + 1);
  }

  static String parentId(int i) {
    return String.format("00f067aa0b%06x", i + 1);
  }

  @Test
  void everyRequestIsCountedOnceUnderItsMappingWithTheStatusTheClientSaw() throws Exception {
    List<Call> calls = plan();
    int n = calls.size();
    List<String> planned = new ArrayList<>();
    for (Call call : calls) {
      planned.add(call.toString());
    }

    // Each request in a trace of its own, sent from a few threads at once.
    List<String> answered = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
    try {
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Call call = calls.get(i);
        String traceparent = "00-" + traceId(i) + "-" + parentId(i) + "-01";
        statuses.add(
            pool.submit(
                () -> RawHttp.send(container.port(), call.method, call.path, traceparent)));
      }
      for (int i = 0; i < n; i++) {
        Call call = calls.get(i);
        answered.add(
            call.method + " " + call.path + " -> " + statuses.get(i).get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(planned, answered, "what the client saw");

    Map<Map<String, String>, Double> expected = new TreeMap<>(ServletContainerContract::compare);
    for (Call call : calls) {
      expected.merge(labels(call), 1.0, Double::sum);
    }
    // The server ends a request after its response is sent: wait until n requests are recorded
    // (the span ends first, the histogram is recorded last), then compare everything exactly.
    List<SpanData> spans = weft().awaitSpans(n);
    awaitTotal("http_request_duration_seconds", n);

    assertEquals(expected, sorted(weft().changedSeries("http_requests_total")),
        "http_requests_total: every series that moved, by its exact labels");
    assertEquals(expected, sorted(weft().changedSeries("http_request_duration_seconds")),
        "http_request_duration_seconds: observations per series");
    int k = 0;
    int j = 0;
    for (Call call : calls) {
      k += call.status >= 500 ? 1 : 0;
      j += call.status == 404 ? 1 : 0;
    }
    assertEquals(44, n);
    assertEquals(10, k);
    assertEquals(7, j);
    assertEquals(n - k - j, sum(weft().changedSeries("http_requests_total"), s -> s < 500 && s != 404));
    assertEquals(k, sum(weft().changedSeries("http_requests_total"), s -> s >= 500));
    assertEquals(j, sum(weft().changedSeries("http_requests_total"), s -> s == 404));
    assertEquals(Map.of(), weft().changedSeries("http_requests_active"), "requests left active");
    assertEquals(Map.of(), weft().changedSeries("weft_agent_errors_total"), "Weft's own errors");

    // One SERVER span per request, in the trace its traceparent named, with what the client saw.
    assertEquals(n, spans.size(), "spans: " + spans);
    Map<String, SpanData> byTrace = new TreeMap<>();
    for (SpanData span : spans) {
      assertEquals(SpanKind.SERVER, span.getKind(), span.toString());
      byTrace.put(span.getTraceId(), span);
    }
    assertEquals(n, byTrace.size(), "one span per trace");
    for (int i = 0; i < n; i++) {
      Call call = calls.get(i);
      SpanData span = byTrace.get(traceId(i));
      assertNotNull(span, "no span in the trace of " + call);
      assertEquals(parentId(i), span.getParentSpanId(), call.toString());
      assertEquals(call.method + " " + call.endpoint, span.getName(), call.toString());
      assertEquals(call.endpoint, span.getAttributes().get(ROUTE), call.toString());
      assertEquals(call.method, span.getAttributes().get(METHOD), call.toString());
      int query = call.path.indexOf('?');
      assertEquals(query < 0 ? call.path : call.path.substring(0, query),
          span.getAttributes().get(PATH), call.toString());
      assertEquals((long) call.status, span.getAttributes().get(STATUS), call.toString());
      assertEquals(call.status >= 500 ? StatusCode.ERROR : StatusCode.UNSET,
          span.getStatus().getStatusCode(), call.toString());
    }
  }

  @Test
  void aRequestIsOneServerSpanInTheCallersTraceAndAsyncOnesEndWhenTheyComplete()
      throws Exception {
    String trace = "0af7651916cd43dd8448eb211c80319c";
    int port = container.port();
    assertEquals(200, RawHttp.send(port, "GET", "/api/items/7;jsessionid=SECRET7",
        "00-" + trace + "-b7ad6b7169203331-01"));
    assertEquals(500, RawHttp.send(port, "GET", "/api/boom",
        "00-" + trace + "-b7ad6b7169203332-01"));
    assertEquals(200, RawHttp.send(port, "GET", "/async/ok",
        "00-" + trace + "-b7ad6b7169203333-01"));
    List<SpanData> spans = weft().awaitSpans(3);
    assertEquals(3, spans.size(), spans.toString());
    Map<String, SpanData> byParent = new TreeMap<>();
    for (SpanData span : spans) {
      assertEquals(trace, span.getTraceId(), span.toString());
      assertEquals(SpanKind.SERVER, span.getKind(), span.toString());
      assertEquals("http", span.getAttributes().get(SCHEME), span.toString());
      byParent.put(span.getParentSpanId(), span);
    }

    SpanData item = byParent.get("b7ad6b7169203331");
    assertEquals("GET /api/*", item.getName());
    assertEquals("/api/items/7", item.getAttributes().get(PATH), "no path parameters");
    assertEquals(200L, item.getAttributes().get(STATUS));
    assertEquals(StatusCode.UNSET, item.getStatus().getStatusCode());

    SpanData boom = byParent.get("b7ad6b7169203332");
    assertEquals("GET /api/*", boom.getName());
    assertEquals(500L, boom.getAttributes().get(STATUS));
    assertEquals(StatusCode.ERROR, boom.getStatus().getStatusCode());
    // The servlet's exception leaves the outermost filter chain call: it is the error.
    assertEquals("java.lang.IllegalStateException", boom.getAttributes().get(ERROR_TYPE));

    // Timed until the application completes it on another thread.
    SpanData async = byParent.get("b7ad6b7169203333");
    assertEquals("GET /async/*", async.getName());
    assertEquals(200L, async.getAttributes().get(STATUS));
    long millis = (async.getEndEpochNanos() - async.getStartEpochNanos()) / 1_000_000;
    assertTrue(millis >= ASYNC_DELAY_MILLIS, "async request took " + millis + " ms");

    String[] ok = {"method", "GET", "endpoint", "/api/*", "status", "200"};
    String[] failed = {"method", "GET", "endpoint", "/api/*", "status", "500"};
    String[] asyncOk = {"method", "GET", "endpoint", "/async/*", "status", "200"};
    assertEquals(1, weft().awaitCounter("http_request_duration_seconds", 1, ok));
    assertEquals(1, weft().awaitCounter("http_request_duration_seconds", 1, failed));
    assertEquals(1, weft().awaitCounter("http_request_duration_seconds", 1, asyncOk));
    assertEquals(3, weft().changedSeries("http_requests_total").size());
    assertEquals(0, weft().counter("weft_agent_errors_total", "module", module()));
  }

  /**
   * Several header fields of one name are one value: two {@code tracestate} fields are one list in
   * the order received, and two {@code traceparent} fields are no caller's context at all.
   */
  @Test
  void severalFieldsOfOneNameAreOneValue() throws Exception {
    String trace = "0af7651916cd43dd8448eb211c80319c";
    String traceparent = "00-" + trace + "-b7ad6b7169203331-01";
    int port = container.port();
    assertEquals(200, RawHttp.sendFields(port, "GET", "/api/items/1", "traceparent", traceparent,
        "tracestate", "foo=1,bar=2", "TraceState", "baz=3"));
    SpanData continued = weft().awaitSpans(1).get(0);
    assertEquals(trace, continued.getTraceId());
    List<String> keys = new ArrayList<>();
    continued.getSpanContext().getTraceState().forEach((k, v) -> keys.add(k));
    assertEquals(List.of("foo", "bar", "baz"), keys);
    assertEquals(200, RawHttp.sendFields(port, "GET", "/api/items/2", "traceparent", traceparent,
        "traceparent", traceparent));
    SpanData restarted = weft().awaitSpans(2).get(1);
    assertNotEquals(trace, restarted.getTraceId());
    assertFalse(restarted.getParentSpanContext().isValid());
    assertEquals(2, weft().awaitCounter("http_requests_total", 2,
        "method", "GET", "endpoint", "/api/*", "status", "200"));
  }

  /**
   * The metrics client starts one scheduler thread for the JVM's life. Were it started at the
   * first exemplar, on a container's request thread, it would keep the web application's class
   * loader as its context loader, and the application could never be unloaded on redeploy: Weft
   * starts it itself, from its own loader.
   */
  @Test
  void theMetricsClientsThreadDoesNotHoldTheContainersLoader() {
    List<Thread> schedulers =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("prometheus-metrics-scheduler"))
            .collect(Collectors.toList());
    assertEquals(1, schedulers.size(), schedulers.toString());
    assertSame(ClassLoader.getSystemClassLoader(), schedulers.get(0).getContextClassLoader());
  }

  @Test
  void onlyThisModuleIsWoven() {
    assertEquals(List.of(module()), weft().appliedModules());
  }

  /**
   * Polls (every 5 ms, for at most 10 s in all) until the series of {@code metric} have moved by
   * at least {@code total} together: one deadline for the whole plan, however its counts are
   * spread.
   */
  private void awaitTotal(String metric, double total) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sum(weft().changedSeries(metric), s -> true) < total && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static Map<String, String> labels(Call call) {
    Map<String, String> labels = new TreeMap<>();
    labels.put("method", call.method);
    labels.put("endpoint", call.endpoint);
    labels.put("status", Integer.toString(call.status));
    return labels;
  }

  private static Map<Map<String, String>, Double> sorted(Map<Map<String, String>, Double> series) {
    Map<Map<String, String>, Double> sorted = new TreeMap<>(ServletContainerContract::compare);
    sorted.putAll(series);
    return sorted;
  }

  private static double sum(
      Map<Map<String, String>, Double> series, java.util.function.IntPredicate status) {
    double total = 0;
    for (Map.Entry<Map<String, String>, Double> s : series.entrySet()) {
      if (status.test(Integer.parseInt(s.getKey().get("status")))) {
        total += s.getValue();
      }
    }
    return total;
  }

  private static int compare(Map<String, String> a, Map<String, String> b) {
    return a.toString().compareTo(b.toString());
  }
}
