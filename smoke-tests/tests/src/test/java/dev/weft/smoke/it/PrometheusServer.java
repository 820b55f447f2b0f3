package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.opentest4j.AssertionFailedError;

/**
 * A real Prometheus server (Debian's package, {@value #BINARY}) for end-to-end tests of the
 * deploy/ files: it scrapes the given targets every second as job {@value #JOB}, evaluates the
 * given rule files every second and, if given an Alertmanager, sends it the alerts.
 *
 * <pre>
 * try (PrometheusServer prometheus = PrometheusServer.start(dir, List.of("127.0.0.1:9464"),
 *     Map.of("region", "test-region"), PrometheusServer.shippedRules(dir.resolve("rules")), null)) {
 *   JsonNode answer = prometheus.query("up");   // {"status": "success", "data": {...}}
 * }
 * </pre>
 *
 * Everything it writes goes to {@code dir}: prometheus.yml, copies of the rule files under
 * {@code rules/}, the TSDB under {@code data/} and its log, {@code prometheus.log}.
 */
public final class PrometheusServer implements AutoCloseable {

  public static final String BINARY = "/usr/bin/prometheus";
  /** The job name of every target. */
  public static final String JOB = "weft-deploy";
  /** How long {@link #start} waits for /-/ready. */
  public static final Duration STARTUP = Duration.ofSeconds(60);

