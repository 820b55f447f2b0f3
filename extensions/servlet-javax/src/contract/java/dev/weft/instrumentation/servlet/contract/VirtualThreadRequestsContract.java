package dev.weft.instrumentation.servlet.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A container that runs its requests on virtual threads (a subclass names the launcher that
 * configures it so): many requests at once, each in a trace of its own, are counted exactly,
 * each is one SERVER span, the caller's child, and inside the servlet, on its virtual thread,
 * that span is the current one. JDK 21 and later; the application's {@code /ids/*} servlet
 * answers with what it sees.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class VirtualThreadRequestsContract {

  static final int REQUESTS = 300;
  static final int CLIENT_THREADS = 64;

  private static final Pattern ANSWER =
      Pattern.compile(
          "(?s).*\\r\\n\\r\\n(?:[0-9a-fA-F]+\\r\\n)?(\\S+) trace=(\\S*) span=(\\S*) flags=(\\S*)"
              + " virtual=(true|false).*");

  private Container container;

  protected abstract WeftAgentExtension weft();

  protected abstract String module();

  protected abstract String containerName();

  /** The launcher that starts the container with its requests on virtual threads. */
  protected abstract String launcher();

  @BeforeAll
  void startContainer() throws Exception {
    container = Container.start(containerName(), launcher());
    System.out.println(getClass().getSimpleName() + ": " + containerName() + " "
        + container.version() + " on virtual threads, port " + container.port());
  }

  @AfterAll
  void stopContainer() throws Exception {
    if (container != null) {
      container.close();
    }
  }

  static String traceId(int i) {
    return String.format("5cf92f3577b34da6a3ce929d0e%06x", i + 1);
  }

  static String parentId(int i) {
    return String.format("01f067aa0b%06x", i + 1);
  }

  @Test
  void concurrentRequestsOnVirtualThreadsAreCountedExactlyAndSeeTheirOwnSpan() throws Exception {
    List<String> answers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
    try {
      List<Future<String>> sent = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        String path = "/ids/r" + i;
        String traceparent = "00-" + traceId(i) + "-" + parentId(i) + "-01";
        sent.add(pool.submit(() -> RawHttp.exchange(container.port(), "GET", path, "traceparent", traceparent)));
      }
      for (Future<String> answer : sent) {
        answers.add(answer.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    List<SpanData> spans = weft().awaitSpans(REQUESTS);
    String[] labels = {"method", "GET", "endpoint", "/ids/*", "status", "200"};
    assertEquals(REQUESTS, weft().awaitHistogramCount("http_request_duration_seconds", REQUESTS,
        labels));
    assertEquals(REQUESTS, weft().counter("http_requests_total", labels));
    assertEquals(1, weft().changedSeries("http_requests_total").size(),
        weft().changedSeries("http_requests_total").toString());
    assertEquals(Map.of(), weft().changedSeries("http_requests_active"), "requests left active");
    assertEquals(Map.of(), weft().changedSeries("weft_agent_errors_total"), "Weft's own errors");

    assertEquals(REQUESTS, spans.size(), "spans");
    Map<String, SpanData> byTrace = new HashMap<>();
    for (SpanData span : spans) {
      assertEquals(SpanKind.SERVER, span.getKind(), span.toString());
      assertEquals("GET /ids/*", span.getName(), span.toString());
      byTrace.put(span.getTraceId(), span);
    }
    assertEquals(REQUESTS, byTrace.size(), "one span per trace");
    for (int i = 0; i < REQUESTS; i++) {
      String answer = answers.get(i);
      assertEquals("200", answer.substring(9, 12), answer);
      Matcher m = ANSWER.matcher(answer);
      assertEquals(true, m.matches(), answer);
      assertEquals("r" + i, m.group(1), answer);
      SpanData span = byTrace.get(traceId(i));
      assertNotNull(span, "no SERVER span in the trace of request r" + i);
      assertEquals(parentId(i), span.getParentSpanId(), "r" + i);
      assertEquals(traceId(i), m.group(2), "the trace current in the servlet for r" + i);
      assertEquals(span.getSpanId(), m.group(3), "the span current in the servlet for r" + i);
      assertEquals("01", m.group(4), answer);
      assertEquals("true", m.group(5), "r" + i + " ran on a virtual thread");
    }
  }
}
