package dev.weft.smoke.it;

import static dev.weft.smoke.it.MetricsScrape.labels;
import static dev.weft.smoke.it.TraceTestSupport.LABELS_PROPERTY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ZipkinServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace backend goes away and the application does not notice: every request succeeds and is
 * counted exactly, every span that could not be delivered is counted in weft_spans_dropped_total
 * (queue_full with a deliberately small queue, export_failed for batches the backend did not
 * take), Weft says so once, and the service's heap after a full GC stays where it was.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BackendAwaySmokeTest extends ServiceSmokeTest {

  static final int WARMUP = 500;
  /** 8,000 in CI, 20,000 in the long form (SmokeEnv#longRun). */
  static final int REQUESTS = SmokeEnv.sized(8_000, 20_000);

  /** The /users/ requests the service answered, as it counts them (the last time it was asked). */
  private long usersServed;
  /** The requests made to its /served counter (each one a request and a span too). */
  private long servedCalls;
  /**
   * Heap growth allowed after a full GC, against the baseline after warm-up (measured growth is
   * well under 1 MB): 400 bytes per request, 3.2 MB in CI, 8 MB in the long form. Retaining the
   * spans (each an SdkSpan with its span context, five attributes and its name: far more than 400
   * bytes) would exceed it; the bounded queue holds at most {@value #QUEUE} of them.
   */
  static final long HEAP_GROWTH_BOUND = 400L * REQUESTS;
  static final int QUEUE = 16;

  static final String[] SMALL_QUEUE = {
    "-Dotel.bsp.max.queue.size=" + QUEUE,
    "-Dotel.bsp.max.export.batch.size=8",
    "-Dotel.bsp.schedule.delay=50",
    "-Dotel.exporter.otlp.timeout=2000",
    "-Dotel.bsp.export.timeout=5000",
  };

  @TempDir Path tempDir;

  @Test
  void otlpToAPortWhereNothingListens() throws Exception {
    int deadPort = SmokeEnv.freePort();
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = startService("BackendAway-otlp", appPort, metricsPort,
        "-Dotel.service.name=checkout-away-otlp",
        "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + deadPort);
    HttpClient client = Http.newClient();
    Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    MetricsScrape before = sendAndCount(client, appPort, metricsPort, "warm-", WARMUP, 0);
    long baseline = heapAfterGc(client, metricsPort);

    MetricsScrape after = sendAndCount(client, appPort, metricsPort, "", REQUESTS,
        TraceTestSupport.requestsTotal(before, "/users/"));

    // Nothing can be delivered: in the end every span of every request is counted as dropped.
    double spans = spansSoFar();
    MetricsScrape settled = Poll.untilValue(
        Poll.deadline(Duration.ofSeconds(90)),
        () -> Http.scrape(client, metricsPort),
        s -> TraceTestSupport.droppedTotal(s) >= spans,
        s -> "weft_spans_dropped_total did not reach " + spans + ": "
            + (s == null ? "" : s.series("weft_spans_dropped_total")));
    assertEquals(spans, TraceTestSupport.droppedTotal(settled),
        "every span dropped exactly once: " + settled.series("weft_spans_dropped_total"));
    assertTrue(TraceTestSupport.dropped(settled, "queue_full") > 0,
        "a " + QUEUE + "-span queue overflows: " + settled.series("weft_spans_dropped_total"));
    assertTrue(TraceTestSupport.dropped(settled, "export_failed") > 0,
        "batches to a dead port fail: " + settled.series("weft_spans_dropped_total"));
    assertTrue(TraceTestSupport.droppedTotal(after) > 0, "drops are counted while it happens");

    assertHeapBounded(baseline, heapAfterGc(client, metricsPort));
    List<String> problems = TraceTestSupport.weftProblems(service);
    assertEquals(1, problems.size(), "one line says export fails, then Weft is quiet: " + problems);
    assertTrue(problems.get(0).startsWith("[weft] WARN span export to http://127.0.0.1:" + deadPort),
        problems.get(0));
    assertNothingButWeftOnStderr();
    assertTrue(service.isAlive());
  }

  @Test
  void zipkinStoppedMidRun() throws Exception {
    String serviceName = "checkout-away-zipkin";
    int storedBeforeStop;
    HttpClient client = Http.newClient();
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    MetricsScrape before;
    long baseline;
    int firstPart = REQUESTS / 4;
    try (ZipkinServer zipkin = ZipkinServer.start(tempDir.resolve("zipkin"))) {
      service = startService("BackendAway-zipkin", appPort, metricsPort,
          "-Dotel.service.name=" + serviceName,
          "-Dotel.traces.exporter=zipkin",
          "-Dotel.exporter.zipkin.endpoint=" + zipkin.spansEndpoint());
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

      before = sendAndCount(client, appPort, metricsPort, "warm-", WARMUP, 0);
      baseline = heapAfterGc(client, metricsPort);

      // While Zipkin is up, every span is either stored or dropped (the queue is small).
      sendAndCount(client, appPort, metricsPort, "", firstPart,
          TraceTestSupport.requestsTotal(before, "/users/"));
      long[] accounted = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(60)),
          () -> new long[] {
              zipkin.spanCount(serviceName, 100_000),
              (long) TraceTestSupport.droppedTotal(Http.scrape(client, metricsPort))},
          a -> a[0] + a[1] == spansSoFar(),
          a -> "stored in Zipkin + dropped never added up to " + spansSoFar()
              + (a == null ? "" : ": stored " + a[0] + ", dropped " + a[1]));
      storedBeforeStop = (int) accounted[0];
      assertTrue(storedBeforeStop > 0, "Zipkin received spans before it was stopped");
      zipkin.stop();
    }
    MetricsScrape atStop = Http.scrape(client, metricsPort);

    MetricsScrape after = sendAndCount(client, appPort, metricsPort, "after-",
        REQUESTS - firstPart,
        TraceTestSupport.requestsTotal(Http.scrape(client, metricsPort), "/users/"));
    assertEquals((double) usersServed, TraceTestSupport.requestsTotal(after, "/users/"),
        "every /users/ request the server answered is counted");

    // Every span after the stop is dropped: stored + dropped accounts for every request.
    double spans = spansSoFar();
    MetricsScrape settled = Poll.untilValue(
        Poll.deadline(Duration.ofSeconds(90)),
        () -> Http.scrape(client, metricsPort),
        s -> storedBeforeStop + TraceTestSupport.droppedTotal(s) >= spans,
        s -> "stored (" + storedBeforeStop + ") + dropped did not reach " + spans + ": "
            + (s == null ? "" : s.series("weft_spans_dropped_total")));
    assertEquals(spans, storedBeforeStop + TraceTestSupport.droppedTotal(settled),
        "every span stored or dropped, exactly once: "
            + settled.series("weft_spans_dropped_total"));
    assertTrue(TraceTestSupport.dropped(settled, "export_failed")
            > TraceTestSupport.dropped(atStop, "export_failed"),
        "exports to the stopped Zipkin fail and are counted: "
            + settled.series("weft_spans_dropped_total"));

    assertHeapBounded(baseline, heapAfterGc(client, metricsPort));
    List<String> errors = service.weftLines().stream()
        .filter(l -> l.startsWith("[weft] ERROR")).collect(Collectors.toList());
    assertEquals(List.of(), errors);
    assertTrue(service.weftLines().stream()
            .anyMatch(l -> l.startsWith("[weft] WARN span export to " )),
        "Weft says that export fails: " + service.weftLines());
    assertNothingButWeftOnStderr();
    assertTrue(service.isAlive());
  }

  /**
   * The backend hangs (it accepts each connection, reads the export and never answers), then
   * answers again. While it hangs the application is answered and counted as always and its spans
   * are dropped and counted; once it answers, spans arrive again, Weft says so once, and the
   * spans stored plus the spans dropped are every span, exactly.
   */
  @Test
  void otlpBackendThatHangsThenAnswersAgain() throws Exception {
    String serviceName = "checkout-hang";
    HttpClient client = Http.newClient();
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    try (OtlpReceiver backend = OtlpReceiver.startHttp()) {
      backend.hang();
      // A longer export timeout than the other cases': an export the receiver answers only after
      // the sender gave up (a starved CI machine) would be counted both stored and dropped.
      service = startService("BackendAway-hang", appPort, metricsPort,
          "-Dotel.exporter.otlp.timeout=5000",
          "-Dotel.bsp.export.timeout=10000",
          "-Dotel.service.name=" + serviceName,
          "-Dotel.exporter.otlp.endpoint=" + backend.endpoint());
      Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
      MetricsScrape before = sendAndCount(client, appPort, metricsPort, "warm-", WARMUP, 0);
      long baseline = heapAfterGc(client, metricsPort);
      sendAndCount(client, appPort, metricsPort, "", REQUESTS / 2,
          TraceTestSupport.requestsTotal(before, "/users/"));

      // Nothing is delivered while it hangs: each export gives up after its timeout.
      double hungSpans = spansSoFar();
      MetricsScrape hung = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(90)),
          () -> Http.scrape(client, metricsPort),
          s -> TraceTestSupport.droppedTotal(s) >= hungSpans,
          s -> "weft_spans_dropped_total did not reach " + hungSpans + ": "
              + (s == null ? "" : s.series("weft_spans_dropped_total")));
      assertEquals(hungSpans, TraceTestSupport.droppedTotal(hung),
          "every span dropped exactly once: " + hung.series("weft_spans_dropped_total"));
      assertTrue(TraceTestSupport.dropped(hung, "export_failed") > 0,
          "exports to a backend that never answers time out: "
              + hung.series("weft_spans_dropped_total"));
      assertEquals(0, backend.spans().size());

      backend.answer();
      sendAndCount(client, appPort, metricsPort, "after-", REQUESTS / 2,
          TraceTestSupport.requestsTotal(Http.scrape(client, metricsPort), "/users/"));
      double spans = spansSoFar();
      long[] accounted = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(90)),
          () -> new long[] {
              backend.spans(sp -> serviceName.equals(sp.resourceAttribute("service.name"))).size(),
              (long) TraceTestSupport.droppedTotal(Http.scrape(client, metricsPort))},
          a -> a[0] + a[1] >= spans,
          a -> "stored + dropped never reached " + spans
              + (a == null ? "" : ": stored " + a[0] + ", dropped " + a[1]));
      assertEquals(spans, accounted[0] + accounted[1],
          "every span stored or dropped, exactly once: stored " + accounted[0]
              + ", dropped " + accounted[1]);
      assertTrue(accounted[0] > 0, "spans arrive once the backend answers");

      assertHeapBounded(baseline, heapAfterGc(client, metricsPort));
      List<String> problems = TraceTestSupport.weftProblems(service);
      assertEquals(1, problems.size(), "one line says export fails: " + problems);
      assertTrue(problems.get(0).startsWith("[weft] WARN span export to http://127.0.0.1:" + backend.port()),
          problems.get(0));
      List<String> recovered = service.weftLines().stream()
          .filter(l -> l.contains("span export to") && l.endsWith("works again"))
          .collect(Collectors.toList());
      assertEquals(1, recovered.size(), "recovery is logged once: " + service.weftLines());
      assertNothingButWeftOnStderr();
      assertTrue(service.isAlive());
    }
  }

  // -------------------------------------------------------------------------------------------

  private ServiceProcess startService(String name, int appPort, int metricsPort, String... args) {
    List<String> jvmArgs = new ArrayList<>(List.of(SMALL_QUEUE));
    jvmArgs.add(LABELS_PROPERTY);
    jvmArgs.addAll(List.of(args));
    return TraceTestSupport.startService(name, SmokeEnv.currentJava(), appPort, metricsPort,
        Map.of(), jvmArgs.toArray(new String[0]));
  }

  /**
   * Sends {@code count} GETs to {@code /users/<prefix><i>}, checks that every one answered 200
   * and that http_requests_total{endpoint="/users/"} moved from {@code countedBefore} by exactly
   * the requests the server answered: {@code count}, or a few more when the JDK client sent one
   * again after a kept-alive connection closed under it (the server's own count says how many);
   * returns the scrape that shows it.
   */
  private MetricsScrape sendAndCount(HttpClient client, int appPort, int metricsPort,
      String prefix, int count, double countedBefore) throws Exception {
    long servedBefore = served(client, appPort);
    List<HttpRequest> requests = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      requests.add(TraceTestSupport.get(appPort, "/users/" + prefix + i));
    }
    assertEquals("", TraceTestSupport.unexpectedStatuses(
        TraceTestSupport.sendAll(client, requests), 200));
    long servedAfter = served(client, appPort);
    long served = servedAfter - servedBefore;
    usersServed = servedAfter;
    assertTrue(served >= count && served <= count + 10,
        "the server answered " + served + " /users/ requests for " + count + " sent");
    MetricsScrape scrape = TraceTestSupport.awaitRequestsCounted(
        service, client, metricsPort, "/users/", countedBefore + served);
    assertEquals(served, TraceTestSupport.requestsTotal(scrape, "/users/") - countedBefore,
        "http_requests_total{endpoint=\"/users/\"} moved by exactly the requests served");
    assertEquals(served,
        scrape.value("http_requests_total",
            labels("method", "GET", "endpoint", "/users/", "status", "200")) - countedBefore,
        "every request counted as a 200");
    return scrape;
  }

  /** The /users/ requests the service has answered so far (asking is a request too). */
  private long served(HttpClient client, int appPort) throws Exception {
    servedCalls++;
    return Long.parseLong(Http.get(client, Http.url(appPort, "/served")).body().trim());
  }

  /**
   * The SERVER spans the service made so far: one per request it answered, the /users/ ones and
   * the questions to /served.
   */
  private long spansSoFar() {
    return usersServed + servedCalls;
  }

  /** Asks the service's JVM for a full GC (jcmd GC.run), then reads its heap use from /metrics. */
  private long heapAfterGc(HttpClient client, int metricsPort) throws Exception {
    Path jcmd = SmokeEnv.currentJava().getParent().resolve("jcmd");
    for (int i = 0; i < 2; i++) {
      Process p = new ProcessBuilder(jcmd.toString(), Long.toString(service.pid()), "GC.run")
          .redirectErrorStream(true)
          .start();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (InputStream in = p.getInputStream()) {
        in.transferTo(out);
      }
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        fail(jcmd + " " + service.pid() + " GC.run failed: "
            + out.toString(StandardCharsets.UTF_8));
      }
    }
    return (long) Http.scrape(client, metricsPort)
        .value("jvm_memory_used_bytes", labels("area", "heap"));
  }

  /** Weft's one line is all the application's log gets: no library inside Weft writes there. */
  private void assertNothingButWeftOnStderr() {
    List<String> foreign = TraceTestSupport.foreignStderrLines(service);
    assertEquals(List.of(), foreign.subList(0, Math.min(foreign.size(), 12)),
        foreign.size() + " line(s) on the application's stderr that are not Weft's own log lines");
  }

  private static void assertHeapBounded(long baseline, long after) {
    System.out.printf("heap after full GC: baseline %.1f MB, after %.1f MB, growth %.1f MB%n",
        baseline / 1048576.0, after / 1048576.0, (after - baseline) / 1048576.0);
    assertTrue(after - baseline < HEAP_GROWTH_BOUND,
        String.format("heap after a full GC grew from %.1f MB to %.1f MB (+%.1f MB); allowed:"
                + " %d MB", baseline / 1048576.0, after / 1048576.0,
            (after - baseline) / 1048576.0, HEAP_GROWTH_BOUND / 1048576));
  }
}
