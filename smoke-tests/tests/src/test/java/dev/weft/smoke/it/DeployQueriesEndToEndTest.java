package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every PromQL expression of deploy/ runs on a real Prometheus after real traffic, parses and
 * returns a non-empty result.
 *
 * <p>The smoke services run with the agent and their traffic ({@link DeployTraffic}: HTTP
 * server and client with 5xx, JDBC and Redis with errors, a Kafka producer with a send error, a
 * consumer with a dead letter and some lag, an agent error); Prometheus 2.42 ({@link
 * PrometheusServer}) scrapes them every second as job {@value PrometheusServer#JOB}, with the
 * target label {@code region="test-region"}, and evaluates the shipped rule files every second
 * (the alert rules with their {@code for:} at 10s). The traffic runs once before Prometheus
 * starts and once after it scraped every target, so that the rates see counters rise.
 *
 * <p>Then, polling with a deadline:
 *
 * <ol>
 *   <li>Prometheus loaded every recording rule of weft-recording-rules.yml and every alert rule
 *       (each with {@code for: 10s}), and none fails to evaluate;
 *   <li>every recording rule's {@code record} name has a result;
 *   <li>every target {@code expr} of every panel of every dashboard (rows' nested panels
 *       included), and every variable query {@code label_values(<selector>, <label>)} as its
 *       selector, with the variables as Grafana would send them ({@link #VARIABLES}), parses
 *       ({@code /api/v1/query} answers status success) and returns a non-empty result; for a
 *       variable query, some series also has the label.
 * </ol>
 *
 * A non-empty result may hold NaN (a quantile of a histogram that did not move in the window, a
 * ratio of 0 / 0): that is what the panel shows, and the test prints those expressions.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DeployQueriesEndToEndTest {

  /** The variables' values: All for region and endpoint, the one job for job. */
  static final Map<String, String> VARIABLES = Map.of(
      "region", ".*",
      "job", PrometheusServer.JOB,
      "endpoint", ".*",
      "__rate_interval", "1m",
      "__interval", "15s",
      "__range", "5m");

  /**
   * Expressions allowed to return an empty result, each with the reason: none. (The stats of
   * rare events, dead letters dropped and instances down, end in {@code or vector(0)}; the traffic
   * produces every kind of error the other panels show.)
   */
  static final Map<String, String> MAY_BE_EMPTY = Map.of();

  static final String REGION = "test-region";
  private static final Pattern VARIABLE =
      Pattern.compile("\\$\\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\\}|\\$([a-zA-Z_][a-zA-Z0-9_]*)|\\[\\[([a-zA-Z_][a-zA-Z0-9_]*)\\]\\]");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /**
   * One expression to run: where it comes from, as written, as sent and, for a variable query,
   * the label the variable lists (else null).
   */
  record Query(String where, String written, String promql, String label) {
    @Override
    public String toString() {
      return where + ": " + promql;
    }
  }

  /** deploy/ itself for the default preset, deploy/presets/NAME for the others. */
  static Path deployDir(String naming) {
    return naming.equals("prometheus")
        ? DeployMetricNamesTest.root().resolve("deploy") : DeployPresetFiles.dir(naming);
  }

  @ParameterizedTest(name = "weft.metrics.naming={0}")
  @ValueSource(strings = {"prometheus", "otel", "micrometer"})
  void everyDashboardAndRecordingRuleExpressionReturnsData(String naming) throws Exception {
    long started = System.nanoTime();
    List<Query> queries = dashboardQueries(deployDir(naming).resolve("grafana"));
    assertFalse(queries.isEmpty(), "no dashboard expression found in " + deployDir(naming));
    Path recordingRules =
        deployDir(naming).resolve("prometheus/weft-recording-rules.yml");
    Set<String> records = new TreeSet<>();
    DeployMetricNamesTest.readRules(recordingRules, new TreeMap<>(), records);
    assertFalse(records.isEmpty(), "no record: in " + recordingRules);

    try (DeployTraffic traffic = DeployTraffic.start(tmp.resolve("services"), naming)) {
      traffic.drive();
      traffic.awaitFamilies(Duration.ofSeconds(90));
      log(started, "services started, first traffic round done");

      List<Path> rules = PrometheusServer.shippedRules(tmp.resolve("rules"),
          deployDir(naming).resolve("prometheus"));
      try (PrometheusServer prometheus = PrometheusServer.start(tmp.resolve("prometheus"),
          traffic.targets(), Map.of("region", REGION), rules, null)) {
        log(started, "Prometheus ready at " + prometheus.url());
        awaitTargetsUp(prometheus, traffic);
        log(started, "every target scraped");
        assertRulesLoaded(prometheus, records);

        // Counters rise between two scrapes: rates above 0, increases above 0.
        Map<DeployTraffic.Source, MetricsScrape> before = traffic.scrapeAll();
        traffic.drive();
        log(started, "second traffic round done");
        assertExactCounts(traffic, naming, before);
        log(started, "every family counted one round exactly, under " + naming + " names");
        assertEveryPresetMetricExposedAndLintClean(traffic, naming);

        awaitRecords(prometheus, records);
        log(started, "every recording rule has a result");
        assertNoRuleFails(prometheus);

        Map<Query, String> failures = awaitQueries(prometheus, queries, traffic);
        log(started, queries.size() + " dashboard expressions run");
        if (!failures.isEmpty()) {
          fail(failures.size() + " of " + queries.size() + " dashboard expression(s) fail on"
              + " Prometheus after traffic (variables: " + new TreeMap<>(VARIABLES) + "):\n"
              + failures.entrySet().stream()
                  .map(e -> "  " + e.getKey().where + "\n      expr: " + e.getKey().promql
                      + "\n      " + e.getValue())
                  .collect(Collectors.joining("\n")));
        }
        awaitLagSeen(prometheus, naming);
        log(started, "the consumer's lag was above 0");
        reportNaN(prometheus, queries, records);
      }
    }
  }

  // -------------------------------------------------------------------------------------------

  /**
   * Every family moved by exactly one round of traffic ({@link DeployTraffic#expectedPerRound},
   * written in Weft's names and translated into the preset's): the synchronous services by the
   * round's counts since {@code before}, the dead-letter consumer to its total of the rounds.
   */
  private static void assertExactCounts(DeployTraffic traffic, String naming,
      Map<DeployTraffic.Source, MetricsScrape> before) {
    PresetQueries names = naming.equals("prometheus") ? null
        : new PresetQueries(dev.weft.runtime.metrics.naming.Presets.named(naming));
    List<DeployTraffic.Expected> expected = traffic.expectedPerRound();
    Poll.untilValue(Poll.deadline(Duration.ofSeconds(60)),
        () -> {
          traffic.requireAlive("the exact counts");
          Map<DeployTraffic.Source, MetricsScrape> now = traffic.scrapeAll();
          List<String> wrong = new ArrayList<>();
          for (DeployTraffic.Expected e : expected) {
            String selector = names == null ? e.selector()
                : names.translate(e.selector(), "expected count " + e.selector()).text();
            boolean round = e.kind() == DeployTraffic.Expected.Kind.ROUND;
            double value = sum(now.get(e.source()), selector)
                - (round ? sum(before.get(e.source()), selector) : 0);
            double want = e.kind() == DeployTraffic.Expected.Kind.TOTAL
                ? (double) e.count() * traffic.rounds() : e.count();
            if (value != want) {
              wrong.add(e.source().what + ": " + selector + (round ? " moved by " : " is ")
                  + value + ", expected " + want + (selector.equals(e.selector()) ? ""
                  : " (" + e.selector() + " in Weft's names)"));
            }
          }
          return wrong;
        },
        List::isEmpty,
        wrong -> "not exactly one round of traffic under weft.metrics.naming=" + naming + ":\n  "
            + (wrong == null ? "no scrape" : String.join("\n  ", wrong)));
  }

  /** The sum of the samples a selector ({@code name{l="v", l=~"re", ...}}) picks. */
  static double sum(MetricsScrape scrape, String selector) {
    Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?$").matcher(selector.trim());
    assertTrue(m.matches(), "not a selector: " + selector);
    List<String[]> matchers = new ArrayList<>();
    if (m.group(2) != null && !m.group(2).isBlank()) {
      Matcher one = Pattern.compile(
          "\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?")
          .matcher(m.group(2));
      while (one.find()) {
        matchers.add(new String[] {one.group(1), one.group(2), one.group(3)});
      }
    }
    return scrape.sum(m.group(1), labels -> {
      for (String[] x : matchers) {
        String v = labels.getOrDefault(x[0], "");
        boolean ok = switch (x[1]) {
          case "=" -> v.equals(x[2]);
          case "!=" -> !v.equals(x[2]);
          case "=~" -> v.matches(x[2]);
          default -> !v.matches(x[2]);
        };
        if (!ok) {
          return false;
        }
      }
      return true;
    });
  }

  /**
   * Every metric of the preset's table is exposed by one of the services, and promtool's lint
   * reports nothing on any service's scrape.
   */
  private static void assertEveryPresetMetricExposedAndLintClean(DeployTraffic traffic,
      String naming) throws Exception {
    Map<DeployTraffic.Source, MetricsScrape> scrapes = traffic.scrapeAll();
    Set<String> exposed = new TreeSet<>();
    for (Map.Entry<DeployTraffic.Source, MetricsScrape> e : scrapes.entrySet()) {
      exposed.addAll(DeployTraffic.namesOf(e.getValue().text()));
      java.nio.file.Path file = java.nio.file.Files.createTempFile("weft-scrape", ".prom");
      try {
        java.nio.file.Files.writeString(file, e.getValue().text());
        Process p = new ProcessBuilder("promtool", "check", "metrics")
            .redirectInput(file.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool check metrics did not finish");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), e.getKey().what + " under " + naming
            + ": promtool check metrics:\n" + out);
        assertEquals("", out.strip(), e.getKey().what + " under " + naming
            + ": promtool check metrics:\n" + out);
      } finally {
        java.nio.file.Files.deleteIfExists(file);
      }
    }
    List<String> missing = new ArrayList<>();
    for (dev.weft.runtime.metrics.naming.Rule r
        : dev.weft.runtime.metrics.naming.Presets.named(naming).rules()) {
      if (r.target() != null && !exposed.contains(r.target())) {
        missing.add(r.target() + " (from " + r.source() + ")");
      }
    }
    assertEquals(List.of(), missing, "metrics of the " + naming + " preset's table no service"
        + " exposes");
  }

  private static void awaitTargetsUp(PrometheusServer prometheus, DeployTraffic traffic) {
    int expected = traffic.targets().size();
    String promql = "up{job=\"" + PrometheusServer.JOB + "\"} == 1";
    Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)),
        () -> {
          traffic.requireAlive("the wait for Prometheus's first scrapes");
          return prometheus.query(promql);
        },
        answer -> result(answer).size() == expected,
        answer -> "Prometheus does not scrape all " + expected + " targets " + traffic.targets()
            + " successfully (" + promql + " answered " + answer + ")\n" + prometheus.describe());
  }

  /** Prometheus loaded the recording rules of the file, and alert rules with for: 10s. */
  private static void assertRulesLoaded(PrometheusServer prometheus, Set<String> records) {
    JsonNode answer = prometheus.rules();
    Set<String> loaded = new TreeSet<>();
    List<String> alerts = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (JsonNode group : answer.path("data").path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (rule.path("type").asText().equals("recording")) {
          loaded.add(rule.path("name").asText());
        } else {
          alerts.add(rule.path("name").asText());
          if (rule.path("duration").asDouble(-1) != 10) {
            problems.add("alert " + rule.path("name").asText() + " has for: "
                + rule.path("duration") + "s, expected 10s");
          }
        }
      }
    }
    assertEquals(records, loaded,
        "the recording rules Prometheus loaded are not those of weft-recording-rules.yml\n"
            + prometheus.describe());
    assertFalse(alerts.isEmpty(), "Prometheus loaded no alert rule: " + answer);
    assertEquals(List.of(), problems, "the alert rules were not loaded with the short for:");
  }

  /** Every record name has a result (polled: each group is evaluated every second). */
  private static void awaitRecords(PrometheusServer prometheus, Set<String> records) {
    Set<String> pending = new TreeSet<>(records);
    Poll.untilValue(Poll.deadline(Duration.ofSeconds(60)),
        () -> {
          pending.removeIf(name -> !result(prometheus.query(name)).isEmpty());
          return pending;
        },
        Set::isEmpty,
        empty -> (empty == null ? records : empty).size() + " of " + records.size()
            + " recording rule(s) of weft-recording-rules.yml have no result after traffic:\n  "
            + String.join("\n  ", empty == null ? records : empty) + "\n" + prometheus.describe());
  }

  /** No rule reports an evaluation error. */
  private static void assertNoRuleFails(PrometheusServer prometheus) {
    List<String> failing = new ArrayList<>();
    for (JsonNode group : prometheus.rules().path("data").path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (rule.path("health").asText().equals("err")) {
          failing.add(group.path("name").asText() + " / " + rule.path("name").asText() + ": "
              + rule.path("lastError").asText());
        }
      }
    }
    assertEquals(List.of(), failing, "rules whose evaluation fails on Prometheus");
  }

  /**
   * Runs every query until each passed or the deadline passed; returns the failures, each with
   * why. A parse error is final at once; an empty result is retried (the last scrape may be
   * under way).
   */
  private static Map<Query, String> awaitQueries(PrometheusServer prometheus, List<Query> queries,
      DeployTraffic traffic) {
    Map<Query, String> failing = new LinkedHashMap<>();
    Set<Query> finalFailures = new java.util.HashSet<>();
    for (Query q : queries) {
      failing.put(q, "not run");
    }
    Instant deadline = Poll.deadline(Duration.ofSeconds(45));
    try {
      Poll.until(deadline,
          () -> {
            traffic.requireAlive("the dashboard queries");
            for (Query q : new ArrayList<>(failing.keySet())) {
              if (finalFailures.contains(q)) {
                continue;
              }
              String why = check(prometheus.query(q.promql), q);
              if (why == null) {
                failing.remove(q);
              } else {
                failing.put(q, why);
                if (why.startsWith("does not parse")) {
                  finalFailures.add(q);
                }
              }
            }
            return finalFailures.size() == failing.size();
          },
          "dashboard queries still failing");
    } catch (AssertionError e) {
      if (e.getMessage() == null || !e.getMessage().startsWith("timed out")) {
        throw e; // a service died: not a query's fault
      }
      // timed out: the caller reports the queries still failing
    }
    failing.keySet().removeIf(q -> MAY_BE_EMPTY.containsKey(q.written)
        && failing.get(q).startsWith("empty"));
    return failing;
  }

  /** Why an answer does not pass, or null when it does. */
  private static String check(JsonNode answer, Query q) {
    if (!answer.path("status").asText().equals("success")) {
      return "does not parse or fails: " + answer.path("errorType").asText() + ": "
          + answer.path("error").asText();
    }
    JsonNode result = result(answer);
    if (result.isEmpty()) {
      return "empty result";
    }
    if (q.label != null) {
      for (JsonNode series : result) {
        if (!series.path("metric").path(q.label).asText("").isEmpty()) {
          return null;
        }
      }
      return "no series has the label " + q.label + " the variable lists";
    }
    return null;
  }

  /** Prints the expressions whose every value is NaN: they have a result, but no number. */
  private static void reportNaN(PrometheusServer prometheus, List<Query> queries,
      Set<String> records) {
    List<String> nan = new ArrayList<>();
    for (String record : records) {
      if (allNaN(prometheus.query(record))) {
        nan.add("record " + record);
      }
    }
    for (Query q : queries) {
      if (allNaN(prometheus.query(q.promql))) {
        nan.add(q.where);
      }
    }
    System.out.println("DeployQueriesEndToEndTest: " + nan.size() + " expression(s) return only"
        + " NaN (nothing moved in the window):" + (nan.isEmpty() ? " none" : "\n  "
        + String.join("\n  ", nan)));
  }

  private static boolean allNaN(JsonNode answer) {
    JsonNode result = result(answer);
    if (result.isEmpty()) {
      return false;
    }
    for (JsonNode series : result) {
      if (!series.path("value").path(1).asText().equals("NaN")) {
        return false;
      }
    }
    return true;
  }

  /**
   * The traffic's burst of records gave the consumer's lag panels a value above 0 (polled: the
   * consumer works through the burst for a few seconds after the second round).
   */
  private static void awaitLagSeen(PrometheusServer prometheus, String naming) {
    String weft = "max(max_over_time(kafka_consumer_lag{job=\"" + PrometheusServer.JOB
        + "\"}[5m]))";
    String promql = naming.equals("prometheus") ? weft
        : new PresetQueries(dev.weft.runtime.metrics.naming.Presets.named(naming))
            .translate(weft, "the lag query").text();
    Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)),
        () -> prometheus.query(promql),
        answer -> result(answer).path(0).path("value").path(1).asDouble(0) > 0,
        answer -> "the traffic's burst of " + DeployTraffic.LAG_BURST + " records never made the"
            + " dead-letter consumer lag, so the lag panels show 0 only (" + promql
            + " answered " + answer + ")");
  }

  static JsonNode result(JsonNode answer) {
    return answer.path("data").path("result");
  }

  // -------------------------------------------------------------------------------------------
  // The dashboards' expressions

  /** Every panel target and every label_values variable query of every dashboard, substituted. */
  static List<Query> dashboardQueries(Path dir) throws IOException {
    List<Query> queries = new ArrayList<>();
    List<Path> files;
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
      files = s.filter(f -> f.toString().endsWith(".json")).sorted()
          .collect(Collectors.toList());
    }
    for (Path file : files) {
      JsonNode d = JSON.readTree(file.toFile());
      String f = file.getFileName().toString();
      for (JsonNode v : d.path("templating").path("list")) {
        if (!v.path("type").asText().equals("query")) {
          continue;
        }
        String query = v.path("query").isObject()
            ? v.path("query").path("query").asText("") : v.path("query").asText("");
        String where = f + " variable " + v.path("name").asText();
        Matcher m = Pattern.compile("(?s)^\\s*label_values\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*$")
            .matcher(query);
        if (!m.matches()) {
          fail(where + ": the query " + query + " is not label_values(<selector>, <label>),"
              + " which this test knows how to run");
        }
        queries.add(new Query(where, query, substitute(m.group(1), where), m.group(2)));
      }
      for (JsonNode panel : DeployMetricNamesTest.panels(d)) {
        for (JsonNode t : panel.path("targets")) {
          String expr = t.path("expr").asText("");
          if (expr.isBlank()) {
            continue;
          }
          String where = f + " panel '" + panel.path("title").asText() + "' target "
              + t.path("refId").asText();
          queries.add(new Query(where, expr, substitute(expr, where), null));
        }
      }
    }
    return queries;
  }

  /** The expression with Grafana's variables replaced by {@link #VARIABLES}. */
  static String substitute(String expr, String where) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = VARIABLES.get(name);
      if (value == null) {
        fail(where + " uses the variable $" + name + ", which this test has no value for: " + expr);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static void log(long started, String what) {
    System.out.printf("DeployQueriesEndToEndTest: %5.1f s  %s%n",
        (System.nanoTime() - started) / 1e9, what);
  }

  /**
   * The helper on its own: a Prometheus with an alerting section and the shipped rules starts,
   * loads every alert with {@code for: 10s}, answers queries, reports an expression that does not
   * parse as such, and reloads.
   */
  @Test
  void prometheusServerRunsTheShippedRulesAndRejectsBadExpressions() throws Exception {
    Path alerts = DeployMetricNamesTest.root().resolve("deploy/prometheus/weft-alert-rules.yml");
    int forLines = PrometheusServer.rulesWithShortFor(alerts, tmp.resolve("short.yml"));
    String rewritten = java.nio.file.Files.readString(tmp.resolve("short.yml"));
    assertEquals(forLines, Pattern.compile("(?m)^\\s+for: 10s$").matcher(rewritten).results().count(),
        "every for: line rewritten to 10s");
    assertFalse(Pattern.compile("(?m)^\\s+for: (?!10s$)").matcher(rewritten).find(),
        "a for: line left as it was:\n" + rewritten);

    Set<String> records = new TreeSet<>();
    DeployMetricNamesTest.readRules(
        DeployMetricNamesTest.root().resolve("deploy/prometheus/weft-recording-rules.yml"),
        new TreeMap<>(), records);
    String alertmanager = "http://127.0.0.1:" + SmokeEnv.freePort();
    try (PrometheusServer prometheus = PrometheusServer.start(tmp.resolve("prometheus"), List.of(),
        Map.of(), PrometheusServer.shippedRules(tmp.resolve("rules")), alertmanager)) {
      assertRulesLoaded(prometheus, records);
      JsonNode one = prometheus.query("vector(1)");
      assertEquals("success", one.path("status").asText(), one.toString());
      assertEquals("1", result(one).path(0).path("value").path(1).asText(), one.toString());

      Query bad = new Query("test", "sum(rate(x[5m])", "sum(rate(x[5m])", null);
      String why = check(prometheus.query(bad.promql), bad);
      assertTrue(why != null && why.startsWith("does not parse or fails: bad_data: "), why);
      Query empty = new Query("test", "x", "absent_metric_of_this_test", null);
      assertEquals("empty result", check(prometheus.query(empty.promql), empty));

      assertEquals("success", prometheus.alerts().path("status").asText());
      prometheus.reload();
      assertRulesLoaded(prometheus, records);
    }
  }

  @Test
  void variablesAreSubstitutedAsGrafanaSendsThem() {
    assertEquals("rate(x{job=~\"weft-deploy\", region=~\".*\", endpoint=~\".*\"}[1m])"
            + " + increase(y[5m]) + z[15s]",
        substitute("rate(x{job=~\"$job\", region=~\"${region}\", endpoint=~\"[[endpoint]]\"}"
            + "[$__rate_interval]) + increase(y[$__range]) + z[${__interval}]", "test"));
  }
}
