package dev.weft.instrumentation.spring.webflux.v6;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

import dev.weft.bootstrap.WeftBridge;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The spring-webflux-6 module in process, with reactor-netty-1 (which counts the requests): Spring
 * WebFlux without Boot ({@code WebHttpHandlerBuilder} and {@code ReactorHttpHandlerAdapter} on a
 * Reactor Netty {@code HttpServer} on a free port), an annotated controller and a {@code
 * RouterFunction} route, driven by the JDK's HTTP client.
 */
class WebFluxRoutesModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("reactor-netty-1", "spring-webflux-6");

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");

  private static AnnotationConfigApplicationContext context;
  private static DisposableServer server;
  private static final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  /** The ids Weft's log enrichment sees on this thread: "traceId/spanId", or "none". */
  static String currentIds() {
    String[] ids = WeftBridge.logs().currentIds();
    return ids == null ? "none" : ids[1] + "/" + ids[3];
  }

  @RestController
  public static class Orders {
    @GetMapping("/orders/{id}")
    public Mono<String> order(@PathVariable("id") String id) {
      if (id.startsWith("bad")) {
        return Mono.error(new IllegalStateException("boom"));
      }
      return Mono.just(currentIds());
    }

    @GetMapping("/hang/{id}")
    public Mono<String> hang(@PathVariable("id") String id) {
      return Mono.never();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebFlux
  public static class App {
    @Bean
    public Orders orders() {
      return new Orders();
    }

    @Bean
    public RouterFunction<ServerResponse> items() {
      return RouterFunctions.route(
          GET("/fn/items/{name}"),
          request -> {
            String name = request.pathVariable("name");
            if (name.startsWith("bad")) {
              return Mono.error(new IllegalStateException("boom"));
            }
            return ServerResponse.ok().bodyValue(currentIds());
          });
    }
  }

  @BeforeAll
  static void start() {
    context = new AnnotationConfigApplicationContext(App.class);
    HttpHandler handler = WebHttpHandlerBuilder.applicationContext(context).build();
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(new ReactorHttpHandlerAdapter(handler))
            .bindNow();
  }

  @AfterAll
  static void stop() {
    server.disposeNow();
    context.close();
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

  private static String[] series(String endpoint, int status) {
    return new String[] {"method", "GET", "endpoint", endpoint, "status", Integer.toString(status)};
  }

  private static long ended(String endpoint, int status, long expected) throws InterruptedException {
    return weft.awaitHistogramCount("http_request_duration_seconds", expected, series(endpoint, status));
  }

  private static void exactly(String prefix, String route) throws Exception {
    int n = 10;
    int k = 3;
    int j = 2;
    for (int i = 0; i < n - k - j; i++) {
      assertEquals(200, get(prefix + i + "?token=secret").statusCode());
    }
    for (int i = 0; i < k; i++) {
      assertEquals(500, get(prefix + "bad" + i).statusCode());
    }
    for (int i = 0; i < j; i++) {
      assertEquals(404, get("/nowhere" + prefix + i).statusCode());
    }
    assertEquals(n - k - j, ended(route, 200, n - k - j));
    assertEquals(k, ended(route, 500, k));
    assertEquals(j, ended("/", 404, j));
    assertEquals(n - k - j, weft.counter("http_requests_total", series(route, 200)));
    assertEquals(k, weft.counter("http_requests_total", series(route, 500)));
    assertEquals(j, weft.counter("http_requests_total", series("/", 404)));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_requests_total");
    assertEquals(3, changed.size(), changed.toString());
    Set<String> endpoints = new HashSet<>();
    for (Map<String, String> labels : changed.keySet()) {
      endpoints.add(labels.get("endpoint"));
    }
    assertEquals(new HashSet<>(Arrays.asList(route, "/")), endpoints, "never a raw path");
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", route));

    List<SpanData> spans = weft.awaitSpans(n);
    assertEquals(n, spans.size(), spans.toString());
    int routed = 0;
    for (SpanData span : spans) {
      assertEquals(SpanKind.SERVER, span.getKind());
      assertFalse(span.getAttributes().get(PATH).contains("?"));
      if (route.equals(span.getAttributes().get(ROUTE))) {
        assertEquals("GET " + route, span.getName());
        routed++;
      } else {
        assertEquals("GET /", span.getName());
      }
    }
    assertEquals(n - j, routed);
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "spring-webflux-6"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "reactor-netty-1"));
  }

  @Test
  void annotatedControllerCountsExactlyPerRouteTemplateAndStatus() throws Exception {
    exactly("/orders/", "/orders/{id}");
  }

  @Test
  void routerFunctionCountsExactlyPerRouteTemplateAndStatus() throws Exception {
    exactly("/fn/items/", "/fn/items/{name}");
  }

  @Test
  void aTraceparentIsTheParentAndTheSpanIsCurrentInTheController() throws Exception {
    String parent = "00f067aa0ba902b7";
    HttpResponse<String> response =
        get("/orders/42", "traceparent", "00-" + TRACE + "-" + parent + "-01");
    assertEquals(200, response.statusCode());
    assertEquals(1, ended("/orders/{id}", 200, 1));
    SpanData span = weft.awaitSpans(1).get(0);
    assertEquals("GET /orders/{id}", span.getName());
    assertEquals(TRACE, span.getTraceId());
    assertEquals(parent, span.getParentSpanId());
    assertEquals("/orders/42", span.getAttributes().get(PATH));
    assertEquals(TRACE + "/" + span.getSpanId(), response.body());
  }

  @Test
  void aClientThatGoesAwayCountsAs499UnderItsRouteAndActiveReturnsToZero() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write("GET /hang/1 HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      // In flight, the request is active under the endpoint it started with (no route yet at
      // its start); it ends under its route.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (weft.gauge("http_requests_active", "method", "GET", "endpoint", "/") != 1) {
        assertTrue(System.nanoTime() < deadline, "the request never became active");
        Thread.sleep(5);
      }
    }
    assertEquals(1, ended("/hang/{id}", 499, 1));
    assertEquals(1, weft.counter("http_requests_total", series("/hang/{id}", 499)));
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/hang/{id}"));
  }

  @Test
  void pipelinedRequestsOnOneConnectionEachEndUnderTheirOwnRoute() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      String requests =
          "GET /orders/1 HTTP/1.1\r\nHost: test\r\n\r\n"
              + "GET /fn/items/a HTTP/1.1\r\nHost: test\r\n\r\n"
              + "GET /nowhere HTTP/1.1\r\nHost: test\r\n\r\n"
              + "GET /orders/bad HTTP/1.1\r\nHost: test\r\n\r\n";
      out.write(requests.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertEquals(1, ended("/orders/{id}", 500, 1)); // the last: it closes the connection
    }
    assertEquals(1, ended("/orders/{id}", 200, 1));
    assertEquals(1, ended("/fn/items/{name}", 200, 1));
    assertEquals(1, ended("/", 404, 1));
    assertEquals(4, weft.changedSeries("http_requests_total").size());
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/"));
  }
}
