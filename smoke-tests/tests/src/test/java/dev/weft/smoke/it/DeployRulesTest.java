package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Prometheus and Alertmanager files (deploy/): promtool accepts the rules and the
 * configurations, the rules' unit tests pass and cover every alert, each alert carries the labels
 * and annotations operators rely on, and the runbook has a section for each.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DeployRulesTest {

  /** The repository root, from this module's folder (smoke-tests/tests), where Maven runs tests. */
  private static final Path ROOT = Paths.get("..", "..").toAbsolutePath().normalize();
  private static final Path PROMETHEUS = ROOT.resolve("deploy").resolve("prometheus");
  private static final Path ALERT_RULES = PROMETHEUS.resolve("weft-alert-rules.yml");
  private static final Path RECORDING_RULES = PROMETHEUS.resolve("weft-recording-rules.yml");
  private static final Path RUNBOOK = ROOT.resolve("deploy").resolve("runbook.md");
  private static final String RUNBOOK_URL =
      "https://github.com/weft-dev/weft/blob/main/deploy/runbook.md#";

  private static final Pattern ALERT = Pattern.compile("(?m)^\\s*- alert: (\\w+)\\s*$");
  private static final Pattern RULE_START = Pattern.compile("(?m)^\\s*- (?:alert|record): ");
  private static final Pattern GROUP = Pattern.compile("(?m)^  - name: (\\S+)\\s*$");
  private static final Pattern FOR_LINE = Pattern.compile("(?m)^(\\s+)for: \\S+$");
  private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6} +(.+?)\\s*$");

  @Test
  void ruleFilesPassPromtoolCheckRules() {
    List<Path> ruleFiles = files(PROMETHEUS, "*rules*.yml");
    assertTrue(ruleFiles.contains(ALERT_RULES) && ruleFiles.contains(RECORDING_RULES),
        "expected the alert and recording rule files in " + PROMETHEUS + ", found " + ruleFiles);
    for (Path file : ruleFiles) {
      assertSucceeds(PROMETHEUS, promtool("check", "rules", file.getFileName().toString()));
    }
  }

  @Test
  void prometheusConfigPassesPromtoolCheckConfig(@TempDir Path tmp) throws IOException {
    Result result = promtool(PROMETHEUS, "check", "config", "prometheus.yml");
    if (result.exit != 0
        && result.output.contains("field kubernetes_sd_configs not found")) {
      // Debian's promtool is built without Kubernetes service discovery. Check everything else:
      // a copy whose Kubernetes job discovers nothing, beside copies of the rule files it loads.
      String config = read(PROMETHEUS.resolve("prometheus.yml"));
      String sd = "    kubernetes_sd_configs:\n      - role: pod\n";
      assertTrue(config.contains(sd), "prometheus.yml no longer has the Kubernetes pod job's"
          + " discovery this test replaces (" + sd.strip() + "); update the test\n" + result);
      Files.writeString(tmp.resolve("prometheus.yml"),
          config.replace(sd, "    static_configs: []\n"), StandardCharsets.UTF_8);
      Files.copy(ALERT_RULES, tmp.resolve(ALERT_RULES.getFileName()));
      Files.copy(RECORDING_RULES, tmp.resolve(RECORDING_RULES.getFileName()));
      System.out.println("DeployRulesTest: this promtool has no kubernetes_sd_configs; checked"
          + " prometheus.yml with the Kubernetes job's discovery left out");
      result = promtool(tmp, "check", "config", "prometheus.yml");
    }
    assertSucceeds(PROMETHEUS, result);
    assertTrue(result.output.contains("2 rule files found"),
        "prometheus.yml must load both rule files\n" + result);
  }

  @Test
  void federationConfigPassesPromtoolCheckConfig() {
    String config = read(PROMETHEUS.resolve("federation.yml"));
    assertTrue(config.contains("honor_labels: true") && config.contains("/federate"),
        "federation.yml must federate with honor_labels: true");
    assertSucceeds(PROMETHEUS, promtool("check", "config", "federation.yml"));
  }

  @Test
  void ruleUnitTestsPass() {
    List<Path> tests = files(PROMETHEUS.resolve("tests"), "*.yml");
    assertFalse(tests.isEmpty(), "no rule unit tests in " + PROMETHEUS.resolve("tests"));
    for (Path test : tests) {
      assertSucceeds(PROMETHEUS, promtool("test", "rules", "tests/" + test.getFileName()));
    }
  }

  @Test
  void everyAlertHasAUnitTestThatFiresItAndOneThatDoesNot() {
    Set<String> fired = new TreeSet<>();
    Set<String> silent = new TreeSet<>();
    for (Path test : files(PROMETHEUS.resolve("tests"), "*.yml")) {
      collectAlertTests(read(test), fired, silent);
    }
    List<String> missing = new ArrayList<>();
    for (AlertRule rule : alertRules()) {
      String key = rule.name + "/" + rule.severity;
      if (!fired.contains(key)) {
        missing.add(key + " is never expected to fire");
      }
      if (!silent.contains(rule.name)) {
        missing.add(rule.name + " has no case where it must not fire (exp_alerts: [])");
      }
    }
    assertEquals(List.of(), missing, "alert unit tests missing in deploy/prometheus/tests"
        + " (fired: " + fired + ", silent: " + silent + ")");
  }

  @Test
  void everyAlertHasSeverityAnnotationsAndARunbookSection() {
    Set<String> anchors = new LinkedHashSet<>();
    Set<String> headings = new LinkedHashSet<>();
    Matcher heading = HEADING.matcher(read(RUNBOOK));
    while (heading.find()) {
      headings.add(heading.group(1));
      anchors.add(githubAnchor(heading.group(1)));
    }
    List<AlertRule> rules = alertRules();
    assertFalse(rules.isEmpty(), "no alerts found in " + ALERT_RULES);
    List<String> problems = new ArrayList<>();
    for (AlertRule rule : rules) {
      String where = rule.name + " (" + rule.severity + "): ";
      if (!Set.of("critical", "warning", "info").contains(rule.severity)) {
        problems.add(where + "severity must be critical, warning or info");
      }
      for (String annotation : List.of("summary", "description", "runbook_url")) {
        if (!Pattern.compile("(?m)^\\s+" + annotation + ": \\S").matcher(rule.text).find()) {
          problems.add(where + "no " + annotation + " annotation");
        }
      }
      if (!rule.text.contains("{{ $labels.job }}")) {
        problems.add(where + "the description or summary should name the job");
      }
      Matcher url = Pattern.compile("(?m)^\\s+runbook_url: \"?([^\"\\s]+)\"?\\s*$")
          .matcher(rule.text);
      if (url.find()) {
        String expected = RUNBOOK_URL + rule.name.toLowerCase(Locale.ROOT);
        if (!url.group(1).equals(expected)) {
          problems.add(where + "runbook_url is " + url.group(1) + ", expected " + expected);
        }
        String anchor = url.group(1).substring(url.group(1).indexOf('#') + 1);
        if (!anchors.contains(anchor)) {
          problems.add(where + "runbook.md has no heading with the anchor #" + anchor);
        }
      }
      if (!headings.contains(rule.name)) {
        problems.add(where + "runbook.md has no heading named after the alert");
      }
      if (!Pattern.compile("(?m)^\\s+for: \\d+[smh]\\s*$").matcher(rule.text).find()) {
        problems.add(where + "no `for:` duration on its own line");
      }
    }
    Set<String> names = rules.stream().map(r -> r.name).collect(Collectors.toSet());
    for (String h : headings) {
      if (h.matches("Weft\\w+") && !names.contains(h)) {
        problems.add("runbook.md has a section for " + h + ", which is no alert");
      }
    }
    assertEquals(List.of(), problems, "alert rules or runbook incomplete");
  }

  /**
   * The end-to-end test rewrites every {@code for:} line to {@code for: 10s}, as the alert file's
   * header documents: one such line per alert, and the rewritten file is still valid.
   */
  @Test
  void forDurationsCanBeRewrittenLineByLine(@TempDir Path tmp) throws IOException {
    String alerts = read(ALERT_RULES);
    long forLines = FOR_LINE.matcher(alerts).results().count();
    long anyFor = Pattern.compile("(?m)^[^#]*\\bfor:").matcher(alerts).results().count();
    assertEquals(alertRules().size(), forLines, "one `for:` line per alert");
    assertEquals(forLines, anyFor, "a `for:` outside the rewritable form `<indent>for: <d>`");
    String rewritten = FOR_LINE.matcher(alerts).replaceAll("$1for: 10s");
    Files.writeString(tmp.resolve(ALERT_RULES.getFileName()), rewritten, StandardCharsets.UTF_8);
    assertSucceeds(tmp, promtool(tmp, "check", "rules", ALERT_RULES.getFileName().toString()));
  }

  /**
   * promtool evaluates the groups of one evaluation time in random order unless a test lists
   * them: every test file lists every group, recording groups before alert groups, so that an
   * alert reads the recorded values of the same minute.
   */
  @Test
  void ruleUnitTestsEvaluateEveryGroupInOrder() {
    List<String> groups = new ArrayList<>(groups(read(RECORDING_RULES)));
    groups.addAll(groups(read(ALERT_RULES)));
    for (Path test : files(PROMETHEUS.resolve("tests"), "*.yml")) {
      String text = read(test);
      List<String> order = new ArrayList<>();
      Matcher m = Pattern.compile("(?m)^group_eval_order:\\s*\\n((?:\\s+- \\S+\\s*\\n)+)")
          .matcher(text);
      if (m.find()) {
        for (String line : m.group(1).split("\n")) {
          order.add(line.strip().substring(2).strip());
        }
      }
      assertEquals(groups, order, test.getFileName() + ": group_eval_order must list the groups"
          + " of weft-recording-rules.yml, then those of weft-alert-rules.yml");
    }
  }

  @Test
  void alertmanagerConfigPassesAmtool() {
    Path config = ROOT.resolve("deploy").resolve("alertmanager").resolve("alertmanager.yml");
    assertTrue(Files.isRegularFile(config), "missing " + config);
    Path amtool = Stream.of("/usr/bin/amtool", "/usr/local/bin/amtool")
        .map(Paths::get).filter(Files::isExecutable).findFirst().orElse(null);
    assertTrue(amtool != null,
        "amtool is not installed: install Debian's prometheus-alertmanager (tools/run-tests does)");
    assertSucceeds(ROOT, run(ROOT, amtool.toString(), "check-config", config.toString()));
  }

  // --- parsing ---

  private record AlertRule(String name, String severity, String text) {}

  /** The alert rules, each with its text up to the next rule or group. */
  private static List<AlertRule> alertRules() {
    String text = read(ALERT_RULES);
    List<AlertRule> rules = new ArrayList<>();
    Matcher alert = ALERT.matcher(text);
    while (alert.find()) {
      Matcher next = RULE_START.matcher(text);
      int end = next.find(alert.end()) ? next.start() : text.length();
      Matcher group = GROUP.matcher(text);
      if (group.find(alert.end()) && group.start() < end) {
        end = group.start();
      }
      String body = text.substring(alert.start(), end);
      Matcher severity = Pattern.compile("(?m)^\\s+severity: (\\w+)\\s*$").matcher(body);
      rules.add(new AlertRule(alert.group(1), severity.find() ? severity.group(1) : "", body));
    }
    return rules;
  }

  /**
   * From a promtool test file: "name/severity" of every alert some alert_rule_test expects to fire,
   * and the names of those some test expects silent ({@code exp_alerts: []}).
   */
  private static void collectAlertTests(String text, Set<String> fired, Set<String> silent) {
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher name = Pattern.compile("^\\s*(?:- )?alertname: (\\w+)\\s*$").matcher(lines[i]);
      if (!name.find()) {
        continue;
      }
      int j = i + 1;
      while (j < lines.length && !lines[j].strip().startsWith("exp_alerts:")) {
        j++;
      }
      if (j == lines.length) {
        continue;
      }
      String value = lines[j].strip().substring("exp_alerts:".length()).strip();
      if (value.equals("[]")) {
        silent.add(name.group(1));
        continue;
      }
      int indent = indent(lines[j]);
      for (int k = j + 1; k < lines.length; k++) {
        String line = lines[k];
        if (line.isBlank() || line.strip().startsWith("#")) {
          continue;
        }
        if (indent(line) < indent || (indent(line) == indent && !line.strip().startsWith("- "))) {
          break;
        }
        Matcher severity = Pattern.compile("^\\s+severity: (\\w+)\\s*$").matcher(line);
        if (severity.find()) {
          fired.add(name.group(1) + "/" + severity.group(1));
        }
      }
    }
  }

  private static List<String> groups(String rules) {
    List<String> names = new ArrayList<>();
    Matcher m = GROUP.matcher(rules);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static int indent(String line) {
    int n = 0;
    while (n < line.length() && line.charAt(n) == ' ') {
      n++;
    }
    return n;
  }

  /** GitHub's heading anchor: lower case, spaces to hyphens, other punctuation dropped. */
  static String githubAnchor(String heading) {
    StringBuilder anchor = new StringBuilder();
    for (char c : heading.strip().toLowerCase(Locale.ROOT).toCharArray()) {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        anchor.append(c);
      } else if (c == ' ') {
        anchor.append('-');
      }
    }
    return anchor.toString();
  }

  // --- files and processes ---

  private static String read(Path file) {
    if (!Files.isRegularFile(file)) {
      fail("missing " + file + " (the repository root is taken to be " + ROOT + ")");
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> files(Path dir, String glob) {
    if (!Files.isDirectory(dir)) {
      fail("missing folder " + dir + " (the repository root is taken to be " + ROOT + ")");
    }
    List<Path> found = new ArrayList<>();
    try (var stream = Files.newDirectoryStream(dir, glob)) {
      stream.forEach(found::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    found.sort(null);
    return found;
  }

  private record Result(List<String> command, int exit, String output) {
    @Override
    public String toString() {
      return String.join(" ", command) + " exited " + exit + ":\n" + output;
    }
  }

  private static Result promtool(String... args) {
    return promtool(PROMETHEUS, args);
  }

  private static Result promtool(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add(SmokeEnv.promtool().toString());
    command.addAll(List.of(args));
    return run(dir, command.toArray(new String[0]));
  }

  private static Result run(Path dir, String... command) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      try (InputStream in = process.getInputStream()) {
        in.transferTo(output);
      }
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        fail(String.join(" ", command) + " did not finish within 2 minutes");
      }
      return new Result(List.of(command), process.exitValue(),
          output.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void assertSucceeds(Path dir, Result result) {
    assertEquals(0, result.exit, "in " + dir + ": " + result);
  }

  // Keeps the parsers honest on a small sample of each format.
  @Test
  void parsersReadTheShippedFormats() {
    Set<String> fired = new TreeSet<>();
    Set<String> silent = new TreeSet<>();
    collectAlertTests(String.join("\n",
        "    alert_rule_test:",
        "      - eval_time: 5m",
        "        alertname: A",
        "        exp_alerts: []",
        "      - eval_time: 9m",
        "        alertname: A",
        "        exp_alerts:",
        "          - exp_labels:",
        "              severity: warning",
        "              job: x",
        "      - eval_time: 9m",
        "        alertname: B",
        "        exp_alerts:",
        "        - exp_labels:",
        "            severity: critical",
        "    promql_expr_test:",
        "      - expr: up",
        "        exp_samples:",
        "          - labels: 'up{severity=\"x\"}'",
        ""), fired, silent);
    assertEquals(Set.of("A/warning", "B/critical"), fired);
    assertEquals(Set.of("A"), silent);
    assertEquals("wefthttperrorratiohigh", githubAnchor("WeftHttpErrorRatioHigh"));
    assertEquals("the-availability-slo", githubAnchor("The availability SLO"));
  }
}
