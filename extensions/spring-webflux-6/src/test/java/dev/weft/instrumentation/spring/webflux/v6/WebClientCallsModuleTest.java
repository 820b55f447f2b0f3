package dev.weft.instrumentation.spring.webflux.v6;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;

/**
 * Spring's {@code WebClient} on Reactor Netty (its default connector), recorded by the
 * reactor-netty-1 module: calls against a real JDK HTTP server on a free loopback port (not woven)
 * and a closed port, and a call made by a WebFlux controller while it serves a request.
 */
class WebClientCallsModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("reactor-netty-1", "spring-webflux-6");

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER = "00f067aa0ba902b7";
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** The traceparent header of each request the JDK server received, in order ("-": none). */
  private static final List<String> received = new CopyOnWriteArrayList<>();

  private static HttpServer backend;
  private static int port;
  private static AnnotationConfigApplicationContext context;
  private static DisposableServer server;
  private static final WebClient client = WebClient.create();

  @RestController
  public static class Proxy {
    @GetMapping("/proxy")
    public Mono<String> proxy() {
      return client.get().uri(url("/users/inner")).retrieve().bodyToMono(String.class);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebFlux
  public static class App {
    @Bean
    public Proxy proxy() {
      return new Proxy();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    backend.createContext(
        "/",
        exchange -> {
          String tp = exchange.getRequestHeaders().getFirst("traceparent");
          received.add(tp == null ? "-" : tp);
          int status = exchange.getRequestURI().getPath().startsWith("/fail") ? 502 : 200;
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    backend.start();
    port = backend.getAddress().getPort();
    context = new AnnotationConfigApplicationContext(App.class);
    HttpHandler handler = WebHttpHandlerBuilder.applicationContext(context).build();
    server =
        reactor.netty.http.server.HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(new ReactorHttpHandlerAdapter(handler))
            .bindNow();
  }

  @AfterAll
  static void stop() {
    server.disposeNow();
    context.close();
    backend.stop(0);
  }

  @BeforeEach
  void clear() {
    received.clear();
  }

  static String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  static int get(String url, String... headers) {
    return client
        .get()
        .uri(url)
        .headers(h -> {
          for (int i = 0; i + 1 < headers.length; i += 2) {
            h.set(headers[i], headers[i + 1]);
          }
        })
        .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()))
        .block(WAIT);
  }

  static String[] labels(String status, String errorType) {
    return new String[] {
      "method", "GET", "host", "127.0.0.1", "status", status, "error_type", errorType
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

  static void noWeftErrors() {
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "reactor-netty-1"));
  }

  @Test
  void nCallsWithKServerErrorsAndJRefusedConnectionsMoveTheCountersByExactlyThat()
      throws Exception {
    int n = 7;
    int k = 3;
    int j = 2;
    for (int i = 0; i < n - k; i++) {
      assertEquals(200, get(url("/users/" + i + "?token=secret")));
    }
    for (int i = 0; i < k; i++) {
      assertEquals(502, get(url("/fail/" + i)));
    }
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    for (int i = 0; i < j; i++) {
      assertThrows(RuntimeException.class, () -> get("http://127.0.0.1:" + closed + "/refused"));
    }
    assertEquals(n - k, weft.awaitCounter("http_client_requests_total", n - k, labels("200", "")));
    assertEquals(k, weft.awaitCounter("http_client_requests_total", k, labels("502", "")));
    assertEquals(
        j,
        weft.awaitCounter(
            "http_client_requests_total", j, labels("error", "AnnotatedConnectException")));
    assertEquals(
        j,
        weft.awaitHistogramCount(
            "http_client_request_duration_seconds", j, labels("error", "AnnotatedConnectException")));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_client_requests_total");
    assertEquals(3, changed.size(), changed.toString());
    List<SpanData> spans = weft.awaitSpans(n + j);
    assertEquals(n + j, spans.size());
    assertEquals(n, received.size());
    for (SpanData span : spans) {
      assertEquals(SpanKind.CLIENT, span.getKind());
      assertEquals(-1, span.getAttributes().get(AttributeKey.stringKey("url.full")).indexOf('?'));
    }
    noWeftErrors();
  }

  @Test
  void aCallIsAChildOfTheSubscribersContextAndAnAppsTraceparentIsKept() throws Exception {
    Span caller =
        Span.wrap(
            SpanContext.create(TRACE, CALLER, TraceFlags.getSampled(), TraceState.getDefault()));
    try (Scope ignored = Context.root().with(caller).makeCurrent()) {
      assertEquals(200, get(url("/users/child")));
    }
    String own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    assertEquals(200, get(url("/users/own"), "traceparent", own));
    List<SpanData> spans = weft.awaitSpans(2);
    assertEquals(2, spans.size());
    SpanData child = spans.get(0);
    assertEquals(TRACE, child.getTraceId());
    assertEquals(CALLER, child.getParentSpanId());
    assertEquals(Arrays.asList(traceparent(child), own), received);
    assertEquals(2, weft.awaitCounter("http_client_requests_total", 2, labels("200", "")));
    noWeftErrors();
  }

  @Test
  void aCallFromAControllerIsAChildOfTheRequestItServes() throws Exception {
    assertEquals(200, get("http://127.0.0.1:" + server.port() + "/proxy"));
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
    assertEquals(
        1,
        weft.awaitCounter(
            "http_requests_total", 1, "method", "GET", "endpoint", "/proxy", "status", "200"));
    assertEquals(2, weft.awaitCounter("http_client_requests_total", 2, labels("200", "")));
    noWeftErrors();
  }
}
