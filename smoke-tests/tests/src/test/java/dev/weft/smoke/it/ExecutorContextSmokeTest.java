package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The context follows work handed to another thread (tracing issue: "a request handed to a pool
 * keeps its trace"). The handoff service takes each request, hands the work to another thread in
 * one of the ways applications do, and that thread calls the service's own {@code /leaf}. Read
 * back over OTLP, every such request is exactly one trace of three spans: the {@code /handoff}
 * SERVER span continuing the caller, the CLIENT span of the call made on the other thread as its
 * child, and the {@code /leaf} SERVER span as the client's child. A pool's worker created during
 * one request does not keep that request's context for later work.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ExecutorContextSmokeTest extends ServiceSmokeTest {

  /** Requests per kind of handoff. */
  static final int PER_KIND = 3;

  static final List<String> KINDS =
      List.of(
          "execute", "submit", "invokeAll", "schedule", "forkjoin-execute", "forkjoin-submit",
          "supplyAsync", "supplyAsync-pool", "thenApplyAsync", "thread");

  static Stream<Named<Path>> jdks() {
    return SmokeEnv.jdkHomes().stream().map(home -> Named.of("JDK " + home.getFileName(), home));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jdks")
  void everyHandoffKeepsTheRequestsTrace(Path jdk) throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int port = SmokeEnv.freePort();
      service =
          ServiceProcess.builder("ExecutorContext-" + jdk.getFileName())
              .java(SmokeEnv.javaOf(jdk))
              .agent(SmokeEnv.agentJar())
              .jvmArgs(
                  "-Dweft.metrics.port=0",
                  "-Dotel.service.name=handoff",
                  "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
                  "-Dotel.bsp.schedule.delay=100")
              .jar(SmokeEnv.chainServicesJar())
              .args("handoff", Integer.toString(port))
              .start();
      service.awaitStdoutLine("handoff listening on " + port, Services.STARTUP);
      HttpClient client = Http.newClient();

      boolean virtualThreads = javaFeature(jdk) >= 21;
      List<String> kinds = new ArrayList<>(KINDS);
      if (virtualThreads) {
        kinds.add("virtual");
      }
      // "grow" first: the single-thread pool creates its worker inside this request.
      kinds.add(0, "grow");

      List<String[]> sent = new ArrayList<>(); // kind, trace id, caller's span id
      for (String kind : kinds) {
        int times = kind.equals("grow") ? 1 : PER_KIND;
        for (int i = 0; i < times; i++) {
          String traceId = TraceTestSupport.newTraceId();
          String callerSpan = TraceTestSupport.newSpanId();
          HttpResponse<String> r = get(client, port, kind, traceId, callerSpan);
          assertEquals(200, r.statusCode(), kind + ": " + r.body());
          assertEquals(kind + ":leaf", r.body(), "the application's result is unchanged");
          sent.add(new String[] {kind, traceId, callerSpan});
        }
      }
      // Then work given to the grown pool by a thread that has no context.
      String staleTrace = TraceTestSupport.newTraceId();
      HttpResponse<String> stale = get(client, port, "stale", staleTrace, TraceTestSupport.newSpanId());
      assertEquals("stale:leaf", stale.body());

      // Every handoff request: 3 spans; plus the stale request's own span, its root CLIENT span
      // and the /leaf span under it.
      int expected = sent.size() * 3 + 3;
      receiver.awaitSpans(s -> true, expected, Duration.ofSeconds(60));
      List<ReceivedSpan> all = receiver.spans();

      for (String[] s : sent) {
        String kind = s[0];
        List<ReceivedSpan> trace =
            all.stream().filter(span -> span.traceId().equals(s[1])).collect(Collectors.toList());
        String text = kind + ":\n" + trace.stream().map(ReceivedSpan::toString).collect(Collectors.joining("\n"));
        assertEquals(3, trace.size(), "three spans in the trace of " + text);
        ReceivedSpan handoff = only(trace, "SERVER", "/handoff/" + kind, text);
        ReceivedSpan call = only(trace, "CLIENT", null, text);
        ReceivedSpan leaf = only(trace, "SERVER", "/leaf", text);
        assertEquals(s[2], handoff.parentSpanId(), "the handoff span continues the caller: " + text);
        assertEquals(handoff.spanId(), call.parentSpanId(), "the call on the other thread is the request's child: " + text);
        assertEquals(call.spanId(), leaf.parentSpanId(), text);
      }

      List<ReceivedSpan> staleTraceSpans =
          all.stream().filter(span -> span.traceId().equals(staleTrace)).collect(Collectors.toList());
      assertEquals(1, staleTraceSpans.size(),
          "work a context-free thread gave the pool is not in the stale request's trace: " + staleTraceSpans);
      List<ReceivedSpan> rootCalls =
          all.stream().filter(span -> span.kind().equals("CLIENT") && span.isRoot()).collect(Collectors.toList());
      assertEquals(1, rootCalls.size(),
          "exactly one call ran without a context (the stale one), in a trace of its own: " + rootCalls);
      assertEquals(expected, all.size(), "no other spans: " + receiver.describe());
      assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
    }
  }

  private static HttpResponse<String> get(
      HttpClient client, int port, String kind, String traceId, String parentSpanId) throws Exception {
    return client.send(
        TraceTestSupport.get(port, "/handoff/" + kind,
            "traceparent", TraceTestSupport.traceparent(traceId, parentSpanId, true)),
        HttpResponse.BodyHandlers.ofString());
  }

  private static ReceivedSpan only(List<ReceivedSpan> trace, String kind, String path, String text) {
    List<ReceivedSpan> found =
        trace.stream()
            .filter(s -> s.kind().equals(kind))
            .filter(s -> path == null || path.equals(s.attribute("url.path")))
            .collect(Collectors.toList());
    assertTrue(found.size() == 1, "one " + kind + " span" + (path == null ? "" : " for " + path) + " in " + text);
    return found.get(0);
  }

  private static int javaFeature(Path jdk) throws Exception {
    Path release = jdk.resolve("release");
    for (String line : java.nio.file.Files.readAllLines(release)) {
      if (line.startsWith("JAVA_VERSION=")) {
        String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
        int dot = v.indexOf('.');
        return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
      }
    }
    throw new AssertionError("no JAVA_VERSION in " + release);
  }
}