  /** The `for:` lines of an alert rules file, as its header documents them. */
  private static final Pattern FOR_LINE = Pattern.compile("(?m)^([ \\t]+)for: \\S+$");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    // A test JVM that dies must not leave a Prometheus running.
    Runtime.getRuntime().addShutdownHook(
        new Thread(() -> LIVE.forEach(Process::destroyForcibly), "prometheus-reaper"));
  }

  private final Process process;
  private final List<String> command;
  private final Path log;
  private final String url;
  private final HttpClient client = Http.newClient();

  private PrometheusServer(Process process, List<String> command, Path log, int port) {
    this.process = process;
    this.command = command;
    this.log = log;
    this.url = "http://127.0.0.1:" + port;
  }

  /**
   * Writes {@code dir/prometheus.yml} and starts Prometheus on a free loopback port; returns once
   * it answers /-/ready.
   *
   * @param dir where the configuration, the rule file copies, the TSDB and the log go
   * @param targets {@code host:port} of each metrics endpoint, all scraped as job {@value #JOB}
   *     (path /metrics) every second
   * @param targetLabels labels added to every target (e.g. region=test-region); may be empty
   * @param ruleFiles rule files to load, copied into {@code dir/rules/} (see
   *     {@link #shippedRules} and {@link #rulesWithShortFor}); evaluated every second
   * @param alertmanagerUrlOrNull base URL of an Alertmanager (e.g. http://127.0.0.1:9093), or null
   *     for no alerting section
   */
  public static PrometheusServer start(Path dir, List<String> targets,
      Map<String, String> targetLabels, List<Path> ruleFiles, String alertmanagerUrlOrNull) {
    return start(dir, targets, targetLabels, ruleFiles, alertmanagerUrlOrNull, "");
  }

  /**
   * As {@link #start(Path, List, Map, List, String)}, with {@code moreScrapeConfigs} appended to
   * {@code scrape_configs:} as it is: YAML list items indented by two spaces
   * ({@code "  - job_name: ...\n"}), e.g. jobs with their own scheme, {@code basic_auth} and
   * {@code tls_config}; empty for none.
   */
  public static PrometheusServer start(Path dir, List<String> targets,
      Map<String, String> targetLabels, List<Path> ruleFiles, String alertmanagerUrlOrNull,
      String moreScrapeConfigs) {
    Path binary = Paths.get(BINARY);
    if (!Files.isExecutable(binary)) {
      fail(BINARY + " is missing: install Debian's prometheus package (apt-get install"
          + " prometheus; tools/run-tests installs it)");
    }
    int port = SmokeEnv.freePort();
    Path config = dir.resolve("prometheus.yml");
    Path data = dir.resolve("data");
    Path log = dir.resolve("prometheus.log");
    try {
      Files.createDirectories(data);
      Path rulesDir = Files.createDirectories(dir.resolve("rules"));
      List<Path> copies = new ArrayList<>();
      for (Path rules : ruleFiles) {
        Path copy = rulesDir.resolve((copies.size() + 1) + "-" + rules.getFileName());
        Files.copy(rules, copy);
        copies.add(copy.toAbsolutePath());
      }
      Files.writeString(config, config(targets, targetLabels, copies, alertmanagerUrlOrNull)
          + moreScrapeConfigs, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Prometheus configuration in " + dir, e);
    }
    List<String> command = List.of(BINARY,
        "--config.file=" + config.toAbsolutePath(),
        "--storage.tsdb.path=" + data.toAbsolutePath(),
        "--web.listen-address=127.0.0.1:" + port,
        "--web.enable-lifecycle");
    Process process;
    try {
      process = new ProcessBuilder(command).directory(dir.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new AssertionFailedError("cannot start " + String.join(" ", command) + ": " + e, e);
    }
    LIVE.add(process);
    PrometheusServer server = new PrometheusServer(process, command, log, port);
    try {
      server.awaitReady();
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  /**
   * Copies the shipped rule files of deploy/prometheus into {@code dir}: the recording rules as
   * they are, the alert rules with every {@code for:} at 10s ({@link #rulesWithShortFor}).
   * Returns both copies, recording rules first, for {@link #start}.
   */
  public static List<Path> shippedRules(Path dir) throws IOException {
    return shippedRules(dir, DeployMetricNamesTest.root().resolve("deploy").resolve("prometheus"));
  }

  /** As {@link #shippedRules(Path)}, from {@code shipped} (a naming preset's rules folder). */
  public static List<Path> shippedRules(Path dir, Path shipped) throws IOException {
    Files.createDirectories(dir);
    Path recording = dir.resolve("weft-recording-rules.yml");
    Files.copy(shipped.resolve("weft-recording-rules.yml"), recording);
    Path alerts = dir.resolve("weft-alert-rules.yml");
    rulesWithShortFor(shipped.resolve("weft-alert-rules.yml"), alerts);
    return List.of(recording, alerts);
  }

  /**
   * Writes {@code src} to {@code dst} with every {@code for:} duration rewritten to 10s, the
   * override documented in the header of weft-alert-rules.yml ({@code sed -E
   * 's/^(\s+)for: \S+$/\1for: 10s/'}). Returns the number of lines rewritten; fails if there is
   * none.
   */
  public static int rulesWithShortFor(Path src, Path dst) throws IOException {
    String text = Files.readString(src, StandardCharsets.UTF_8);
    Matcher m = FOR_LINE.matcher(text);
    int n = (int) m.results().count();
    if (n == 0) {
      fail(src + " has no line `<indent>for: <duration>` to rewrite");
    }
    Files.writeString(dst, m.replaceAll("$1for: 10s"), StandardCharsets.UTF_8);
    return n;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return url;
  }

  /** Prometheus's own log (stdout and stderr). */
  public Path log() {
    return log;
  }

  /**
   * Runs an instant query now ({@code /api/v1/query}) and returns Prometheus's whole answer, for
   * errors as well: {@code {"status": "success", "data": {"resultType": ..., "result": [...]}}},
   * or {@code {"status": "error", "errorType": "bad_data", "error": "..."}} for an expression that
   * does not parse. Fails only when the answer is not Prometheus's JSON.
   */
  public JsonNode query(String promql) {
    return post("/api/v1/query", "query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  /** {@code /api/v1/alerts}: the pending and firing alerts, in {@code data.alerts}. */
  public JsonNode alerts() {
    return get("/api/v1/alerts");
  }

  /** {@code /api/v1/rules}: the loaded rule groups with each rule's health and last error. */
  public JsonNode rules() {
    return get("/api/v1/rules");
  }

  /**
   * Makes Prometheus read its configuration and rule files again ({@code POST /-/reload}, on
   * with --web.enable-lifecycle), e.g. after a test rewrote {@code dir/prometheus.yml} or a rule
   * file copy under {@code dir/rules/}. Fails if Prometheus rejects them.
   */
  public void reload() {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/-/reload"))
        .timeout(Http.REQUEST_TIMEOUT).POST(HttpRequest.BodyPublishers.noBody()).build();
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        fail("POST " + url + "/-/reload answered " + r.statusCode() + ": " + r.body() + "\n"
            + describe());
      }
    } catch (IOException e) {
      throw new AssertionFailedError("POST " + url + "/-/reload failed: " + e + "\n" + describe(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionFailedError("interrupted", e);
    }
  }

  /** The command, the log file and the end of the log: for failure messages. */
  public String describe() {
    String tail;
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      tail = lines.subList(Math.max(0, lines.size() - 40), lines.size()).stream()
          .map(l -> "  | " + l).collect(Collectors.joining("\n"));
    } catch (IOException e) {
      tail = "  (cannot read: " + e + ")";
    }
    return "--- prometheus (pid " + process.pid()
        + (process.isAlive() ? ", alive" : ", exited " + process.exitValue()) + ")\n"
        + "command: " + String.join(" ", command) + "\n"
        + "log (" + log + "), last lines:\n" + tail + "\n---";
  }

  /** Ends Prometheus (SIGTERM, then SIGKILL after 10 s) and waits for it. */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      LIVE.remove(process);
    }
  }

  private void awaitReady() {
    Poll.until(Poll.deadline(STARTUP),
        () -> {
          if (!process.isAlive()) {
            throw Poll.failFast("Prometheus exited with code " + process.exitValue()
                + " before it was ready\n" + describe());
          }
          HttpResponse<String> r = Http.get(client, url + "/-/ready");
          return r.statusCode() == 200;
        },
        "Prometheus did not answer " + url + "/-/ready with 200 within " + STARTUP + "\n"
            + describe());
  }

  private JsonNode get(String path) {
    try {
      return parse(Http.get(client, url + path));
    } catch (IOException e) {
      throw new AssertionFailedError("GET " + url + path + " failed: " + e + "\n" + describe(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionFailedError("interrupted", e);
    }
  }

  private JsonNode post(String path, String form) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url + path))
        .timeout(Http.REQUEST_TIMEOUT)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form))
        .build();
    try {
      return parse(client.send(request, HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      throw new AssertionFailedError("POST " + url + path + " (" + form + ") failed: " + e + "\n"
          + describe(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionFailedError("interrupted", e);
    }
  }

  private JsonNode parse(HttpResponse<String> response) {
    try {
      JsonNode answer = JSON.readTree(response.body());
      if (answer != null && answer.has("status")) {
        return answer;
      }
    } catch (JsonProcessingException e) {
      // not Prometheus's API answer: reported below
    }
    throw new AssertionFailedError(response.request().method() + " " + response.uri()
        + " answered " + response.statusCode() + " without Prometheus's JSON: " + response.body());
  }

  private static String config(List<String> targets, Map<String, String> targetLabels,
      List<Path> ruleFiles, String alertmanagerUrlOrNull) {
    StringBuilder y = new StringBuilder();
    y.append("# Written by ").append(PrometheusServer.class.getName()).append("\n");
    y.append("global:\n");
    y.append("  scrape_interval: 1s\n");
    y.append("  scrape_timeout: 1s\n");
    y.append("  evaluation_interval: 1s\n");
    y.append("rule_files:").append(ruleFiles.isEmpty() ? " []\n" : "\n");
    for (Path f : ruleFiles) {
      y.append("  - ").append(quote(f.toString())).append("\n");
    }
    if (alertmanagerUrlOrNull != null) {
      URI am = URI.create(alertmanagerUrlOrNull);
      if (am.getHost() == null || am.getPort() < 0) {
        fail("the Alertmanager URL must be scheme://host:port[/prefix], got " + alertmanagerUrlOrNull);
      }
      String prefix = am.getPath() == null || am.getPath().isEmpty() ? "/" : am.getPath();
      y.append("alerting:\n");
      y.append("  alertmanagers:\n");
      y.append("    - scheme: ").append(am.getScheme()).append("\n");
      y.append("      path_prefix: ").append(quote(prefix)).append("\n");
      y.append("      static_configs:\n");
      y.append("        - targets: [").append(quote(am.getHost() + ":" + am.getPort())).append("]\n");
    }
    y.append("scrape_configs:\n");
    y.append("  - job_name: ").append(quote(JOB)).append("\n");
    y.append("    static_configs:\n");
    y.append("      - targets: [")
        .append(targets.stream().map(PrometheusServer::quote).collect(Collectors.joining(", ")))
        .append("]\n");
    if (!targetLabels.isEmpty()) {
      y.append("        labels:\n");
      targetLabels.forEach((k, v) -> y.append("          ").append(k).append(": ")
          .append(quote(v)).append("\n"));
    }
    return y.toString();
  }

  /** A YAML double-quoted scalar (JSON's string syntax is valid YAML). */
  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
