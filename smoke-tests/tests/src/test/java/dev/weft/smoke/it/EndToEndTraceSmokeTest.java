package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.ZipkinServer;
import dev.weft.testing.traces.ZipkinSpan;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 1 of the tracing issue: gateway (Tomcat 11 servlet, JDK HttpClient) -> worker (JDK
 * HttpServer handing the request to a thread pool, Apache HttpClient 5 on the pool thread) ->
 * executor (JDK HttpServer), three JVMs with the agent, exporting to a real Zipkin server. Each
 * request's five spans are read back from Zipkin's own query API: one trace id, and every span's
 * parent is the span that caused it.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class EndToEndTraceSmokeTest {

  @TempDir Path tempDir;
  private final List<ServiceProcess> services = new ArrayList<>();

  @AfterEach
  void stopServices() {
    for (ServiceProcess s : services) {
      s.close();
    }
  }

  private ServiceProcess start(String role, int port, String zipkin, String... args) {
    return start(role, port, zipkin, List.of(), args);
  }

  /** {@code tracing}: JVM flags of this service's tracing, after (so over) the common ones. */
  private ServiceProcess start(
      String role, int port, String zipkin, List<String> tracing, String... args) {
    List<String> all = new ArrayList<>(List.of(role, Integer.toString(port)));
    all.addAll(List.of(args));
    List<String> jvm = new ArrayList<>(List.of(
        "-Dweft.metrics.port=0",
        "-Dweft.service.name=" + role,
        "-Dweft.metrics.labels=region=eu-west-1",
        "-Dotel.traces.exporter=zipkin",
        "-Dotel.exporter.zipkin.endpoint=" + zipkin,
        "-Dotel.bsp.schedule.delay=100",
        // The worker's log line with the ids JUL's formatter gets from Weft (docs/logs.md).
        "-Djava.util.logging.SimpleFormatter.format=%5$s trace_id=%7$s span_id=%8$s%n"));
    jvm.addAll(tracing);
    ServiceProcess s =
        ServiceProcess.builder("EndToEnd-" + role)
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs(jvm.toArray(new String[0]))
            .jar(SmokeEnv.chainServicesJar())
            .args(all.toArray(new String[0]))
            .start();
    services.add(s);
    s.awaitStdoutLine(role + " listening on " + port, Services.STARTUP);
    return s;
  }

  @Test
  void oneTraceAcrossThreeJvmsAndAThreadPool() throws Exception {
    try (ZipkinServer zipkin = ZipkinServer.start(tempDir.resolve("zipkin"))) {
      Chain chain = chain(zipkin);
      int requests = 5;
      List<String[]> sent = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        String traceId = TraceTestSupport.newTraceId();
        String parentId = TraceTestSupport.newSpanId();
        chain.send(i, traceId, parentId);
        sent.add(new String[] {traceId, parentId});
      }

      for (String[] s : sent) {
        String traceId = s[0];
        List<ZipkinSpan> trace = zipkin.awaitTrace(traceId, 5, Duration.ofSeconds(60));
        String all = trace.stream().map(ZipkinSpan::json).collect(Collectors.joining("\n"));
        assertEquals(5, trace.size(), "five spans in trace " + traceId + ":\n" + all);
        for (ZipkinSpan span : trace) {
          assertEquals(traceId, span.traceId(), all);
        }
        Map<String, ZipkinSpan> byRole =
            trace.stream()
                .collect(Collectors.toMap(t -> t.serviceName() + "/" + t.kind(), Function.identity()));
        ZipkinSpan gatewayServer = byRole.get("gateway/SERVER");
        ZipkinSpan gatewayClient = byRole.get("gateway/CLIENT");
        ZipkinSpan workerServer = byRole.get("worker/SERVER");
        ZipkinSpan workerClient = byRole.get("worker/CLIENT");
        ZipkinSpan executorServer = byRole.get("executor/SERVER");
        assertTrue(
            gatewayServer != null && gatewayClient != null && workerServer != null
                && workerClient != null && executorServer != null,
            "one span per service and kind:\n" + all);
        assertEquals(s[1], gatewayServer.parentId(), "gateway continues the caller:\n" + all);
        assertEquals(gatewayServer.id(), gatewayClient.parentId(), all);
        assertEquals(gatewayClient.id(), workerServer.parentId(), all);
        // The worker's call runs on a pool thread: the context crossed the executor.
        assertEquals(workerServer.id(), workerClient.parentId(), all);
        assertEquals(workerClient.id(), executorServer.parentId(), all);
        assertEquals("/orders/*", gatewayServer.tag("http.route"), all);
      }
      for (ServiceProcess s : services) {
        assertEquals(List.of(), TraceTestSupport.weftProblems(s), s.describe());
      }
    }
  }

  /**
   * Acceptance 2 of the tools issue: the worker in the middle exports no spans
   * ({@code otel.traces.exporter=none}). It still continues the caller's trace: the executor's
   * span is a child of the gateway's CLIENT span in the backend (the worker passes its caller's
   * context on, across its thread pool too), and the worker's log line carries those ids.
   */
  @Test
  void aServiceThatExportsNoSpansLeavesTheTraceWhole() throws Exception {
    try (ZipkinServer zipkin = ZipkinServer.start(tempDir.resolve("zipkin"))) {
      Chain chain = chain(zipkin, "-Dotel.traces.exporter=none");
      for (int i = 0; i < 3; i++) {
        String traceId = TraceTestSupport.newTraceId();
        chain.send(i, traceId, TraceTestSupport.newSpanId());
        List<ZipkinSpan> trace = zipkin.awaitTrace(traceId, 3, Duration.ofSeconds(60));
        String all = trace.stream().map(ZipkinSpan::json).collect(Collectors.joining("\n"));
        Map<String, ZipkinSpan> byRole =
            trace.stream()
                .collect(Collectors.toMap(t -> t.serviceName() + "/" + t.kind(), Function.identity()));
        assertEquals(Set.of("gateway/SERVER", "gateway/CLIENT", "executor/SERVER"), byRole.keySet(),
            "no worker span, nothing missing:\n" + all);
        String gatewayClient = byRole.get("gateway/CLIENT").id();
        assertEquals(gatewayClient, byRole.get("executor/SERVER").parentId(),
            "the executor's parent is the gateway's call, through the worker:\n" + all);
        assertEquals(
            "00-" + traceId + "-" + gatewayClient + "-01",
            chain.awaitExecutorTraceparent(i), chain.executor.describe());
        assertEquals(
            "worker calls the executor trace_id=" + traceId + " span_id=" + gatewayClient,
            chain.awaitWorkerLog(i), chain.worker.describe());
      }
      assertTrue(chain.worker.weftLines().stream().anyMatch(l -> l.contains("traces not exported")),
          chain.worker.describe());
      for (ServiceProcess s : services) {
        assertEquals(List.of(), TraceTestSupport.weftProblems(s), s.describe());
      }
    }
  }

  /**
   * With {@code weft.traces.enabled=false} the worker does no tracing at all: no
   * {@code traceparent} leaves it, its log line has no ids, and the gateway's trace ends there.
   */
  @Test
  void aServiceWithTracingSwitchedOffPassesNothingOn() throws Exception {
    try (ZipkinServer zipkin = ZipkinServer.start(tempDir.resolve("zipkin"))) {
      Chain chain = chain(zipkin, "-Dweft.traces.enabled=false");
      String traceId = TraceTestSupport.newTraceId();
      chain.send(0, traceId, TraceTestSupport.newSpanId());
      assertEquals("null", chain.awaitExecutorTraceparent(0), chain.executor.describe());
      assertEquals("worker calls the executor trace_id= span_id=", chain.awaitWorkerLog(0),
          chain.worker.describe());
      List<ZipkinSpan> trace = zipkin.awaitTrace(traceId, 2, Duration.ofSeconds(60));
      assertEquals(Set.of("gateway/SERVER", "gateway/CLIENT"),
          trace.stream().map(t -> t.serviceName() + "/" + t.kind()).collect(Collectors.toSet()),
          trace.toString());
      for (ServiceProcess s : services) {
        assertEquals(List.of(), TraceTestSupport.weftProblems(s), s.describe());
      }
    }
  }

  /** Gateway, worker (with {@code workerTracing}) and executor, started from the end. */
  private Chain chain(ZipkinServer zipkin, String... workerTracing) {
    int executorPort = SmokeEnv.freePort();
    int workerPort = SmokeEnv.freePort();
    int gatewayPort = SmokeEnv.freePort();
    ServiceProcess executor = start("executor", executorPort, zipkin.spansEndpoint());
    ServiceProcess worker = start("worker", workerPort, zipkin.spansEndpoint(),
        List.of(workerTracing), "http://127.0.0.1:" + executorPort);
    start("gateway", gatewayPort, zipkin.spansEndpoint(), "http://127.0.0.1:" + workerPort);
    return new Chain(gatewayPort, worker, executor);
  }

  private static final class Chain {
    final int gatewayPort;
    final ServiceProcess worker;
    final ServiceProcess executor;
    final HttpClient client = Http.newClient();

    Chain(int gatewayPort, ServiceProcess worker, ServiceProcess executor) {
      this.gatewayPort = gatewayPort;
      this.worker = worker;
      this.executor = executor;
    }

    void send(int i, String traceId, String parentId) throws Exception {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/orders/" + i))
                  .header("traceparent", TraceTestSupport.traceparent(traceId, parentId, true))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("gateway<worker<done>>", r.body());
    }

    /** The traceparent the executor received with request {@code i} (counted from 0). */
    String awaitExecutorTraceparent(int i) {
      String prefix = "executor received traceparent=";
      return nth(executor::stdoutLines, prefix, i).substring(prefix.length());
    }

    /** The worker's log line of request {@code i}. */
    String awaitWorkerLog(int i) {
      return nth(worker::stderrLines, "worker calls the executor", i).trim();
    }

    private static String nth(Supplier<List<String>> lines, String prefix, int i) {
      return Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(10)),
          () -> lines.get().stream().filter(l -> l.startsWith(prefix)).collect(Collectors.toList()),
          found -> found.size() > i,
          found -> "line " + i + " starting with '" + prefix + "' never came: " + found)
          .get(i);
    }
  }
}
