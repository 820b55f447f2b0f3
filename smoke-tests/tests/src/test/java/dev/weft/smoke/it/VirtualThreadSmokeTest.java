package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A plain JDK {@code HttpServer} whose requests run on virtual threads
 * ({@code jdk-http-service --virtual-threads}: {@code Executors.newVirtualThreadPerTaskExecutor()})
 * on Temurin 25, with the agent: 500 requests sent at once, each with a traceparent of its own,
 * to {@code /hop/<id>}, whose handler logs, hands work to a new virtual thread and to a
 * virtual-thread-per-task executor (each logs) and logs its answer.
 *
 * <ul>
 *   <li>exact counts: {@code http_requests_total}, the histogram's count and its {@code +Inf}
 *       bucket per method, endpoint and status, and the in-flight gauge back to 0;
 *   <li>exact spans: one SERVER span per request, in the caller's trace, the caller's child;
 *   <li>log ids: each request's four lines (two of them written on the virtual threads it handed
 *       work to) carry its trace id and its SERVER span's id, and no line another request's;
 *   <li>no pinning by Weft: JFR records every {@code jdk.VirtualThreadPinned} event (threshold
 *       0 ms, with stacks). After start-up (one traced request of each kind), the only one is the
 *       service's deliberate control ({@code /pin-once}), which shows the recording sees pins:
 *       none has a frame of Weft's. What start-up itself pinned (class loads that two of the
 *       first threads raced for) is printed for the report, from a recording started with the
 *       JVM.
 * </ul>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class VirtualThreadSmokeTest {

  static final int REQUESTS = 500;
  static final int FAILING = 40;
  static final String HOP = "/hop/";

  /** jdk-http-service's /hop/ log lines (java.util.logging, SimpleFormatter with Weft's ids). */
  static final Pattern LINE =
      Pattern.compile(
          "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO \\[dev\\.weft\\.smoke\\.Hop\\]"
              + " trace_id=(\\S*) span_id=(\\S*) trace_flags=(\\S*)"
              + " - hop (\\S+) (received|started thread|executor task|answered \\d+)"
              + "(?: virtual=(true|false))?");

  private ServiceProcess service;

  @AfterEach
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  record Call(String id, String traceId, String callerSpanId, int status) {}

  @Test
  void requestsOnVirtualThreadsCountExactlyKeepTheirIdsAndWeftPinsNothing() throws Exception {
    Path temurin25 = Path.of(SmokeEnv.TEMURIN_25_HOME);
    assertTrue(Files.isExecutable(SmokeEnv.javaOf(temurin25)),
        "Temurin 25 is needed at " + temurin25 + " (this test runs the service on it)");
    Path recording = SmokeEnv.logDir().resolve("VirtualThreadSmokeTest-pinning.jfr");
    Files.deleteIfExists(recording);
    try (OtlpReceiver receiver = OtlpReceiver.startHttp()) {
      int appPort = SmokeEnv.freePort();
      int metricsPort = SmokeEnv.freePort();
      service = Services.jdkHttpService(
          ServiceProcess.builder("VirtualThreadSmokeTest")
              .javaHome(temurin25)
              .agent(SmokeEnv.agentJar())
              .jvmArgs(
                  Services.KEEP_IDLE_CONNECTIONS,
                  "-Dweft.metrics.port=" + metricsPort,
                  "-Dotel.service.name=vt-service",
                  "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
                  "-Dotel.bsp.schedule.delay=100",
                  "-XX:StartFlightRecording:filename=" + recording
                      + ",jdk.VirtualThreadPinned#enabled=true"
                      + ",jdk.VirtualThreadPinned#threshold=0ms"
                      + ",jdk.VirtualThreadPinned#stackTrace=true")
              .args("--virtual-threads"),
          appPort);
      assertTrue(
          service.stdoutLines().contains("jdk-http-service runs requests on virtual threads"),
          service.describe());
      HttpClient client = Http.newClient();
      MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      // Start-up: one traced request of each kind loads what a request needs (the JVM's, the
      // service's and Weft's classes), as a service's first requests would. The recording
      // started with the JVM holds what that phase pinned (reported, not asserted: which class
      // load two threads race for is timing); a second recording, started now, covers the rest.
      for (String path : List.of("/hello", HOP + "warm-up")) {
        HttpResponse<String> warm = client.send(
            TraceTestSupport.get(appPort, path, "traceparent", TraceTestSupport.traceparent(
                TraceTestSupport.newTraceId(), TraceTestSupport.newSpanId(), true)),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, warm.statusCode(), path + ": " + warm.body());
      }
      run(temurin25.resolve("bin/jcmd").toString(), Long.toString(service.pid()), "JFR.start",
          "name=steady", "jdk.VirtualThreadPinned#enabled=true",
          "jdk.VirtualThreadPinned#threshold=0ms", "jdk.VirtualThreadPinned#stackTrace=true");

      // The control: one deliberate pin, so that an empty recording means "no pins", not "the
      // recording saw nothing".
      HttpResponse<String> pin = Http.get(client, Http.url(appPort, "/pin-once"));
      assertEquals(200, pin.statusCode(), pin.body());

      List<Call> calls = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        String id = i < FAILING ? "fail-" + i : "ok-" + i;
        calls.add(new Call(id, TraceTestSupport.newTraceId(), TraceTestSupport.newSpanId(),
            i < FAILING ? 500 : 200));
      }
      List<Integer> statuses = Http.sendConcurrently(REQUESTS, calls, call -> {
        try {
          return client.send(
              TraceTestSupport.get(appPort, HOP + call.id(), "traceparent",
                  TraceTestSupport.traceparent(call.traceId(), call.callerSpanId(), true)),
              HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      });
      for (int i = 0; i < REQUESTS; i++) {
        assertEquals(calls.get(i).status(), statuses.get(i), calls.get(i).id());
      }

      // 1. Exact counts.
      MetricsScrape after = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(30)),
          () -> Http.scrape(client, metricsPort),
          s -> total(s, before, "http_request_duration_seconds_count") >= REQUESTS + 3
              && s.series("http_requests_active").stream().allMatch(a -> a.value() == 0.0),
          s -> "Weft did not count " + (REQUESTS + 3) + " requests; last scrape:\n" + s + "\n"
              + service.describe());
      Map<List<String>, Double> expected = new HashMap<>();
      expected.put(List.of("GET", HOP, "200"), (double) (REQUESTS - FAILING));
      expected.put(List.of("GET", HOP, "500"), (double) FAILING);
      expected.put(List.of("GET", "/pin-once", "200"), 1.0);
      expected.put(List.of("GET", "/hello", "200"), 1.0);
      expected.merge(List.of("GET", HOP, "200"), 1.0, Double::sum); // the warm-up
      assertEquals(expected,
          after.deltasSince(before, "http_requests_total", "method", "endpoint", "status"));
      assertEquals(expected, after.deltasSince(before, "http_request_duration_seconds_count",
          "method", "endpoint", "status"));
      Map<List<String>, Double> infBuckets =
          after.deltasSince(before, "http_request_duration_seconds_bucket", "method", "endpoint",
                  "status", "le").entrySet().stream()
              .filter(e -> e.getKey().get(3).equals("+Inf"))
              .collect(Collectors.toMap(e -> e.getKey().subList(0, 3), Map.Entry::getValue));
      assertEquals(expected, infBuckets, "+Inf bucket deltas");
      for (MetricsScrape.Sample active : after.series("http_requests_active")) {
        assertEquals(0.0, active.value(), "in-flight gauge back to 0: " + active);
      }

      // 2. Exact spans: one SERVER span per request, the caller's child.
      List<ReceivedSpan> servers = receiver.awaitSpans(
          s -> "SERVER".equals(s.kind()) && s.name().equals("GET " + HOP), REQUESTS + 1,
          Duration.ofSeconds(60));
      assertEquals(REQUESTS + 1, servers.size(), "SERVER spans of /hop/ (and the warm-up's)");
      Map<String, ReceivedSpan> serverByTrace = new HashMap<>();
      for (ReceivedSpan s : servers) {
        assertEquals(null, serverByTrace.put(s.traceId(), s),
            "two SERVER spans in " + s.traceId());
      }
      for (Call call : calls) {
        ReceivedSpan server = serverByTrace.get(call.traceId());
        assertTrue(server != null, "no SERVER span for " + call);
        assertEquals(call.callerSpanId(), server.parentSpanId(), call.id());
      }

      // 3. Log ids: four lines per request, each with its own trace and SERVER span.
      Map<String, List<Matcher>> lines = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(30)),
          () -> hopLines(service),
          m -> m.values().stream().mapToInt(List::size).sum() >= 4 * (REQUESTS + 1),
          m -> "hop log lines: " + m.values().stream().mapToInt(List::size).sum() + " of "
              + 4 * REQUESTS + "\n" + service.describe());
      assertEquals(REQUESTS + 1, lines.size(), "requests that logged (and the warm-up)");
      int checked = 0;
      for (Call call : calls) {
        List<Matcher> mine = lines.get(call.id());
        assertEquals(4, mine.size(), "lines of " + call.id());
        String serverSpan = serverByTrace.get(call.traceId()).spanId();
        for (Matcher line : mine) {
          assertEquals(call.traceId(), line.group(1), line.group());
          assertEquals(serverSpan, line.group(2), line.group());
          assertEquals("01", line.group(3), line.group());
          if (line.group(6) != null) {
            assertEquals("true", line.group(6), "logged on a virtual thread: " + line.group());
          }
          checked++;
        }
      }
      assertEquals(4 * REQUESTS, checked);
      assertEquals(List.of(),
          service.weftLines().stream().filter(l -> l.contains("ERROR") || l.contains("WARN"))
              .collect(Collectors.toList()), "Weft's own warnings and errors");

      // 4. Pinning. Start-up (the recording "1", from the JVM's start): reported.
      List<String> coldAndSteady = pinnedEvents(service.pid(), temurin25, recording, "1");
      List<String> steady = pinnedEvents(service.pid(), temurin25, recording, "steady");
      System.out.println("VirtualThreadSmokeTest: whole run (JVM start to the end): "
          + coldAndSteady.size() + " jdk.VirtualThreadPinned event(s), "
          + withWeftFrames(coldAndSteady).size() + " with a frame of Weft's:\n"
          + String.join("\n", coldAndSteady));
      // After start-up (the control and the 500 requests at once): asserted.
      List<String> control = steady.stream().filter(e -> e.contains("PinnedOnce.<clinit>"))
          .collect(Collectors.toList());
      System.out.println("VirtualThreadSmokeTest: after start-up, " + steady.size()
          + " jdk.VirtualThreadPinned event(s) in " + (REQUESTS + 1) + " requests, "
          + control.size() + " of them the control, " + withWeftFrames(steady).size()
          + " with a frame of Weft's");
      assertEquals(1, control.size(), "the control's pin was recorded:\n" + steady);
      assertEquals(List.of(), withWeftFrames(steady), "pinned events with a frame of Weft's");
      assertEquals(control, steady, "no pinned event but the control's");
    }
  }

  /** The events with a frame of Weft's (its runtime, bridge, modules or shaded libraries). */
  static List<String> withWeftFrames(List<String> events) {
    Pattern weft = Pattern.compile("dev\\.weft\\.(?!smoke\\.)");
    return events.stream().filter(e -> weft.matcher(e).find()).collect(Collectors.toList());
  }

  static double total(MetricsScrape now, MetricsScrape before, String name) {
    return now.sum(name, l -> true) - before.sum(name, l -> true);
  }

  static Map<String, List<Matcher>> hopLines(ServiceProcess service) {
    Map<String, List<Matcher>> byId = new HashMap<>();
    for (String l : service.stderrLines()) {
      Matcher m = LINE.matcher(l);
      if (m.matches()) {
        byId.computeIfAbsent(m.group(4), k -> new ArrayList<>()).add(m);
      }
    }
    return byId;
  }

  /**
   * Dumps the service's JFR recording {@code name} with Temurin 25's {@code jcmd} and prints its
   * {@code jdk.VirtualThreadPinned} events with its {@code jfr}; one text block per event.
   */
  static List<String> pinnedEvents(long pid, Path jdk, Path recording, String name)
      throws Exception {
    Path dump = recording.resolveSibling("VirtualThreadSmokeTest-pinning-" + name + ".jfr");
    Files.deleteIfExists(dump);
    run(jdk.resolve("bin/jcmd").toString(), Long.toString(pid), "JFR.dump", "name=" + name,
        "filename=" + dump);
    assertTrue(Files.size(dump) > 0, "JFR dump " + dump);
    String text = run(jdk.resolve("bin/jfr").toString(), "print", "--stack-depth", "64",
        "--events", "jdk.VirtualThreadPinned", dump.toString());
    List<String> events = new ArrayList<>();
    StringBuilder current = null;
    for (String line : text.split("\n")) {
      if (line.startsWith("jdk.VirtualThreadPinned {")) {
        current = new StringBuilder();
        events.add(null);
      }
      if (current != null) {
        current.append(line).append('\n');
        events.set(events.size() - 1, current.toString());
      }
    }
    return events;
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + text);
    return text;
  }
}
