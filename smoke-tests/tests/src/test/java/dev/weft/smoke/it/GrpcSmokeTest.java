package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gRPC end to end with the shaded agent, on JDK 17 and Temurin 25: grpc-service (gRPC Java
 * 1.85.1 on grpc-netty-shaded, a server and a channel to it in one JVM) makes N unary calls of
 * which K fail INTERNAL and J pass their deadline, and M server streams; server and client count
 * exactly those per service, method and code on /metrics. One traced call makes one trace:
 * the HTTP request that drives the client, the RPC's CLIENT and SERVER spans, and the HTTP call
 * the server's handler makes downstream, with the request it reaches.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GrpcSmokeTest extends ServiceSmokeTest {

  static final int N = 12;
  static final int K = 3;
  static final int J = 2;
  static final int M = 4;

  static Stream<Named<Path>> jdks() {
    return SmokeEnv.jdkHomes().stream().map(home -> Named.of("JDK " + home.getFileName(), home));
  }

  private int appPort;

  private void start(Path jdk, String... jvmArgs) {
    Path dir = SmokeEnv.grpcServiceDir();
    String cp = dir.resolve("grpc-service.jar") + File.pathSeparator + dir.resolve("libs") + "/*";
    appPort = SmokeEnv.freePort();
    String[] args = Stream.concat(Stream.of(jvmArgs), Stream.of("-cp", cp)).toArray(String[]::new);
    service =
        ServiceProcess.builder("grpc-service-" + jdk.getFileName())
            .java(SmokeEnv.javaOf(jdk))
            .agent(SmokeEnv.agentJar())
            .jvmArgs(args)
            .args("dev.weft.smoke.grpc.GrpcService", "--http-port", Integer.toString(appPort))
            .start();
    service.awaitStdoutLine("grpc-service listening on http://127.0.0.1:" + appPort, Services.STARTUP);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jdks")
  void unaryAndStreamingCallsAreCountedExactlyByServiceMethodAndCode(Path jdk) throws Exception {
    int metricsPort = SmokeEnv.freePort();
    start(jdk, "-Dweft.metrics.port=" + metricsPort, "-Dotel.traces.exporter=none");
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    HttpResponse<String> run =
        Http.get(client, Http.url(appPort, "/run?n=" + N + "&k=" + K + "&j=" + J + "&m=" + M));
    assertEquals(200, run.statusCode(), run.body());
    assertEquals(
        "ListGreetings:OK:3=" + M + ",SayHello:DEADLINE_EXCEEDED=" + J + ",SayHello:INTERNAL=" + K
            + ",SayHello:OK=" + (N - K - J),
        run.body(),
        "the client sees the statuses it sees without Weft");

    Map<List<String>, Double> expected = new HashMap<>();
    expected.put(List.of("weft.demo.Greeter", "SayHello", "OK"), (double) (N - K - J));
    expected.put(List.of("weft.demo.Greeter", "SayHello", "INTERNAL"), (double) K);
    expected.put(List.of("weft.demo.Greeter", "SayHello", "DEADLINE_EXCEEDED"), (double) J);
    expected.put(List.of("weft.demo.Greeter", "ListGreetings", "OK"), (double) M);

    // The server ends a call past its deadline on its own thread, after the client gave up.
    MetricsScrape after =
        Poll.untilValue(
            Poll.deadline(Duration.ofSeconds(30)),
            () -> Http.scrape(client, metricsPort),
            s -> expected.equals(new HashMap<>(serverCounts(before, s))),
            s -> "the server's RPC histogram counts " + expected + ", got " + serverCounts(before, s));
    for (String side : List.of("server", "client")) {
      for (String metric :
          List.of("rpc_" + side + "_requests_total", "rpc_" + side + "_request_duration_seconds_count")) {
        assertEquals(
            expected,
            new HashMap<>(after.deltasSince(before, metric, "service", "method", "code")),
            metric + "\n" + after.series(metric));
      }
    }
    assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jdks")
  void oneTraceFromTheCallerThroughClientAndServerToTheHandlersDownstreamCall(Path jdk)
      throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      start(
          jdk,
          "-Dweft.metrics.port=0",
          "-Dotel.service.name=grpc-smoke",
          "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
          "-Dotel.bsp.schedule.delay=100");
      HttpClient client = Http.newClient();
      String traceId = TraceTestSupport.newTraceId();
      String callerId = TraceTestSupport.newSpanId();
      HttpResponse<String> r =
          client.send(
              TraceTestSupport.get(
                  appPort, "/traced", "traceparent", TraceTestSupport.traceparent(traceId, callerId, true)),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("hello pong", r.body());

      List<ReceivedSpan> trace =
          receiver.awaitSpans(s -> s.traceId().equals(traceId), 5, Duration.ofSeconds(30));
      String text = trace.stream().map(Object::toString).collect(Collectors.joining("\n"));
      assertEquals(5, trace.size(), text);
      ReceivedSpan traced = only(trace, s -> s.kind().equals("SERVER") && "/traced".equals(s.attribute("url.path")), text);
      ReceivedSpan rpcClient = only(trace, s -> s.kind().equals("CLIENT") && "grpc".equals(s.attribute("rpc.system")), text);
      ReceivedSpan rpcServer = only(trace, s -> s.kind().equals("SERVER") && "grpc".equals(s.attribute("rpc.system")), text);
      ReceivedSpan httpClient = only(trace, s -> s.kind().equals("CLIENT") && s.attribute("rpc.system") == null, text);
      ReceivedSpan downstream = only(trace, s -> s.kind().equals("SERVER") && "/downstream".equals(s.attribute("url.path")), text);

      assertEquals(callerId, traced.parentSpanId(), text);
      assertEquals(traced.spanId(), rpcClient.parentSpanId(), text);
      assertEquals(rpcClient.spanId(), rpcServer.parentSpanId(), text);
      assertEquals(rpcServer.spanId(), httpClient.parentSpanId(), "the handler's HTTP call is a child of the RPC\n" + text);
      assertEquals(httpClient.spanId(), downstream.parentSpanId(), text);
      for (ReceivedSpan rpc : List.of(rpcClient, rpcServer)) {
        assertEquals("weft.demo.Greeter/SayHello", rpc.name(), text);
        assertEquals("weft.demo.Greeter", rpc.attribute("rpc.service"), text);
        assertEquals("SayHello", rpc.attribute("rpc.method"), text);
        assertEquals("0", rpc.attribute("rpc.grpc.status_code"), text);
      }
      assertEquals("127.0.0.1", rpcClient.attribute("server.address"), text);
      assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
    }
  }

  private static ReceivedSpan only(
      List<ReceivedSpan> spans, java.util.function.Predicate<ReceivedSpan> which, String text) {
    List<ReceivedSpan> found = spans.stream().filter(which).collect(Collectors.toList());
    assertEquals(1, found.size(), text);
    return found.get(0);
  }

  private static Map<List<String>, Double> serverCounts(MetricsScrape before, MetricsScrape now) {
    return now.deltasSince(
        before, "rpc_server_request_duration_seconds_count", "service", "method", "code");
  }
}
