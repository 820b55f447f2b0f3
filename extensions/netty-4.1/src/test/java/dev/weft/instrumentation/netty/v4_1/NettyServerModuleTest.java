package dev.weft.instrumentation.netty.v4_1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.instrumentation.netty.v4_1.NettyTestServer.Shape;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The netty-4.1 module in process: real Netty servers on free ports (one per pipeline shape,
 * {@link NettyTestServer}), driven by the JDK's HTTP client and, for what it cannot do
 * (pipelining, cut-off requests, garbage), by {@link RawHttp}.
 */
class NettyServerModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("netty-4.1");

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");

  private static final Map<Shape, NettyTestServer> servers = new EnumMap<>(Shape.class);
  private static final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  static void startServers() throws InterruptedException {
    for (Shape shape : Shape.values()) {
      servers.put(shape, new NettyTestServer(shape));
    }
  }

  @AfterAll
  static void stopServers() throws InterruptedException {
    for (NettyTestServer server : servers.values()) {
      server.close();
    }
  }

  private static HttpResponse<String> send(Shape shape, String method, String target, String body, String... headers)
      throws Exception {
    java.net.http.HttpRequest.Builder b =
        java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + servers.get(shape).port + target))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? java.net.http.HttpRequest.BodyPublishers.noBody()
                    : java.net.http.HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int get(Shape shape, String target, String... headers) throws Exception {
    return send(shape, "GET", target, null, headers).statusCode();
  }

  private static String[] series(String method, String endpoint, int status) {
    return new String[] {"method", method, "endpoint", endpoint, "status", Integer.toString(status)};
  }

  /** Waits until the request's histogram (recorded after its counter) moved; returns by how much. */
  private static long ended(String method, String endpoint, int status, long expected)
      throws InterruptedException {
    return weft.awaitHistogramCount(
        "http_request_duration_seconds", expected, series(method, endpoint, status));
  }

  private static double count(String method, String endpoint, int status) {
    return weft.counter("http_requests_total", series(method, endpoint, status));
  }

  private static double active(String method, String endpoint) {
    return weft.gauge("http_requests_active", "method", method, "endpoint", endpoint);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  private static String traceparent(String parentSpanId) {
    return "00-" + TRACE + "-" + parentSpanId + "-01";
  }

  private static void noWeftErrors() {
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "netty-4.1"));
  }

  @ParameterizedTest
  @EnumSource(
      value = Shape.class,
      names = {"AGGREGATED", "STREAMING", "SPLIT", "AFTER_CODEC"})
  void nRequestsWithKFailuresAndJUnknownPathsMoveTheCountersByExactlyThatPerPathAndStatus(
      Shape shape) throws Exception {
    String s = shape.name().toLowerCase();
    int n = 10;
    int k = 3;
    int j = 2;
    for (int i = 0; i < n - k - j; i++) {
      assertEquals(200, get(shape, "/orders/" + s + "?page=" + i + "&token=secret"));
    }
    for (int i = 0; i < k; i++) {
      assertEquals(500, get(shape, "/fail/" + s + "?x=" + i));
    }
    for (int i = 0; i < j; i++) {
      assertEquals(404, get(shape, "/nowhere/" + s + "?y=" + i));
    }
    assertEquals(n - k - j, ended("GET", "/orders/" + s, 200, n - k - j));
    assertEquals(k, ended("GET", "/fail/" + s, 500, k));
    assertEquals(j, ended("GET", "/nowhere/" + s, 404, j));
    assertEquals(n - k - j, count("GET", "/orders/" + s, 200));
    assertEquals(k, count("GET", "/fail/" + s, 500));
    assertEquals(j, count("GET", "/nowhere/" + s, 404));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_requests_total");
    assertEquals(3, changed.size(), changed.toString());
    for (Map<String, String> labels : changed.keySet()) {
      assertFalse(labels.get("endpoint").contains("?"), labels.toString());
    }
    assertEquals(0, active("GET", "/orders/" + s));
    assertEquals(0, active("GET", "/fail/" + s));
    assertEquals(0, active("GET", "/nowhere/" + s));

    List<SpanData> spans = weft.awaitSpans(n);
    assertEquals(n, spans.size(), spans.toString());
    for (SpanData span : spans) {
      assertEquals(SpanKind.SERVER, span.getKind());
      assertEquals("GET", span.getName(), "plain Netty has no route: the span is named by the method");
      assertNull(span.getAttributes().get(ROUTE));
      assertFalse(span.getAttributes().get(PATH).contains("?"));
      assertEquals("http", span.getAttributes().get(SCHEME));
    }
    noWeftErrors();
  }

  @ParameterizedTest
  @EnumSource(
      value = Shape.class,
      names = {"AGGREGATED", "STREAMING", "SPLIT", "AFTER_CODEC"})
  void weftsHandlerSitsRightAfterTheCodecOncePerPipeline(Shape shape) throws Exception {
    HttpResponse<String> names = send(shape, "GET", "/names", null);
    List<String> expected;
    switch (shape) {
      case AGGREGATED:
        expected = Arrays.asList("codec", "weft.http.server", "aggregator", "app");
        break;
      case SPLIT:
        expected = Arrays.asList("decoder", "encoder", "weft.http.server", "aggregator", "app");
        break;
      default:
        expected = Arrays.asList("codec", "weft.http.server", "app");
    }
    assertEquals(expected, Arrays.asList(names.body().split(",")).subList(0, expected.size()));
    assertEquals(1, ended("GET", "/names", 200, 1));
  }

  @Test
  void aTraceparentSentIsTheParentOfTheServerSpan() throws Exception {
    String parent = "00f067aa0ba902b7";
    assertEquals(
        200,
        get(Shape.AGGREGATED, "/orders/42?q=secret", "traceparent", traceparent(parent), "tracestate", "vendor=x"));
    List<SpanData> spans = weft.awaitSpans(1);
    assertEquals(1, spans.size(), spans.toString());
    SpanData span = spans.get(0);
    assertEquals(SpanKind.SERVER, span.getKind());
    assertEquals(TRACE, span.getTraceId());
    assertEquals(parent, span.getParentSpanId());
    assertEquals("x", span.getSpanContext().getTraceState().get("vendor"));
    assertEquals("GET", span.getName());
    assertEquals("GET", span.getAttributes().get(METHOD));
    assertEquals("/orders/42", span.getAttributes().get(PATH));
    assertEquals(200L, span.getAttributes().get(STATUS));
    assertEquals(1, ended("GET", "/orders/42", 200, 1));
  }

  /** Two tracestate fields are one list in order; two traceparent fields are no parent at all. */
  @Test
  void severalFieldsOfOneNameAreOneValue() throws Exception {
    String parent = "00f067aa0ba902b7";
    assertEquals(200, get(Shape.AGGREGATED, "/orders/1", "traceparent", traceparent(parent),
        "tracestate", "foo=1,bar=2", "tracestate", "baz=3"));
    SpanData continued = weft.awaitSpans(1).get(0);
    assertEquals(TRACE, continued.getTraceId());
    List<String> keys = new java.util.ArrayList<>();
    continued.getSpanContext().getTraceState().forEach((k, v) -> keys.add(k));
    assertEquals(List.of("foo", "bar", "baz"), keys);
    assertEquals(200, get(Shape.AGGREGATED, "/orders/2", "traceparent", traceparent(parent),
        "traceparent", traceparent(parent)));
    SpanData restarted = weft.awaitSpans(2).get(1);
    assertNotEquals(TRACE, restarted.getTraceId());
    assertFalse(restarted.getParentSpanContext().isValid());
    assertEquals(1, ended("GET", "/orders/2", 200, 1));
  }

  @ParameterizedTest
  @EnumSource(
      value = Shape.class,
      names = {"AGGREGATED", "STREAMING"})
  void theHandlersSeeTheRequestsContextForEachOfItsMessagesAndTheEventLoopKeepsNothing(Shape shape)
      throws Exception {
    NettyTestServer server = servers.get(shape);
    server.idsBetweenRequests.clear();
    String parent = "00f067aa0ba902b7";
    RawHttp.Response first;
    RawHttp.Response second;
    try (RawHttp raw = new RawHttp(server.port)) {
      // The body in two writes: a streaming application reads the request and its content pieces.
      raw.send(
          "POST /context HTTP/1.1\r\nHost: test\r\ntraceparent: " + traceparent(parent)
              + "\r\nContent-Length: 10\r\n\r\n01234");
      Thread.yield();
      raw.send("56789");
      first = raw.read();
      // The next request on the same connection, served by the same event-loop thread.
      raw.send(RawHttp.get("/context"));
      second = raw.read();
    }
    assertEquals(200, first.status);
    assertEquals(200, second.status);
    assertEquals(1, ended("POST", "/context", 200, 1));
    assertEquals(1, ended("GET", "/context", 200, 1));
    List<SpanData> spans = weft.awaitSpans(2);
    SpanData post = spans.stream().filter(d -> "POST".equals(d.getName())).findFirst().get();
    SpanData get = spans.stream().filter(d -> "GET".equals(d.getName())).findFirst().get();
    String postIds = post.getTraceId() + "/" + post.getSpanId();
    for (String seen : first.body.split(",")) {
      assertEquals(postIds, seen, "every message of the request: " + first.body);
    }
    assertEquals(TRACE, post.getTraceId());
    assertNotEquals(TRACE, get.getTraceId(), "the next request does not inherit the first's trace");
    assertFalse(get.getParentSpanContext().isValid());
    for (String seen : second.body.split(",")) {
      assertEquals(get.getTraceId() + "/" + get.getSpanId(), seen, second.body);
    }
    await(() -> server.idsBetweenRequests.size() == 2, "the event loop's view after each response");
    assertEquals(Arrays.asList("none", "none"), new ArrayList<>(server.idsBetweenRequests));
    noWeftErrors();
  }

  @Test
  void pipelinedRequestsOnOneConnectionEndInOrderEachWithItsOwnResponse() throws Exception {
    String[] parents = {"0000000000000001", "0000000000000002", "0000000000000003", "0000000000000004"};
    List<RawHttp.Response> responses = new ArrayList<>();
    try (RawHttp raw = new RawHttp(servers.get(Shape.AGGREGATED).port)) {
      raw.send(
          RawHttp.get("/orders/p1", "traceparent: " + traceparent(parents[0]))
              + RawHttp.get("/nowhere/p2", "traceparent: " + traceparent(parents[1]))
              + RawHttp.get("/later/fail/p3", "traceparent: " + traceparent(parents[2]))
              + RawHttp.get("/later/p4", "traceparent: " + traceparent(parents[3])));
      for (int i = 0; i < 4; i++) {
        responses.add(raw.read());
      }
    }
    assertEquals(200, responses.get(0).status);
    assertEquals(404, responses.get(1).status);
    assertEquals(500, responses.get(2).status);
    assertEquals(200, responses.get(3).status);
    List<SpanData> spans = weft.awaitSpans(4);
    assertEquals(4, spans.size(), spans.toString());
    Map<String, String> byParent = new HashMap<>();
    for (SpanData span : spans) {
      byParent.put(
          span.getParentSpanId(),
          span.getAttributes().get(PATH) + " " + span.getAttributes().get(STATUS));
    }
    assertEquals("/orders/p1 200", byParent.get(parents[0]));
    assertEquals("/nowhere/p2 404", byParent.get(parents[1]));
    assertEquals("/later/fail/p3 500", byParent.get(parents[2]));
    assertEquals("/later/p4 200", byParent.get(parents[3]));
    assertEquals(1, ended("GET", "/later/p4", 200, 1));
    assertEquals(4, weft.changedSeries("http_requests_total").size());
    assertEquals(0, active("GET", "/later/fail/p3"));
    assertEquals(0, active("GET", "/later/p4"));
    noWeftErrors();
  }

  @Test
  void aResponseWrittenFromAnotherThreadEndsTheRequestWhenItIsWritten() throws Exception {
    NettyTestServer server = servers.get(Shape.AGGREGATED);
    CompletableFuture<HttpResponse<String>> response =
        client.sendAsync(
            java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port + "/held/1?who=me"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await(() -> server.held.containsKey("/held/1"), "the application to hold the request");
    assertEquals(1, active("GET", "/held/1"));
    assertEquals(0, count("GET", "/held/1", 200));
    server.answerHeld("/held/1", 200); // from this thread, not the event loop
    assertEquals(200, response.get(10, TimeUnit.SECONDS).statusCode());
    assertEquals(1, ended("GET", "/held/1", 200, 1));
    assertEquals(1, count("GET", "/held/1", 200));
    assertEquals(0, active("GET", "/held/1"));
    assertEquals(1, weft.awaitSpans(1).size());
    noWeftErrors();
  }

  @Test
  void aClientThatGoesAwayIs499AndAConnectionTheServerClosesUnansweredIs500() throws Exception {
    NettyTestServer server = servers.get(Shape.AGGREGATED);
    try (RawHttp raw = new RawHttp(server.port)) {
      raw.send(RawHttp.get("/hang"));
      await(() -> active("GET", "/hang") == 1, "the request to be in flight");
    }
    assertEquals(1, ended("GET", "/hang", 499, 1));
    try (RawHttp raw = new RawHttp(server.port)) {
      // The request's head, and 10 bytes of the 100 its body should have.
      raw.send("POST /orders/cut HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n0123456789");
      await(() -> active("POST", "/orders/cut") == 1, "the cut request to be in flight");
    }
    assertEquals(1, ended("POST", "/orders/cut", 499, 1));
    try (RawHttp raw = new RawHttp(server.port)) {
      raw.send(RawHttp.get("/close"));
      assertTrue(raw.closedByServer());
    }
    assertEquals(1, ended("GET", "/close", 500, 1));
    assertEquals(3, weft.changedSeries("http_requests_total").size());
    assertEquals(0, active("GET", "/hang"));
    assertEquals(0, active("POST", "/orders/cut"));
    assertEquals(0, active("GET", "/close"));
    noWeftErrors();
  }

  @Test
  void aClientThatResetsTheConnectionMidResponseIs499ThoughTheApplicationClosesItAfterwards()
      throws Exception {
    NettyTestServer server = servers.get(Shape.STREAMING);
    int resetsBefore = resets(server);
    RawHttp raw = new RawHttp(server.port);
    raw.send(RawHttp.get("/stream"));
    assertEquals("HTTP/1.1 200 OK", raw.readLine());
    await(() -> active("GET", "/stream") == 1, "the streamed response to be in flight");
    // The reset fails the server's next read; the application's exceptionCaught then closes the
    // channel through the pipeline, while the channel is still active.
    raw.reset();
    assertEquals(1, ended("GET", "/stream", 499, 1));
    await(() -> resets(server) == resetsBefore + 1, "the application to see the read error");
    assertEquals(0.0, count("GET", "/stream", 200));
    assertEquals(0, active("GET", "/stream"));
    noWeftErrors();
  }

  private static int resets(NettyTestServer server) {
    return (int) server.exceptions.stream().filter(e -> e instanceof IOException).count();
  }

  @Test
  void aHundredContinueAVoidPromiseAndAResponseInThreeWritesAreEachOneResponse() throws Exception {
    HttpResponse<String> upload =
        client.send(
            java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + servers.get(Shape.AGGREGATED).port + "/orders/upload"))
                .expectContinue(true)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("a body"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, upload.statusCode());
    assertEquals(200, get(Shape.AGGREGATED, "/void"));
    HttpResponse<String> chunked = send(Shape.AGGREGATED, "GET", "/chunked", null);
    assertEquals("0123456789", chunked.body());
    assertEquals(1, ended("POST", "/orders/upload", 200, 1));
    assertEquals(1, ended("GET", "/void", 200, 1));
    assertEquals(1, ended("GET", "/chunked", 200, 1));
    assertEquals(3, weft.changedSeries("http_requests_total").size());
    noWeftErrors();
  }

  @ParameterizedTest
  @EnumSource(
      value = Shape.class,
      names = {"AGGREGATED", "STREAMING"})
  void malformedRequestsReachTheApplicationAsNettyDecodesThemAndNeverThrow(Shape shape)
      throws Exception {
    NettyTestServer server = servers.get(shape);
    server.decoderFailures.clear();
    server.exceptions.clear();
    // What every Netty version refuses: a request line beyond 4096 bytes, headers beyond 8192.
    String[] garbage = {
      "GET /" + "x".repeat(5_000) + " HTTP/1.1\r\nHost: test\r\n\r\n",
      "GET /orders/big HTTP/1.1\r\nHost: test\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n",
    };
    for (String bytes : garbage) {
      try (RawHttp raw = new RawHttp(server.port)) {
        raw.send(bytes);
        assertEquals(400, raw.read().status);
        assertTrue(raw.closedByServer());
      }
    }
    assertEquals(2, server.decoderFailures.size(), server.decoderFailures.toString());
    assertTrue(server.exceptions.isEmpty(), server.exceptions.toString());
    await(
        () -> weft.changedSeries("http_request_duration_seconds").values().stream().mapToDouble(d -> d).sum() == 2,
        "both requests counted");
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_requests_total");
    double total = 0;
    for (Map.Entry<Map<String, String>, Double> e : changed.entrySet()) {
      assertEquals("400", e.getKey().get("status"), changed.toString());
      assertEquals(0, active(e.getKey().get("method"), e.getKey().get("endpoint")));
      total += e.getValue();
    }
    assertEquals(2, total);
    noWeftErrors();
  }

  @Test
  void aWebSocketUpgradeIs101AndTheFramesAfterItAreNotRequests() throws Exception {
    NettyTestServer server = servers.get(Shape.WEBSOCKET);
    server.webSocketPipelines.clear();
    server.exceptions.clear();
    CompletableFuture<String> echo = new CompletableFuture<>();
    CompletableFuture<WebSocket> opening =
        client
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + server.port + "/ws"),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    echo.complete(data.toString());
                    return null;
                  }
                });
    WebSocket ws;
    try {
      ws = opening.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("the handshake failed; the application saw " + server.exceptions, e);
    }
    ws.sendText("hi", true).get(10, TimeUnit.SECONDS);
    assertEquals("echo hi", echo.get(10, TimeUnit.SECONDS));
    ws.sendText("again", true).get(10, TimeUnit.SECONDS);
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    assertEquals(1, ended("GET", "/ws", 101, 1));
    assertEquals(1, weft.changedSeries("http_requests_total").size());
    assertEquals(0, active("GET", "/ws"));
    List<String> pipeline = server.webSocketPipelines.peek();
    assertFalse(pipeline.contains("weft.http.server"), pipeline.toString());
    assertFalse(pipeline.contains("codec"), pipeline.toString());
    noWeftErrors();
  }

  @Test
  void aReplacedCodecGetsWeftsHandlerAnewAndTheConnectionGoesOn() throws Exception {
    RawHttp.Response names;
    RawHttp.Response after;
    try (RawHttp raw = new RawHttp(servers.get(Shape.AGGREGATED).port)) {
      raw.send(RawHttp.get("/replace-codec"));
      assertEquals(200, raw.read().status);
      raw.send(RawHttp.get("/names"));
      names = raw.read();
      raw.send(RawHttp.get("/orders/after-replace"));
      after = raw.read();
    }
    assertEquals(
        Arrays.asList("codec", "weft.http.server", "aggregator", "app"),
        Arrays.asList(names.body.split(",")).subList(0, 4));
    assertEquals(200, after.status);
    assertEquals(1, ended("GET", "/replace-codec", 200, 1));
    assertEquals(1, ended("GET", "/names", 200, 1));
    assertEquals(1, ended("GET", "/orders/after-replace", 200, 1));
    assertEquals(3, weft.changedSeries("http_requests_total").size());
    noWeftErrors();
  }

  @Test
  void aRequestDecodedInsideAnotherByASecondCodecIsNotCountedAgain() throws Exception {
    NettyTestServer server = servers.get(Shape.AGGREGATED);
    server.nestedIds.clear();
    HttpResponse<String> response =
        send(Shape.AGGREGATED, "GET", "/nested", null, "traceparent", traceparent("00f067aa0ba902b7"));
    assertEquals("HTTP/1.1 200 OK", response.body());
    assertEquals(1, ended("GET", "/nested", 200, 1));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_requests_total");
    assertEquals(1, changed.size(), changed.toString());
    SpanData span = weft.awaitSpans(1).get(0);
    assertEquals(1, weft.spans().size());
    assertFalse(server.nestedIds.isEmpty());
    for (String ids : server.nestedIds) {
      assertEquals(span.getTraceId() + "/" + span.getSpanId(), ids);
    }
    noWeftErrors();
  }

}
