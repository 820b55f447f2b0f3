package dev.weft.testing.traces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The receiver against the real OpenTelemetry SDK exporters (not Weft), for both transports. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class OtlpReceiverTest {

  @Test
  void receivesOtlpHttpProtobuf() {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      SpanExporter exporter =
          OtlpHttpSpanExporter.builder().setEndpoint(receiver.tracesEndpoint()).build();
      sendAndCheck(receiver, exporter, 3);
      assertEquals(java.util.Set.of("application/x-protobuf"), receiver.contentTypes());
    }
  }

  @Test
  void receivesGzippedOtlpHttpProtobuf() {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      SpanExporter exporter =
          OtlpHttpSpanExporter.builder()
              .setEndpoint(receiver.tracesEndpoint())
              .setCompression("gzip")
              .build();
      sendAndCheck(receiver, exporter, 2);
      assertTrue(receiver.receivedRequests().stream()
              .allMatch(r -> "gzip".equals(r.headers().get("content-encoding"))),
          receiver.receivedRequests().toString());
    }
  }

  @Test
  void receivesOtlpGrpc() {
    try (OtlpReceiver receiver = OtlpReceiver.startGrpc()) {
      SpanExporter exporter =
          OtlpGrpcSpanExporter.builder().setEndpoint(receiver.endpoint()).build();
      sendAndCheck(receiver, exporter, 3);
      assertEquals(java.util.Set.of("application/grpc"), receiver.contentTypes());
      assertTrue(receiver.receivedRequests().stream()
              .allMatch(r -> r.path().equals("/" + OtlpReceiver.EXPORT.getFullMethodName())),
          receiver.receivedRequests().toString());
    }
  }

  @Test
  void receivesGzippedOtlpGrpc() {
    try (OtlpReceiver receiver = OtlpReceiver.startGrpc()) {
      SpanExporter exporter =
          OtlpGrpcSpanExporter.builder()
              .setEndpoint(receiver.endpoint())
              .setCompression("gzip")
              .build();
      sendAndCheck(receiver, exporter, 2);
      assertTrue(receiver.receivedRequests().stream()
              .allMatch(r -> "gzip".equals(r.headers().get("grpc-encoding"))),
          receiver.receivedRequests().toString());
    }
  }

  private static void sendAndCheck(OtlpReceiver receiver, SpanExporter exporter, int count) {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), "receiver-test",
                AttributeKey.stringKey("region"), "eu-west-1")))
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build();
    try {
      Tracer tracer = provider.get("receiver-test-scope");
      Span parent = tracer.spanBuilder("parent").setSpanKind(SpanKind.SERVER).startSpan();
      parent.setAttribute("http.route", "/users/");
      parent.setAttribute(AttributeKey.longKey("http.response.status_code"), 200L);
      for (int i = 1; i < count; i++) {
        tracer.spanBuilder("child-" + i)
            .setParent(io.opentelemetry.context.Context.root().with(parent))
            .startSpan()
            .end();
      }
      parent.end();
      List<ReceivedSpan> spans =
          receiver.awaitSpans(s -> s.traceId().equals(parent.getSpanContext().getTraceId()),
              count, Duration.ofSeconds(20));
      assertEquals(count, spans.size(), receiver.describe());
      ReceivedSpan root = spans.stream().filter(ReceivedSpan::isRoot).findFirst().orElseThrow();
      assertEquals("SERVER", root.kind());
      assertEquals("parent", root.name());
      assertEquals(parent.getSpanContext().getSpanId(), root.spanId());
      assertEquals("/users/", root.attribute("http.route"));
      assertEquals("200", root.attribute("http.response.status_code"));
      assertEquals("receiver-test", root.resourceAttribute("service.name"));
      assertEquals("eu-west-1", root.resourceAttribute("region"));
      assertEquals("receiver-test-scope", root.scope());
      assertTrue(spans.stream().filter(s -> !s.isRoot())
          .allMatch(s -> s.parentSpanId().equals(root.spanId()) && s.kind().equals("INTERNAL")));
      assertTrue(receiver.requests() >= 1);
      assertEquals(List.of(), receiver.failures());
    } finally {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }
}
