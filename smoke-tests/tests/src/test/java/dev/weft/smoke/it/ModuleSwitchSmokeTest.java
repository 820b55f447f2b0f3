package dev.weft.smoke.it;

import static dev.weft.smoke.it.MetricsScrape.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every module can be switched off by name, from any configuration source. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ModuleSwitchSmokeTest extends ServiceSmokeTest {


  @Test
  void disabledModuleIsNotWovenAndWeftStillServesMetrics(@TempDir Path dir) throws Exception {
    // From the configuration file, the weakest source: proves the file is read too.
    Path file = dir.resolve("weft.properties");
    Files.writeString(file, "weft.modules.disabled=http-server-jdk\n");
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service =
        Services.jdkHttpService(
            "ModuleSwitchSmokeTest",
            SmokeEnv.currentJava(),
            true,
            appPort,
            "-Dweft.metrics.port=" + metricsPort,
            "-Dweft.config.file=" + file);
    HttpClient client = Http.newClient();
    Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);

    for (int i = 0; i < 10; i++) {
      assertEquals(200, Http.get(client, Http.url(appPort, "/hello")).statusCode());
    }
    // The start-up line is written once the server is up, so it is there by now.
    Poll.until(
        Poll.deadline(Duration.ofSeconds(10)),
        // Other bundled modules (servlet-*) are still applied; only the disabled one is missing.
        () -> service.weftLines().stream()
            .anyMatch(l -> l.contains("modules applied: ") && !l.contains("http-server-jdk")),
        "the start-up line should not list http-server-jdk as applied\n" + service.describe());

    MetricsScrape after = Http.scrape(client, metricsPort);
    assertEquals(
        0.0,
        after.sum("http_requests_total", l -> true),
        "a disabled module records nothing:\n" + after.series("http_requests_total"));
    assertTrue(after.find("weft_agent_info", labels()).isPresent());
    List<String> errors =
        service.weftLines().stream().filter(l -> l.contains(" ERROR ")).collect(Collectors.toList());
    assertEquals(List.of(), errors);
  }

  @Test
  void unknownModuleNameIsOneWarningAndNothingElseChanges() throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service =
        Services.jdkHttpService(
            "ModuleSwitchSmokeTest-unknown",
            SmokeEnv.currentJava(),
            true,
            appPort,
            "-Dweft.metrics.port=" + metricsPort,
            "-Dweft.modules.disabled=http-server-jdkk");
    HttpClient client = Http.newClient();
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
    for (int i = 0; i < 5; i++) {
      assertEquals(200, Http.get(client, Http.url(appPort, "/hello")).statusCode());
    }
    Poll.until(
        Poll.deadline(Duration.ofSeconds(20)),
        () ->
            Http.scrape(client, metricsPort).valueOrZero("http_requests_total", labels("endpoint", "/hello"))
                    - before.valueOrZero("http_requests_total", labels("endpoint", "/hello"))
                == 5,
        "http-server-jdk must still count /hello\n" + service.describe());
    List<String> warnings =
        service.weftLines().stream()
            .filter(l -> l.contains("http-server-jdkk"))
            .collect(Collectors.toList());
    assertEquals(1, warnings.size(), String.valueOf(warnings));
    assertTrue(warnings.get(0).startsWith("[weft] WARN "), warnings.get(0));
  }
}
