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
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
    List<String> all = new ArrayList<>(List.of(role, Integer.toString(port)));
    all.addAll(List.of(args));
    ServiceProcess s =
        ServiceProcess.builder("EndToEnd-" + role)
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs(
                "-Dweft.metrics.port=0",
                "-Dweft.service.name=" + role,
                "-Dweft.metrics.labels=region=eu-west-1",
                "-Dotel.traces.exporter=zipkin",
                "-Dotel.exporter.zipkin.endpoint=" + zipkin,
                "-Dotel.bsp.schedule.delay=100")
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
      int executorPort = SmokeEnv.freePort();
      int workerPort = SmokeEnv.freePort();
      int gatewayPort = SmokeEnv.freePort();
      start("executor", executorPort, zipkin.spansEndpoint());
      start("worker", workerPort, zipkin.spansEndpoint(), "http://127.0.0.1:" + executorPort);
      start("gateway", gatewayPort, zipkin.spansEndpoint(), "http://127.0.0.1:" + workerPort);

      HttpClient client = Http.newClient();
      int requests = 5;
      List<String[]> sent = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        String traceId = TraceTestSupport.newTraceId();
        String parentId = TraceTestSupport.newSpanId();
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/orders/" + i))
                    .header("traceparent", TraceTestSupport.traceparent(traceId, parentId, true))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gateway<worker<done>>", r.body());
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
}
