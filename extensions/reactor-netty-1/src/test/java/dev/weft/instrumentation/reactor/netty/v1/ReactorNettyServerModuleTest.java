package dev.weft.instrumentation.reactor.netty.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.WeftBridge;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * The reactor-netty-1 module in process, with netty-4.1 woven too (it must leave Reactor Netty's
 * pipelines alone): a Reactor Netty {@code HttpServer} with no web framework on top, on a free
 * port, driven by the JDK's HTTP client. With no routes, every request counts under the fixed
 * endpoint {@code /}, never its path.
 */
class ReactorNettyServerModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("reactor-netty-1", "netty-4.1");

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private static DisposableServer server;
  /** Reactor Netty's own routing: its templates are the endpoints. */
  private static DisposableServer routed;
  /** HTTP/1.1 or h2c on one port: the HTTP/1.1 codec gets a name Netty makes up. */
  private static DisposableServer cleartextTwo;
  private static final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  static void start() {
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (req, res) -> {
                  String uri = req.uri();
                  if (uri.startsWith("/fail")) {
                    return Mono.error(new IllegalStateException("boom"));
                  }
                  if (uri.startsWith("/hang")) {
                    return Mono.never();
                  }
                  if (uri.startsWith("/missing")) {
                    return res.status(404).sendString(Mono.just("no"));
                  }
                  return res.sendString(Mono.just(currentIds()));
                })
            .bindNow();
    routed =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(
                routes ->
                    routes
                        .get("/orders/{id}", (req, res) -> res.sendString(Mono.just(currentIds())))
                        .get("/orders/{id}/fail", (req, res) -> Mono.error(new IllegalStateException("boom")))
                        .post("/orders", (req, res) -> res.status(201).sendString(Mono.just("made"))))
            .bindNow();
    cleartextTwo =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .protocol(HttpProtocol.H2C, HttpProtocol.HTTP11)
            .handle((req, res) -> res.sendString(Mono.just(currentIds())))
            .bindNow();
  }

  @AfterAll
  static void stop() {
    server.disposeNow();
    routed.disposeNow();
    cleartextTwo.disposeNow();
  }

  /** The ids Weft's log enrichment sees on this thread: "traceId/spanId", or "none". */
  static String currentIds() {
    String[] ids = WeftBridge.logs().currentIds();
    return ids == null ? "none" : ids[1] + "/" + ids[3];
  }

  private static HttpResponse<String> get(String target, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + target))
            .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String[] series(int status) {
    return new String[] {"method", "GET", "endpoint", "/", "status", Integer.toString(status)};
  }

  @Test
  void requestsCountUnderTheFixedEndpointWithTheStatusTheClientSaw() throws Exception {
    int n = 9;
    int k = 2;
    int j = 3;
    for (int i = 0; i < n - k - j; i++) {
      assertEquals(200, get("/orders/" + i + "?token=secret").statusCode());
    }
    for (int i = 0; i < k; i++) {
      assertEquals(500, get("/fail/" + i).statusCode());
    }
    for (int i = 0; i < j; i++) {
      assertEquals(404, get("/missing/" + i).statusCode());
    }
    assertEquals(n - k - j, weft.awaitHistogramCount("http_request_duration_seconds", n - k - j, series(200)));
    assertEquals(k, weft.awaitHistogramCount("http_request_duration_seconds", k, series(500)));
    assertEquals(j, weft.awaitHistogramCount("http_request_duration_seconds", j, series(404)));
    assertEquals(n - k - j, weft.counter("http_requests_total", series(200)));
    assertEquals(k, weft.counter("http_requests_total", series(500)));
    assertEquals(j, weft.counter("http_requests_total", series(404)));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_requests_total");
    assertEquals(3, changed.size(), "no path is a label: " + changed);
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
    List<SpanData> spans = weft.awaitSpans(n);
    assertEquals(n, spans.size(), spans.toString());
    for (SpanData span : spans) {
      assertEquals(SpanKind.SERVER, span.getKind());
      assertEquals("GET /", span.getName());
    }
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "reactor-netty-1"));
  }

  @Test
  void reactorNettyRoutesCountUnderTheirTemplates() throws Exception {
    int n = 6;
    int k = 2;
    int j = 3;
    int p = 2;
    for (int i = 0; i < n; i++) {
      assertEquals(200, send(routed, "GET", "/orders/" + i + "?token=secret").statusCode());
    }
    for (int i = 0; i < k; i++) {
      assertEquals(500, send(routed, "GET", "/orders/" + i + "/fail").statusCode());
    }
    for (int i = 0; i < j; i++) {
      assertEquals(404, send(routed, "GET", "/missing/" + i).statusCode());
    }
    for (int i = 0; i < p; i++) {
      assertEquals(201, send(routed, "POST", "/orders").statusCode());
    }
    String[] orders = {"method", "GET", "endpoint", "/orders/{id}", "status", "200"};
    String[] fail = {"method", "GET", "endpoint", "/orders/{id}/fail", "status", "500"};
    String[] post = {"method", "POST", "endpoint", "/orders", "status", "201"};
    assertEquals(n, weft.awaitHistogramCount("http_request_duration_seconds", n, orders));
    assertEquals(k, weft.awaitHistogramCount("http_request_duration_seconds", k, fail));
    assertEquals(j, weft.awaitHistogramCount("http_request_duration_seconds", j, series(404)));
    assertEquals(p, weft.awaitHistogramCount("http_request_duration_seconds", p, post));
    assertEquals(n, weft.counter("http_requests_total", orders));
    assertEquals(k, weft.counter("http_requests_total", fail));
    assertEquals(j, weft.counter("http_requests_total", series(404)));
    assertEquals(p, weft.counter("http_requests_total", post));
    assertEquals(4, weft.changedSeries("http_requests_total").size(),
        "no raw path is a label: " + weft.changedSeries("http_requests_total"));
    List<SpanData> spans = weft.awaitSpans(n + k + j + p);
    assertTrue(spans.stream().anyMatch(s -> s.getName().equals("GET /orders/{id}")), spans.toString());
  }

  @Test
  void http11OnAnH2cServerCountsUnderTheFixedEndpointNeverThePath() throws Exception {
    int n = 5;
    for (int i = 0; i < n; i++) {
      assertEquals(200, send(cleartextTwo, "GET", "/h2c/" + i).statusCode());
    }
    assertEquals(n, weft.awaitHistogramCount("http_request_duration_seconds", n, series(200)));
    assertEquals(n, weft.counter("http_requests_total", series(200)));
    assertEquals(1, weft.changedSeries("http_requests_total").size(),
        "no raw path is a label: " + weft.changedSeries("http_requests_total"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "netty-4.1"));
  }

  private static HttpResponse<String> send(DisposableServer target, String method, String path)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aTraceparentIsTheParentAndTheSpanIsCurrentInTheHandler() throws Exception {
    String parent = "00f067aa0ba902b7";
    HttpResponse<String> response =
        get("/orders/7", "traceparent", "00-" + TRACE + "-" + parent + "-01");
    assertEquals(200, response.statusCode());
    assertEquals(1, weft.awaitHistogramCount("http_request_duration_seconds", 1, series(200)));
    SpanData span = weft.awaitSpans(1).get(0);
    assertEquals(TRACE, span.getTraceId());
    assertEquals(parent, span.getParentSpanId());
    assertEquals(TRACE + "/" + span.getSpanId(), response.body());
    assertEquals("none", currentIds(), "nothing left on the test's thread");
  }

  @Test
  void aClientThatGoesAwayCountsAs499AndActiveReturnsToZero() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write("GET /hang HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (weft.gauge("http_requests_active", "method", "GET", "endpoint", "/") != 1) {
        assertTrue(System.nanoTime() < deadline, "the request never became active");
        Thread.sleep(5);
      }
    }
    assertEquals(1, weft.awaitHistogramCount("http_request_duration_seconds", 1, series(499)));
    assertEquals(1, weft.counter("http_requests_total", series(499)));
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
  }

  @Test
  void keepAliveRequestsOnOneConnectionEachCountOnce() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      // Pipelined: Reactor Netty serves them one after the other.
      String request = "GET /orders/1 HTTP/1.1\r\nHost: test\r\n\r\n";
      out.write((request + request + request).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertEquals(3, weft.awaitHistogramCount("http_request_duration_seconds", 3, series(200)));
      in.read(new byte[4096]);
    }
    assertEquals(3, weft.counter("http_requests_total", series(200)));
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
  }
}
