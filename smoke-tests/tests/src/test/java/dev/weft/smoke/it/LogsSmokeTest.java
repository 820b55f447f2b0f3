package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.testing.traces.OtlpReceiver;
import dev.weft.testing.traces.ReceivedSpan;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Logs that join traces (issue 9), against log-service with Logback 1.2 and 1.5 (also behind an
 * AsyncAppender), Log4j2 2.17 and 2.26 (also behind an Async appender) and java.util.logging.
 *
 * <ul>
 *   <li>Every line a request logs, on the server thread and on the pool threads its work was handed
 *       to, carries that request's trace id, span id and flags (Logback's and Log4j2's {@code
 *       %X{trace_id}} ..., JUL's {@code %7$s %8$s %9$s}); every line logged outside a request,
 *       including by the same pool threads, carries none.
 *   <li>With {@code -Dweft.logs.format=json} every line on stdout and stderr is one JSON object
 *       with the documented fields, and what was logged comes back exactly, however hard it is to
 *       encode.
 *   <li>Filtering those lines by a trace id, as a log query would, gives exactly that request's
 *       lines.
 * </ul>
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LogsSmokeTest {

  static final int REQUESTS = 500;
  static final int JSON_REQUESTS = 20;
  /** Heartbeats (one per 50 ms) to see logged after the last request before checking. */
  static final int HEARTBEATS_AFTER = 5;
  static final Duration LINES_TIMEOUT = Duration.ofSeconds(30);

  static final String ORDERS = "dev.weft.smoke.logs.Orders";
  static final String HEARTBEAT = "dev.weft.smoke.logs.Heartbeat";
  static final String TRICKY = "dev.weft.smoke.logs.Tricky";
  static final String MAIN = "dev.weft.smoke.logs.LogService";

  /** The service's patterns (logback.xml, log4j2.xml and JulLogging.FORMAT in log-service). */
  static final Pattern LINE =
      Pattern.compile(
          "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (\\S+) *\\[([^\\]]*)\\] (\\S+) trace_id=(\\S*)"
              + " span_id=(\\S*) trace_flags=(\\S*) - (.*)",
          Pattern.DOTALL);
  static final Pattern JUL_LINE =
      Pattern.compile(
          "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (\\S+) \\[([^\\]]*)\\] trace_id=(\\S*)"
              + " span_id=(\\S*) trace_flags=(\\S*) - (.*)",
          Pattern.DOTALL);

  static final Pattern ORDER = Pattern.compile("order (\\d+) (received|processing|done)");
  static final Pattern BEAT = Pattern.compile("heartbeat (\\d+) on (\\S+)");
  static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
  static final Set<String> JSON_FIELDS =
      Set.of("timestamp", "level", "service", "logger", "thread", "message", "trace_id", "span_id",
          "trace_flags", "context", "exception");
  static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

  /**
   * The test's own copy of log-service's TrickyMessages (the test never loads a service's
   * classes): what {@code GET /tricky} logs at INFO, then the two ERROR events.
   */
  static final String LONG = "long message: " + "0123456789abcdef".repeat(6400) + " end";

  static final List<String> TRICKY_MESSAGES =
      List.of(
          "double \"quotes\" and 'single' ones, \"\" empty",
          "back\\slash, C:\\temp\\new, \\u0041 not an escape, and a trailing \\",
          "line one\nline two\r\nline three\rline four",
          "tab\there\tand\tthere",
          "controls: nul \u0000 soh \u0001 bs \b ff \f esc \u001b[31mred\u001b[0m us \u001f del \u007f end",
          "non-ASCII: caf\u00e9 \u00e9, \u65e5\u672c\u8a9e, emoji \ud83d\ude00, separators \u2028 \u2029 end",
          "looks like JSON: {\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"level\":\"ERROR\"}",
          "format specifiers: %s %d %n %1$s {} {0} ${java:version}",
          "  leading and trailing spaces  ",
          LONG);
  static final String FAILURE_EVENT = "tricky request failed";
  static final String NO_MESSAGE_EVENT = "tricky request failed without a message";

  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** A framework and version, as log-service runs it. */
  record Case(String libs, String framework, boolean async, boolean jdk25) {
    Case(String libs, String framework, boolean async) {
      this(libs, framework, async, false);
    }

    boolean jul() {
      return framework.equals("jul");
    }

    String serviceName() {
      return "logs-" + libs + (async ? "-async" : "") + (jdk25 ? "-jdk25" : "");
    }

    java.nio.file.Path java() {
      return jdk25
          ? SmokeEnv.javaOf(java.nio.file.Paths.get(SmokeEnv.TEMURIN_25_HOME))
          : SmokeEnv.currentJava();
    }
  }

  static Stream<Named<Case>> cases() {
    return Stream.of(
            new Case("logback-1.5.18", "logback", false),
            new Case("logback-1.5.18", "logback", true),
            new Case("logback-1.2.13", "logback", false),
            new Case("logback-1.6.6", "logback", false),
            new Case("log4j-2.26.1", "log4j2", false),
            new Case("log4j-2.26.1", "log4j2", true),
            new Case("log4j-2.17.2", "log4j2", false),
            new Case("jul", "jul", false),
            new Case("jul", "jul", false, true))
        .map(c -> Named.of(c.libs() + (c.async() ? " --async" : "") + (c.jdk25() ? " on JDK 25" : ""), c));
  }

  // ---------------------------------------------------------------------------------------------
  // 1. Text lines carry the request's ids, and only the request's lines do.

  /** A line of the service's text pattern; {@code thread} is null for JUL (records carry none). */
  record TextLine(String raw, String level, String thread, String logger, String traceId,
      String spanId, String traceFlags, String message) {
    String ids() {
      return "trace_id='" + traceId + "' span_id='" + spanId + "' trace_flags='" + traceFlags + "'";
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyLineOfARequestCarriesItsTraceIds(Case c) throws Exception {
    int port = SmokeEnv.freePort();
    try (OtlpReceiver receiver = OtlpReceiver.startHttp();
        ServiceProcess service = start(c, receiver, port)) {
      HttpClient client = Http.newClient();
      List<String> paths =
          IntStream.range(0, REQUESTS).mapToObj(i -> "/order/" + i).collect(Collectors.toList());
      getAll(client, port, paths);

      // Heartbeats submitted after the last answer ran on pool threads that served requests.
      long beatsByNow = lastBeat(textLines(c, service).stream().map(TextLine::message));
      List<TextLine> lines =
          Poll.untilValue(
              Poll.deadline(LINES_TIMEOUT),
              () -> {
                service.requireAlive("logging every request");
                return textLines(c, service);
              },
              l -> orderLines(l) >= 3 * REQUESTS
                  && beatsAfter(l.stream().map(TextLine::message), beatsByNow) >= HEARTBEATS_AFTER,
              l -> "every request's 3 lines and " + HEARTBEATS_AFTER + " heartbeats after heartbeat "
                  + beatsByNow + " in the log; " + (l == null ? "none" : orderLines(l)
                  + " order lines of " + 3 * REQUESTS) + "\n" + service.describe());

      Map<String, ReceivedSpan> spans = orderSpans(receiver, REQUESTS);
      Set<String> requestTraces =
          spans.values().stream().map(ReceivedSpan::traceId).collect(Collectors.toSet());
      assertEquals(REQUESTS, requestTraces.size(), "one trace per request");

      List<String> wrong = textProblems(c, lines, spans, port);
      assertTrue(wrong.isEmpty(), wrong.size() + " problem(s), the first 20:\n"
          + wrong.stream().limit(20).collect(Collectors.joining("\n")) + "\n" + service.describe());

      assertEquals(List.of(), TraceTestSupport.weftProblems(service), service.describe());
      if (!c.jul()) {
        assertEquals(List.of(), TraceTestSupport.foreignStderrLines(service),
            "nothing but Weft's own lines on stderr\n" + service.describe());
      }
    }
  }

  /**
   * What is wrong with the text lines of a run of {@link #REQUESTS} requests: each request's three
   * lines carry the ids of its SERVER span (its flags as exported, sampled), on the threads and at the levels the
   * service uses; every other line (start-up, heartbeats) carries none; nothing else is logged.
   */
  static List<String> textProblems(Case c, List<TextLine> lines, Map<String, ReceivedSpan> spans,
      int port) {
    Set<String> requestTraces =
        spans.values().stream().map(ReceivedSpan::traceId).collect(Collectors.toSet());
    Map<String, List<TextLine>> byOrder = new LinkedHashMap<>();
    List<String> wrong = new ArrayList<>();
    int startLines = 0;
    int beatsSeen = 0;
    for (TextLine line : lines) {
      Matcher order = ORDER.matcher(line.message());
      Matcher beat = BEAT.matcher(line.message());
      if (order.matches()) {
        byOrder.computeIfAbsent(order.group(1), k -> new ArrayList<>()).add(line);
        continue;
      }
      if (!line.traceId().isEmpty() || !line.spanId().isEmpty() || !line.traceFlags().isEmpty()) {
        wrong.add("a line outside any request has " + line.ids()
            + (requestTraces.contains(line.traceId()) ? " (a request's trace)" : "") + ": " + clip(line.raw()));
      }
      if (beat.matches()) {
        beatsSeen++;
        if (!beat.group(2).startsWith("app-pool-")
            || (line.thread() != null && !line.thread().equals(beat.group(2)))) {
          wrong.add("a heartbeat not logged on an application pool thread: " + clip(line.raw()));
        }
      } else if (line.message().equals("log-service listening on " + port)
          && line.logger().equals(MAIN)) {
        startLines++;
      } else {
        wrong.add("a line the service does not log: " + clip(line.raw()));
      }
    }
    if (startLines != 1) {
      wrong.add(startLines + " start-up lines 'log-service listening on " + port + "'");
    }
    if (beatsSeen < HEARTBEATS_AFTER) {
      wrong.add(beatsSeen + " heartbeats");
    }

    for (int i = 0; i < REQUESTS; i++) {
      String id = Integer.toString(i);
      ReceivedSpan span = spans.get(id);
      List<TextLine> mine = byOrder.getOrDefault(id, List.of());
      List<String> messages = mine.stream().map(TextLine::message).sorted().collect(Collectors.toList());
      if (!messages.equals(List.of("order " + id + " done", "order " + id + " processing",
          "order " + id + " received"))) {
        wrong.add("order " + id + ": lines " + mine.stream().map(TextLine::raw).collect(Collectors.toList()));
        continue;
      }
      if ((Integer.parseInt(span.traceFlags(), 16) & 1) == 0) {
        wrong.add("order " + id + ": its SERVER span is not exported as sampled (flags " + span.traceFlags() + ")");
      }
      for (TextLine line : mine) {
        String want = "trace_id='" + span.traceId() + "' span_id='" + span.spanId() + "' trace_flags='" + span.traceFlags() + "'";
        if (!line.ids().equals(want)) {
          wrong.add("order " + id + " has " + line.ids() + ", its SERVER span " + want + ": " + clip(line.raw()));
        }
        boolean received = line.message().endsWith(" received");
        String level = line.message().endsWith(" done") ? "WARN" : "INFO";
        String levelShown = c.jul() ? julLevel(line.level()) : line.level();
        if (!levelShown.equals(level) || !line.logger().equals(ORDERS)) {
          wrong.add("order " + id + ": level or logger: " + clip(line.raw()));
        }
        if (line.thread() != null
            && !line.thread().startsWith(received ? "http-" : "app-pool-")) {
          wrong.add("order " + id + " logged on the wrong thread: " + clip(line.raw()));
        }
      }
    }
    byOrder.keySet().stream()
        .filter(id -> !spans.containsKey(id))
        .forEach(id -> wrong.add("lines of an order never requested: " + byOrder.get(id)));
    return wrong;
  }

  static List<TextLine> textLines(Case c, ServiceProcess service) {
    List<String> raw =
        c.jul() ? TraceTestSupport.foreignStderrLines(service) : service.stdoutLines();
    List<TextLine> lines = new ArrayList<>(raw.size());
    for (String line : raw) {
      TextLine parsed = parseText(c, line);
      if (parsed == null) {
        throw Poll.failFast("not a line of the service's pattern: " + clip(line) + "\n" + service.describe());
      }
      lines.add(parsed);
    }
    return lines;
  }

  /** The line in the service's text pattern, or null if it is not one. */
  static TextLine parseText(Case c, String line) {
    Matcher m = (c.jul() ? JUL_LINE : LINE).matcher(line);
    if (!m.matches()) {
      return null;
    }
    return c.jul()
        ? new TextLine(line, m.group(1), null, m.group(2), m.group(3), m.group(4), m.group(5), m.group(6))
        : new TextLine(line, m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6), m.group(7));
  }

  static int orderLines(List<TextLine> lines) {
    return (int) lines.stream().filter(l -> ORDER.matcher(l.message()).matches()).count();
  }

  /** JUL's level names as the JSON output maps them; the text pattern shows JUL's own names. */
  static String julLevel(String level) {
    switch (level) {
      case "SEVERE":
        return "ERROR";
      case "WARNING":
        return "WARN";
      default:
        return level;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 2. and 3. JSON lines: one run per case, shared by both tests.

  /** A parsed JSON line and the stream it came from. */
  record JsonLine(String stream, String raw, JsonNode json) {
    String text(String field) {
      JsonNode v = json.get(field);
      return v == null || v.isNull() ? null : v.asText();
    }

    String message() {
      return text("message");
    }

    boolean hasTraceFields() {
      return json.has("trace_id") || json.has("span_id") || json.has("trace_flags");
    }
  }

  /** What one JSON-mode run of a case produced. */
  record JsonRun(int port, List<JsonLine> lines, Map<String, ReceivedSpan> orderSpans,
      ReceivedSpan trickySpan, String describe) {}

  /** Per case: the run's result, or what failed in it (so the second test does not rerun it). */
  private static final Map<Case, Object> JSON_RUNS = new ConcurrentHashMap<>();

  static JsonRun jsonRun(Case c) {
    Object outcome =
        JSON_RUNS.computeIfAbsent(
            c,
            k -> {
              try {
                return runJson(k);
              } catch (Throwable e) {
                return e;
              }
            });
    if (outcome instanceof Error) {
      throw (Error) outcome;
    }
    if (outcome instanceof Throwable) {
      throw new AssertionError("the JSON run of " + c + " failed: " + outcome, (Throwable) outcome);
    }
    return (JsonRun) outcome;
  }

  static JsonRun runJson(Case c) throws Exception {
    int port = SmokeEnv.freePort();
    try (OtlpReceiver receiver = OtlpReceiver.startHttp();
        ServiceProcess service = start(c, receiver, port, "-Dweft.logs.format=json")) {
      HttpClient client = Http.newClient();
      // Weft's own start-up line goes to standard error from its start thread, with a write of
      // its own: were it to come while the application writes the tricky 100 KB line (which the
      // JDK's console handlers write in 8 KB pieces), it could land between two pieces. The
      // application's lines are what is checked here, so the traffic waits for Weft to be up.
      Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(60)),
          () -> {
            service.requireAlive("Weft's start-up line");
            return service.stderrLines();
          },
          l -> l.stream().anyMatch(line -> line.contains("\"logger\":\"weft\"") && line.contains(" started")),
          l -> "Weft's start-up line on standard error\n" + service.describe());
      List<String> paths =
          IntStream.range(0, JSON_REQUESTS).mapToObj(i -> "/order/" + i).collect(Collectors.toList());
      getAll(client, port, paths);
      HttpResponse<String> tricky = Http.get(client, Http.url(port, "/tricky"));
      assertEquals(200, tricky.statusCode(), tricky.body());

      long beatsByNow = lastBeat(jsonLines(service).stream().map(JsonLine::message));
      List<JsonLine> lines =
          Poll.untilValue(
              Poll.deadline(LINES_TIMEOUT),
              () -> {
                service.requireAlive("logging every request");
                return jsonLines(service);
              },
              l -> missing(l, port).isEmpty()
                  && beatsAfter(l.stream().map(JsonLine::message), beatsByNow) >= HEARTBEATS_AFTER,
              l -> "every line logged and " + HEARTBEATS_AFTER + " heartbeats after heartbeat "
                  + beatsByNow + "; missing: " + (l == null ? "all" : missing(l, port))
                  + "\n" + service.describe());

      Map<String, ReceivedSpan> spans = orderSpans(receiver, JSON_REQUESTS);
      List<ReceivedSpan> trickySpans =
          receiver.awaitSpans(s -> isServer(s, "/tricky"), 1, Duration.ofSeconds(30));
      assertEquals(1, trickySpans.size(), receiver.describe());
      List<String> problems =
          lines.stream()
              .filter(l -> "weft".equals(l.text("logger")))
              .filter(l -> "WARN".equals(l.text("level")) || "ERROR".equals(l.text("level")))
              .map(JsonLine::raw)
              .collect(Collectors.toList());
      assertEquals(List.of(), problems, "Weft's own warnings and errors\n" + service.describe());
      return new JsonRun(port, lines, spans, trickySpans.get(0), service.describe());
    }
  }

  /** The messages the JSON run must log that are not (yet) in {@code lines}. */
  static List<String> missing(List<JsonLine> lines, int port) {
    Set<String> seen = lines.stream().map(JsonLine::message).collect(Collectors.toSet());
    List<String> want = new ArrayList<>();
    want.add("log-service listening on " + port);
    for (int i = 0; i < JSON_REQUESTS; i++) {
      want.addAll(List.of("order " + i + " received", "order " + i + " processing", "order " + i + " done"));
    }
    want.addAll(TRICKY_MESSAGES);
    want.add(FAILURE_EVENT);
    want.add(NO_MESSAGE_EVENT);
    return want.stream().filter(m -> !seen.contains(m)).map(LogsSmokeTest::clip).collect(Collectors.toList());
  }

  /** Every line of stdout and stderr, each parsed as one JSON object. */
  static List<JsonLine> jsonLines(ServiceProcess service) {
    List<JsonLine> lines = new ArrayList<>();
    for (String stream : List.of("stdout", "stderr")) {
      for (String raw : stream.equals("stdout") ? service.stdoutLines() : service.stderrLines()) {
        JsonNode json;
        try {
          json = JSON.readTree(raw);
        } catch (Exception e) {
          throw Poll.failFast(stream + " has a line that is not one JSON object (" + e.getMessage()
              + "): " + clip(raw) + "\n" + service.describe());
        }
        if (json == null || !json.isObject()) {
          throw Poll.failFast(stream + " has a line that is not one JSON object: " + clip(raw));
        }
        lines.add(new JsonLine(stream, raw, json));
      }
    }
    return lines;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void jsonLinesParse(Case c) {
    JsonRun run = jsonRun(c);
    String where = "\n" + run.describe();
    List<String> wrong = new ArrayList<>();

    for (JsonLine line : run.lines()) {
      JsonNode j = line.json();
      Set<String> unknown = new TreeSet<>();
      j.properties().forEach(e -> unknown.add(e.getKey()));
      unknown.removeAll(JSON_FIELDS);
      if (!unknown.isEmpty()) {
        wrong.add("fields " + unknown + " not in the format: " + clip(line.raw()));
      }
      for (String field : List.of("timestamp", "level", "service", "logger", "thread", "message")) {
        if (j.get(field) == null || !j.get(field).isTextual()) {
          wrong.add("no string '" + field + "': " + clip(line.raw()));
        }
      }
      if (j.get("context") == null || !j.get("context").isObject()) {
        wrong.add("no 'context' object: " + clip(line.raw()));
      }
      String timestamp = line.text("timestamp");
      if (timestamp != null && !TIMESTAMP.matcher(timestamp).matches()) {
        wrong.add("timestamp '" + timestamp + "': " + clip(line.raw()));
      }
      if (!LEVELS.contains(line.text("level"))) {
        wrong.add("level '" + line.text("level") + "': " + clip(line.raw()));
      }
      if (!c.serviceName().equals(line.text("service"))) {
        wrong.add("service '" + line.text("service") + "', not " + c.serviceName() + ": " + clip(line.raw()));
      }
      if (line.hasTraceFields()
          && !(textMatches(j, "trace_id", "[0-9a-f]{32}") && textMatches(j, "span_id", "[0-9a-f]{16}")
              && textMatches(j, "trace_flags", "[0-9a-f]{2}"))) {
        wrong.add("trace fields incomplete or malformed: " + clip(line.raw()));
      }
      if (c.jul() && line.stream().equals("stderr") && !"weft".equals(line.text("logger"))
          && !line.raw().chars().allMatch(ch -> ch < 0x80)) {
        wrong.add("a JUL JSON line that is not pure ASCII: " + clip(line.raw()));
      }
    }

    // Requests: three lines each, with the ids of the request's SERVER span.
    String logStream = c.jul() ? "stderr" : "stdout";
    for (int i = 0; i < JSON_REQUESTS; i++) {
      String id = Integer.toString(i);
      ReceivedSpan span = run.orderSpans().get(id);
      for (String step : List.of("received", "processing", "done")) {
        String message = "order " + id + " " + step;
        List<JsonLine> found = withMessage(run, message);
        if (found.size() != 1) {
          wrong.add(found.size() + " lines '" + message + "'");
          continue;
        }
        JsonLine line = found.get(0);
        boolean received = step.equals("received");
        Map<String, String> context =
            received && !c.jul() ? Map.of("order_id", id) : Map.of();
        expect(wrong, line, "stream", logStream, line.stream());
        expect(wrong, line, "level", step.equals("done") ? "WARN" : "INFO", line.text("level"));
        expect(wrong, line, "logger", ORDERS, line.text("logger"));
        expect(wrong, line, "thread", received ? "http-" : "app-pool-", prefix(line.text("thread"), received ? "http-" : "app-pool-"));
        expect(wrong, line, "trace_id", span.traceId(), line.text("trace_id"));
        expect(wrong, line, "span_id", span.spanId(), line.text("span_id"));
        expect(wrong, line, "trace_flags", span.traceFlags(), line.text("trace_flags"));
        expect(wrong, line, "context", context.toString(), contextOf(line).toString());
        expect(wrong, line, "exception", "absent", line.json().has("exception") ? "present" : "absent");
      }
    }

    // The tricky messages come back exactly, in the /tricky request's trace.
    for (int i = 0; i < TRICKY_MESSAGES.size(); i++) {
      String message = TRICKY_MESSAGES.get(i);
      List<JsonLine> found = withMessage(run, message);
      if (found.size() != 1) {
        List<String> near =
            run.lines().stream()
                .filter(l -> TRICKY.equals(l.text("logger")))
                .map(l -> clip(l.message()))
                .collect(Collectors.toList());
        wrong.add("tricky message " + i + " came back " + found.size() + " times exactly: "
            + clip(message) + "; the Tricky logger's messages: " + near);
        continue;
      }
      checkTricky(wrong, run, found.get(0), "INFO");
      expect(wrong, found.get(0), "exception", "absent", found.get(0).json().has("exception") ? "present" : "absent");
    }
    List<JsonLine> failures = withMessage(run, FAILURE_EVENT);
    if (failures.size() != 1) {
      wrong.add(failures.size() + " lines '" + FAILURE_EVENT + "'");
    } else {
      JsonLine line = failures.get(0);
      checkTricky(wrong, run, line, "ERROR");
      JsonNode e = line.json().path("exception");
      expect(wrong, line, "exception.class", "java.lang.IllegalStateException", e.path("class").asText(null));
      expect(wrong, line, "exception.message", "order failed", e.path("message").asText(null));
      String stack = e.path("stack_trace").asText("");
      // Throwable.printStackTrace's text: the cause's message keeps its own line break.
      if (!stack.startsWith("java.lang.IllegalStateException: order failed" + System.lineSeparator() + "\tat ")
          || !stack.contains("Caused by: java.io.IOException: disk \"full\"\nretry")) {
        wrong.add("exception.stack_trace is not printStackTrace's text with its cause: " + clip(stack));
      }
    }
    List<JsonLine> noMessage = withMessage(run, NO_MESSAGE_EVENT);
    if (noMessage.size() != 1) {
      wrong.add(noMessage.size() + " lines '" + NO_MESSAGE_EVENT + "'");
    } else {
      JsonLine line = noMessage.get(0);
      checkTricky(wrong, run, line, "ERROR");
      JsonNode e = line.json().path("exception");
      expect(wrong, line, "exception.class", "java.lang.UnsupportedOperationException", e.path("class").asText(null));
      expect(wrong, line, "exception.message", "JSON null",
          e.has("message") && e.get("message").isNull() ? "JSON null" : String.valueOf(e.get("message")));
      if (!e.path("stack_trace").asText("").startsWith("java.lang.UnsupportedOperationException" + System.lineSeparator() + "\tat ")) {
        wrong.add("exception.stack_trace: " + clip(e.path("stack_trace").asText("")));
      }
    }

    // Outside requests: no ids. The start-up line on main, heartbeats on the pool.
    Set<String> requestLines = new HashSet<>(TRICKY_MESSAGES);
    requestLines.add(FAILURE_EVENT);
    requestLines.add(NO_MESSAGE_EVENT);
    int starts = 0;
    int beats = 0;
    for (JsonLine line : run.lines()) {
      String message = line.message();
      if (message == null || requestLines.contains(message) || ORDER.matcher(message).matches()) {
        continue;
      }
      if (line.hasTraceFields()) {
        wrong.add("a line outside any request has trace fields: " + clip(line.raw()));
      }
      Matcher beat = BEAT.matcher(message);
      if (message.equals("log-service listening on " + run.port())) {
        starts++;
        expect(wrong, line, "logger", MAIN, line.text("logger"));
        expect(wrong, line, "thread", "main", line.text("thread"));
        expect(wrong, line, "stream", logStream, line.stream());
      } else if (beat.matches()) {
        beats++;
        expect(wrong, line, "logger", HEARTBEAT, line.text("logger"));
        expect(wrong, line, "thread", beat.group(2), line.text("thread"));
        expect(wrong, line, "thread", "app-pool-", prefix(line.text("thread"), "app-pool-"));
        expect(wrong, line, "context", "{}", contextOf(line).toString());
      } else if (!"weft".equals(line.text("logger"))) {
        wrong.add("a line the service does not log: " + clip(line.raw()));
      }
    }
    if (starts != 1) {
      wrong.add(starts + " start-up lines");
    }
    if (beats < HEARTBEATS_AFTER) {
      wrong.add(beats + " heartbeats");
    }

    assertTrue(wrong.isEmpty(), wrong.size() + " problem(s), the first 20:\n"
        + wrong.stream().limit(20).collect(Collectors.joining("\n")) + where);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void logQlStyleFilterReturnsTheRequestsLines(Case c) {
    JsonRun run = jsonRun(c);
    // One request's trace id, as a trace backend shows it; then its logs, as a log query finds them.
    ReceivedSpan picked = run.orderSpans().values().iterator().next();
    String id = picked.attribute("url.path").substring("/order/".length());
    List<String> want = List.of("order " + id + " received", "order " + id + " processing", "order " + id + " done");

    // {service_name="..."} | json | trace_id="<id>"
    List<String> byField =
        run.lines().stream()
            .filter(l -> picked.traceId().equals(l.text("trace_id")))
            .map(JsonLine::message)
            .collect(Collectors.toList());
    assertEquals(want, byField, "the lines whose trace_id is " + picked.traceId() + "\n" + run.describe());

    // {service_name="..."} |= "<id>"
    List<String> byText =
        run.lines().stream()
            .filter(l -> l.raw().contains(picked.traceId()))
            .map(JsonLine::message)
            .collect(Collectors.toList());
    assertEquals(want, byText, "the lines that contain " + picked.traceId() + "\n" + run.describe());
  }

  static List<JsonLine> withMessage(JsonRun run, String message) {
    return run.lines().stream().filter(l -> message.equals(l.message())).collect(Collectors.toList());
  }

  static void checkTricky(List<String> wrong, JsonRun run, JsonLine line, String level) {
    expect(wrong, line, "level", level, line.text("level"));
    expect(wrong, line, "logger", TRICKY, line.text("logger"));
    expect(wrong, line, "thread", "http-", prefix(line.text("thread"), "http-"));
    expect(wrong, line, "trace_id", run.trickySpan().traceId(), line.text("trace_id"));
    expect(wrong, line, "span_id", run.trickySpan().spanId(), line.text("span_id"));
    expect(wrong, line, "trace_flags", run.trickySpan().traceFlags(), line.text("trace_flags"));
  }

  static void expect(List<String> wrong, JsonLine line, String what, String want, String got) {
    if (!want.equals(got)) {
      wrong.add(what + " is '" + clip(String.valueOf(got)) + "', want '" + clip(want) + "': " + clip(line.raw()));
    }
  }

  /** {@code prefix} if {@code value} starts with it, else the value itself. */
  static String prefix(String value, String prefix) {
    return value != null && value.startsWith(prefix) ? prefix : value;
  }

  static Map<String, String> contextOf(JsonLine line) {
    Map<String, String> context = new TreeMap<>();
    JsonNode node = line.json().path("context");
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      context.put(e.getKey(), e.getValue().asText());
    }
    return context;
  }

  static boolean textMatches(JsonNode json, String field, String regex) {
    JsonNode v = json.get(field);
    return v != null && v.isTextual() && v.asText().matches(regex);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Starts log-service for {@code c} with the agent exporting to {@code receiver}; returns once it
   * accepts connections (its start-up line is checked by the tests, as one of its lines).
   */
  static ServiceProcess start(Case c, OtlpReceiver receiver, int port, String... jvmArgs) {
    Path dir = SmokeEnv.logServiceDir();
    String cp = dir.resolve("log-service.jar").toString();
    if (!c.jul()) {
      cp += File.pathSeparator + dir.resolve("libs").resolve(c.libs()) + "/*";
    }
    List<String> args = new ArrayList<>(List.of(
        "dev.weft.smoke.logs.LogService", "--framework", c.framework(), "--port", Integer.toString(port)));
    if (c.async()) {
      args.add("--async");
    }
    ServiceProcess service =
        ServiceProcess.builder(c.serviceName() + (jvmArgs.length > 0 ? "-json" : ""))
            .java(c.java())
            .agent(SmokeEnv.agentJar())
            .jvmArgs("-Dsun.net.httpserver.nodelay=true", Services.KEEP_IDLE_CONNECTIONS)
            .jvmArgs(
                "-Dweft.metrics.port=0",
                "-Dotel.service.name=" + c.serviceName(),
                "-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
                "-Dotel.bsp.schedule.delay=100")
            .jvmArgs(jvmArgs)
            .jvmArgs("-cp", cp)
            .args(args.toArray(new String[0]))
            .start();
    try {
      service.awaitPort(port, Services.STARTUP);
    } catch (RuntimeException | Error e) {
      service.close();
      throw e;
    }
    return service;
  }

  /** Sends every GET at once and checks each is answered {@code 200 ok <id>}. */
  static void getAll(HttpClient client, int port, List<String> paths) {
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (String path : paths) {
      responses.add(client.sendAsync(
          HttpRequest.newBuilder(URI.create(Http.url(port, path))).timeout(Duration.ofSeconds(60)).GET().build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < paths.size(); i++) {
      String path = paths.get(i);
      HttpResponse<String> r;
      try {
        r = responses.get(i).get(90, TimeUnit.SECONDS);
      } catch (Exception e) {
        fail("GET " + path + " got no answer: " + e, e);
        return;
      }
      assertEquals(200, r.statusCode(), path + ": " + r.body());
      assertEquals("ok " + path.substring("/order/".length()), r.body(), path);
    }
  }

  /** The SERVER span of each {@code /order/<id>} request, by id: exactly {@code count} of them. */
  static Map<String, ReceivedSpan> orderSpans(OtlpReceiver receiver, int count) {
    List<ReceivedSpan> spans =
        receiver.awaitSpans(
            s -> s.kind().equals("SERVER") && s.attribute("url.path") != null
                && s.attribute("url.path").startsWith("/order/"),
            count,
            Duration.ofSeconds(60));
    Map<String, ReceivedSpan> byId = new LinkedHashMap<>();
    for (ReceivedSpan s : spans) {
      ReceivedSpan before = byId.put(s.attribute("url.path").substring("/order/".length()), s);
      assertEquals(null, before, "one SERVER span per request: " + s);
    }
    assertEquals(count, byId.size(), "SERVER spans of the requests: " + receiver.describe());
    return byId;
  }

  static boolean isServer(ReceivedSpan s, String path) {
    return s.kind().equals("SERVER") && path.equals(s.attribute("url.path"));
  }

  /** The highest heartbeat number among {@code messages}, or 0. */
  static long lastBeat(Stream<String> messages) {
    return messages.filter(m -> m != null)
        .map(BEAT::matcher)
        .filter(Matcher::matches)
        .mapToLong(m -> Long.parseLong(m.group(1)))
        .max()
        .orElse(0);
  }

  /** How many heartbeats numbered above {@code after} are among {@code messages}. */
  static long beatsAfter(Stream<String> messages, long after) {
    return messages.filter(m -> m != null)
        .map(BEAT::matcher)
        .filter(m -> m.matches() && Long.parseLong(m.group(1)) > after)
        .count();
  }

  /** A line short enough for a failure message (the long tricky message is 100 KB). */
  static String clip(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "... (" + s.length() + " chars)";
  }
}
