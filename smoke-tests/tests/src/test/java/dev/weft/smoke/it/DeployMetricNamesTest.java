package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files name only metrics Weft really exposes.
 *
 * <p>{@link #dashboardsAreWellFormed} parses every Grafana dashboard in {@code deploy/grafana/}:
 * valid JSON (duplicate keys rejected), a unique uid, tag {@code weft}, no {@code __inputs},
 * every panel (rows' nested panels included) on the {@code ${datasource}} Prometheus data source,
 * every target with an {@code expr} that uses only the variables {@code $region}, {@code $job},
 * {@code $endpoint}, {@code $__rate_interval}, {@code $__interval} and {@code $__range}, and no
 * recording rule (dashboards query Weft's raw metrics, so they work without the rules).
 *
 * <p>{@link #everyMetricNameIsOneWeftExposes} collects every metric name used in the dashboards'
 * expressions and variable queries, in every {@code expr:} of {@code deploy/prometheus/*.yml}
 * (when that folder exists), and in README.md and docs/*.md (names in backticks with a Weft prefix, and names
 * in {@code promql}/{@code logql} code blocks), and asserts that each one is exposed.
 *
 * <p><b>What "exposed" means here.</b> Prometheus client_java 1.x writes no family that has no
 * data point yet: not in the text format, nor in OpenMetrics or protobuf (tried on a fresh
 * agent: only the JVM and process families, {@code target_info}, {@code weft_agent_info},
 * {@code weft_agent_errors_total}, {@code weft_label_overflow_total} and
 * {@code kafka_dlq_spooled_records} are there; Weft registers its other families at start but
 * they appear only once observed). Reading names from Weft's code would be a second list to
 * keep in step, so the test asks the real thing instead: it starts the existing smoke services
 * with the agent and drives one round of their traffic ({@link DeployTraffic}: the HTTP server
 * and client, JDBC on H2 through HikariCP, Redis, gRPC, a Kafka producer and a dead-letter consumer,
 * errors of each included), and takes every sample name and every {@code # TYPE} family name of
 * their Prometheus text scrapes.
 *
 * <p>Each service is polled until the families it is there for show up (so a slow start is not
 * mistaken for a wrong name), then the union is compared. Histograms count as exposed through
 * their {@code _bucket}, {@code _sum}, {@code _count} samples (and their family name, which
 * README uses), counters through {@code _total}. Also known: series Prometheus itself adds to
 * every target ({@code up}, {@code scrape_*}), names a rules file defines with {@code record:},
 * and any name containing ':' (a recording rule by Prometheus's naming convention).
 */
class DeployMetricNamesTest {

  static final Set<String> ALLOWED_VARIABLES =
      Set.of("region", "job", "endpoint", "__rate_interval", "__interval", "__range");
  static final Pattern WEFT_PREFIX =
      Pattern.compile("(http_|db_client_|redis_client_|rpc_|kafka_|weft_|jvm_|process_).*");
  /** Series Prometheus writes for every scrape target, whatever the target exposes. */
  static final Set<String> PROMETHEUS_SERIES =
      Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped",
          "scrape_samples_post_metric_relabeling", "scrape_series_added");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  @TempDir Path tmp;

  private DeployTraffic traffic;

  @AfterEach
  void stop() {
    if (traffic != null) {
      traffic.close();
    }
  }

  // -------------------------------------------------------------------------------------------
  // a. the dashboards are well formed

  @Test
  void dashboardsAreWellFormed() throws IOException {
    List<Path> files = dashboards();
    assertFalse(files.isEmpty(), "no dashboard in " + root().resolve("deploy/grafana"));
    List<String> problems = new ArrayList<>();
    Map<String, Path> uids = new LinkedHashMap<>();
    for (Path file : files) {
      String f = file.getFileName().toString();
      JsonNode d;
      try {
        d = JSON.readTree(file.toFile());
      } catch (IOException e) {
        problems.add(f + ": not valid JSON: " + e.getMessage());
        continue;
      }
      String uid = d.path("uid").asText("");
      if (uid.isBlank()) {
        problems.add(f + ": no uid");
      } else if (uids.containsKey(uid)) {
        problems.add(f + ": uid " + uid + " is also " + uids.get(uid).getFileName());
      } else {
        uids.put(uid, file);
      }
      if (d.path("title").asText("").isBlank()) {
        problems.add(f + ": no title");
      }
      if (!d.path("schemaVersion").isInt()) {
        problems.add(f + ": no schemaVersion");
      }
      if (!contains(d.path("tags"), "weft")) {
        problems.add(f + ": not tagged weft");
      }
      if (d.has("__inputs")) {
        problems.add(f + ": has __inputs (dashboards take the data source from ${datasource})");
      }

      JsonNode variables = d.path("templating").path("list");
      boolean datasourceVariable = false;
      for (JsonNode v : variables) {
        String name = v.path("name").asText();
        if (v.path("type").asText().equals("datasource")) {
          datasourceVariable |= name.equals("datasource") && v.path("query").asText().equals("prometheus");
        } else if (v.path("type").asText().equals("query") && !isOurDatasource(v.path("datasource"))) {
          problems.add(f + ": variable " + name + " is not on ${datasource}: " + v.path("datasource"));
        }
      }
      if (!datasourceVariable) {
        problems.add(f + ": no variable 'datasource' of type datasource (prometheus)");
      }

      Set<Integer> ids = new TreeSet<>();
      for (JsonNode panel : panels(d)) {
        String where = f + " panel '" + panel.path("title").asText() + "'";
        if (!ids.add(panel.path("id").asInt(-1))) {
          problems.add(where + ": duplicate or missing id " + panel.path("id"));
        }
        if (panel.path("type").asText().equals("row")) {
          continue;
        }
        if (!isOurDatasource(panel.path("datasource"))) {
          problems.add(where + ": datasource is not {type: prometheus, uid: ${datasource}}: "
              + panel.path("datasource"));
        }
        JsonNode targets = panel.path("targets");
        if (!targets.isArray() || targets.isEmpty()) {
          problems.add(where + ": no targets");
        }
        for (JsonNode t : targets) {
          String expr = t.path("expr").asText("");
          if (expr.isBlank()) {
            problems.add(where + " target " + t.path("refId").asText() + ": no expr");
            continue;
          }
          if (t.has("datasource") && !isOurDatasource(t.path("datasource"))) {
            problems.add(where + " target " + t.path("refId").asText()
                + ": datasource is not ${datasource}: " + t.path("datasource"));
          }
          for (String v : variables(expr)) {
            if (!ALLOWED_VARIABLES.contains(v)) {
              problems.add(where + ": expr uses $" + v + ": " + expr);
            }
          }
          for (String name : metricNames(expr)) {
            if (name.contains(":")) {
              problems.add(where + ": expr uses the recording rule " + name
                  + " (dashboards query Weft's raw metrics): " + expr);
            }
          }
        }
      }
    }
    assertTrue(problems.isEmpty(),
        problems.size() + " problem(s) in deploy/grafana:\n  " + String.join("\n  ", problems));
  }

  // -------------------------------------------------------------------------------------------
  // b. every name they use is one Weft exposes

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void everyMetricNameIsOneWeftExposes() throws Exception {
    Map<String, Set<String>> used = new TreeMap<>();
    Set<String> recorded = new TreeSet<>();
    for (Path file : dashboards()) {
      JsonNode d = JSON.readTree(file.toFile());
      String f = "deploy/grafana/" + file.getFileName();
      for (JsonNode v : d.path("templating").path("list")) {
        String query = v.path("query").isObject()
            ? v.path("query").path("query").asText("") : v.path("query").asText("");
        use(used, variableQueryNames(query), f + " variable " + v.path("name").asText());
      }
      for (JsonNode panel : panels(d)) {
        for (JsonNode t : panel.path("targets")) {
          use(used, metricNames(t.path("expr").asText("")),
              f + " panel '" + panel.path("title").asText() + "'");
        }
      }
    }
    for (Path file : ruleFiles()) {
      readRules(file, used, recorded);
    }
    readReadme(root().resolve("README.md"), used);
    try (java.util.stream.Stream<Path> docs = Files.list(root().resolve("docs"))) {
      for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
        readReadme(doc, used);
      }
    }
    assertFalse(used.isEmpty(), "found no metric name at all: is " + root() + " the repository?");

    Set<String> exposed = scrapeWhatWeftExposes();
    // The names and labels of the naming presets (docs/metrics.md's tables): exposed under their
    // preset, which DeployQueriesEndToEndTest proves on real services.
    Set<String> presetNames = presetNames();

    Map<String, Set<String>> unknown = new TreeMap<>();
    for (Map.Entry<String, Set<String>> e : used.entrySet()) {
      String name = e.getKey();
      boolean known = exposed.contains(name) || PROMETHEUS_SERIES.contains(name)
          || presetNames.contains(name)
          || recorded.contains(name) || name.contains(":");
      if (!known) {
        unknown.put(name, e.getValue());
      }
    }
    assertTrue(unknown.isEmpty(),
        unknown.size() + " metric name(s) that Weft does not expose:\n"
            + unknown.entrySet().stream()
                .map(e -> "  " + e.getKey() + "   (used in " + String.join("; ", e.getValue()) + ")")
                .collect(Collectors.joining("\n"))
            + "\nWeft exposes: " + exposed);
  }

  /** Starts the smoke services with the agent, exercises each, and unites their scrapes. */
  private Set<String> scrapeWhatWeftExposes() throws Exception {
    traffic = DeployTraffic.start(tmp);
    // One round of each library: successes and failures, so that every label set can appear.
    traffic.drive();
    Set<String> exposed = new TreeSet<>();
    for (String scrape : traffic.awaitFamilies(Duration.ofSeconds(90)).values()) {
      exposed.addAll(namesOf(scrape));
    }
    return exposed;
  }

  /** Every sample name and every {@code # TYPE} family name of a Prometheus text scrape. */
  static Set<String> namesOf(String text) {
    return DeployTraffic.namesOf(text);
  }

  // -------------------------------------------------------------------------------------------
  // Where the names are used

  /** The repository: surefire runs in the module folder, smoke-tests/tests. */
  static Path root() {
    Path root = Paths.get("").toAbsolutePath().resolve("../..").normalize();
    if (!Files.isRegularFile(root.resolve("README.md")) || !Files.isDirectory(root.resolve("deploy"))) {
      fail("expected the repository (README.md, deploy/) two folders above " + Paths.get("").toAbsolutePath()
          + ": run the test from smoke-tests/tests (mvn -pl smoke-tests/tests verify)");
    }
    return root;
  }

  /** Every metric (with its series suffixes) and label name of every naming preset's table. */
  static Set<String> presetNames() {
    Set<String> names = new TreeSet<>();
    for (String preset : dev.weft.runtime.metrics.naming.Presets.names()) {
      for (dev.weft.runtime.metrics.naming.Rule r
          : dev.weft.runtime.metrics.naming.Presets.named(preset).rules()) {
        if (r.target() == null) {
          continue;
        }
        names.add(r.target());
        for (String suffix : List.of("_count", "_sum", "_bucket")) {
          names.add(r.target() + suffix);
        }
        for (dev.weft.runtime.metrics.naming.Rule.Label l : r.labels()) {
          names.add(l.name());
        }
      }
    }
    return names;
  }

  static List<Path> dashboards() throws IOException {
    return list(root().resolve("deploy/grafana"), ".json");
  }

  static List<Path> ruleFiles() throws IOException {
    List<Path> files = new ArrayList<>(list(root().resolve("deploy/prometheus"), ".yml"));
    files.addAll(list(root().resolve("deploy/prometheus"), ".yaml"));
    return files;
  }

  private static List<Path> list(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(suffix) && Files.isRegularFile(f))
          .sorted().collect(Collectors.toList());
    }
  }

  /** Every panel, rows' nested panels included, in order. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> all = new ArrayList<>();
    collect(dashboard.path("panels"), all);
    return all;
  }

  private static void collect(JsonNode panels, List<JsonNode> into) {
    for (JsonNode p : panels) {
      into.add(p);
      collect(p.path("panels"), into);
    }
  }

  private static boolean isOurDatasource(JsonNode ds) {
    return ds.path("type").asText().equals("prometheus") && ds.path("uid").asText().equals("${datasource}");
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode n : array) {
      if (n.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static void use(Map<String, Set<String>> used, Set<String> names, String where) {
    for (String name : names) {
      used.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(where);
    }
  }

  private static final Pattern YAML_KEY = Pattern.compile("^(\\s*(?:-\\s+)?)(expr|record):(.*)$");

  /**
   * The {@code expr:} and {@code record:} values of a Prometheus rules file, read line by line
   * (plain, quoted and block scalars; a value goes on over the lines indented deeper than its
   * key).
   */
  static void readRules(Path file, Map<String, Set<String>> used, Set<String> recorded)
      throws IOException {
    List<String> lines = Files.readAllLines(file);
    String f = root().relativize(file).toString();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = YAML_KEY.matcher(lines.get(i));
      if (!m.matches()) {
        continue;
      }
      int keyLine = i + 1;
      int indent = m.group(1).length();
      String first = m.group(3).trim();
      boolean block = first.startsWith("|") || first.startsWith(">");
      StringBuilder value = new StringBuilder(block ? "" : first);
      int j = i + 1;
      for (; j < lines.size(); j++) {
        String next = lines.get(j);
        if (!next.isBlank() && indentOf(next) <= indent) {
          break;
        }
        value.append(block ? "\n" : " ").append(block ? next : next.trim());
      }
      i = j - 1;
      String text = block ? value.toString() : unquote(value.toString().trim());
      if (m.group(2).equals("record")) {
        String name = text.replaceAll("\\s+#.*$", "").trim();
        recorded.add(name);
      } else {
        use(used, metricNames(text), f + " line " + keyLine);
      }
    }
  }

  private static int indentOf(String line) {
    int n = 0;
    while (n < line.length() && line.charAt(n) == ' ') {
      n++;
    }
    return n;
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && v.startsWith("\"") && v.lastIndexOf('"') > 0) {
      return v.substring(1, v.lastIndexOf('"')).replace("\\\"", "\"").replace("\\\\", "\\");
    }
    if (v.length() >= 2 && v.startsWith("'") && v.lastIndexOf('\'') > 0) {
      return v.substring(1, v.lastIndexOf('\'')).replace("''", "'");
    }
    return v;
  }

  private static final Pattern BACKTICKED = Pattern.compile("`([^`\\n]+)`");
  private static final Pattern NAME_WITH_LABELS =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?");

  /**
   * README.md: names in backticks in the prose and tables ({@code `http_requests_total`},
   * {@code `weft_agent_errors_total{module}`}) and names in {@code promql} and {@code logql}
   * code blocks, those with a Weft prefix only.
   */
  static void readReadme(Path readme, Map<String, Set<String>> used) throws IOException {
    List<String> lines = Files.readAllLines(readme);
    String fence = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String where = readme.getFileName() + " line " + (i + 1);
      if (line.startsWith("```")) {
        fence = fence == null ? line.substring(3).trim().toLowerCase(Locale.ROOT) : null;
        continue;
      }
      if (fence != null) {
        if (fence.equals("promql") || fence.equals("logql")) {
          use(used, weftNames(metricNames(line)), where);
        }
        continue;
      }
      Matcher m = BACKTICKED.matcher(line);
      while (m.find()) {
        Matcher name = NAME_WITH_LABELS.matcher(m.group(1).trim());
        if (name.matches()) {
          use(used, weftNames(Set.of(name.group(1))), where);
        }
      }
    }
  }

  private static Set<String> weftNames(Set<String> names) {
    return names.stream().filter(n -> WEFT_PREFIX.matcher(n).matches())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  // -------------------------------------------------------------------------------------------
  // PromQL

  /** Words that are PromQL's, not metric names (functions are recognised by their '('). */
  static final Set<String> PROMQL_WORDS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
          "and", "or", "unless", "atan2", "inf", "nan", "sum", "min", "max", "avg", "group",
          "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk",
          "limit_ratio");
  private static final Pattern TOKEN =
      Pattern.compile("[0-9][0-9a-zA-Z_.]*|[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([a-zA-Z_][a-zA-Z0-9_]*)|\\[\\[([a-zA-Z_][a-zA-Z0-9_]*)");

  /**
   * The metric names a PromQL expression selects: what is left once strings, comments, label
   * matchers, ranges, grouping label lists, Grafana variables, numbers, keywords and function
   * names are taken out.
   */
  static Set<String> metricNames(String expr) {
    String s = stripStringsAndComments(expr);
    s = s.replaceAll("\\[\\[[^\\]]*\\]\\]|\\$\\{[^}]*\\}|\\$[a-zA-Z0-9_]+", " ");
    s = s.replaceAll("\\{[^}]*\\}", " ");
    s = s.replaceAll("\\[[^\\]]*\\]", " ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = TOKEN.matcher(s);
    while (m.find()) {
      String token = m.group();
      if (Character.isDigit(token.charAt(0)) || PROMQL_WORDS.contains(token.toLowerCase(Locale.ROOT))) {
        continue;
      }
      int next = m.end();
      while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
        next++;
      }
      if (next < s.length() && s.charAt(next) == '(') {
        continue; // a function
      }
      names.add(token);
    }
    return names;
  }

  /** The metric names of a Grafana variable query: {@code label_values(<selector>, <label>)}. */
  static Set<String> variableQueryNames(String query) {
    String q = query.trim();
    if (q.startsWith("label_values(") && q.endsWith(")")) {
      String inner = q.substring("label_values(".length(), q.length() - 1);
      int comma = inner.lastIndexOf(',');
      return comma < 0 ? Set.of() : metricNames(inner.substring(0, comma));
    }
    if (q.startsWith("query_result(") && q.endsWith(")")) {
      return metricNames(q.substring("query_result(".length(), q.length() - 1));
    }
    return Set.of();
  }

  /** The Grafana variables an expression uses ({@code $x}, {@code ${x}}, {@code [[x]]}). */
  static Set<String> variables(String expr) {
    Set<String> vars = new TreeSet<>();
    Matcher m = VARIABLE.matcher(expr);
    while (m.find()) {
      vars.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return vars;
  }

  private static String stripStringsAndComments(String expr) {
    StringBuilder out = new StringBuilder(expr.length());
    for (int i = 0; i < expr.length(); i++) {
      char c = expr.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        int j = i + 1;
        while (j < expr.length() && expr.charAt(j) != c) {
          j += (c != '`' && expr.charAt(j) == '\\') ? 2 : 1;
        }
        i = j;
        out.append(' ');
      } else if (c == '#') {
        while (i < expr.length() && expr.charAt(i) != '\n') {
          i++;
        }
        out.append('\n');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The extraction itself, on expressions whose names are known. */
  @Test
  void metricNamesAreReadFromPromql() {
    assertEquals(Set.of("http_request_duration_seconds_bucket"),
        metricNames("histogram_quantile(0.95, sum by (le, endpoint) (rate("
            + "http_request_duration_seconds_bucket{job=~\"$job\", region=~\"$region\"}[$__rate_interval])))"));
    assertEquals(Set.of("http_requests_total"),
        metricNames("(sum by (endpoint) (rate(http_requests_total{status=~\"5..\"}[5m])) or 0 *"
            + " sum by (endpoint) (rate(http_requests_total[5m]))) / sum by (endpoint)"
            + " (rate(http_requests_total[5m]))"));
    assertEquals(Set.of("process_start_time_seconds", "jvm_runtime_info"),
        metricNames("max by (job, instance) (process_start_time_seconds{a=\"b\"}) * 1000 * on"
            + " (job, instance) group_left (version) max by (job, instance, version) (jvm_runtime_info)"));
    assertEquals(Set.of("up", "job_region:http_requests:rate5m"),
        metricNames("sum(job_region:http_requests:rate5m offset 1h) > 0 and up == 1 # a comment up2\n"));
    assertEquals(Set.of("x_total"),
        metricNames("count(x_total) without (instance) or vector(0) unless label_replace(time(),"
            + " \"dst\", \"$1\", \"src\", \"(.*)\")"));
    assertEquals(Set.of("weft_agent_info"),
        variableQueryNames("label_values(weft_agent_info{region=~\"$region\"}, job)"));
    assertEquals(Set.of("region", "__rate_interval"),
        variables("rate(x{region=~\"$region\"}[${__rate_interval}])"));
  }

  /** Rules files: plain, quoted and block expressions, and the names they record. */
  @Test
  void rulesFilesAreRead() throws IOException {
    Path rules = tmp.resolve("rules.yml");
    Files.writeString(rules, String.join("\n",
        "groups:",
        "  - name: weft",
        "    rules:",
        "      - record: job_region:http_requests:rate5m  # per job and region",
        "        expr: sum by (job, region) (rate(http_requests_total[5m]))",
        "      - record: 'weft:errors:rate5m'",
        "        expr: \"sum(rate(weft_agent_errors_total{module=\\\"jdbc\\\"}[5m]))\"",
        "      - alert: WeftDown",
        "        expr: |",
        "          up{job=\"x\"} == 0",
        "            and on (instance)",
        "          # the info series is gone too",
        "          absent(weft_agent_info)",
        "        for: 5m",
        "        labels:",
        "          severity: page",
        "      - alert: Slow",
        "        expr: >-",
        "          histogram_quantile(0.99,",
        "",
        "            sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1",
        "        annotations:",
        "          summary: 'p99 of {{ $labels.job }} is {{ $value }}'",
        ""));
    Map<String, Set<String>> used = new TreeMap<>();
    Set<String> recorded = new TreeSet<>();
    readRules(rules, used, recorded);
    assertEquals(Set.of("job_region:http_requests:rate5m", "weft:errors:rate5m"), recorded);
    assertEquals(Set.of("http_requests_total", "weft_agent_errors_total", "up", "weft_agent_info",
        "http_request_duration_seconds_bucket"), used.keySet());
    assertTrue(used.get("up").iterator().next().endsWith("line 9"), used.toString());
  }
}
