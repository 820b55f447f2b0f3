package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who can read /metrics, end to end: a service started with the flags of docs/operating.md
 * ("Who can read /metrics") serves /metrics over HTTPS behind basic authentication, and a real
 * Prometheus configured with that page's scrape job, as written, scrapes it; the same job with a
 * wrong password is refused. The refused scrapes are Weft's count, never the application's HTTP
 * metrics.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MetricsAccessSmokeTest extends ServiceSmokeTest {

  private static final String SECTION = "## Who can read /metrics";
  private static final String PASSWORD = "scrape-password-" + System.nanoTime();
  private static final String KEYSTORE_PASSWORD = "keystore-password-" + System.nanoTime();
  private static final String WRONG_JOB = "checkout-wrong-password";

  @TempDir Path tmp;

  @Test
  void prometheusWithTheDocumentedJobScrapesOverTlsAndAWrongPasswordIsRefused() throws Exception {
    String section = section();
    List<String> documentedFlags = agentFlags(codeBlock(section, "```sh", "-javaagent"));
    String documentedJob = codeBlock(section, "```yaml", "scrape_configs:");

    Path passwordFile = Files.writeString(tmp.resolve("password"), PASSWORD + "\n");
    Path wrongPasswordFile = Files.writeString(tmp.resolve("wrong"), PASSWORD + "-not\n");
    Path keystorePasswordFile =
        Files.writeString(tmp.resolve("keystore-password"), KEYSTORE_PASSWORD + "\n");
    Path keystore = tmp.resolve("weft-metrics.p12");
    Path certificate = tmp.resolve("weft-metrics.pem");
    keytool("-genkeypair", "-alias", "weft-metrics", "-keyalg", "EC", "-groupname", "secp256r1",
        "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
        "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass:file", keystorePasswordFile.toString());
    keytool("-exportcert", "-rfc", "-alias", "weft-metrics", "-keystore", keystore.toString(),
        "-storepass:file", keystorePasswordFile.toString(), "-file", certificate.toString());

    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    List<String> jvmArgs = replaceValues(documentedFlags, Map.of(
        "/run/secrets/weft-metrics-password", passwordFile.toString(),
        "/run/secrets/weft-metrics.p12", keystore.toString(),
        "/run/secrets/weft-metrics.p12.password", keystorePasswordFile.toString()));
    jvmArgs.add("-Dweft.metrics.host=127.0.0.1");
    jvmArgs.add("-Dweft.metrics.port=" + metricsPort);
    service = Services.jdkHttpService("MetricsAccessSmokeTest", SmokeEnv.currentJava(), true,
        appPort, jvmArgs.toArray(new String[0]));

    String served = "metrics at https://127.0.0.1:" + metricsPort + "/metrics";
    Poll.until(Poll.deadline(Duration.ofSeconds(30)),
        () -> service.weftLines().stream().anyMatch(l -> l.contains(served)),
        "no [weft] line says '" + served + "'\n" + service.describe());
    HttpClient client = Http.newClient();
    HttpResponse<String> hello = Http.get(client, Http.url(appPort, "/hello"));
    assertEquals(200, hello.statusCode());

    String job = replaceOnce(documentedJob, Map.of(
        "/etc/prometheus/secrets/weft-metrics-password", passwordFile.toString(),
        "/etc/prometheus/secrets/weft-metrics.pem", certificate.toString(),
        "checkout.internal:9464", "127.0.0.1:" + metricsPort));
    String wrongJob = replaceOnce(job, Map.of(
        "job_name: checkout", "job_name: " + WRONG_JOB,
        passwordFile.toString(), wrongPasswordFile.toString()));
    String jobs = withoutFirstLine(job, "scrape_configs:") + withoutFirstLine(wrongJob, "scrape_configs:");

    try (PrometheusServer prometheus = PrometheusServer.start(tmp.resolve("prometheus"),
        List.of(), Map.of(), List.of(), null, jobs)) {
      Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)),
          () -> valuesByJob(prometheus, "up"),
          up -> "1".equals(up.get("checkout")) && "0".equals(up.get(WRONG_JOB)),
          up -> "up by job should be checkout=1, " + WRONG_JOB + "=0, is " + up + "\n"
              + prometheus.describe());
      // Refused scrapes have reached Weft's server by now, and are Weft's count.
      Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)),
          () -> valuesByJob(prometheus, "weft_metrics_scrapes_rejected_total"),
          rejected -> rejected.containsKey("checkout")
              && Double.parseDouble(rejected.get("checkout")) >= 2,
          rejected -> "weft_metrics_scrapes_rejected_total by job: " + rejected);

      JsonNode requests = prometheus.query("http_requests_total{job=\"checkout\"}")
          .path("data").path("result");
      assertEquals(1, requests.size(), "only the application's /hello is an HTTP request of the"
          + " application; neither the accepted nor the refused scrapes are: " + requests);
      assertEquals("/hello", requests.get(0).path("metric").path("endpoint").asText(), requests.toString());
      assertEquals("200", requests.get(0).path("metric").path("status").asText(), requests.toString());
      assertEquals("1", requests.get(0).path("value").get(1).asText(), requests.toString());
      assertEquals(1, prometheus.query("weft_agent_info{job=\"checkout\"}")
          .path("data").path("result").size());
    }

    for (String line : service.stdoutLines()) {
      assertFalse(line.contains(PASSWORD) || line.contains(KEYSTORE_PASSWORD), line);
    }
    for (String line : service.stderrLines()) {
      assertFalse(line.contains(PASSWORD) || line.contains(KEYSTORE_PASSWORD), line);
    }
  }

  /** The text of docs/operating.md from {@link #SECTION} to the next heading of its level. */
  private static String section() throws IOException {
    String page = Files.readString(
        DeployMetricNamesTest.root().resolve("docs/operating.md"), StandardCharsets.UTF_8);
    int start = page.indexOf(SECTION);
    assertTrue(start >= 0, "docs/operating.md has no section '" + SECTION + "'");
    int end = page.indexOf("\n## ", start + SECTION.length());
    return end < 0 ? page.substring(start) : page.substring(start, end);
  }

  /** The body of the first fenced block opened by {@code fence} whose body contains {@code marker}. */
  private static String codeBlock(String section, String fence, String marker) {
    Matcher m = Pattern.compile(Pattern.quote(fence) + "\n(.*?)```", Pattern.DOTALL).matcher(section);
    while (m.find()) {
      if (m.group(1).contains(marker)) {
        return m.group(1);
      }
    }
    throw new AssertionError("no " + fence + " block with '" + marker + "' in:\n" + section);
  }

  /** The {@code -Dweft.*} flags of a shell command. */
  private static List<String> agentFlags(String command) {
    List<String> flags = new ArrayList<>();
    for (String token : command.split("\\s+")) {
      if (token.startsWith("-Dweft.")) {
        flags.add(token);
      }
    }
    assertEquals(4, flags.size(), "the documented command's -Dweft.* flags: " + command);
    return flags;
  }

  /** Each flag whose value is a key of {@code values} with that key's value; each key used once. */
  private static List<String> replaceValues(List<String> flags, Map<String, String> values) {
    List<String> out = new ArrayList<>();
    Map<String, String> unused = new TreeMap<>(values);
    for (String flag : flags) {
      int eq = flag.indexOf('=');
      String value = flag.substring(eq + 1);
      if (values.containsKey(value)) {
        out.add(flag.substring(0, eq + 1) + values.get(value));
        unused.remove(value);
      } else {
        out.add(flag);
      }
    }
    assertEquals(Map.of(), unused, "values not found in the documented flags " + flags);
    return out;
  }

  /** {@code text} with each key replaced by its value; each key must occur exactly once. */
  private static String replaceOnce(String text, Map<String, String> replacements) {
    String out = text;
    for (Map.Entry<String, String> r : replacements.entrySet()) {
      int first = out.indexOf(r.getKey());
      if (first < 0 || out.indexOf(r.getKey(), first + 1) >= 0) {
        fail("'" + r.getKey() + "' should occur exactly once in:\n" + out);
      }
      out = out.replace(r.getKey(), r.getValue());
    }
    return out;
  }

  private static String withoutFirstLine(String block, String expected) {
    int nl = block.indexOf('\n');
    assertEquals(expected, block.substring(0, nl), block);
    return block.substring(nl + 1);
  }

  /** job -> value of an instant query that returns one series per job. */
  private static Map<String, String> valuesByJob(PrometheusServer prometheus, String promql) {
    Map<String, String> byJob = new TreeMap<>();
    for (JsonNode series : prometheus.query(promql).path("data").path("result")) {
      byJob.put(series.path("metric").path("job").asText(), series.path("value").get(1).asText());
    }
    return byJob;
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(SmokeEnv.currentJava().resolveSibling("keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      fail("keytool failed: " + command + "\n" + new String(output, StandardCharsets.UTF_8));
    }
  }
}
