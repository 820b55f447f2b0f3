package dev.weft.smoke.it;

import static dev.weft.smoke.it.Boot4Harness.GROUP;
import static dev.weft.smoke.it.Boot4Harness.POOL;
import static dev.weft.smoke.it.Boot4Harness.TABLE;
import static dev.weft.smoke.it.Boot4Harness.describeDeltas;
import static dev.weft.smoke.it.Boot4Harness.jsonLines;
import static dev.weft.smoke.it.Boot4Harness.postRequest;
import static dev.weft.smoke.it.Boot4Harness.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.testing.traces.OtlpReceiver;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code smoke-tests/boot4-service} (see {@link SpringBoot4SmokeTest}) on virtual threads, on
 * Temurin 25, switched on the way a user would, by Spring Boot's own property on the command
 * line, with no Weft code or configuration in the service.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SpringBoot4VirtualThreadsSmokeTest {

  /** Orders posted at once. */
  static final int CONCURRENT = 500;

  @TempDir Path dir;

  private Boot4Harness boot4;

  @BeforeEach
  void start() {
    boot4 = Boot4Harness.start(dir);
  }

  @AfterEach
  void stop() {
    if (boot4 != null) {
      boot4.close();
    }
  }

  /**
   * The same service with Spring Boot's {@code spring.threads.virtual.enabled=true} (a command-line
   * property), on Temurin 25: Tomcat runs each request on a virtual thread ({@code
   * tomcat-handler-N}), the listener container its consumer on one too ({@code kafka-1}). 500
   * orders posted at once, each with a trace id of its own, move every counter by exactly 500 (or
   * what 500 orders make), every log line of a request and of its order's listener carries that
   * request's trace id and no line another's, and among JFR's {@code jdk.VirtualThreadPinned}
   * events (every pinning, threshold 0) none has Weft in its pinned frames but for Weft's class
   * file transformer (see {@link Pinning}).
   */
  @Test
  void onVirtualThreadsConcurrentRequestsKeepExactCountsAndTheirOwnTraceIds() throws Exception {
    Path jdk = Paths.get(SmokeEnv.TEMURIN_25_HOME);
    String topic = "orders-boot4-virtual";
    boot4.kafka.createTopic(topic, 1, Map.of());
    Path jfr = dir.resolve("pinned.jfr");
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int metrics = SmokeEnv.freePort();
      ServiceProcess service = boot4.startService(jdk, topic, metrics, receiver,
          "--spring.threads.virtual.enabled=true",
          "-XX:FlightRecorderOptions:stackdepth=512",
          "-XX:StartFlightRecording:name=pinning,settings=none,+jdk.VirtualThreadPinned#enabled=true,"
              + "+jdk.VirtualThreadPinned#threshold=0ms,+jdk.VirtualThreadPinned#stackTrace=true");
      int port = Services.boot4ServicePort(service);
      Http.awaitMetrics(service, boot4.client, metrics, Services.STARTUP);
      boot4.post(port, "warm-up", false, null);
      boot4.awaitProcessed(service, metrics, topic, 1);
      MetricsScrape before = boot4.awaitSettled(service, metrics, topic, 1);

      Map<String, String> traceOf = new LinkedHashMap<>();
      for (int i = 0; i < CONCURRENT; i++) {
        traceOf.put("vt-" + i, TraceTestSupport.newTraceId());
      }
      List<Integer> statuses = Http.sendConcurrently(CONCURRENT, new ArrayList<>(traceOf.keySet()), item -> {
        try {
          return boot4.client.send(postRequest(port, item, false,
              TraceTestSupport.traceparent(traceOf.get(item), TraceTestSupport.newSpanId(), false)),
              HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
          throw new AssertionError("POST /orders for " + item + ": " + e, e);
        }
      });
      assertEquals("", TraceTestSupport.unexpectedStatuses(statuses, 201));
      boot4.awaitProcessed(service, metrics, topic, 1 + CONCURRENT);
      MetricsScrape after = boot4.awaitSettled(service, metrics, topic, 1 + CONCURRENT);

      String all = "moved since the baseline:\n" + describeDeltas(before, after);
      assertEquals(Map.of(List.of("POST", "/orders", "201"), (double) CONCURRENT),
          after.deltasSince(before, "http_requests_total", "method", "endpoint", "status"), all);
      assertEquals(Map.of(List.of("POST", "/orders", "201"), (double) CONCURRENT),
          after.deltasSince(before, "http_request_duration_seconds_count", "method", "endpoint", "status"), all);
      Map<List<String>, Double> expectedDb = new LinkedHashMap<>();
      expectedDb.put(List.of("INSERT", TABLE, "ok"), (double) CONCURRENT);
      expectedDb.put(List.of("SELECT", TABLE, "ok"), (double) CONCURRENT);
      expectedDb.put(List.of("UPDATE", TABLE, "ok"), (double) CONCURRENT);
      assertEquals(expectedDb, new LinkedHashMap<>(after.deltasSince(before,
          "db_client_operations_total", "operation", "table", "status")), all);
      assertEquals(Map.of(List.of(POOL, "ok"), (double) (2 * CONCURRENT)),
          after.deltasSince(before, "db_client_connection_acquire_duration_seconds_count", "pool", "status"), all);
      Map<List<String>, Double> expectedRedis = new LinkedHashMap<>();
      expectedRedis.put(List.of("GET", "ok"), (double) CONCURRENT);
      expectedRedis.put(List.of("SET", "ok"), (double) (2 * CONCURRENT));
      assertEquals(expectedRedis, new LinkedHashMap<>(after.deltasSince(before,
          "redis_client_commands_total", "command", "status")), all);
      assertEquals(Map.of(List.of(topic, "ok"), (double) CONCURRENT),
          after.deltasSince(before, "kafka_producer_records_total", "topic", "status"), all);
      assertEquals(Map.of(List.of(topic, GROUP, "ok"), (double) CONCURRENT),
          after.deltasSince(before, "kafka_consumer_records_total", "topic", "group", "status"), all);
      assertEquals(Map.of(List.of(topic, GROUP, "ok"), (double) CONCURRENT),
          after.deltasSince(before, "kafka_consumer_process_duration_seconds_count", "topic", "group", "status"), all);
      assertEquals(0, after.sum("weft_agent_errors_total", l -> true), all);

      // Every line of a request (4) and of its order's listener (2) carries its trace id; no line
      // carries another request's.
      Map<String, String> itemOfTrace = new HashMap<>();
      traceOf.forEach((item, trace) -> itemOfTrace.put(trace, item));
      Pattern itemIn = Pattern.compile("item=(vt-\\d+)\\b");
      List<JsonNode> lines = Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)), () -> jsonLines(service),
          l -> l.stream().filter(j -> text(j, "message").matches("processed order \\d+ item=vt-\\d+")).count() == CONCURRENT,
          l -> "the listener's lines for " + CONCURRENT + " orders\n" + service.describe());
      Map<String, Integer> linesOf = new HashMap<>();
      Map<String, Set<String>> requestSpans = new HashMap<>();
      int requestThreadsVirtual = 0;
      for (JsonNode j : lines) {
        String message = text(j, "message");
        Matcher m = itemIn.matcher(message);
        String trace = text(j, "trace_id");
        if (!m.find()) {
          assertFalse(itemOfTrace.containsKey(trace), "a line of no request with a request's trace id: " + j);
          continue;
        }
        String item = m.group(1);
        assertEquals(traceOf.get(item), trace, "the line's own request's trace id: " + j);
        assertEquals("00", text(j, "trace_flags"), j.toString());
        linesOf.merge(item, 1, Integer::sum);
        if (!message.startsWith("consumed") && !message.startsWith("processed")) {
          requestSpans.computeIfAbsent(item, k -> new TreeSet<>()).add(text(j, "span_id"));
          if (text(j, "thread").startsWith("tomcat-handler-")) {
            requestThreadsVirtual++;
          }
        }
      }
      assertEquals(CONCURRENT, linesOf.size());
      linesOf.forEach((item, n) -> assertEquals(6, n, "log lines of " + item));
      requestSpans.forEach((item, ids) -> assertEquals(1, ids.size(), "one SERVER span for " + item + ": " + ids));
      assertEquals(4 * CONCURRENT, requestThreadsVirtual, "every request line on a virtual thread (tomcat-handler-N)");

      Pinning pinning = pinnedEvents(service, jdk, jfr);
      System.out.println("[SpringBoot4VirtualThreadsSmokeTest] jdk.VirtualThreadPinned: "
          + pinning.events() + " event(s); Weft in the pinned frames: "
          + pinning.weftInTransformer() + " in its class file transformer, "
          + (pinning.weftElsewhere().isEmpty() ? 0 : pinning.weftElsewhere().split("jdk.VirtualThreadPinned \\{").length - 1)
          + " elsewhere; Weft's frames only below the pinning frame: " + pinning.weftBelow()
          + "; with Weft's frames and no pinning frame found: " + pinning.undetermined());
      assertEquals("", pinning.weftElsewhere(), "pinned in Weft outside a class definition");
      assertEquals(List.of(), TraceTestSupport.weftProblems(service));
    }
  }

  /**
   * What JFR saw: every {@code jdk.VirtualThreadPinned} event, and those where Weft is in the
   * pinned part of the stack: the frames above the frame that pins (the innermost class
   * initializer or {@code ClassLoader.defineClass1}, a native frame; the whole stack where there
   * is neither). A frame of Weft's is {@code dev.weft.} but not the smoke service's {@code
   * dev.weft.smoke.}: its runtime, its modules, the Byte Buddy it bundles. Of those, the ones in
   * Weft's class file transformer (it runs under {@code defineClass1}, so a virtual thread defining
   * a class is pinned there with or without an agent, and Byte Buddy reading a class file from a
   * Spring Boot jar may wait on the jar's monitors) are counted; any other must not exist. Weft's
   * frames below the pinning frame (a Reactor subscriber of Weft's in the chain that first
   * initializes a Netty class, say) are only counted, in {@code weftBelow}. A stack with a frame
   * of Weft's that shows neither pinning frame (cut short past 512 frames, or pinned by another
   * native frame) cannot say which part is pinned: counted in {@code undetermined}, and printed.
   */
  record Pinning(
      int events, int weftInTransformer, int weftBelow, int undetermined, String weftElsewhere, String text) {}

  private static final Pattern WEFT_FRAME = Pattern.compile("^\\s+dev\\.weft\\.(?!smoke\\.)");

  /** Dumps the service's JFR recording and reads its {@code jdk.VirtualThreadPinned} events. */
  static Pinning pinnedEvents(ServiceProcess service, Path jdk, Path jfr) throws Exception {
    run(jdk.resolve("bin/jcmd").toString(), Long.toString(service.pid()), "JFR.dump", "name=pinning",
        "filename=" + jfr);
    String text = run(jdk.resolve("bin/jfr").toString(), "print", "--stack-depth", "512", "--events",
        "jdk.VirtualThreadPinned", jfr.toString());
    Files.writeString(SmokeEnv.logDir().resolve("boot4-virtual-threads-pinned.txt"), text);
    int events = 0;
    int inTransformer = 0;
    int below = 0;
    int undetermined = 0;
    StringBuilder elsewhere = new StringBuilder();
    for (String event : text.split("(?m)^jdk\\.VirtualThreadPinned \\{")) {
      if (event.isBlank()) {
        continue;
      }
      events++;
      List<String> frames = event.lines().dropWhile(l -> !l.contains("stackTrace = [")).skip(1)
          .takeWhile(l -> !l.trim().equals("]")).toList();
      int pinning = frames.size();
      for (int i = 0; i < frames.size(); i++) {
        if (frames.get(i).contains(".<clinit>()") || frames.get(i).contains("ClassLoader.defineClass1(")) {
          pinning = i;
          break;
        }
      }
      List<String> pinned = frames.subList(0, pinning);
      if (pinning == frames.size()) {
        if (frames.stream().anyMatch(f -> WEFT_FRAME.matcher(f).find())) {
          undetermined++;
        }
      } else if (pinned.stream().anyMatch(f -> WEFT_FRAME.matcher(f).find())) {
        if (frames.stream().anyMatch(f -> f.contains("sun.instrument.TransformerManager.transform"))) {
          inTransformer++;
        } else {
          elsewhere.append("jdk.VirtualThreadPinned {").append(event);
        }
      } else if (frames.stream().anyMatch(f -> WEFT_FRAME.matcher(f).find())) {
        below++;
      }
    }
    return new Pinning(events, inTransformer, below, undetermined, elsewhere.toString(), text);
  }

  static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
    assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
    return out;
  }

}
