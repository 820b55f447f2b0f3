package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A JDK 25 AOT cache made with Weft attached, then used with Weft attached: the training run
 * writes the cache (with java.lang.Thread woven, JDK 25.0.3 crashed while writing it), and the
 * run that uses it counts its requests exactly.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AotCacheSmokeTest extends ServiceSmokeTest {

  private static final int REQUESTS = 20;

  @Test
  void aCacheTrainedWithTheAgentIsWrittenAndUsed() throws Exception {
    Path temurin25 = Path.of(SmokeEnv.TEMURIN_25_HOME);
    assertTrue(Files.isExecutable(SmokeEnv.javaOf(temurin25)),
        "Temurin 25 is needed at " + temurin25 + " (the AOT cache is a JDK 25 feature)");
    Path cache = SmokeEnv.logDir().resolve("AotCacheSmokeTest.aot");
    Files.deleteIfExists(cache);
    HttpClient client = Http.newClient();

    // Training run: a few requests, then a normal exit, at which the JVM writes the cache.
    int trainingPort = SmokeEnv.freePort();
    service = Services.jdkHttpService(
        ServiceProcess.builder("AotCacheSmokeTest-training")
            .javaHome(temurin25)
            .agent(SmokeEnv.agentJar())
            .jvmArgs("-XX:AOTCacheOutput=" + cache, "-Dweft.metrics.port=0",
                "-Dotel.traces.exporter=none"),
        trainingPort);
    for (int i = 0; i < 5; i++) {
      assertEquals(200, Http.get(client, Http.url(trainingPort, "/hello")).statusCode());
    }
    ProcessHandle.of(service.pid()).ifPresent(ProcessHandle::destroy);
    service.awaitExit(Duration.ofSeconds(90));
    List<String> training = output(service);
    assertTrue(training.stream().noneMatch(l -> l.contains("SIGSEGV") || l.contains("fatal error")),
        "the JVM crashed writing the AOT cache:\n" + String.join("\n", training));
    assertTrue(training.stream().anyMatch(l -> l.contains("AOTCache creation is complete")),
        "no AOT cache written:\n" + String.join("\n", training));
    assertTrue(training.stream().anyMatch(l -> l.contains("writes a class-data archive")),
        "Weft did not say it leaves java.lang alone in a training run:\n"
            + String.join("\n", training));
    assertTrue(Files.size(cache) > 0, "empty cache " + cache);
    service.close();
    service = null;

    // A run that uses the cache: Weft weaves as always and counts every request.
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = Services.jdkHttpService(
        ServiceProcess.builder("AotCacheSmokeTest-production")
            .javaHome(temurin25)
            .agent(SmokeEnv.agentJar())
            .jvmArgs("-XX:AOTCache=" + cache, "-Xlog:aot=warning", "-Dweft.metrics.port=" + metricsPort,
                "-Dotel.traces.exporter=none"),
        appPort);
    MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
    for (int i = 0; i < REQUESTS; i++) {
      HttpResponse<String> r = Http.get(client, Http.url(appPort, "/hello"));
      assertEquals(200, r.statusCode(), r.body());
    }
    Map<String, String> hello = Map.of("method", "GET", "endpoint", "/hello", "status", "200");
    MetricsScrape after = Poll.untilValue(Poll.deadline(Duration.ofSeconds(30)),
        () -> Http.scrape(client, metricsPort),
        s -> s.valueOrZero("http_requests_total", hello)
            - before.valueOrZero("http_requests_total", hello) >= REQUESTS,
        s -> "http_requests_total for /hello never grew by " + REQUESTS + "\n" + s.names());
    assertEquals(REQUESTS,
        after.valueOrZero("http_requests_total", hello)
            - before.valueOrZero("http_requests_total", hello),
        "requests counted with the cache in use");
    List<String> lines = output(service);
    assertEquals(List.of(),
        lines.stream().filter(l -> l.contains("[error]") || l.contains("Unable to use"))
            .collect(Collectors.toList()),
        "the JVM refused the cache");
  }

  private static List<String> output(ServiceProcess service) {
    return Stream.concat(service.stdoutLines().stream(), service.stderrLines().stream())
        .collect(Collectors.toList());
  }
}
