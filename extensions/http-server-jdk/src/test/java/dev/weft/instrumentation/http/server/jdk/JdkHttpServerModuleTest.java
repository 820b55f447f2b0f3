package dev.weft.instrumentation.http.server.jdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The http-server-jdk module in process: a real com.sun.net.httpserver server on a free port. */
class JdkHttpServerModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("http-server-jdk");

  private static HttpServer server;
  private static int port;

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/users/", applicationHandler());
    server.start();
    port = server.getAddress().getPort();
  }

  /**
   * The handler, defined by a class loader of its own as an application's would be: Weft leaves
   * out a server whose handler comes from Weft's own class loader (its /metrics server), and in
   * this JVM the runtime shares the test class path.
   */
  private static HttpHandler applicationHandler() throws IOException {
    String name = UsersHandler.class.getName();
    byte[] bytes;
    try (InputStream in =
        JdkHttpServerModuleTest.class.getResourceAsStream("UsersHandler.class")) {
      bytes = in.readAllBytes();
    }
    ClassLoader application =
        new ClassLoader(ClassLoader.getPlatformClassLoader()) {
          @Override
          protected Class<?> findClass(String n) throws ClassNotFoundException {
            if (n.equals(name)) {
              return defineClass(n, bytes, 0, bytes.length);
            }
            throw new ClassNotFoundException(n);
          }
        };
    try {
      return (HttpHandler)
          application.loadClass(name).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IOException(e);
    }
  }

  @AfterAll
  static void stopServer() {
    server.stop(0);
  }

  /** A GET with these header fields, each sent as a field of its own (name, value pairs). */
  private static int get(String path, String... fields) {
    try {
      HttpURLConnection c =
          (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
      for (int i = 0; i < fields.length; i += 2) {
        c.addRequestProperty(fields[i], fields[i + 1]);
      }
      int status = c.getResponseCode();
      try (InputStream in = c.getInputStream()) {
        in.readAllBytes();
      }
      return status;
    } catch (IOException e) {
      return -1; // the JDK server closes the connection when the handler throws
    }
  }

  /**
   * One request on a raw socket: HttpURLConnection sends a GET again when the server closes the
   * connection without answering, which is what the JDK server does when the handler throws.
   */
  private static void getOnce(String path) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getInputStream().readAllBytes();
    } catch (IOException e) {
      // the connection is closed without an answer
    }
  }

  @Test
  void nRequestsWithKFailuresMoveTheCounterByExactlyNAndKUnderTheRouteTemplate()
      throws InterruptedException {
    int n = 6;
    int k = 2;
    for (int i = 0; i < n - k; i++) {
      assertEquals(200, get("/users/" + i));
    }
    for (int i = 0; i < k; i++) {
      getOnce("/users/boom");
    }
    String[] ok = {"method", "GET", "endpoint", "/users/", "status", "200"};
    String[] failed = {"method", "GET", "endpoint", "/users/", "status", "500"};
    assertEquals(n - k, weft.awaitCounter("http_requests_total", n - k, ok));
    assertEquals(k, weft.awaitCounter("http_requests_total", k, failed));
    assertEquals(n - k, weft.histogramCount("http_request_duration_seconds", ok));
    assertEquals(k, weft.histogramCount("http_request_duration_seconds", failed));
    assertEquals(2, weft.changedSeries("http_requests_total").size());
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "/users/"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "http-server-jdk"));
  }

  @Test
  void aRequestIsOneServerSpanInTheCallersTrace() throws InterruptedException {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parentId = "00f067aa0ba902b7";
    assertEquals(200, get("/users/42", "traceparent", "00-" + traceId + "-" + parentId + "-01"));
    List<SpanData> spans = weft.awaitSpans(1);
    assertEquals(1, spans.size(), spans.toString());
    SpanData span = spans.get(0);
    assertEquals("GET /users/", span.getName());
    assertEquals(SpanKind.SERVER, span.getKind());
    assertEquals(traceId, span.getTraceId());
    assertEquals(parentId, span.getParentSpanId());
    assertEquals("GET", span.getAttributes().get(AttributeKey.stringKey("http.request.method")));
    assertEquals("/users/42", span.getAttributes().get(AttributeKey.stringKey("url.path")));
    assertEquals(
        200L, span.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    // The request is counted once, and before the next test begins to read its own.
    assertEquals(
        1,
        weft.awaitCounter(
            "http_requests_total", 1, "method", "GET", "endpoint", "/users/", "status", "200"));
  }

  @Test
  void severalFieldsOfOneNameAreOneValue() throws InterruptedException {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parentId = "00f067aa0ba902b7";
    String traceparent = "00-" + traceId + "-" + parentId + "-01";
    assertEquals(
        200,
        get("/users/1", "traceparent", traceparent, "tracestate", "foo=1,bar=2", "tracestate", "baz=3"));
    SpanData span = weft.awaitSpans(1).get(0);
    assertEquals(traceId, span.getTraceId());
    assertEquals(List.of("foo", "bar", "baz"), keys(span));
    // Two traceparent fields are not a caller's context: the request starts a trace of its own.
    assertEquals(200, get("/users/2", "traceparent", traceparent, "traceparent", traceparent));
    span = weft.awaitSpans(2).get(1);
    assertNotEquals(traceId, span.getTraceId());
    assertFalse(span.getParentSpanContext().isValid());
    weft.awaitCounter("http_requests_total", 2, "method", "GET", "endpoint", "/users/", "status", "200");
  }

  private static List<String> keys(SpanData span) {
    List<String> keys = new java.util.ArrayList<>();
    span.getSpanContext().getTraceState().forEach((k, v) -> keys.add(k));
    return keys;
  }
}
