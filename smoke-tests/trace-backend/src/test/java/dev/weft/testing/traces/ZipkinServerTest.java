package dev.weft.testing.traces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The real Zipkin server: starts, takes v2 JSON spans, answers trace queries, stops. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ZipkinServerTest {

  @TempDir Path tempDir;

  @Test
  void storesAndReturnsSpans() throws Exception {
    try (ZipkinServer zipkin = ZipkinServer.start(tempDir.resolve("zipkin"))) {
      assertTrue(zipkin.isRunning());
      assertEquals("http://127.0.0.1:" + zipkin.port() + "/api/v2/spans", zipkin.spansEndpoint());
      String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      assertEquals(List.of(), zipkin.trace(traceId));

      long now = System.currentTimeMillis() * 1000;
      String json = "[{\"traceId\":\"" + traceId + "\",\"id\":\"00f067aa0ba902b7\","
          + "\"parentId\":\"53995c3f42cd8ad8\",\"name\":\"get /users/\",\"kind\":\"SERVER\","
          + "\"timestamp\":" + now + ",\"duration\":1200,"
          + "\"localEndpoint\":{\"serviceName\":\"checkout\"},"
          + "\"tags\":{\"http.route\":\"/users/\",\"http.response.status_code\":\"200\"}}]";
      HttpResponse<String> posted = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(zipkin.spansEndpoint()))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(202, posted.statusCode(), posted.body());

      List<ZipkinSpan> trace = zipkin.awaitTrace(traceId, 1, Duration.ofSeconds(20));
      assertEquals(1, trace.size());
      ZipkinSpan span = trace.get(0);
      assertEquals(traceId, span.traceId());
      assertEquals("00f067aa0ba902b7", span.id());
      assertEquals("53995c3f42cd8ad8", span.parentId());
      assertEquals("SERVER", span.kind());
      assertEquals("checkout", span.serviceName());
      assertEquals("/users/", span.tag("http.route"));
      assertFalse(span.isRoot());
      assertEquals(1, zipkin.spanCount("checkout", 100));

      zipkin.stop();
      assertFalse(zipkin.isRunning());
      assertThrows(RuntimeException.class, () -> zipkin.trace(traceId));
    }
  }
}
