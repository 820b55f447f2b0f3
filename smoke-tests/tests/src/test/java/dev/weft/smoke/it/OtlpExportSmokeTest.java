package dev.weft.smoke.it;

import static dev.weft.smoke.it.TraceTestSupport.CLUSTER;
import static dev.weft.smoke.it.TraceTestSupport.LABELS_PROPERTY;
import static dev.weft.smoke.it.TraceTestSupport.REGION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.OtlpReceiver.Protocol;
import dev.weft.testing.traces.ReceivedSpan;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spans on the OTLP wire, decoded with the official opentelemetry-proto classes by a real
 * receiver: one SERVER span per request with the resource and attributes a backend needs, no query
 * string anywhere, the caller's W3C trace context continued, and malformed trace context ignored.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OtlpExportSmokeTest extends ServiceSmokeTest {

  static final int N = 40;
  static final String SECRET = "s3cr3t";

  /** One transport setting of the exporter, and the JDK the service runs on. */
  record Case(Protocol protocol, String compression, Path jdk) {}

  static Stream<Named<Case>> cases() {
    List<Path> jdks = SmokeEnv.jdkHomes();
    Path current = jdks.get(0);
    Path last = jdks.get(jdks.size() - 1);
    return Stream.of(
        Named.of("http/protobuf, JDK " + current.getFileName(),
            new Case(Protocol.HTTP_PROTOBUF, "none", current)),
        Named.of("grpc, JDK " + current.getFileName(),
            new Case(Protocol.GRPC, "none", current)),
        Named.of("http/protobuf gzip, JDK " + last.getFileName(),
            new Case(Protocol.HTTP_PROTOBUF, "gzip", last)),
        Named.of("grpc gzip, JDK " + last.getFileName(),
            new Case(Protocol.GRPC, "gzip", last)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void exportsOneServerSpanPerRequestOverOtlp(Case c) throws Exception {
    String serviceName = "checkout-" + c.protocol().name().toLowerCase().replace('_', '-');
    try (OtlpReceiver receiver = OtlpReceiver.start(c.protocol())) {
      int appPort = SmokeEnv.freePort();
      int metricsPort = SmokeEnv.freePort();
      service = TraceTestSupport.startService(
          "OtlpExport-" + c.protocol() + "-" + c.compression() + "-" + c.jdk().getFileName(),
          SmokeEnv.javaOf(c.jdk()), appPort, metricsPort, Map.of(),
          LABELS_PROPERTY,
          "-Dotel.service.name=" + serviceName,
          "-Dotel.exporter.otlp.protocol=" + c.protocol().configValue(),
          "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
          "-Dotel.exporter.otlp.compression=" + c.compression(),
          "-Dotel.bsp.schedule.delay=100");
      HttpClient client = Http.newClient();
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      // N plain requests, each with a secret in the query string.
      List<HttpRequest> requests = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        requests.add(TraceTestSupport.get(
            appPort, "/users/" + i + "?secret=" + SECRET + "-" + i + "&token=" + SECRET));
      }
      // One with a valid incoming trace context.
      String callerTrace = TraceTestSupport.newTraceId();
      String callerSpan = TraceTestSupport.newSpanId();
      requests.add(TraceTestSupport.get(appPort, "/users/traced?secret=" + SECRET,
          "traceparent", TraceTestSupport.traceparent(callerTrace, callerSpan, true)));
      List<Integer> statuses = TraceTestSupport.sendAll(client, requests);
      assertEquals("", TraceTestSupport.unexpectedStatuses(statuses, 200));

      // Malformed trace context, over a raw socket so nothing cleans the bytes up on the way.
      String longTrace = TraceTestSupport.newTraceId();
      String longSpan = TraceTestSupport.newSpanId();
      Map<String, byte[]> malformed = Map.of(
          "/users/malformed-garbage",
          "garbage, not a traceparent at all".getBytes(StandardCharsets.US_ASCII),
          "/users/malformed-long",
          (TraceTestSupport.traceparent(longTrace, longSpan, true) + "-" + "a".repeat(9000))
              .getBytes(StandardCharsets.US_ASCII),
          "/users/malformed-binary",
          binaryValue());
      for (Map.Entry<String, byte[]> e : malformed.entrySet()) {
        assertEquals("HTTP/1.1 200 OK",
            TraceTestSupport.rawGet(appPort, e.getKey(), "traceparent", e.getValue()),
            "a request with a malformed traceparent must be served normally: " + e.getKey());
      }
      int usersRequests = N + 1 + malformed.size();

      // Every span has ended once the metric counts every request (see awaitRequestsCounted);
      // then a marker span, exported after them by the one ordered export queue.
      TraceTestSupport.awaitRequestsCounted(service, client, metricsPort, "/users/", usersRequests);
      String markerTrace = TraceTestSupport.newTraceId();
      assertEquals(List.of(200), TraceTestSupport.sendAll(client, List.of(TraceTestSupport.get(
          appPort, "/hello", "traceparent",
          TraceTestSupport.traceparent(markerTrace, TraceTestSupport.newSpanId(), true)))));
      receiver.awaitSpans(s -> s.traceId().equals(markerTrace), 1, Duration.ofSeconds(30));

      List<ReceivedSpan> all = receiver.spans();
      List<ReceivedSpan> users = receiver.spans(s -> "/users/".equals(s.attribute("http.route")));
      assertEquals(usersRequests, users.size(),
          "exactly one span per /users/ request\n" + receiver.describe());
      assertEquals(usersRequests + 1, all.size(),
          "no span other than the requests' and the marker's\n" + receiver.describe());
      assertEquals(List.of(), receiver.failures(), "every export request decodes");

      for (ReceivedSpan span : all) {
        assertEquals("SERVER", span.kind(), span.toString());
        assertEquals(serviceName, span.resourceAttribute("service.name"), span.toString());
        assertEquals(REGION, span.resourceAttribute("region"), span.toString());
        assertEquals(CLUSTER, span.resourceAttribute("cluster"), span.toString());
        assertEquals("GET", span.attribute("http.request.method"), span.toString());
        assertEquals("200", span.attribute("http.response.status_code"), span.toString());
        assertEquals("http", span.attribute("url.scheme"), span.toString());
        assertTrue(TraceTestSupport.isValidTraceId(span.traceId()), span.toString());
        assertTrue(span.spanId().matches("[0-9a-f]{16}"), span.toString());
        String text = span.fullText();
        assertFalse(text.contains(SECRET) || text.contains("secret=") || text.contains("token="),
            "a query string leaked into the span:\n" + text);
        assertFalse(span.attribute("url.path").contains("?"), span.toString());
      }

      Set<String> expectedPaths = new TreeSet<>();
      for (int i = 0; i < N; i++) {
        expectedPaths.add("/users/" + i);
      }
      expectedPaths.add("/users/traced");
      expectedPaths.addAll(malformed.keySet());
      assertEquals(expectedPaths,
          users.stream().map(s -> s.attribute("url.path"))
              .collect(Collectors.toCollection(TreeSet::new)),
          "url.path of each /users/ span: the raw path, without the query string");
      assertTrue(users.stream().allMatch(s -> s.name().equals("GET /users/")),
          "span names are 'METHOD route': " + users);

      // The caller's context is continued: its trace id, and its span as the parent.
      ReceivedSpan traced = only(users, "/users/traced");
      assertEquals(callerTrace, traced.traceId(), traced.toString());
      assertEquals(callerSpan, traced.parentSpanId(), traced.toString());
      assertNotEquals(callerSpan, traced.spanId(), traced.toString());

      // Requests without context, or with malformed context, start new traces of their own.
      List<ReceivedSpan> roots =
          users.stream().filter(s -> !s.attribute("url.path").equals("/users/traced"))
              .collect(Collectors.toList());
      for (ReceivedSpan span : roots) {
        assertTrue(span.isRoot(), "a new trace has no parent: " + span);
        assertNotEquals(callerTrace, span.traceId(), span.toString());
      }
      assertEquals(roots.size(), roots.stream().map(ReceivedSpan::traceId).distinct().count(),
          "each request without usable context starts its own trace");
      assertNotEquals(longTrace, only(users, "/users/malformed-long").traceId(),
          "an over-long traceparent must be ignored, not half-parsed");

      // What the exporter put on the wire.
      for (OtlpReceiver.Request request : receiver.receivedRequests()) {
        if (c.protocol() == Protocol.HTTP_PROTOBUF) {
          assertEquals("/v1/traces", request.path());
          assertEquals("application/x-protobuf", request.contentType(), request.toString());
          assertEquals(c.compression().equals("gzip") ? "gzip" : null,
              request.headers().get("content-encoding"), request.toString());
        } else {
          assertEquals("/opentelemetry.proto.collector.trace.v1.TraceService/Export",
              request.path());
          assertEquals("application/grpc", request.contentType(), request.toString());
          assertEquals(c.compression().equals("gzip") ? "gzip" : null,
              request.headers().get("grpc-encoding"), request.toString());
        }
      }

      MetricsScrape scrape = Http.scrape(client, metricsPort);
      assertEquals(0.0, TraceTestSupport.droppedTotal(scrape),
          "no span dropped on a healthy backend: " + scrape.series("weft_spans_dropped_total"));
      assertEquals(List.of(), TraceTestSupport.weftProblems(service),
          "Weft logged problems on a clean run");
      assertEquals(List.of(), TraceTestSupport.foreignStderrLines(service));
    }
  }

  /** Bytes no header parser should turn into a trace id: controls, high bytes, a NUL. */
  private static byte[] binaryValue() {
    byte[] value = new byte[64];
    for (int i = 0; i < value.length; i++) {
      int b = (i * 37 + 0x80) & 0xff;
      value[i] = (byte) (b == '\r' || b == '\n' ? 0x7f : b);
    }
    value[5] = 0;
    value[6] = 0x01;
    return value;
  }

  private static ReceivedSpan only(List<ReceivedSpan> spans, String path) {
    List<ReceivedSpan> matching =
        spans.stream().filter(s -> path.equals(s.attribute("url.path")))
            .collect(Collectors.toList());
    assertEquals(1, matching.size(), "spans of " + path + ": " + matching);
    return matching.get(0);
  }
}
