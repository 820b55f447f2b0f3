package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spring Cloud Gateway end to end: smoke-tests/gateway-service (Spring Boot 4.0.7, Spring Cloud
 * Gateway 5.0 on Reactor Netty; routes {@code orders} and {@code items}) in front of
 * webflux-4-service, both with the shaded agent and no Weft code, on the JDK running the tests and
 * on Temurin 25. The gateway's requests count under the id of the route they matched (its handler
 * mapping sets no pattern), an unmatched path under Boot's {@code /**}; its calls to the service
 * count as client calls; one traced request makes one trace through both.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class GatewaySmokeTest {

  static final int ORDERS = 12;
  static final int ORDERS_FAIL = 4;
  static final int ITEMS = 7;
  static final int UNMATCHED = 5;

  private final List<ServiceProcess> services = new ArrayList<>();

  @AfterEach
  void stopServices() {
    services.forEach(ServiceProcess::close);
  }

  static Stream<Named<Path>> jdks() {
    return SmokeEnv.jdkHomes().stream().map(j -> Named.of("JDK " + j, j));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jdks")
  void countsUnderRouteIdsAndTracesThroughTheGateway(Path jdk) throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int downMetrics = SmokeEnv.freePort();
      int gatewayMetrics = SmokeEnv.freePort();
      ServiceProcess down = Services.webfluxService(
          builder("down", jdk, downMetrics, receiver), "webflux-4-service");
      services.add(down);
      int downPort = Services.webfluxServicePort(down);
      ServiceProcess gateway = Services.gatewayService(
          builder("gateway", jdk, gatewayMetrics, receiver)
              .args("--downstream.url=http://127.0.0.1:" + downPort));
      services.add(gateway);
      int port = Services.gatewayServicePort(gateway);
      HttpClient client = Http.newClient();
      MetricsScrape before = Http.awaitMetrics(gateway, client, gatewayMetrics, Services.STARTUP);

      for (int i = 0; i < ORDERS; i++) {
        HttpResponse<String> r = Http.get(client, Http.url(port, "/api/orders/" + i + "?p=" + i));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("order " + i + "\n", r.body());
      }
      for (int i = 0; i < ORDERS_FAIL; i++) {
        assertEquals(500, Http.get(client, Http.url(port, "/api/orders/" + i + "/fail"))
            .statusCode());
      }
      for (int i = 0; i < ITEMS; i++) {
        assertEquals(200, Http.get(client, Http.url(port, "/api/items/s" + i)).statusCode());
      }
      for (int i = 0; i < UNMATCHED; i++) {
        assertEquals(404, Http.get(client, Http.url(port, "/nope/" + i)).statusCode());
      }

      // One traced request: gateway SERVER (child of the caller) -> its CLIENT -> the service's
      // SERVER.
      String traceId = TraceTestSupport.newTraceId();
      String caller = TraceTestSupport.newSpanId();
      HttpResponse<String> traced = client.send(
          TraceTestSupport.get(port, "/api/orders/traced",
              "traceparent", TraceTestSupport.traceparent(traceId, caller, true)),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, traced.statusCode());
      List<ReceivedSpan> trace = receiver.awaitSpans(s -> s.traceId().equals(traceId), 3,
          Duration.ofSeconds(30));
      assertEquals(3, trace.size(), trace.toString());
      ReceivedSpan server = one(trace, "gateway", "SERVER");
      ReceivedSpan call = one(trace, "gateway", "CLIENT");
      ReceivedSpan downServer = one(trace, "down", "SERVER");
      assertEquals(caller, server.parentSpanId(), server.toString());
      assertEquals("GET orders", server.name(), server.toString());
      assertEquals("orders", server.attribute("http.route"), server.toString());
      assertEquals(server.spanId(), call.parentSpanId(), call.toString());
      assertEquals(call.spanId(), downServer.parentSpanId(), downServer.toString());
      assertEquals("GET /orders/{id}", downServer.name());

      int total = ORDERS + ORDERS_FAIL + ITEMS + UNMATCHED + 1;
      MetricsScrape after =
          WebFluxChainSmokeTest.settled(client, gateway, gatewayMetrics, before, total);
      Map<List<String>, Double> expected = new TreeMap<>(WebFluxChainSmokeTest::compare);
      expected.put(List.of("GET", "orders", "200"), (double) ORDERS + 1);
      expected.put(List.of("GET", "orders", "500"), (double) ORDERS_FAIL);
      expected.put(List.of("GET", "items", "200"), (double) ITEMS);
      expected.put(List.of("GET", "/**", "404"), (double) UNMATCHED);
      assertEquals(expected, WebFluxChainSmokeTest.sorted(after.deltasSince(before,
          "http_requests_total", "method", "endpoint", "status")), "gateway http_requests_total");
      assertEquals(expected, WebFluxChainSmokeTest.sorted(after.deltasSince(before,
          "http_request_duration_seconds_count", "method", "endpoint", "status")),
          "gateway http_request_duration_seconds_count");
      Map<List<String>, Double> calls = new TreeMap<>(WebFluxChainSmokeTest::compare);
      calls.put(List.of("GET", "127.0.0.1", "200"), (double) ORDERS + ITEMS + 1);
      calls.put(List.of("GET", "127.0.0.1", "500"), (double) ORDERS_FAIL);
      assertEquals(calls, WebFluxChainSmokeTest.sorted(after.deltasSince(before,
          "http_client_requests_total", "method", "host", "status")),
          "gateway http_client_requests_total");
      for (MetricsScrape.Sample s : after.samples()) {
        for (String v : s.labels().values()) {
          assertFalse(v.contains("/api/") || v.contains("p="), "a raw path or query: " + s);
        }
      }
      for (ServiceProcess s : services) {
        assertEquals(List.of(), s.weftLines().stream()
            .filter(l -> l.startsWith("[weft] ERROR") || l.startsWith("[weft] WARN"))
            .collect(Collectors.toList()), "Weft complained\n" + s.describe());
      }
    }
  }

  private static ServiceProcess.Builder builder(String name, Path jdk, int metricsPort,
      OtlpReceiver receiver) {
    return ServiceProcess.builder("GatewaySmokeTest-" + name + "-" + jdk.getFileName())
        .javaHome(jdk)
        .agent(SmokeEnv.agentJar())
        .jvmArgs(
            "-Dweft.metrics.port=" + metricsPort,
            "-Dotel.service.name=" + name,
            "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
            "-Dotel.bsp.schedule.delay=100");
  }

  private static ReceivedSpan one(List<ReceivedSpan> spans, String service, String kind) {
    List<ReceivedSpan> found = spans.stream()
        .filter(s -> service.equals(s.resourceAttribute("service.name")) && kind.equals(s.kind()))
        .collect(Collectors.toList());
    assertEquals(1, found.size(), service + " " + kind + " in " + spans);
    return found.get(0);
  }
}
