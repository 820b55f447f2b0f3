package dev.weft.instrumentation.netty.v4_1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.instrumentation.netty.v4_1.NettyTestServer.Shape;
import dev.weft.testing.WeftAgentExtension;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Plain Netty's endpoint is the raw path, so the cardinality guard is what bounds it: in a JVM of
 * its own (surefire reuseForks=false), Weft with a limit of 5 distinct endpoints.
 */
class NettyCardinalityTest {

  private static final int LIMIT = 5;

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("netty-4.1")
          .with("weft.metrics.cardinality.limit", Integer.toString(LIMIT));

  private static NettyTestServer server;

  @BeforeAll
  static void start() throws InterruptedException {
    server = new NettyTestServer(Shape.AGGREGATED);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  @Test
  void pathsBeyondTheLimitFoldIntoOtherAndAreCounted() throws Exception {
    int distinct = 8;
    for (int i = 0; i < distinct; i++) {
      try (RawHttp raw = new RawHttp(server.port)) {
        raw.send(RawHttp.get("/users/" + i + "?session=" + i));
        assertEquals(200, raw.read().status);
      }
    }
    // The first five paths again: admitted once, they keep their own series.
    for (int i = 0; i < LIMIT; i++) {
      try (RawHttp raw = new RawHttp(server.port)) {
        raw.send(RawHttp.get("/users/" + i));
        assertEquals(200, raw.read().status);
      }
    }
    String[] other = {"method", "GET", "endpoint", "_other_", "status", "200"};
    assertEquals(
        distinct - LIMIT,
        weft.awaitHistogramCount("http_request_duration_seconds", distinct - LIMIT, other));
    for (int i = 0; i < LIMIT; i++) {
      String[] own = {"method", "GET", "endpoint", "/users/" + i, "status", "200"};
      assertEquals(2, weft.awaitHistogramCount("http_request_duration_seconds", 2, own));
      assertEquals(2, weft.counter("http_requests_total", own));
    }
    assertEquals(distinct - LIMIT, weft.counter("http_requests_total", other));
    Map<Map<String, String>, Double> changed = weft.changedSeries("http_requests_total");
    assertEquals(LIMIT + 1, changed.size(), changed.toString());
    assertEquals(
        distinct - LIMIT, weft.counter("weft_label_overflow_total", "metric", "http_requests"));
    assertEquals(0, weft.gauge("http_requests_active", "method", "GET", "endpoint", "_other_"));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "netty-4.1"));
  }
}
