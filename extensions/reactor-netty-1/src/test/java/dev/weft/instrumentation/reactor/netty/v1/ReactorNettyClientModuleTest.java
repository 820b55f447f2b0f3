package dev.weft.instrumentation.reactor.netty.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * The reactor-netty-1 module's client half in process: Reactor Netty's {@code HttpClient} (its
 * shared connection pool, keep-alive) against a real JDK HTTP server on a free loopback port (not
 * woven), a closed port, and a Reactor Netty server that calls out from its handler.
 */
class ReactorNettyClientModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("reactor-netty-1", "netty-4.1");

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER = "00f067aa0ba902b7";
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** The traceparent header of each request the JDK server received, in order ("-": none). */
  private static final List<String> received = new CopyOnWriteArrayList<>();

  private static HttpServer server;
  private static int port;
  private static volatile CountDownLatch slow = new CountDownLatch(1);
  private static final HttpClient client = HttpClient.create();

  @BeforeAll
  static void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.createContext(
        "/",
        exchange -> {
          String tp = exchange.getRequestHeaders().getFirst("traceparent");
          received.add(tp == null ? "-" : tp);
          String path = exchange.getRequestURI().getPath();
          int status = path.startsWith("/fail") ? 503 : 200;
          if (path.startsWith("/redirect")) {
            exchange.getResponseHeaders().set("Location", "/users/redirected");
            status = 302;
          }
          if (path.startsWith("/slow")) {
            try {
              slow.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          try {
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          } catch (java.io.IOException gone) {
            // the client went away (the cancel test)
          }
        });
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    slow.countDown();
    server.stop(0);
  }

  @BeforeEach
  void clear() {
    received.clear();
  }

  static String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  static int get(HttpClient c, String url) {
    return c.get()
        .uri(url)
        .responseSingle((r, body) -> body.asString().defaultIfEmpty("").thenReturn(r.status().code()))
        .block(WAIT);
  }

  static String[] labels(String method, String status, String errorType) {
    return new String[] {
      "method", method, "host", "127.0.0.1", "status", status, "error_type", errorType
    };
  }

  /** The traceparent of a call in a trace Weft started: random ids, so the random flag too. */
  static String traceparentInANewTrace(SpanData span) {
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-03";
  }

  static String traceparent(SpanData span) {
    return "00-"
        + span.getTraceId()
        + "-"
        + span.getSpanId()
        + "-"
        + span.getSpanContext().getTraceFlags().asHex();
  }

  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  static void noWeftErrors() {
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "reactor-netty-1"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "netty-4.1"));
  }

  @Test
  void nCallsWithKServerErrorsAndJRefusedConnectionsMoveTheCountersByExactlyThat()
      throws Exception {
    int n = 6;
    int k = 2;
    int j = 2;
    for (int i = 0; i < n - k; i++) {
      assertEquals(200, get(client, url("/users/" + i + "?token=secret")));
    }
    for (int i = 0; i < k; i++) {
      assertEquals(503, get(client, url("/fail/" + i)));
    }
    String refused = "http://127.0.0.1:" + closedPort() + "/refused";
    for (int i = 0; i < j; i++) {
      assertThrows(RuntimeException.class, () -> get(client, refused));
    }
    // POST with a body, through a base URL.
    assertEquals(
        200,
        client.baseUrl(url(""))
            .post()
            .uri("/orders?x=1")
            .send(reactor.netty.ByteBufFlux.fromString(Mono.just("{\"a\":1}")))
            .responseSingle((r, body) -> body.asString().thenReturn(r.status().code()))
            .block(WAIT));
    assertEquals(n - k, weft.awaitCounter("http_client_requests_total", n - k, labels("GET", "200", "")));
    assertEquals(k, weft.awaitCounter("http_client_requests_total", k, labels("GET", "503", "")));
    assertEquals(1, weft.awaitCounter("http_client_requests_total", 1, labels("POST", "200", "")));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_client_requests_total");
    assertEquals(4, changed.size(), changed.toString());
    String refusedType = null;
    for (Map.Entry<Map<String, String>, Double> e : changed.entrySet()) {
      if ("error".equals(e.getKey().get("status"))) {
        refusedType = e.getKey().get("error_type");
        assertEquals((double) j, e.getValue(), changed.toString());
        assertEquals("GET", e.getKey().get("method"));
        assertEquals("127.0.0.1", e.getKey().get("host"));
      }
    }
    // Netty's ConnectException with the address in its message, as the application gets it.
    assertEquals("AnnotatedConnectException", refusedType, changed.toString());
    assertEquals(
        j,
        weft.awaitHistogramCount(
            "http_client_request_duration_seconds", j, labels("GET", "error", refusedType)));
    List<SpanData> spans = weft.awaitSpans(n + j + 1);
    assertEquals(n + j + 1, spans.size(), spans.toString());
    int errors = 0;
    for (SpanData span : spans) {
      assertEquals(SpanKind.CLIENT, span.getKind());
      String full = span.getAttributes().get(AttributeKey.stringKey("url.full"));
      assertTrue(!full.contains("?"), full);
      if (span.getStatus().getStatusCode() == StatusCode.ERROR) {
        errors++;
      }
    }
    assertEquals(j + k, errors, spans.toString());
    assertEquals(n + 1, received.size());
    noWeftErrors();
  }

  @Test
  void theCallIsAChildOfTheSubscribersContextAndItsTraceparentReachesTheServer()
      throws Exception {
    Span caller =
        Span.wrap(
            SpanContext.create(TRACE, CALLER, TraceFlags.getSampled(), TraceState.getDefault()));
    int status;
    Thread[] subscribed = new Thread[1];
    try (Scope ignored = Context.root().with(caller).makeCurrent()) {
      subscribed[0] = Thread.currentThread();
      status = get(client, url("/users/child"));
    }
    assertEquals(200, status);
    List<SpanData> spans = weft.awaitSpans(1);
    assertEquals(1, spans.size());
    SpanData span = spans.get(0);
    assertEquals(TRACE, span.getTraceId());
    assertEquals(CALLER, span.getParentSpanId());
    assertEquals("GET", span.getName());
    assertEquals(
        url("/users/child"), span.getAttributes().get(AttributeKey.stringKey("url.full")));
    assertEquals(Arrays.asList(traceparent(span)), received);

    // The application's own traceparent is sent as it is.
    String own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    assertEquals(
        200,
        client.headers(h -> h.set("traceparent", own))
            .get()
            .uri(url("/users/own"))
            .responseSingle((r, body) -> body.asString().thenReturn(r.status().code()))
            .block(WAIT));
    assertEquals(own, received.get(1));
    assertEquals(2, weft.awaitCounter("http_client_requests_total", 2, labels("GET", "200", "")));
    noWeftErrors();
  }

  @Test
  void aRedirectIsOneCallPerRequestWrittenBothChildrenOfTheSubscriber() throws Exception {
    Span caller =
        Span.wrap(
            SpanContext.create(TRACE, CALLER, TraceFlags.getSampled(), TraceState.getDefault()));
    try (Scope ignored = Context.root().with(caller).makeCurrent()) {
      assertEquals(200, get(client.followRedirect(true), url("/redirect")));
    }
    assertEquals(1, weft.awaitCounter("http_client_requests_total", 1, labels("GET", "302", "")));
    assertEquals(1, weft.awaitCounter("http_client_requests_total", 1, labels("GET", "200", "")));
    assertEquals(2, weft.changedSeries("http_client_requests_total").size());
    List<SpanData> spans = weft.awaitSpans(2);
    assertEquals(2, spans.size());
    assertEquals(2, received.size());
    for (int i = 0; i < 2; i++) {
      assertEquals(CALLER, spans.get(i).getParentSpanId());
      assertTrue(received.contains(traceparent(spans.get(i))), received.toString());
    }
    noWeftErrors();
  }

  @Test
  void aSubscriptionCancelledBeforeTheResponseEndsItsCallAsCancelled() throws Exception {
    slow = new CountDownLatch(1);
    Disposable call =
        client.get().uri(url("/slow")).responseSingle((r, b) -> b.asString()).subscribe();
    await(() -> received.size() == 1, "the request at the server");
    call.dispose();
    assertEquals(
        1,
        weft.awaitCounter(
            "http_client_requests_total", 1, labels("GET", "error", "CancellationException")));
    slow.countDown();
    assertEquals(1, weft.changedSeries("http_client_requests_total").size());
    // The pool's next call is counted on its own.
    assertEquals(200, get(client, url("/users/after")));
    assertEquals(1, weft.awaitCounter("http_client_requests_total", 1, labels("GET", "200", "")));
    assertEquals(2, weft.changedSeries("http_client_requests_total").size());
    noWeftErrors();
  }

  @Test
  void anApplicationsOwnAddressSupplierIsNeverCalledByWeftAndItsCallsCountByTheirHost()
      throws Exception {
    java.util.concurrent.atomic.AtomicInteger supplied =
        new java.util.concurrent.atomic.AtomicInteger();
    List<String> weftCallers = new CopyOnWriteArrayList<>();
    HttpClient balanced =
        HttpClient.create()
            .remoteAddress(
                () -> {
                  supplied.incrementAndGet();
                  for (StackTraceElement frame : new Throwable().getStackTrace()) {
                    if (frame.getClassName().startsWith("dev.weft.")
                        && !frame.getClassName().equals(getClass().getName())
                        && !frame.getClassName().startsWith(
                            ReactorNettyClientModuleTest.class.getName())) {
                      weftCallers.add(frame.toString());
                    }
                  }
                  return new InetSocketAddress("127.0.0.1", port);
                });
    Span caller =
        Span.wrap(
            SpanContext.create(TRACE, CALLER, TraceFlags.getSampled(), TraceState.getDefault()));
    try (Scope ignored = Context.root().with(caller).makeCurrent()) {
      assertEquals(200, get(balanced, "/users/balanced"));
    }
    int perCall = supplied.get(); // what Reactor Netty itself asks of the supplier per call
    assertEquals(200, get(balanced, "/users/balanced"));
    assertEquals(2 * perCall, supplied.get());
    assertEquals(Arrays.asList(), weftCallers, "Weft called the application's supplier");
    assertEquals(2, weft.awaitCounter("http_client_requests_total", 2, labels("GET", "200", "")));
    assertEquals(1, weft.changedSeries("http_client_requests_total").size());
    List<SpanData> spans = weft.awaitSpans(2);
    assertEquals(CALLER, spans.get(0).getParentSpanId());
    assertEquals(Arrays.asList(traceparent(spans.get(0)), traceparent(spans.get(1))), received);
    noWeftErrors();
  }

  @Test
  void aResponseTimeoutEndsTheCallWithItsError() throws Exception {
    slow = new CountDownLatch(1);
    try {
      assertThrows(
          RuntimeException.class,
          () ->
              client.responseTimeout(Duration.ofMillis(300))
                  .get()
                  .uri(url("/slow/timeout"))
                  .responseSingle((r, b) -> b.asString())
                  .block(WAIT));
    } finally {
      slow.countDown();
    }
    assertEquals(
        1,
        weft.awaitCounter(
            "http_client_requests_total", 1, labels("GET", "error", "ReadTimeoutException")));
    assertEquals(1, weft.changedSeries("http_client_requests_total").size());
    assertEquals(1, received.size());
    noWeftErrors();
  }

  @Test
  void aCallFromAReactorNettyServersHandlerIsAChildOfItsRequest() throws Exception {
    DisposableServer proxy =
        reactor.netty.http.server.HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (req, res) ->
                    client.get()
                        .uri(url("/users/inner"))
                        .responseSingle((r, b) -> b.asString().thenReturn(r.status().code()))
                        .flatMap(code -> res.status(code).sendString(Mono.just("via")).then()))
            .bindNow();
    try {
      assertEquals(
          200, get(client, "http://127.0.0.1:" + proxy.port() + "/outer"));
    } finally {
      proxy.disposeNow();
    }
    List<SpanData> spans = weft.awaitSpans(3);
    assertEquals(3, spans.size(), spans.toString());
    SpanData serverSpan = null;
    SpanData inner = null;
    for (SpanData s : spans) {
      if (s.getKind() == SpanKind.SERVER) {
        serverSpan = s;
      } else if (s.getAttributes().get(AttributeKey.stringKey("url.full")).endsWith("/inner")) {
        inner = s;
      }
    }
    assertNotNull(serverSpan, spans.toString());
    assertNotNull(inner, spans.toString());
    assertEquals(serverSpan.getSpanId(), inner.getParentSpanId());
    assertEquals(Arrays.asList(traceparentInANewTrace(inner)), received);
    assertEquals(2, weft.awaitCounter("http_client_requests_total", 2, labels("GET", "200", "")));
    noWeftErrors();
  }
}
